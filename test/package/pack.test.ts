// The package as a user gets it: `npm pack` holds the built library and nothing of the repository's
// workshop, and the tarball installed into a fresh project works from ESM, CommonJS and TypeScript.
// It packs the dist/ already built (`npm run build`), so a stale dist tests stale code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const root = resolve('.');
const require = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'nabla-pack-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function run(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NABLA_BACKEND: process.env.NABLA_BACKEND ?? '' } });
  return { status: r.status, out: (r.stdout ?? '') + (r.stderr ?? ''), stdout: r.stdout ?? '' };
}

/** Every file an `exports` entry points at, through the nested conditions. */
function exportTargets(entry: unknown): string[] {
  if (typeof entry === 'string') return [entry.replace(/^\.\//, '')];
  return Object.values(entry as Record<string, unknown>).flatMap(exportTargets);
}

interface PackResult { filename: string; files: { path: string }[]; entryCount: number; size: number }
let packed: PackResult | undefined;
function pack(): PackResult {
  if (packed) return packed;
  assert.ok(existsSync(join(root, 'dist/src/node.js')), 'dist/ is missing: run `npm run build` first');
  const r = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], root);
  assert.equal(r.status, 0, r.out);
  packed = (JSON.parse(r.stdout) as PackResult[])[0]!;
  return packed;
}

