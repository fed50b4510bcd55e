/**
 * `npm run bench -- browser`: the SimpleCNN training step (batch 64, SGD momentum 0.9) in headless
 * Chromium (/usr/bin/chromium or CHROMIUM_PATH; a cross-origin-isolated page, so nabla can use 2
 * threads) with nabla on the page's main thread and in a Web Worker (where the playground trains), and
 * with TensorFlow.js in the same page, next to nabla in Node on the same machine.
 */
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import * as nb from '../src/node.js';
import { SimpleCNN } from '../src/models/cnn.js';
import { timeWallAndCpu, type BenchRow } from './report.js';
import { pageServer } from '../test/helpers/headless-chromium.js';

const CASE = 'SimpleCNN train step, batch 64 (SGD momentum 0.9)';
const PAGE_LIMIT_MS = 240_000;

function nodeRow(threads: number): BenchRow {
  nb.setNumThreads(threads);
  nb.manualSeed(0);
  const model = new SimpleCNN();
  const optimizer = new nb.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const x = nb.randn([64, 1, 28, 28]), y = nb.randint(0, 10, [64], { dtype: 'int32' });
  const t = timeWallAndCpu(() => {
    optimizer.zeroGrad();
    const loss = nb.F.crossEntropy(model.call(x), y);
    loss.backward();
    optimizer.step();
    loss.item();
  }, { warmup: 2, minRuns: 3, minSeconds: 3 });
  return { group: 'browser', name: CASE, system: `nabla wasm in Node ${process.versions.node} (${threads} thread${threads === 1 ? '' : 's'})`, value: 64 / t.wall, unit: 'samples/s', detail: { runs: t.runs } };
}

interface PageRow { system: string; samplesPerSecond: number | null; runs: number; note?: string }

async function chromiumRows(): Promise<BenchRow[]> {
  const executablePath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium'].find((p): p is string => !!p && existsSync(p));
  if (!executablePath) return [{ group: 'browser', name: CASE, system: 'Chromium', value: NaN, unit: 'samples/s', note: 'no Chromium installed' }];
  const bundle = await build({
    entryPoints: [fileURLToPath(new URL('./browser-page.ts', import.meta.url))],
    bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent', external: ['node:*'],
  });
  const rows: PageRow[] = [];
  let finished: () => void = () => {};
  const ended = new Promise<void>((resolve) => { finished = resolve; });
  const server = pageServer({
    files: new Map([['page.js', bundle.outputFiles[0]!.text]]), script: '/page.js', isolated: () => true,
    onPost: (_url, body) => {
      const row = JSON.parse(body) as PageRow | 'end';
      if (row === 'end') finished();
      else {
        rows.push(row);
        console.error(`bench: ${row.system}: ${row.samplesPerSecond?.toFixed(1) ?? row.note} samples/s`);
      }
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => { timer = setTimeout(resolve, PAGE_LIMIT_MS); });
    await Promise.race([ended, limit]);
    clearTimeout(timer);
    if (rows.length < 6) rows.push({ system: 'the rest (TF.js)', samplesPerSecond: null, runs: 0, note: `not finished within ${PAGE_LIMIT_MS / 1000} s` });
    const version = browser.version();
    return rows.map((r) => ({
      group: 'browser', name: CASE, system: `${r.system} ${version}`, value: r.samplesPerSecond ?? NaN, unit: 'samples/s',
      ...(r.note ? { note: r.note } : {}), detail: { runs: r.runs },
    }));
  } finally {
    await browser.close();
    server.close();
  }
}

/** The browser group's rows: Chromium first, then Node. */
export async function benchBrowser(): Promise<BenchRow[]> {
  const rows = await chromiumRows();
  rows.push(nodeRow(1), nodeRow(2));
  nb.setNumThreads(1);
  return rows;
}
