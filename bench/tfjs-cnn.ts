/**
 * TensorFlow.js 4.22 twin of bench/cnn.ts: samples/s of the course's SimpleCNN on one tfjs backend.
 *
 *   node --import tsx bench/tfjs-cnn.ts --backend cpu|wasm [--train-steps 2] [--infer-reps 2] [--no-batch1000]
 *
 * Same model as nabla's SimpleCNN, in TF.js's NHWC layout: conv 1→32 3x3 'same' → relu → maxpool 2 →
 * conv 32→64 3x3 'same' → relu → maxpool 2 → flatten (3136) → dense 512 relu → dense 10; softmax
 * cross-entropy on one-hot random labels; tf.train.momentum(0.01, 0.9). Random input [64,28,28,1].
 *
 * The cpu backend is plain JS (~2 samples/s when training), so it times only a couple of steps after
 * a warm-up step on a batch of 8. The wasm backend (XNNPACK, SIMD; single-threaded in Node, where
 * tfjs-backend-wasm disables its threaded build) has no Conv2DBackpropFilter kernel, so training
 * fails there: that row carries the error as a note instead of a figure. Prints one JSON row per
 * line: {"group", "name", "system", "value" (null when there is none), "unit", "note"?, "detail":
 * {runs, samplesPerCpuSecond}}. bench/cnn.ts spawns it in its own process, so tfjs's globals and a
 * slow backend stay out of the nabla process.
 */
import * as tf from '@tensorflow/tfjs';
import { pathToFileURL } from 'node:url';
import { timeWallAndCpu as time, type Timing } from './report.js';
import { buildTfjsSimpleCnn } from './tfjs-simple-cnn.js';

interface Row {
  group: string; name: string; system: string; value: number | null; unit: string;
  note?: string; detail?: Record<string, unknown>;
}

function row(name: string, system: string, batch: number, t: Timing): Row {
  return { group: 'cnn', name, system, value: batch / t.wall, unit: 'samples/s', detail: { runs: t.runs, samplesPerCpuSecond: batch / t.cpu } };
}

export const TRAIN_CASE = 'SimpleCNN train step, batch 64 (SGD momentum 0.9)';
export const inferCase = (batch: number): string => `SimpleCNN inference, batch ${batch}`;

function errorText(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.split('\n')[0]!.slice(0, 160);
}

export async function runTfjs(backend: string, { trainSteps = 2, inferReps = 2, batch1000 = true } = {}): Promise<Row[]> {
  if (backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
  await tf.ready();
  const simd = backend === 'wasm' && (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) ? 'SIMD, ' : '';
  const threads = `${simd}1 thread`;
  const system = `TF.js ${tf.version.tfjs} ${backend} (${threads})`;
  const rows: Row[] = [];
  tf.randomUniform([1]).dispose(); // settles the backend before models are built
  const model = buildTfjsSimpleCnn();
  const optimizer = tf.train.momentum(0.01, 0.9);
  const data = (batch: number): [tf.Tensor, tf.Tensor] =>
    [tf.randomNormal([batch, 28, 28, 1]), tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32') as tf.Tensor1D, 10)];
  const [x8, y8] = data(8), [x64, y64] = data(64);

  const trainStep = (x: tf.Tensor, y: tf.Tensor) => (): void => {
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar, true);
    loss!.dataSync();
    loss!.dispose();
  };
  const infer = (x: tf.Tensor) => (): void => {
    const y = tf.tidy(() => model.predict(x) as tf.Tensor);
    y.dataSync();
    y.dispose();
  };

  try {
    // warm up on a batch of 8 (same kernels, JIT and optimizer slots; an eighth of the cpu backend's ~30-90 s step)
    trainStep(x8, y8)();
    rows.push(row(TRAIN_CASE, system, 64, time(trainStep(x64, y64), { warmup: 0, minRuns: trainSteps, minSeconds: 0 })));
  } catch (e) {
    rows.push({ group: 'cnn', name: TRAIN_CASE, system, value: null, unit: 'samples/s', note: `cannot train: ${errorText(e)}` });
  }
  rows.push(row(inferCase(64), system, 64, time(infer(x64), { warmup: 1, minRuns: inferReps, minSeconds: 0 })));
  if (batch1000) {
    const x1000 = tf.randomNormal([1000, 28, 28, 1]);
    // the cpu backend's kernels are warm from batch 64; wasm gets one call to grow its heap
    rows.push(row(inferCase(1000), system, 1000, time(infer(x1000), { warmup: backend === 'cpu' ? 0 : 1, minRuns: inferReps, minSeconds: 0 })));
    x1000.dispose();
  } else {
    rows.push({ group: 'cnn', name: inferCase(1000), system, value: null, unit: 'samples/s', note: 'skipped' });
  }
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string, fallback: string): string => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1]! : fallback;
  };
  const rows = await runTfjs(arg('backend', 'cpu'), {
    trainSteps: Number(arg('train-steps', '2')),
    inferReps: Number(arg('infer-reps', '2')),
    batch1000: !process.argv.includes('--no-batch1000'),
  });
  for (const row of rows) console.log(JSON.stringify(row));
}
