// Runs in Chromium, bundled by threads.test.ts: nabla's browser entry with Web Worker threads.
// Posts what it finds to /result: thread counts, GEMM and training results with 2 threads and 1.
import * as nb from '../../src/index.js';
import { sgemm } from '../../src/backend/wasm/gemm.js';
import { wasmThreadStats } from '../../src/backend/wasm/threads.js';

function random(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}

/** Three SGD steps of a small CNN from a fixed start; returns the losses. */
function trainLosses(): number[] {
  nb.manualSeed(0);
  const model = new nb.nn.Sequential(
    new nb.nn.Conv2d(1, 16, 3, { padding: 1 }), new nb.nn.ReLU(), new nb.nn.MaxPool2d(2),
    new nb.nn.Conv2d(16, 32, 3, { padding: 1 }), new nb.nn.ReLU(), new nb.nn.MaxPool2d(2),
    new nb.nn.Flatten(), new nb.nn.Linear(32 * 7 * 7, 10),
  );
  const optimizer = new nb.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  const x = nb.randn([32, 1, 28, 28]);
  const y = nb.randint(0, 10, [32]);
  const losses: number[] = [];
  for (let step = 0; step < 3; step++) {
    optimizer.zeroGrad();
    const loss = nb.F.crossEntropy(model.call(x), y);
    loss.backward();
    optimizer.step();
    losses.push(loss.item());
  }
  return losses;
}

async function main(): Promise<void> {
  const report: Record<string, unknown> = {
    variant: location.pathname,
    crossOriginIsolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated ?? false,
    backend: nb.getBackend().name,
  };
  try {
    nb.setNumThreads(2);
    report.threads = await nb.threadsReady();
    const [M, N, K] = [256, 384, 320];
    const a = random(M * K, 1), b = random(K * N, 2);
    const c2 = sgemm(false, false, M, N, K, a, b, new Float32Array(M * N));
    report.losses2 = trainLosses();
    report.workerChunks = wasmThreadStats().workerChunks;
    nb.setNumThreads(1);
    const c1 = sgemm(false, false, M, N, K, a, b, new Float32Array(M * N));
    report.losses1 = trainLosses();
    report.gemmIdentical = c1.every((v, i) => Object.is(v, c2[i]));
  } catch (e) {
    report.error = e instanceof Error ? `${e.message}\n${e.stack}` : String(e);
  }
  await fetch('/result', { method: 'POST', body: JSON.stringify(report) });
  // Headless Chromium opens one page: the isolated one goes on to the plain one.
  if (location.pathname === '/isolated/') location.assign('/plain/');
}

void main();
