/**
 * Samples/s of the course's SimpleCNN, nabla next to PyTorch and TensorFlow.js:
 *   - training step: batch 64, cross-entropy, SGD(lr 0.01, momentum 0.9), random inputs and labels;
 *   - inference under noGrad: batch 64 and batch 1000.
 *
 *   npm run bench -- cnn                       (or: node --import tsx bench/cnn.ts [--no-peers])
 *
 * nabla runs on every backend `nb.setBackend` accepts and, once nabla exports setNumThreads, with 1
 * and 2 threads. Peers, each in its own process, when installed:
 *   - PyTorch: tools/bench_cnn.py under Debian's /usr/bin/python3 (python3-torch 1.13), 1 and 2 threads.
 *     That torch uses whatever libblas.so.3 points at. One-time setup, as root, for OpenBLAS (the
 *     reference BLAS that libblas3 alone provides is ~5x slower on this step):
 *         apt-get install -y libopenblas0-pthread
 *         update-alternatives --display libblas.so.3-x86_64-linux-gnu   # -> openblas-pthread/libblas.so.3
 *     OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, which some of these machines set, roughly halve
 *     OpenBLAS's speed, so they are removed from that command's environment (only there).
 *     The rows' system label names the BLAS the process actually loaded.
 *   - TensorFlow.js 4.22 (devDependencies @tensorflow/tfjs, @tensorflow/tfjs-backend-wasm): bench/tfjs-cnn.ts
 *     on its cpu backend (a couple of steps: it is slow) and its wasm backend (inference only: it has
 *     no Conv2DBackpropFilter kernel, reported as a note).
 * Figures are medians of repeated calls after warm-up; each row's detail also keeps samples per
 * CPU-second, a steadier figure than wall time for the single-threaded runs on a shared machine.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as nb from '../src/node.js';
import { SimpleCNN } from '../src/models/cnn.js';
import { formatTable, runPythonPeer, timeWallAndCpu as time, torchAvailable, type BenchRow, type Timing } from './report.js';

const TRAIN_CASE = 'SimpleCNN train step, batch 64 (SGD momentum 0.9)';
const inferCase = (batch: number): string => `SimpleCNN inference, batch ${batch}`;
const plural = (n: number): string => `${n} thread${n === 1 ? '' : 's'}`;

function row(name: string, system: string, batch: number, t: Timing, detail: Record<string, unknown> = {}): BenchRow {
  return {
    group: 'cnn', name, system, value: batch / t.wall, unit: 'samples/s',
    detail: { runs: t.runs, samplesPerCpuSecond: batch / t.cpu, ...detail },
  };
}

/** nabla's thread control, once the wasm backend's engineer exports it (absent: single-threaded). */
type ThreadFn = (n: number) => number | void;
const threadControl = (): { set?: ThreadFn; get?: () => number } => {
  const api = nb as unknown as Record<string, unknown>;
  return {
    set: typeof api.setNumThreads === 'function' ? (api.setNumThreads as ThreadFn) : undefined,
    get: typeof api.getNumThreads === 'function' ? (api.getNumThreads as () => number) : undefined,
  };
};

function nablaRows(backend: string, threads: number): BenchRow[] {
  const system = `nabla ${backend} (${plural(threads)})`;
  nb.manualSeed(0);
  const model = new SimpleCNN();
  const criterion = new nb.nn.CrossEntropyLoss();
  const optimizer = new nb.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const x64 = nb.randn([64, 1, 28, 28]);
  const y64 = nb.randint(0, 10, [64], { dtype: 'int32' });
  const x1000 = nb.randn([1000, 1, 28, 28]);
  const trainStep = (): void => {
    optimizer.zeroGrad();
    const loss = criterion.call(model.call(x64), y64);
    loss.backward();
    optimizer.step();
    loss.item();
  };
  const infer = (x: nb.Tensor) => (): void => { nb.noGrad(() => model.call(x)).dataSync(); };
  const rows: BenchRow[] = [];
  model.train();
  rows.push(row(TRAIN_CASE, system, 64, time(trainStep, { warmup: 2 })));
  model.eval();
  rows.push(row(inferCase(64), system, 64, time(infer(x64), { warmup: 2 })));
  rows.push(row(inferCase(1000), system, 1000, time(infer(x1000), { warmup: 1, minRuns: 3 })));
  return rows;
}