test('npm pack holds dist, README, LICENSE and the evaluation data, and nothing of the workshop', () => {
  const { files, entryCount, size } = pack();
  const paths = files.map((f) => f.path);
  for (const required of ['package.json', 'README.md', 'LICENSE', 'data/eval/analogies.txt', ...exportTargets(pkg.exports), pkg.bin.nabla.replace(/^\.\//, '')]) {
    assert.ok(paths.includes(required), `${required} is not in the tarball`);
  }
  const strays = paths.filter((p) => /^(test|tools|bench|examples|scripts|src|\.ci)\//.test(p) || p.endsWith('.tsbuildinfo'));
  assert.deepEqual(strays, [], 'workshop files in the tarball');
  const kernelDeclarations = paths.filter((p) => /^dist\/src\/backend\/wasm\/kernels-.*\.generated\.d\.ts$/.test(p));
  assert.deepEqual(kernelDeclarations, [], 'the kernels\' declarations (the wasm bytes as a string type) are not needed by anyone');
  for (const target of Object.values(pkg.browser as Record<string, string>).filter((t) => t.startsWith('./dist/'))) {
    assert.ok(paths.includes(target.slice(2)), `${target} (package.json browser field) is not in the tarball`);
  }
  console.log(`npm pack: ${entryCount} files, ${(size / 1024).toFixed(0)} kB`);
});

// npm resolves a package's dependencies from their registry documents, which the cache may not hold even
// when it holds every tarball; an application's lockfile names the tarballs directly. This one is made
// from nabla's own lockfile (its production entries), so the install needs nothing but the npm cache.
function consumerLock(tarball: string): object {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; version: string; resolved?: string }> };
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  const packages: Record<string, object> = {
    '': { name: 'consumer', version: '1.0.0', dependencies: { nabla: `file:${tarball}` } },
    'node_modules/nabla': { version: pkg.version, resolved: `file:${tarball}`, integrity, license: pkg.license, dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path.startsWith('node_modules/') || entry.dev) continue;
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    packages[path] = { resolved: `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${entry.version}.tgz`, ...entry };
  }
  return { name: 'consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages };
}

const esmScript = `
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from 'nabla';
import { SimpleCNN, SimpleLSTM } from 'nabla/models';
import { linePlot, savePng, decodePng, ProgressBar } from 'nabla/plot';
import { readFileSync } from 'node:fs';

nb.manualSeed(0);
const model = new SimpleCNN();
const x = nb.randn([2, 1, 28, 28]);
const loss = new nb.nn.CrossEntropyLoss().call(model.call(x), nb.tensor([3, 7], { dtype: 'int32' }));
loss.backward();
const out = mkdtempSync(join(tmpdir(), 'consumer-'));
nb.save(model.stateDict(), join(out, 'cnn.safetensors'));
const again = new SimpleCNN();
again.loadStateDict(nb.load(join(out, 'cnn.safetensors')));
const same = nb.noGrad(() => model.call(x).sub(again.call(x)).abs().max().item());
savePng(join(out, 'plot.png'), linePlot({ width: 400, height: 300, series: [{ label: 'loss', values: [3, 2, 1] }] }));
const png = decodePng(readFileSync(join(out, 'plot.png')));
const lines = [];
const bar = new ProgressBar({ total: 2, stream: (s) => lines.push(s) });
bar.update(1);
bar.finish({ loss: loss.item() }, 2);
const lstm = new SimpleLSTM(1, 4, 1, { steps: 'every' });
console.log(JSON.stringify({ loss: loss.item(), gradShape: model.conv1.weight.grad.shape, same, png: [png.width, png.height], bar: lines.join(''), lstm: lstm.forward(nb.zeros([1, 5, 1])).shape }));
`;

const cjsScript = `
const out = {};
try { out.required = typeof require('nabla').tensor; } catch (e) { out.requireError = e.code; }
import('nabla').then(async (nb) => {
  const models = await import('nabla/models');
  out.sum = nb.tensor([1, 2, 3]).sum().item();
  out.translator = typeof models.Translator;
  console.log(JSON.stringify(out));
});
`;

const typedScript = `
import * as nb from 'nabla';
import { SimpleCNN, Translator } from 'nabla/models';
import { heatmap, type RgbaImage } from 'nabla/plot';

const model: nb.nn.Module = new SimpleCNN();
const y: nb.Tensor = model.call(nb.zeros([1, 1, 28, 28]));
const optimizer = new nb.optim.Adam(model.parameters(), { lr: 1e-3 });
optimizer.zeroGrad();
const image: RgbaImage = heatmap({ matrix: [[1, 0], [0, 1]], rowLabels: ['a', 'b'], colLabels: ['a', 'b'] });
const width: number = image.width + y.numel();
// The declarations are really read: a Tensor's item() is a number, not any.
// @ts-expect-error
const wrong: string = y.item();
export { width, wrong, Translator };
`;

test('the tarball installs into a fresh project and works from ESM, CommonJS and TypeScript', { timeout: 240_000 }, async (t) => {
  const tarball = join(dir, pack().filename);
  const project = join(dir, 'consumer');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, dependencies: { nabla: `file:${tarball}` } }, null, 2));
  writeFileSync(join(project, 'package-lock.json'), JSON.stringify(consumerLock(tarball), null, 2));
  const started = performance.now();
  const install = run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], project);
  if (install.status !== 0 && /ENOTCACHED|only-if-cached/.test(install.out)) {
    t.skip(`npm cannot install nabla's dependencies from the local cache alone (${install.out.split('\n').find((l) => /ENOTCACHED/.test(l))?.trim()}); run \`npm install\` once with the registry to fill it`);
    return;
  }
  assert.equal(install.status, 0, install.out);
  console.log(`npm ci --offline in a fresh project: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  assert.ok(!existsSync(join(project, 'node_modules/nabla/src')), 'the installed package carries sources');

  writeFileSync(join(project, 'esm.mjs'), esmScript);
  const esm = run(process.execPath, ['esm.mjs'], project);
  assert.equal(esm.status, 0, esm.out);
  const e = JSON.parse(esm.stdout.trim().split('\n').at(-1)!);
  assert.ok(Number.isFinite(e.loss) && e.loss > 0, `loss ${e.loss}`);
  assert.deepEqual(e.gradShape, [32, 1, 3, 3]);
  assert.equal(e.same, 0, 'weights saved and loaded give the same logits');
  assert.deepEqual(e.png, [400, 300]);
  assert.match(e.bar, /2\/2/);
  assert.deepEqual(e.lstm, [1, 5, 1]);

  writeFileSync(join(project, 'cjs.cjs'), cjsScript);
  const cjs = run(process.execPath, ['cjs.cjs'], project);
  assert.equal(cjs.status, 0, cjs.out);
  const c = JSON.parse(cjs.stdout.trim().split('\n').at(-1)!);
  assert.equal(c.sum, 6);
  assert.equal(c.translator, 'function');
  // nabla is ESM only: require() works where Node can require ES modules (20.19+, 22.12+), else import().
  const requireModule = (process.features as { require_module?: boolean }).require_module === true;
  if (requireModule) assert.equal(c.required, 'function', cjs.out);
  else assert.equal(c.requireError, 'ERR_REQUIRE_ESM', cjs.out);

  writeFileSync(join(project, 'typed.ts'), typedScript);
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { module: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, typeRoots: [join(root, 'node_modules/@types')], types: ['node'] },
    files: ['typed.ts'],
  }));
  const tsc = run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], project);
  assert.equal(tsc.status, 0, tsc.out);

  // A browser bundle of the installed package takes the browser field's kernel loader: each build a chunk.
  writeFileSync(join(project, 'page.js'), "import * as nb from 'nabla';\nconsole.log(nb.tensor([1, 2]).sum().item());\n");
  const { metafile } = await build({
    entryPoints: [join(project, 'page.js')], absWorkingDir: project, bundle: true, splitting: true, format: 'esm',
    platform: 'browser', outdir: join(project, 'out'), write: false, metafile: true, logLevel: 'silent',
  });
  const inputs = Object.keys(metafile.inputs);
  assert.ok(inputs.includes('node_modules/nabla/dist/src/backend/wasm/kernels-browser.js'), inputs.join('\n'));
  assert.ok(!inputs.includes('node_modules/nabla/dist/src/backend/wasm/kernels-node.js'), 'the browser bundle holds the Node kernel loader');
  const kernelChunks = Object.values(metafile.outputs).filter((o) => Object.keys(o.inputs).some((i) => /kernels-[a-z-]+\.generated\.js$/.test(i)));
  assert.equal(kernelChunks.length, 4);
});
