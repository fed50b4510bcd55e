// The thread pool's shared protocol: the layout of its control block in wasm memory and the code
// every thread runs on it. runChunks and workerMain reach nothing outside their parameters and the
// engine's globals (Atomics, WebAssembly, performance), so the same functions run on the calling
// thread and, from their source text (workerSource), in a worker, whatever a bundler or minifier
// renames around them. A job is a GEMM cut into row or column blocks (./gemm.ts) or a range kernel
// cut into blocks of its units (./threads.ts parallelRange).
import type { WasmKernelExports } from './instance.js';

/** Word offsets of the control block (Int32, shared by all threads). */
export const CTL = {
  WORDS: 160,
  SEQ: 0, // job sequence number; workers Atomics.wait on it
  CMD: 1, // 0 = sgemm, 1 = quit, 2 = range kernel
  ARGS: 2, // 13 sgemm arguments, words 2..14 (alpha at 7 and beta at 12 as f32)
  SPLIT_M: 15, // 1: chunks are row ranges, 0: column ranges
  NEXT: 16, // claim word: (seq tag << 12) | (chunks << 6) | next unclaimed chunk
  DONE: 17, // chunks completed
  STATUS: 18, // first non-zero kernel status
  READY: 19, // workers instantiated (count); -1000 when one failed
  EXITED: 20, // workers that left their loop after a quit command
  JOBS: 21, // parallel GEMMs posted (statistics)
  WORKER_CHUNKS: 22, // chunks computed by workers (statistics)
  KERNEL: 23, // range kernel: its index in RANGE_KERNELS
  NARGS: 24, // range kernel: how many arguments follow its (start, end)
  F32_ARGS: 25, // range kernel: bit i set when argument i is an f32
  F64_ARGS: 26, // range kernel: bit i set when argument i is an f64
  RANGE_JOBS: 27, // parallel range kernels posted (statistics)
  BOUNDS: 32, // chunk q covers [bounds[q], bounds[q+1]), up to MAX_CHUNKS chunks
  MAX_CHUNKS: 63,
  KARGS: 96, // range kernel: argument i in words KARGS + 2i, KARGS + 2i + 1 (an i32 or f32 in the first)
  MAX_KARGS: 32,
  /**
   * Kernel exports that compute the outputs of units [start, end) of a pass, (start, end, ...args):
   * rows, images or planes whose results depend on nothing else the pass computes, so any split of
   * the range gives the same bits.
   */
  RANGE_KERNELS: [
    'unaryF32Range', 'binaryF32Range', 'sumRowsF32Range', 'maxPool2dRange', 'maxPool2dBackwardRange',
    'im2colRange', 'col2imRange', 'im2rowRange', 'row2imRange', 'nchwToNhwcRange', 'nhwcToNchwRange',
    'nchwToChannelMajorRange', 'channelMajorToNchwRange', 'softmaxRowsRange', 'softmaxBackwardRowsRange',
    'crossEntropyBackwardRowsRange', 'layerNormRowsRange', 'sumMiddleF32Range', 'layerNormBackwardRowsRange',
    'layerNormParamGradsRange', 'logSumExpRowsRange', 'adamStepF32Range',
    'word2vecTrainRange', 'gloveTrainRange', 'winogradInputRange', 'winogradOutputRange',
    'winogradOutputGradientRange', 'winogradWeightGradientRange',
  ],
  TAG_MASK: 0x7ffff,
  /** How long an idle worker polls for the next job before sleeping in Atomics.wait. */
  WORKER_SPIN_MS: 0.5,
} as const;

export type ControlLayout = typeof CTL;

/** A kernel export that threads can split over its (start, end) range. */
export type RangeKernel = (typeof CTL.RANGE_KERNELS)[number];

/** What a worker starts from: the module, the shared memory, its control block and its GEMM workspace. */
export interface WorkerStart {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  ctl: number;
  ws: number;
}

/** Views of a pool's control block; f64 for range kernels' f64 arguments (the block is 8-byte aligned). */
export interface ControlViews {
  i32: Int32Array;
  f32: Float32Array;
  f64: Float64Array;
}

export type RunChunks = (L: ControlLayout, ex: WasmKernelExports, v: ControlViews, tag: number, worker: boolean) => number;

/**
 * Claims and runs chunks of the current job until none is left; returns the last non-zero kernel
 * status (0 when all went well).
 */