/** nabla on each backend setBackend accepts, with 1 and 2 threads where nabla can set them. */
function benchNabla(): BenchRow[] {
  const rows: BenchRow[] = [];
  const previousBackend = nb.getBackend().name;
  const threads = threadControl();
  const previousThreads = threads.get?.();
  for (const backend of nb.listBackends()) {
    try { nb.setBackend(backend); } catch (e) {
      console.error(`bench cnn: skipping nabla backend '${backend}': ${e instanceof Error ? e.message : e}`);
      continue;
    }
    const done = new Set<number>();
    for (const wanted of threads.set ? [1, 2] : [1]) {
      let actual = wanted;
      if (threads.set) {
        try {
          const got = threads.set(wanted);
          actual = typeof got === 'number' ? got : threads.get?.() ?? wanted;
        } catch (e) {
          console.error(`bench cnn: nabla ${backend}: setNumThreads(${wanted}) failed: ${e instanceof Error ? e.message : e}`);
          continue;
        }
      }
      if (done.has(actual)) continue; // e.g. a backend that stays single-threaded
      done.add(actual);
      console.error(`bench cnn: nabla ${backend}, ${plural(actual)}...`);
      rows.push(...nablaRows(backend, actual));
    }
  }
  if (threads.set && previousThreads !== undefined) threads.set(previousThreads);
  nb.setBackend(previousBackend);
  return rows;
}

/** JSON rows printed one per line by a peer's bench process; null values become NaN. */
function parseRows(stdout: string): BenchRow[] {
  return stdout.split('\n').filter((l) => l.trim().startsWith('{')).map((line) => {
    const r = JSON.parse(line) as Omit<BenchRow, 'value'> & { value: number | null };
    return { ...r, value: r.value ?? NaN };
  });
}

/** tools/bench_cnn.py with `threads` threads. */
function torchRows(threads: number): BenchRow[] {
  console.error(`bench cnn: PyTorch, ${plural(threads)}...`);
  const stdout = runPythonPeer('bench_cnn.py', ['--threads', String(threads)]);
  return stdout === null ? [] : parseRows(stdout);
}

function tfjsAvailable(): boolean {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs');
    return true;
  } catch {
    return false;
  }
}

/** bench/tfjs-cnn.ts on one tfjs backend, in its own Node process. */
function tfjsRows(backend: 'cpu' | 'wasm'): BenchRow[] {
  const script = fileURLToPath(new URL('./tfjs-cnn.ts', import.meta.url));
  const args = ['--import', 'tsx', script, '--backend', backend, ...(backend === 'cpu' ? ['--train-steps', '2', '--infer-reps', '2'] : ['--infer-reps', '7'])];
  console.error(`bench cnn: TF.js ${backend}...`);
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 1_200_000 });
  if (r.status !== 0) {
    const why = r.error ? String(r.error) : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`);
    console.error(`bench cnn: TF.js ${backend} failed: ${r.stderr || r.error}`);
    const system = `TF.js ${backend}`;
    return [TRAIN_CASE, inferCase(64), inferCase(1000)].map((name) => ({ group: 'cnn', name, system, value: NaN, unit: 'samples/s', note: `failed: ${why.slice(0, 120)}` }));
  }
  return parseRows(r.stdout);
}

/** nabla on each backend, then PyTorch (1 and 2 threads) and TF.js (cpu, wasm) when installed. */
export async function benchCnn(options: { peers?: boolean } = {}): Promise<BenchRow[]> {
  const rows = benchNabla();
  if (options.peers ?? true) {
    if (torchAvailable()) for (const threads of [1, 2]) rows.push(...torchRows(threads));
    else console.error("bench cnn: /usr/bin/python3 cannot import torch; skipping PyTorch (apt-get install python3-torch)");
    if (tfjsAvailable()) for (const backend of ['cpu', 'wasm'] as const) rows.push(...tfjsRows(backend));
    else console.error('bench cnn: @tensorflow/tfjs is not installed; skipping TF.js');
  }
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(formatTable(await benchCnn({ peers: !process.argv.includes('--no-peers') })));
}
