// Runs in Chromium, bundled by bench/browser.ts: the SimpleCNN training step (batch 64, SGD momentum 0.9,
// random data) with nabla on 1 and 2 threads, then with TensorFlow.js in the same page; posts the rows.
import * as nb from '../src/index.js';
import { SimpleCNN } from '../src/models/cnn.js';
import * as tf from '@tensorflow/tfjs';
import { buildTfjsSimpleCnn } from './tfjs-simple-cnn.js';

interface PageRow { system: string; samplesPerSecond: number | null; runs: number; note?: string }

async function medianSeconds(step: () => void | Promise<void>, { warmup = 2, minRuns = 3, minSeconds = 3 } = {}): Promise<{ s: number; runs: number }> {
  for (let i = 0; i < warmup; i++) await step();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minRuns || performance.now() - start < minSeconds * 1000) {
    const t0 = performance.now();
    await step();
    times.push((performance.now() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  return { s: times[Math.floor(times.length / 2)]!, runs: times.length };
}

async function nablaRow(threads: number, where = 'in Chromium'): Promise<PageRow> {
  nb.setNumThreads(threads);
  const got = await nb.threadsReady();
  nb.manualSeed(0);
  const model = new SimpleCNN();
  const optimizer = new nb.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const x = nb.randn([64, 1, 28, 28]), y = nb.randint(0, 10, [64], { dtype: 'int32' });
  const { s, runs } = await medianSeconds(() => {
    optimizer.zeroGrad();
    const loss = nb.F.crossEntropy(model.call(x), y);
    loss.backward();
    optimizer.step();
    loss.item();
  });
  return { system: `nabla wasm ${where} (${got} thread${got === 1 ? '' : 's'})`, samplesPerSecond: 64 / s, runs };
}

async function tfjsRow(backend: string, batch: number): Promise<PageRow> {
  try {
    if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
    await tf.ready();
    const model = buildTfjsSimpleCnn();
    const optimizer = tf.train.momentum(0.01, 0.9);
    const x = tf.randomNormal([batch, 28, 28, 1]);
    const y = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32') as tf.Tensor1D, 10);
    const { s, runs } = await medianSeconds(async () => {
      const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar, true)!;
      await loss.data();
      loss.dispose();
    }, backend === 'cpu' ? { warmup: 1, minRuns: 2, minSeconds: 0 } : {});
    return { system: `TF.js ${tf.version.tfjs} ${backend} in Chromium${batch !== 64 ? ` (batch ${batch})` : ''}`, samplesPerSecond: batch / s, runs };
  } catch (e) {
    return { system: `TF.js ${tf.version.tfjs} ${backend} in Chromium`, samplesPerSecond: null, runs: 0, note: (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 120) };
  }
}

const send = (row: PageRow | 'end') => fetch('/result', { method: 'POST', body: JSON.stringify(row) });

/** The same step in a Web Worker of the page (where the playground trains; a worker may block in Atomics.wait). */
function inWorker(threads: number): Promise<PageRow> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL(import.meta.url), { type: 'module' });
    worker.onmessage = (e: MessageEvent<PageRow>) => { resolve(e.data); worker.terminate(); };
    worker.onerror = (e) => resolve({ system: 'nabla wasm in a Chromium Web Worker', samplesPerSecond: null, runs: 0, note: e.message });
    worker.postMessage(threads);
  });
}

/** Each row is posted when it is measured, so a slow peer cannot hide the others. */
async function main(): Promise<void> {
  try {
    await send(await nablaRow(1));
    if (globalThis.crossOriginIsolated) await send(await nablaRow(2));
    nb.setNumThreads(1);
    await send(await inWorker(1));
    if (globalThis.crossOriginIsolated) await send(await inWorker(2));
    nb.setNumThreads(1);
    await send(await tfjsRow('cpu', 16)); // plain JS: a few samples a second, so a smaller batch
    await send(await tfjsRow('webgl', 64)); // software GL here (no GPU): its shaders compile slowly
  } catch (e) {
    await send({ system: 'error', samplesPerSecond: null, runs: 0, note: e instanceof Error ? e.message : String(e) });
  }
  await send('end');
}

if (typeof document === 'undefined') {
  self.onmessage = async (e: MessageEvent<number>) => self.postMessage(await nablaRow(e.data, 'in a Chromium Web Worker'));
} else {
  void main();
}
