/**
 * TensorFlow.js 4.22 twin of bench/cnn.ts: samples/s of the seed's SimpleCNN on one tfjs backend.
 *
 *   node --import tsx bench/tfjs-cnn.ts --backend cpu|wasm [--train-steps 2] [--infer-reps 2] [--batch1000]
 *
 * Same model as nabla's SimpleCNN, in TF.js's NHWC layout: conv 1→32 3x3 'same' → relu → maxpool 2 →
 * conv 32→64 3x3 'same' → relu → maxpool 2 → flatten (3136) → dense 512 relu → dense 10; softmax
 * cross-entropy on one-hot random labels; tf.train.momentum(0.01, 0.9). Random input [64,28,28,1].
 *
 * The cpu backend is plain JS (~2 samples/s when training), so it times only a couple of steps after
 * one warm-up step. The wasm backend (XNNPACK, SIMD; single-threaded in Node, where tfjs-backend-wasm
 * disables its threaded build) has no Conv2DBackpropFilter kernel, so training fails there: that row
 * carries the error as a note instead of a figure. Prints one JSON row per line ({"group", "name",
 * "system", "value" (null when there is none), "unit", "note"?, "runs"}); bench/cnn.ts spawns it in its
 * own process so tfjs's globals and a slow backend stay out of the nabla process.
 */
import * as tf from '@tensorflow/tfjs';
import { pathToFileURL } from 'node:url';

interface Row { group: string; name: string; system: string; value: number | null; unit: string; note?: string; runs?: number }

export const TRAIN_CASE = 'SimpleCNN train step, batch 64 (SGD momentum 0.9)';
export const inferCase = (batch: number): string => `SimpleCNN inference, batch ${batch}`;

function buildModel(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
  model.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 512, activation: 'relu' }));
  model.add(tf.layers.dense({ units: 10 }));
  return model;
}

/** Median wall seconds of `reps` calls after `warmup` calls. */
function medianSeconds(fn: () => void, warmup: number, reps: number): number {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    times.push((performance.now() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

function errorText(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.split('\n')[0]!.slice(0, 160);
}

export async function runTfjs(backend: string, { trainSteps = 2, inferReps = 2, batch1000 = false } = {}): Promise<Row[]> {
  if (backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
  await tf.ready();
  const simd = backend === 'wasm' && (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) ? 'SIMD, ' : '';
  const threads = `${simd}1 thread`;
  const system = `TF.js ${tf.version.tfjs} ${backend} (${threads})`;
  const rows: Row[] = [];
  tf.randomUniform([1]).dispose(); // settles the backend before models are built
  const model = buildModel();
  const optimizer = tf.train.momentum(0.01, 0.9);
  const x64 = tf.randomNormal([64, 28, 28, 1]);
  const y64 = tf.oneHot(tf.randomUniform([64], 0, 10, 'int32') as tf.Tensor1D, 10);

  const trainStep = (): void => {
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y64, model.apply(x64) as tf.Tensor) as tf.Scalar, true);
    loss!.dataSync();
    loss!.dispose();
  };
  const infer = (x: tf.Tensor): (() => void) => () => {
    const y = tf.tidy(() => model.predict(x) as tf.Tensor);
    y.dataSync();
    y.dispose();
  };

  try {
    const seconds = medianSeconds(trainStep, 1, trainSteps);
    rows.push({ group: 'cnn', name: TRAIN_CASE, system, value: 64 / seconds, unit: 'samples/s', runs: trainSteps });
  } catch (e) {
    rows.push({ group: 'cnn', name: TRAIN_CASE, system, value: null, unit: 'samples/s', note: `cannot train: ${errorText(e)}` });
  }
  const seconds64 = medianSeconds(infer(x64), 1, inferReps);
  rows.push({ group: 'cnn', name: inferCase(64), system, value: 64 / seconds64, unit: 'samples/s', runs: inferReps });
  if (batch1000) {
    const x1000 = tf.randomNormal([1000, 28, 28, 1]);
    const seconds1000 = medianSeconds(infer(x1000), 1, inferReps);
    rows.push({ group: 'cnn', name: inferCase(1000), system, value: 1000 / seconds1000, unit: 'samples/s', runs: inferReps });
    x1000.dispose();
  } else {
    rows.push({ group: 'cnn', name: inferCase(1000), system, value: null, unit: 'samples/s', note: 'skipped (slow backend)' });
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
    batch1000: process.argv.includes('--batch1000'),
  });
  for (const row of rows) console.log(JSON.stringify(row));
}
