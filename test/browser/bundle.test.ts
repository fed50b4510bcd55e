// The browser bundle of a small training script (xor-page.ts), built as the README's esbuild recipe
// says: the entry holds no Node-only code and none of the four kernel builds; each build is a chunk
// of its own, and a page (Chromium, headless, where installed) fetches only the one its engine runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findChromium, pageServer, runInChromium } from '../helpers/headless-chromium.js';
import { build, type Metafile } from 'esbuild';

const outdir = join(tmpdir(), 'nabla-bundle-test');

async function bundleXor() {
  return build({
    entryPoints: [fileURLToPath(new URL('./xor-page.ts', import.meta.url))],
    bundle: true, splitting: true, format: 'esm', platform: 'browser', minify: true,
    outdir, write: false, metafile: true, logLevel: 'silent',
  });
}

/** The output files the entry imports statically (what a page loads before any dynamic import). */
function initialOutputs(meta: Metafile): string[] {
  const entry = Object.keys(meta.outputs).find((f) => meta.outputs[f]!.entryPoint)!;
  const seen = new Set<string>([entry]);
  for (const f of seen) {
    for (const i of meta.outputs[f]!.imports) if (i.kind === 'import-statement') seen.add(i.path);
  }
  return [...seen];
}

const kernelsInput = /kernels-(plain|shared|relaxed|relaxed-shared)\.generated\.ts$/;

test('browser bundle: no Node-only code, a small entry, the four kernel builds in four chunks of their own', async () => {
  const { metafile } = await bundleXor();
  const inputs = Object.keys(metafile.inputs);
  for (const nodeOnly of ['src/node.ts', 'src/io/node-io.ts', 'src/backend/wasm/kernels-node.ts']) {
    assert.ok(!inputs.includes(nodeOnly), `${nodeOnly} is in the browser bundle`);
  }
  for (const [file, out] of Object.entries(metafile.outputs)) {
    const external = out.imports.filter((i) => i.external || i.path.startsWith('node:'));
    assert.deepEqual(external, [], `${file} imports from outside the bundle`);
  }
  const initial = initialOutputs(metafile);
  const initialBytes = initial.reduce((sum, f) => sum + metafile.outputs[f]!.bytes, 0);
  assert.ok(initialBytes < 350_000, `the initial chunks are ${initialBytes} B`);
  for (const f of initial) {
    const kernels = Object.keys(metafile.outputs[f]!.inputs).filter((i) => kernelsInput.test(i));
    assert.deepEqual(kernels, [], `${f} (loaded at start) holds kernel builds`);
  }
  const kernelChunks = Object.entries(metafile.outputs).filter(([, o]) => Object.keys(o.inputs).some((i) => kernelsInput.test(i)));
  assert.equal(kernelChunks.length, 4, `kernel chunks: ${kernelChunks.map(([f]) => f).join(', ')}`);
  for (const [, o] of kernelChunks) {
    assert.equal(Object.keys(o.inputs).length, 1, 'a kernel chunk holds one build only');
    // one build is ~100 KB of base64; two in one chunk would be twice that
    assert.ok(o.bytes > 50_000 && o.bytes < 130_000, `a kernel chunk of ${o.bytes} B`);
  }
});

const chromium = findChromium();

interface XorReport { backend: string; features: { relaxedSimd: boolean; sharedMemory: boolean }; losses: number[] }

test('browser bundle: the page fetches the one kernel build its engine runs, and XOR trains on it', {
  skip: chromium ? false : 'no Chromium installed', timeout: 90_000,
}, async () => {
  const { outputFiles } = await bundleXor();
  const files = new Map(outputFiles.map((f) => [basename(f.path), f.text]));
  const requested: string[] = [];
  let gotReport: (r: XorReport) => void = () => {};
  const reported = new Promise<XorReport>((resolve) => { gotReport = resolve; });
  const server = pageServer({
    files, script: 'xor-page.js', isolated: () => false,
    onPost: (_url, body) => gotReport(JSON.parse(body) as XorReport),
    onFile: (name) => requested.push(name),
  });
  const report = await runInChromium(chromium!, server, '/', reported, 60_000, () => `no report within 60 s; requested ${requested.join(', ')}`);
  assert.equal(report.backend, 'wasm');
  assert.ok(report.losses.at(-1)! < report.losses[0]! / 4, `XOR losses ${report.losses[0]} -> ${report.losses.at(-1)}`);
  const variant = `${report.features.relaxedSimd ? 'relaxed' : 'plain'}${report.features.sharedMemory ? '-shared' : ''}`
    .replace('plain-shared', 'shared');
  const kernelRequests = requested.filter((name) => name.startsWith('kernels-'));
  assert.equal(kernelRequests.length, 1, `kernel chunks fetched: ${kernelRequests.join(', ')}`);
  assert.match(kernelRequests[0]!, new RegExp(`^kernels-${variant}\\.generated-`));
});