export function runChunks(L: ControlLayout, ex: WasmKernelExports, v: ControlViews, tag: number, worker: boolean): number {
  const { i32, f32, f64 } = v;
  let status = 0;
  for (;;) {
    const next = Atomics.load(i32, L.NEXT);
    if (next >>> 12 !== tag) return status; // a newer job: this one is finished
    const chunks = (next >>> 6) & 63;
    const q = next & 63;
    if (q >= chunks) return status;
    if (Atomics.compareExchange(i32, L.NEXT, next, next + 1) !== next) continue;
    // Chunk q of job 'tag' is ours: the job cannot complete (nor its arguments change) before we
    // count it done, so the arguments read now are that job's.
    const start = i32[L.BOUNDS + q]!;
    const end = i32[L.BOUNDS + q + 1]!;
    let st;
    try {
      if (i32[L.CMD] === 2) {
        const args = [start, end];
        const nargs = i32[L.NARGS]!, f32Args = i32[L.F32_ARGS]!, f64Args = i32[L.F64_ARGS]!;
        for (let i = 0; i < nargs; i++) {
          const w = L.KARGS + 2 * i;
          args.push((f64Args >>> i) & 1 ? f64[w >> 1]! : (f32Args >>> i) & 1 ? f32[w]! : i32[w]!);
        }
        const kernel = (ex as unknown as Record<string, (...a: number[]) => number | undefined>)[L.RANGE_KERNELS[i32[L.KERNEL]!]!]!;
        st = kernel(...args) ?? 0;
      } else {
        const transA = i32[L.ARGS]!, transB = i32[L.ARGS + 1]!;
        let M = i32[L.ARGS + 2]!, N = i32[L.ARGS + 3]!;
        const K = i32[L.ARGS + 4]!, alpha = f32[L.ARGS + 5]!;
        let a = i32[L.ARGS + 6]!;
        const lda = i32[L.ARGS + 7]!;
        let b = i32[L.ARGS + 8]!;
        const ldb = i32[L.ARGS + 9]!, beta = f32[L.ARGS + 10]!;
        let c = i32[L.ARGS + 11]!;
        const ldc = i32[L.ARGS + 12]!;
        if (i32[L.SPLIT_M]) {
          M = end - start;
          a += transA ? start * 4 : start * lda * 4;
          c += start * ldc * 4;
        } else {
          N = end - start;
          b += transB ? start * ldb * 4 : start * 4;
          c += start * 4;
        }
        st = ex.sgemm(transA, transB, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc);
      }
    } catch {
      st = -2;
    }
    if (st !== 0) {
      status = st;
      Atomics.compareExchange(i32, L.STATUS, 0, st);
    }
    if (worker) Atomics.add(i32, L.WORKER_CHUNKS, 1);
    if (Atomics.add(i32, L.DONE, 1) + 1 === chunks) Atomics.notify(i32, L.DONE);
  }
}

/** A worker's life: instantiate the module on the shared memory, then run the chunks of each job posted until told to quit. */
export function workerMain(start: WorkerStart, L: ControlLayout, run: RunChunks): void {
  const i32 = new Int32Array(start.memory.buffer, start.ctl, L.WORDS);
  const views = { i32, f32: new Float32Array(start.memory.buffer, start.ctl, L.WORDS), f64: new Float64Array(start.memory.buffer, start.ctl, L.WORDS / 2) };
  let ex: WasmKernelExports | null = null;
  try {
    ex = new WebAssembly.Instance(start.module, { env: { memory: start.memory } }).exports as unknown as WasmKernelExports;
    ex.setWorkspace(start.ws);
    Atomics.add(i32, L.READY, 1);
  } catch {
    Atomics.sub(i32, L.READY, 1000);
  }
  Atomics.notify(i32, L.READY);
  let seen = 0; // the control block starts zeroed: a job or quit posted before we got here is still seen
  while (ex) {
    // Poll a little before sleeping: back-to-back GEMMs then skip the wake-up (tens of us).
    if (Atomics.load(i32, L.SEQ) === seen) {
      const until = performance.now() + L.WORKER_SPIN_MS;
      let spins = 0;
      while (Atomics.load(i32, L.SEQ) === seen) {
        if ((++spins & 255) === 0 && performance.now() > until) Atomics.wait(i32, L.SEQ, seen);
      }
    }
    seen = Atomics.load(i32, L.SEQ);
    if (i32[L.CMD] === 1) break;
    run(L, ex, views, seen & L.TAG_MASK, true);
  }
  Atomics.add(i32, L.EXITED, 1);
  Atomics.notify(i32, L.EXITED);
}

/**
 * A worker's whole source: the control layout, runChunks and workerMain, then `entry`, which calls
 * workerMain(start, L, runChunks). It uses no import, require or export, so it runs as a Web Worker
 * and as a Node eval worker, which is an ES module or a CommonJS script depending on how the main
 * program was started (node --input-type=module -e makes it an ES module).
 */
export function workerSource(entry: string): string {
  return `const L = ${JSON.stringify(CTL)};
const runChunks = (${runChunks.toString()});
const workerMain = (${workerMain.toString()});
${entry}
`;
}
