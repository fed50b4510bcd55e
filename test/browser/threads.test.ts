// nabla in a real browser (Chromium, headless): the browser entry loads, trains, and uses Web Worker
// threads on a cross-origin-isolated page (identical results to one thread), one thread elsewhere.
// Skipped where no Chromium is installed (CHROMIUM_PATH, or chromium / chromium-browser / google-chrome).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findChromium, pageServer, runInChromium } from '../helpers/headless-chromium.js';
import { build } from 'esbuild';

const chromium = findChromium();

interface PageReport {
  variant: string; crossOriginIsolated: boolean; backend: string; threads?: number; workerChunks?: number;
  losses1?: number[]; losses2?: number[]; gemmIdentical?: boolean; error?: string;
}

test('browser: Web Worker threads on an isolated page give one thread\'s results; a plain page runs on one thread', {
  skip: chromium ? false : 'no Chromium installed', timeout: 180_000,
}, async () => {
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('./threads-page.ts', import.meta.url))],
    bundle: true, splitting: true, format: 'esm', platform: 'browser', outdir: join(tmpdir(), 'nabla-threads-test'),
    write: false, logLevel: 'silent',
  });
  const files = new Map(bundle.outputFiles.map((f) => [basename(f.path), f.text]));
  /** The kernel chunks each page fetched. */
  const kernelRequests = new Map<string, string[]>();
  const reports = new Map<string, PageReport>();
  let gotAll: () => void = () => {};
  const allIn = new Promise<void>((resolve) => { gotAll = resolve; });
  const isolatedPage = (url: string) => url.startsWith('/isolated');
  const server = pageServer({
    files, script: 'threads-page.js', isolated: isolatedPage,
    onPost: (_url, body) => {
      const r = JSON.parse(body) as PageReport;
      reports.set(r.variant, r);
      if (reports.size === 2) gotAll();
    },
    onFile: (name, url) => {
      const page = isolatedPage(url) ? '/isolated/' : '/plain/';
      if (name.startsWith('kernels-')) kernelRequests.set(page, [...kernelRequests.get(page) ?? [], name]);
    },
  });
  await runInChromium(chromium!, server, '/isolated/', allIn, 150_000, () => `pages reported ${[...reports.keys()].join(', ') || 'nothing'} within 150 s`);
  const isolated = reports.get('/isolated/')!, plain = reports.get('/plain/')!;
  for (const r of [isolated, plain]) {
    assert.equal(r.error, undefined, `${r.variant}: ${r.error}`);
    assert.equal(r.backend, 'wasm');
    assert.ok(r.losses1!.every(Number.isFinite) && r.losses1![2]! < r.losses1![0]!, `${r.variant}: losses ${r.losses1}`);
    assert.deepEqual(r.losses2, r.losses1, `${r.variant}: training with threads gave other losses`);
    assert.equal(r.gemmIdentical, true, `${r.variant}: the 2-thread GEMM differs from 1 thread`);
  }
  assert.equal(isolated.crossOriginIsolated, true);
  assert.equal(isolated.threads, 2);
  assert.ok(isolated.workerChunks! > 0, 'no chunk ran on a Web Worker');
  assert.equal(plain.crossOriginIsolated, false);
  assert.equal(plain.threads, 1);
  // Each page fetched one kernel build: the shared one only where workers can share its memory.
  assert.equal(kernelRequests.get('/isolated/')?.length, 1, `isolated page fetched ${kernelRequests.get('/isolated/')}`);
  assert.match(kernelRequests.get('/isolated/')![0]!, /^kernels-(relaxed-)?shared\.generated-/);
  assert.equal(kernelRequests.get('/plain/')?.length, 1, `plain page fetched ${kernelRequests.get('/plain/')}`);
  assert.match(kernelRequests.get('/plain/')![0]!, /^kernels-(relaxed|plain)\.generated-/);
});
