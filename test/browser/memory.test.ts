// bench/memory.ts's check in a real browser (Chromium, headless): a training loop with no manual
// disposal keeps the page's memory flat across epochs. After each epoch the page waits while this
// test reads the resident memory of the browser's renderer processes; wasm memory, which cannot
// shrink, must stop growing once the first epoch has sized its scratch space. The page is
// cross-origin isolated, so the shared-memory build trains on two threads.
// Skipped where no Chromium is installed (CHROMIUM_PATH, or chromium / chromium-browser / google-chrome).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { findChromium, pageServer, runInChromium } from '../helpers/headless-chromium.js';

const chromium = process.platform === 'linux' ? findChromium() : null;
const MiB = 2 ** 20;

/** Resident bytes of the renderer processes below `root` (Linux /proc). */
function rendererRss(root: number): number {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch { /* gone meanwhile */ }
  }
  const below = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === root) return true;
    return false;
  };
  let bytes = 0;
  for (const pid of parent.keys()) {
    if (!below(pid)) continue;
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (rss) bytes += Number(rss[1]) * 1024;
    } catch { /* gone meanwhile */ }
  }
  return bytes;
}

interface Epoch { epoch: number; wasmBytes: number; rss: number }
interface Report { backend: string; threads?: number; losses?: number[]; retained?: number; error?: string }

/** Runs memory-page.ts (with `query`) and returns what it reported and the memory read after each epoch. */
async function runPage(query: string): Promise<{ report: Report; epochs: Epoch[] }> {
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('./memory-page.ts', import.meta.url))],
    bundle: true, splitting: true, format: 'esm', platform: 'browser', outdir: join(tmpdir(), 'nabla-memory-test'),
    write: false, logLevel: 'silent',
  });
  const files = new Map(bundle.outputFiles.map((f) => [basename(f.path), f.text]));
  const epochs: Epoch[] = [];
  let browserPid = 0;
  let done: (r: Report) => void = () => {};
  const reported = new Promise<Report>((resolve) => { done = resolve; });
  // cross-origin isolated: the shared-memory build with its Web Worker threads
  const server = pageServer({
    files, script: 'memory-page.js', isolated: () => true,
    onPost: (url, body) => {
      if (url === '/epoch') epochs.push({ ...JSON.parse(body) as Omit<Epoch, 'rss'>, rss: rendererRss(browserPid) });
      else done(JSON.parse(body) as Report);
    },
  });
  const report = await runInChromium(chromium!, server, `/${query}`, reported, 150_000,
    () => `the page reported ${epochs.length} epochs and no result within 150 s`, (pid) => { browserPid = pid; });
  return { report, epochs };
}

const megabytes = (epochs: Epoch[]) => epochs.map((e) => (e.rss / MiB).toFixed(0)).join(', ');

test('browser: memory stays flat across training epochs without disposal (wasm memory stops growing after the first)', {
  skip: chromium ? false : 'no Chromium installed (or not Linux)', timeout: 180_000,
}, async () => {
  const { report, epochs } = await runPage('');
  assert.equal(report.error, undefined, report.error);
  assert.equal(report.backend, 'wasm');
  assert.equal(report.threads, 2, 'the page trains on two threads');
  assert.ok(report.losses!.every(Number.isFinite), `losses ${report.losses}`);
  assert.equal(epochs.length, 8);
  assert.ok(epochs.every((e) => e.rss > 0), 'no renderer process found');
  // Each epoch allocates about 300 MB of activations and gradients, and the collector runs when it
  // likes: medians of three epochs, four epochs apart. Retaining one activation per step (48 MB an
  // epoch, memory-page.ts?retain=1) moved them by about 190 MB; without it they stay within ~15 MB.
  const median3 = (es: Epoch[]) => es.map((e) => e.rss).sort((a, b) => a - b)[1]!;
  assert.ok(median3(epochs.slice(5)) <= median3(epochs.slice(1, 4)) + 64 * MiB, `renderer resident MiB per epoch: ${megabytes(epochs)}`);
  for (const e of epochs.slice(2)) assert.equal(e.wasmBytes, epochs[1]!.wasmBytes, `wasm memory grew in epoch ${e.epoch}`);
});
