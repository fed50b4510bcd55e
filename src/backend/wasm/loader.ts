// Synchronous loader for the WebAssembly SIMD128 kernels (src/backend/wasm/kernels/), their scratch arena and thread pool.
//
// How the bytes get here: `npm run build:wasm` (part of `npm run build`, so of `npm install`)
// compiles the AssemblyScript sources and writes them, base64-encoded, into the generated module
// ./kernels.generated.ts. The bytes therefore travel with the JS module graph (tsx from source,
// tsc's dist/, any bundler) and loading needs neither fs nor fetch: decode with atob, compile with
// `new WebAssembly.Module` (synchronous; the module is ~50 KB, far under the 8 MB that current Chrome
// allows a synchronous compile on the main thread -- Chrome before ~2023 allowed only 4 KB) and
// instantiate against a memory created here.
//
// Two builds are embedded: one importing an ordinary memory, one importing a shared memory. The
// shared one is used whenever SharedArrayBuffer exists (Node; cross-origin-isolated pages), so that
// worker threads (Node only, see setNumThreads) can run on the same memory.
//
// This module imports nothing from Node; the thread pool reaches node:worker_threads through
// process.getBuiltinModule (Node >= 20.16) only when setNumThreads(n > 1) is called. In a browser
// the pool is made of Web Workers, which needs a cross-origin-isolated page (SharedArrayBuffer).
import {
  KERNELS_RELAXED_SHARED_WASM_BASE64,
  KERNELS_RELAXED_WASM_BASE64,
  KERNELS_SHARED_WASM_BASE64,
  KERNELS_WASM_BASE64,
} from './kernels.generated.js';

/** Raw exports of the kernel module (pointers are byte offsets into its memory). */
export interface WasmKernelExports {
  /** Scratch allocation, 64-byte aligned; 0 when memory cannot grow. Dropped by reset(). */
  alloc(bytes: number): number;
  /** Drops all scratch allocations. */
  reset(): void;
  /** Permanent allocation (drops scratch allocations first); 0 on failure. */
  reserve(bytes: number): number;
  heapBase(): number;
  workspaceBytes(): number;
  setWorkspace(ptr: number): void;
  tileRows(): number;
  tileCols(): number;
  /** C = alpha*op(A)*op(B) + beta*C, row-major; returns 0, or -1 without a workspace. */
  sgemm(
    transA: number,
    transB: number,
    M: number,
    N: number,
    K: number,
    alpha: number,
    a: number,
    lda: number,
    b: number,
    ldb: number,
    beta: number,
    c: number,
    ldc: number,
  ): number;
  // Convolution data movement (kernels/conv.ts); convShape sets the shape the others use.
  convShape(n: number, c: number, h: number, w: number, kh: number, kw: number, sh: number, sw: number,
    ph: number, pw: number, dh: number, dw: number, oh: number, ow: number): void;
  im2col(x: number, cols: number): void;
  col2im(cols: number, x: number): void;
  channelMajorToNchw(src: number, out: number, n: number, oc: number, pixels: number, bias: number): void;
  nchwToChannelMajor(src: number, out: number, n: number, oc: number, pixels: number): void;
  nchwToNhwc(src: number, out: number, n: number, c: number, pixels: number): void;
  nhwcToNchw(src: number, out: number, n: number, c: number, pixels: number, bias: number): void;
  im2row(x: number, rows: number): void;
  row2im(rows: number, x: number): void;
  // Pooling (kernels/pool.ts).
  maxPool2d(x: number, planes: number, h: number, w: number, oh: number, ow: number,
    kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, dh: number, dw: number,
    out: number, argmax: number): void;
  maxPool2dBackward(gradOut: number, argmax: number, planes: number, planeIn: number, planeOut: number, gradInput: number): void;
  // Elementwise (kernels/elementwise.ts); return 0, or -1 for an unknown op code.
  unaryF32(op: number, x: number, out: number, n: number, p0: number): number;
  /** out[i] = a[i] op b[i % period]: period n (same shape), 1 (scalar b) or a row length (b broadcast over rows). */
  binaryF32(op: number, a: number, b: number, out: number, n: number, period: number): number;
  sumRowsF32(x: number, rows: number, size: number, out: number): void;
  sumMiddleF32(x: number, outer: number, size: number, inner: number, acc: number, out: number): void;
  /** SGD's update of n floats in place (kernels/sgd.ts); buf 0 without momentum; flags: 1 first, 2 Nesterov, 4 maximize. */
  sgdStepF32(p: number, g: number, buf: number, n: number, lr: number, momentum: number, keep: number, wd: number, flags: number): void;
  // Vectorised exp / tanh / sigmoid over n floats, n a multiple of 4 (kernels/math.ts; for tests).
  expF32(x: number, out: number, n: number): void;
  tanhF32(x: number, out: number, n: number): void;
  sigmoidF32(x: number, out: number, n: number): void;
  // Softmax rows (kernels/softmax.ts); log and flags are 0 / 1.
  softmaxRows(x: number, out: number, rows: number, cols: number, log: number): void;
  softmaxBackwardRows(y: number, g: number, gx: number, rows: number, cols: number, log: number): void;
  crossEntropyBackwardRows(logp: number, target: number, coef: number, gx: number, rows: number, cols: number): void;
  // Norms (kernels/norm.ts); optional operands are 0 when absent.
  layerNormRows(x: number, rows: number, cols: number, weight: number, bias: number, eps: number,
    out: number, mean: number, rstd: number): void;
  layerNormBackwardRows(g: number, x: number, mean: number, rstd: number, weight: number, rows: number, cols: number,
    gx: number, gradWeight: number, gradBias: number, acc: number): void;
  channelMomentsF32(x: number, n: number, c: number, spatial: number, mean: number, variance: number): void;
  channelNormalizeF32(x: number, n: number, c: number, spatial: number, mean: number, invstd: number,
    weight: number, bias: number, out: number): void;
  batchNormBackwardF32(g: number, x: number, n: number, c: number, spatial: number, mean: number, invstd: number,
    weight: number, gx: number, gradWeight: number, gradBias: number): void;
  // Fused attention's elementwise parts (kernels/attention.ts); mask / gradWeights / drop are 0 when absent.
  attentionSoftmax(p: number, l: number, s: number, scale: number, mask: number, causal: number): void;
  attentionDropout(a: number, b: number, out: number, n: number): void;
  attentionSoftmaxBackward(dp: number, probs: number, gradWeights: number, drop: number, l: number, s: number, scale: number): void;
  // Recurrent gate kernels, one time step (kernels/rnn.ts); column sums of bias gradients; row permutations.
  rnnStepForward(relu: number, rows: number, H: number, gates: number, gh: number, bias: number, h: number): void;
  rnnStepBackward(relu: number, n: number, h: number, dh: number, dGates: number): void;
  lstmStepForward(rows: number, H: number, gates: number, gh: number, bias: number, cPrev: number, c: number, h: number): void;
  lstmStepBackward(rows: number, H: number, gates: number, cPrev: number, c: number, dh: number, dc: number, dGates: number): void;
  gruStepForward(rows: number, H: number, gates: number, gh: number, bias: number, biasHn: number, hPrev: number, h: number, hn: number): void;
  gruStepBackward(rows: number, H: number, gates: number, hn: number, hPrev: number, dh: number, dGatesX: number, dGatesH: number): void;
  sumColumnsF32(x: number, rows: number, cols: number, out: number): void;
  gatherRows(src: number, stride: number, index: number, rows: number, width: number, dst: number): void;
  scatterRows(src: number, rows: number, width: number, index: number, stride: number, dst: number): void;
}

interface Pool {
  /** The shared control block (see WORKER_MAIN_SOURCE) as Int32 / Float32 views. */
  i32: Int32Array;
  f32: Float32Array;
  seq: number;
  workers: PoolWorker[];
  area: PoolArea;
  /** Set once every worker has instantiated the module; until then GEMMs run on the caller alone. */
  ready: boolean;
}

interface PoolWorker {
  terminate(): unknown;
}

/** Permanent wasm allocations of a pool: its control block and one workspace per worker. */
interface PoolArea {
  ctl: number;
  ws: number[];
}

interface Runtime {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  shared: boolean;
  exports: WasmKernelExports;
  f32: Float32Array;
  pool: Pool | null;
  /** Memory of a stopped pool, reused by the next one. */
  poolArea: PoolArea | null;
  /** Bumped whenever the scratch arena is reused, so stale PreparedSgemm objects refuse to run. */
  generation: number;
  /** The relaxed-SIMD build (fused multiply-add) is running. */
  relaxed: boolean;
}

const MAX_PAGES = 65536; // the shared build declares this maximum (4 GiB)
/** Below this many flops (2*M*N*K) a GEMM stays on the calling thread (waking a worker ~45 us). */
const PARALLEL_MIN_FLOPS = 4e6;
/** Chunks per thread: more balance the load (and absorb a descheduled worker), but each chunk repacks the shared operand. */
const CHUNKS_PER_THREAD = 2;
const MAX_CHUNKS = 63;
/** How long an idle worker polls for the next job before sleeping in Atomics.wait. */
const WORKER_SPIN_MS = 0.5;
/** How long the caller polls for workers to finish their chunks before sleeping in Atomics.wait. */
const CALLER_SPIN_MS = 5;

// Control block of the thread pool, in Int32 words (in wasm memory, shared by all threads).
const CTL_WORDS = 128;
const CTL_SEQ = 0; // job sequence number; workers Atomics.wait on it
const CTL_CMD = 1; // 0 = sgemm, 1 = quit
const CTL_ARGS = 2; // 13 sgemm arguments, words 2..14 (alpha at 7 and beta at 12 as f32)
const CTL_SPLIT_M = 15; // 1: chunks are row ranges, 0: column ranges
const CTL_NEXT = 16; // claim word: (seq tag << 12) | (chunks << 6) | next unclaimed chunk
const CTL_DONE = 17; // chunks completed
const CTL_STATUS = 18; // first non-zero kernel status
const CTL_READY = 19; // workers instantiated (count); -1000 when one failed
const CTL_EXITED = 20; // workers that left their loop after a quit command
const CTL_JOBS = 21; // parallel jobs posted (statistics)
const CTL_WORKER_CHUNKS = 22; // chunks computed by workers (statistics)
const CTL_BOUNDS = 32; // chunk q covers [bounds[q], bounds[q+1]), up to MAX_CHUNKS chunks
const TAG_MASK = 0x7ffff;

let runtime: Runtime | null | undefined;
let unavailable = '';

function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Whether this engine runs relaxed SIMD. Node 20's V8 (11.3) has it behind a flag that it reads when
 * validating a module, so the flag is set here; NABLA_WASM_RELAXED=0 keeps the plain SIMD128 build.
 */
function relaxedSimdUsable(bytes: Uint8Array<ArrayBuffer>): boolean {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined>; getBuiltinModule?: (id: string) => unknown } }).process;
  if (proc?.env?.NABLA_WASM_RELAXED === '0') return false;
  if (WebAssembly.validate(bytes)) return true;
  const v8 = proc?.getBuiltinModule?.('node:v8') as { setFlagsFromString?: (flags: string) => void } | undefined;
  if (!v8?.setFlagsFromString) return false;
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  return WebAssembly.validate(bytes);
}

function instantiate(shared: boolean, relaxedWanted: boolean): Runtime {
  let relaxed = false;
  let bytes = decodeBase64(shared ? KERNELS_SHARED_WASM_BASE64 : KERNELS_WASM_BASE64);
  if (relaxedWanted) {
    const relaxedBytes = decodeBase64(shared ? KERNELS_RELAXED_SHARED_WASM_BASE64 : KERNELS_RELAXED_WASM_BASE64);
    if (relaxedSimdUsable(relaxedBytes)) {
      bytes = relaxedBytes;
      relaxed = true;
    }
  }
  if (!WebAssembly.validate(bytes)) throw new Error('this WebAssembly engine lacks SIMD128 (the kernels do not validate)');
  const module = new WebAssembly.Module(bytes);
  const memory = shared
    ? new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES, shared: true })
    : new WebAssembly.Memory({ initial: 64 });
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const exports = instance.exports as unknown as WasmKernelExports;
  const ws = exports.reserve(exports.workspaceBytes()) >>> 0;
  if (ws === 0) throw new Error('cannot allocate the GEMM workspace');
  exports.setWorkspace(ws);
  return { module, memory, shared, exports, f32: new Float32Array(memory.buffer), pool: null, poolArea: null, generation: 0, relaxed };
}

function load(): Runtime | null {
  if (runtime !== undefined) return runtime;
  runtime = null;
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.Module !== 'function') {
    unavailable = 'WebAssembly is not available';
    return null;
  }
  const canShare = typeof SharedArrayBuffer === 'function';
  for (const shared of canShare ? [true, false] : [false]) {
    try {
      runtime = instantiate(shared, true);
      return runtime;
    } catch (e) {
      unavailable = e instanceof Error ? e.message : String(e);
    }
  }
  return null;
}

/** True when WebAssembly with SIMD128 is available and the kernels loaded (loads them on first call). */
export function wasmAvailable(): boolean {
  return load() !== null;
}

/** Which build of the kernels runs: relaxed SIMD (fused multiply-add) or plain SIMD128, on shared memory or not. */
export function wasmFeatures(): { relaxedSimd: boolean; sharedMemory: boolean } {
  const rt = load();
  return { relaxedSimd: rt?.relaxed ?? false, sharedMemory: rt?.shared ?? false };
}

/** Why wasmAvailable() is false ('' when it is true or was not asked yet). */
export function wasmUnavailableReason(): string {
  return runtime ? '' : unavailable;
}

function need(): Runtime {
  const rt = load();
  if (!rt) throw new Error(`nabla wasm backend unavailable: ${unavailable}`);
  return rt;
}

/** The raw kernel exports and memory, for callers placing data themselves (advanced use). */
export function wasmKernels(): { exports: WasmKernelExports; memory: WebAssembly.Memory } {
  const rt = need();
  return { exports: rt.exports, memory: rt.memory };
}

function heapF32(rt: Runtime): Float32Array {
  const buf = rt.memory.buffer;
  if (rt.f32.byteLength !== buf.byteLength) rt.f32 = new Float32Array(buf);
  return rt.f32;
}

// ---------------------------------------------------------------------------------------------
// Threads (Node only). Workers instantiate the same module on the shared memory and sleep on the
// pool's control block. A large GEMM is cut into chunks of whole rows (or columns) of C; the caller
// posts the job, and the caller and the workers claim chunks from a shared counter until none is
// left, so a worker that is slow to wake (or not scheduled at all) only costs its share. Every
// element of C goes through the same instruction sequence whatever chunk it falls in, so results
// are bit-identical to one thread.
// ---------------------------------------------------------------------------------------------

type RunChunks = (ex: WasmKernelExports, i32: Int32Array, f32: Float32Array, tag: number, worker: boolean) => number;

/**
 * Claims and runs chunks of the current job until none is left; returns the last non-zero kernel
 * status (0 when all went well). Kept as source text so that the caller (through new Function, only
 * when a pool starts, i.e. in Node) and the workers run exactly the same code, whatever a bundler
 * or minifier does to this module.
 */
const RUN_CHUNKS_SOURCE = `function runChunks(ex, i32, f32, tag, worker) {
  let status = 0;
  for (;;) {
    const v = Atomics.load(i32, ${CTL_NEXT});
    if (v >>> 12 !== tag) return status; // a newer job: this one is finished
    const chunks = (v >>> 6) & 63;
    const q = v & 63;
    if (q >= chunks) return status;
    if (Atomics.compareExchange(i32, ${CTL_NEXT}, v, v + 1) !== v) continue;
    // Chunk q of job 'tag' is ours: the job cannot complete (nor its arguments change) before we
    // count it done, so the arguments read now are that job's.
    const start = i32[${CTL_BOUNDS} + q];
    const count = i32[${CTL_BOUNDS} + q + 1] - start;
    const transA = i32[${CTL_ARGS}], transB = i32[${CTL_ARGS + 1}];
    let M = i32[${CTL_ARGS + 2}], N = i32[${CTL_ARGS + 3}];
    const K = i32[${CTL_ARGS + 4}], alpha = f32[${CTL_ARGS + 5}];
    let a = i32[${CTL_ARGS + 6}];
    const lda = i32[${CTL_ARGS + 7}];
    let b = i32[${CTL_ARGS + 8}];
    const ldb = i32[${CTL_ARGS + 9}], beta = f32[${CTL_ARGS + 10}];
    let c = i32[${CTL_ARGS + 11}];
    const ldc = i32[${CTL_ARGS + 12}];
    if (i32[${CTL_SPLIT_M}]) {
      M = count;
      a += transA ? start * 4 : start * lda * 4;
      c += start * ldc * 4;
    } else {
      N = count;
      b += transB ? start * ldb * 4 : start * 4;
      c += start * 4;
    }
    let st;
    try {
      st = ex.sgemm(transA, transB, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc);
    } catch (e) {
      st = -2;
    }
    if (st !== 0) {
      status = st;
      Atomics.compareExchange(i32, ${CTL_STATUS}, 0, st);
    }
    if (worker) Atomics.add(i32, ${CTL_WORKER_CHUNKS}, 1);
    if (Atomics.add(i32, ${CTL_DONE}, 1) + 1 === chunks) Atomics.notify(i32, ${CTL_DONE});
  }
}`;

let runChunksFn: RunChunks | null = null;

/** The worker's body, given the module, the shared memory, its control block and its GEMM workspace. */
const WORKER_MAIN_SOURCE = `function workerMain({ module, memory, ctl, ws }) {
  const i32 = new Int32Array(memory.buffer, ctl, ${CTL_WORDS});
  const f32 = new Float32Array(memory.buffer, ctl, ${CTL_WORDS});
  const CTL_SEQ = ${CTL_SEQ};
  const runChunks = ${RUN_CHUNKS_SOURCE};
  let ex = null;
  try {
    ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
    ex.setWorkspace(ws);
    Atomics.add(i32, ${CTL_READY}, 1);
  } catch (e) {
    Atomics.sub(i32, ${CTL_READY}, 1000);
  }
  Atomics.notify(i32, ${CTL_READY});
  let seen = 0; // the control block starts zeroed: a job or quit posted before we got here is still seen
  while (ex) {
    // Poll a little before sleeping: back-to-back GEMMs then skip the wake-up (tens of us).
    if (Atomics.load(i32, CTL_SEQ) === seen) {
      const until = performance.now() + ${WORKER_SPIN_MS};
      let spins = 0;
      while (Atomics.load(i32, CTL_SEQ) === seen) {
        if ((++spins & 255) === 0 && performance.now() > until) {
          Atomics.wait(i32, CTL_SEQ, seen);
        }
      }
    }
    seen = Atomics.load(i32, CTL_SEQ);
    if (i32[${CTL_CMD}] === 1) break;
    runChunks(ex, i32, f32, seen & ${TAG_MASK}, true);
  }
  Atomics.add(i32, ${CTL_EXITED}, 1);
  Atomics.notify(i32, ${CTL_EXITED});
}`;

/** A worker_threads worker gets its start data as workerData. */
const NODE_WORKER_SOURCE = `${WORKER_MAIN_SOURCE}
workerMain(require('node:worker_threads').workerData);
`;

/** A Web Worker gets it in its first message (a Module and a shared Memory can be posted). */
const WEB_WORKER_SOURCE = `${WORKER_MAIN_SOURCE}
self.onmessage = (e) => workerMain(e.data);
`;

interface WorkerThreadsModule {
  Worker: new (
    src: string,
    opts: { eval: boolean; workerData: unknown },
  ) => { terminate(): unknown; unref(): void };
}

interface WebWorker extends PoolWorker {
  postMessage(data: unknown): void;
}

interface WebWorkerGlobals {
  Worker?: new (url: string) => WebWorker;
  Blob?: new (parts: string[], options: { type: string }) => unknown;
  URL?: { createObjectURL(blob: unknown): string; revokeObjectURL(url: string): void };
  crossOriginIsolated?: boolean;
}

/** How this environment starts a pool worker on (module, memory, ctl, ws), or null when it cannot. */
type SpawnWorker = (start: { module: WebAssembly.Module; memory: WebAssembly.Memory; ctl: number; ws: number }) => PoolWorker;

function workerSpawner(): { spawn: SpawnWorker; canBlock: boolean; node: boolean } | null {
  const wt = workerThreads();
  if (wt) {
    return {
      canBlock: true,
      node: true,
      spawn: (start) => {
        const handle = new wt.Worker(NODE_WORKER_SOURCE, { eval: true, workerData: start });
        handle.unref(); // workers do not keep the process alive
        return handle;
      },
    };
  }
  const g = globalThis as WebWorkerGlobals;
  if (!g.Worker || !g.Blob || !g.URL || g.crossOriginIsolated !== true) return null;
  const url = g.URL.createObjectURL(new g.Blob([WEB_WORKER_SOURCE], { type: 'text/javascript' }));
  const Worker = g.Worker;
  return {
    // A page's main thread may not block in Atomics.wait (a worker's may): it spins instead.
    canBlock: !isBrowserMainThread(),
    node: false,
    spawn: (start) => {
      const handle = new Worker(url);
      handle.postMessage(start);
      return handle;
    },
  };
}

function isBrowserMainThread(): boolean {
  return typeof (globalThis as { document?: unknown }).document === 'object';
}

/** Whether the calling thread may sleep in Atomics.wait (false on a page's main thread). */
let callerCanBlock = true;

function workerThreads(): WorkerThreadsModule | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (!proc || typeof proc.getBuiltinModule !== 'function') return null;
  try {
    return (proc.getBuiltinModule('node:worker_threads') as WorkerThreadsModule | undefined) ?? null;
  } catch {
    return null;
  }
}

/** Tells the pool's workers to quit and waits (briefly) until they have; frees their memory for reuse. */
function stopPool(rt: Runtime): void {
  const pool = rt.pool;
  if (!pool) return;
  rt.pool = null;
  const { i32 } = pool;
  i32[CTL_CMD] = 1;
  Atomics.store(i32, CTL_SEQ, ++pool.seq);
  Atomics.notify(i32, CTL_SEQ);
  const deadline = Date.now() + 5000;
  let exited = Atomics.load(i32, CTL_EXITED);
  while (callerCanBlock && exited < pool.workers.length && Date.now() < deadline) {
    Atomics.wait(i32, CTL_EXITED, exited, 50);
    exited = Atomics.load(i32, CTL_EXITED);
  }
  // Reuse the control block and workspaces only when no worker can still touch them.
  if (exited === pool.workers.length) rt.poolArea = pool.area;
  else rt.poolArea = null;
  for (const h of pool.workers) void h.terminate();
}

function startPool(rt: Runtime, spawn: SpawnWorker, workers: number, waitForStart: boolean): Pool | null {
  const ex = rt.exports;
  // Permanent allocations drop any scratch data: invalidate outstanding PreparedSgemm objects.
  rt.generation++;
  const area = rt.poolArea ?? { ctl: ex.reserve(CTL_WORDS * 4) >>> 0, ws: [] };
  rt.poolArea = null;
  if (area.ctl === 0) return null;
  while (area.ws.length < workers) {
    const ws = ex.reserve(ex.workspaceBytes()) >>> 0;
    if (ws === 0) break;
    area.ws.push(ws);
  }
  runChunksFn ??= new Function(`return ${RUN_CHUNKS_SOURCE}`)() as RunChunks;
  const i32 = new Int32Array(rt.memory.buffer, area.ctl, CTL_WORDS);
  const f32 = new Float32Array(rt.memory.buffer, area.ctl, CTL_WORDS);
  i32.fill(0);
  const pool: Pool = { i32, f32, seq: 0, workers: [], area, ready: false };
  for (let w = 0; w < Math.min(workers, area.ws.length); w++) {
    pool.workers.push(spawn({ module: rt.module, memory: rt.memory, ctl: area.ctl, ws: area.ws[w]! }));
  }
  rt.pool = pool;
  if (pool.workers.length === 0) {
    stopPool(rt);
    return null;
  }
  // Web Workers start once the caller yields (a page, and also a worker starting nested workers, where
  // blocking here would wait for ever): poolReady() tells when.
  if (!waitForStart) return pool;
  // Wait (synchronously; normally a few tens of ms) until every worker has instantiated the module.
  const deadline = Date.now() + 30000;
  let ready = Atomics.load(i32, CTL_READY);
  while (ready >= 0 && ready < pool.workers.length && Date.now() < deadline) {
    Atomics.wait(i32, CTL_READY, ready, 50);
    ready = Atomics.load(i32, CTL_READY);
  }
  if (ready !== pool.workers.length) {
    stopPool(rt);
    return null;
  }
  pool.ready = true;
  return pool;
}

/** Whether every worker of the pool is up (checked without blocking). */
function poolReady(pool: Pool): boolean {
  if (!pool.ready && Atomics.load(pool.i32, CTL_READY) === pool.workers.length) pool.ready = true;
  return pool.ready;
}

/**
 * Sets how many threads (the caller plus n-1 workers) a large GEMM may use; returns the number
 * actually in effect: 1 where workers or shared memory are unavailable (Node older than 20.16, a
 * page that is not cross-origin isolated) or the kernels did not load. Workers do not keep a Node
 * process alive. In a browser the Web Workers start once the page yields to its event loop: GEMMs
 * run on the calling thread until then (await threadsReady()). Changing the count invalidates
 * outstanding PreparedSgemm objects.
 */
export function setNumThreads(n: number): number {
  const rt = load();
  if (!rt) return 1;
  const want = Math.max(1, Math.min(64, Math.floor(n) || 1));
  if (getNumThreads() === want) return want;
  stopPool(rt);
  if (want > 1 && rt.shared) {
    const spawner = workerSpawner();
    if (spawner) {
      callerCanBlock = spawner.canBlock;
      rt.pool = startPool(rt, spawner.spawn, want - 1, spawner.node);
    }
  }
  return getNumThreads();
}

/**
 * Resolves with the number of threads in use once every worker is up (at once in Node, where
 * setNumThreads waits for them; a browser page has to yield first). Rejects when a worker fails to
 * start within `timeoutMs`.
 */
export async function threadsReady(timeoutMs = 30000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pool = runtime?.pool;
    if (!pool || poolReady(pool)) return getNumThreads();
    const ready = Atomics.load(pool.i32, CTL_READY);
    if (ready < 0 || Date.now() > deadline) throw new Error(`nabla threads: ${pool.workers.length} workers did not start (${Math.max(ready, 0)} ready)`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Threads a large GEMM uses now (1 = the calling thread only). */
export function getNumThreads(): number {
  return runtime?.pool ? runtime.pool.workers.length + 1 : 1;
}

/** Diagnostics of the current thread pool: GEMMs split across threads, and chunks workers computed. */
export function wasmThreadStats(): { threads: number; parallelGemms: number; workerChunks: number } {
  const pool = runtime?.pool;
  if (!pool) return { threads: 1, parallelGemms: 0, workerChunks: 0 };
  return {
    threads: pool.workers.length + 1,
    parallelGemms: Atomics.load(pool.i32, CTL_JOBS),
    workerChunks: Atomics.load(pool.i32, CTL_WORKER_CHUNKS),
  };
}

function gemmStatus(status: number): void {
  if (status !== 0) throw new Error(`wasm sgemm failed (status ${status})`);
}

// A·Bᵀ with few rows of A runs faster on the kernel's dot-product path (transB = 2), which reads
// B's rows as they lie instead of transposing them into panels that few row pairs then share: e.g.
// a linear layer's weight gradient with a batch of 64, [64x512]x[512x3136], 50 vs 42 GFLOP/s; with
// more rows or shallow depths the packed path wins. It is chosen here, on the whole product, so that
// every thread's chunk takes the same path (results bit-identical to one thread).
const DOT_MAX_M = 128;
const DOT_MIN_K = 128;

/** The kernel's transB argument for this product: 2 selects the dot-product path for A·Bᵀ. */
function kernelTransB(transA: number, transB: number, M: number, K: number): number {
  return transA === 0 && transB === 1 && M <= DOT_MAX_M && K >= DOT_MIN_K ? 2 : transB;
}

/** Runs the kernel on data already in wasm memory, split across the thread pool when worthwhile. */
function runGemm(
  rt: Runtime,
  transA: number,
  transB: number,
  M: number,
  N: number,
  K: number,
  alpha: number,
  a: number,
  lda: number,
  b: number,
  ldb: number,
  beta: number,
  c: number,
  ldc: number,
): void {
  const ex = rt.exports;
  const pool = rt.pool;
  const tb = kernelTransB(transA, transB, M, K);
  if (!pool || 2 * M * N * K < PARALLEL_MIN_FLOPS || !poolReady(pool)) {
    gemmStatus(ex.sgemm(transA, tb, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc));
    return;
  }
  // Split the larger of M and N (the duplicated packing is then of the smaller operand), in whole
  // micro-tiles so that chunk boundaries never cut a tile.
  const splitM = M >= N;
  const total = splitM ? M : N;
  const unit = splitM ? ex.tileRows() : ex.tileCols();
  const units = Math.ceil(total / unit);
  const chunks = Math.min(units, MAX_CHUNKS, (pool.workers.length + 1) * CHUNKS_PER_THREAD);
  if (chunks < 2) {
    gemmStatus(ex.sgemm(transA, tb, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc));
    return;
  }
  const { i32, f32 } = pool;
  const args = [transA, tb, M, N, K, 0, a, lda, b, ldb, 0, c, ldc];
  for (let i = 0; i < 13; i++) i32[CTL_ARGS + i] = args[i]!;
  f32[CTL_ARGS + 5] = alpha;
  f32[CTL_ARGS + 10] = beta;
  i32[CTL_SPLIT_M] = splitM ? 1 : 0;
  for (let q = 0; q <= chunks; q++) i32[CTL_BOUNDS + q] = Math.min(total, Math.round((q * units) / chunks) * unit);
  i32[CTL_CMD] = 0;
  i32[CTL_STATUS] = 0;
  Atomics.store(i32, CTL_DONE, 0);
  const seq = ++pool.seq;
  const tag = seq & TAG_MASK;
  Atomics.store(i32, CTL_NEXT, (tag << 12) | (chunks << 6));
  Atomics.add(i32, CTL_JOBS, 1);
  Atomics.store(i32, CTL_SEQ, seq);
  Atomics.notify(i32, CTL_SEQ);
  runChunksFn!(ex, i32, f32, tag, false);
  // Every chunk is claimed; wait for the ones other threads are still computing.
  let done = Atomics.load(i32, CTL_DONE);
  if (done !== chunks) {
    const until = performance.now() + CALLER_SPIN_MS;
    let spins = 0;
    while (done !== chunks) {
      if ((++spins & 255) === 0 && callerCanBlock && performance.now() > until) Atomics.wait(i32, CTL_DONE, done, 1000);
      done = Atomics.load(i32, CTL_DONE);
    }
  }
  gemmStatus(Atomics.load(i32, CTL_STATUS));
}

// ---------------------------------------------------------------------------------------------
// Scratch space for kernels that work on data copied into wasm memory
// ---------------------------------------------------------------------------------------------

/**
 * A kernel's operands do not fit in wasm memory (at most 4 GiB, less what the arena already holds).
 * Thrown before anything is written, so the caller can run the reference kernel instead.
 */
export class WasmMemoryFull extends RangeError {
  override readonly name = 'WasmMemoryFull';
}

/** Regions of wasm memory for one kernel call, and views of the whole heap to fill and read them. */
export interface WasmScratch {
  exports: WasmKernelExports;
  /** Byte offset of each requested region, in request order. */
  ptrs: number[];
  f32: Float32Array;
  i32: Int32Array;
  /** Copies the first `length` floats of src to byte offset ptr; returns ptr. */
  put(ptr: number, src: Float32Array, length: number): number;
  /** Copies `length` floats at byte offset ptr into dst (nothing when dst is null). */
  take(ptr: number, dst: Float32Array | null, length: number): void;
}

/**
 * Reserves regions of the given sizes (4-byte elements) in the scratch arena, dropping every earlier
 * scratch allocation (an outstanding PreparedSgemm then refuses to run). The views stay valid until
 * the next call that allocates scratch space.
 */
export function wasmScratch(op: string, elements: readonly number[]): WasmScratch {
  const rt = need();
  const ex = rt.exports;
  ex.reset();
  rt.generation++;
  const ptrs = elements.map((n) => {
    const p = ex.alloc(n * 4) >>> 0;
    if (p === 0 && n > 0) throw new WasmMemoryFull(`${op}: cannot fit ${elements.join(' + ')} floats in wasm memory`);
    return p;
  });
  const f32 = heapF32(rt);
  return {
    exports: ex, ptrs, f32, i32: new Int32Array(f32.buffer),
    put: (ptr, src, length) => {
      f32.set(src.length === length ? src : src.subarray(0, length), ptr >> 2);
      return ptr;
    },
    take: (ptr, dst, length) => {
      dst?.set(f32.subarray(ptr >> 2, (ptr >> 2) + length));
    },
  };
}

/** C = op(A)·op(B) + beta·C on operands already in wasm memory (byte offsets), threaded like sgemm(). */
export function sgemmInMemory(transA: boolean, transB: boolean, M: number, N: number, K: number,
  a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number): void {
  if (M === 0 || N === 0) return;
  runGemm(need(), transA ? 1 : 0, transB ? 1 : 0, M, N, K, 1, a, Math.max(lda, 1), b, Math.max(ldb, 1), beta, c, Math.max(ldc, 1));
}

// ---------------------------------------------------------------------------------------------
// Public GEMM entry points
// ---------------------------------------------------------------------------------------------

/** A GEMM whose operands live in wasm memory: fill `a`, `b` (and `c` when beta != 0), call run(). */
export interface PreparedSgemm {
  /** op(A) storage: M x K row-major, or K x M when transA. */
  readonly a: Float32Array;
  /** op(B) storage: K x N row-major, or N x K when transB. */
  readonly b: Float32Array;
  /** C, M x N row-major: input when beta != 0, output after run(). */
  readonly c: Float32Array;
  run(): void;
}

function checkDims(M: number, N: number, K: number): void {
  for (const [name, v] of [['M', M], ['N', N], ['K', K]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) throw new RangeError(`sgemm: ${name} must be a non-negative integer, got ${v}`);
  }
}

/**
 * Places an M x N x K GEMM in wasm memory (growing it if needed) and returns views of its operands.
 * The views and run() stay valid until the next prepareSgemm()/sgemm()/setNumThreads() call, which
 * reuses the space (run() then throws).
 */
export function prepareSgemm(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  beta = 0,
  alpha = 1,
): PreparedSgemm {
  checkDims(M, N, K);
  const bytes = (M * K + K * N + M * N) * 4;
  if (bytes > 0xfc000000) throw new WasmMemoryFull(`sgemm: a ${M}x${K} by ${K}x${N} product does not fit in 4 GiB of wasm memory`);
  const rt = need();
  const ex = rt.exports;
  ex.reset();
  const generation = ++rt.generation;
  const aPtr = ex.alloc(M * K * 4) >>> 0;
  const bPtr = ex.alloc(K * N * 4) >>> 0;
  const cPtr = ex.alloc(M * N * 4) >>> 0;
  if ((M * K > 0 && aPtr === 0) || (K * N > 0 && bPtr === 0) || (M * N > 0 && cPtr === 0)) {
    throw new WasmMemoryFull(`sgemm: cannot fit a ${M}x${K} by ${K}x${N} product in wasm memory`);
  }
  const heap = heapF32(rt);
  const a = heap.subarray(aPtr >> 2, (aPtr >> 2) + M * K);
  const b = heap.subarray(bPtr >> 2, (bPtr >> 2) + K * N);
  const c = heap.subarray(cPtr >> 2, (cPtr >> 2) + M * N);
  const lda = transA ? M : K;
  const ldb = transB ? K : N;
  const ta = transA ? 1 : 0;
  const tb = transB ? 1 : 0;
  return {
    a,
    b,
    c,
    run: () => {
      if (rt.generation !== generation) throw new Error('sgemm: this PreparedSgemm was invalidated by a later prepareSgemm/sgemm/setNumThreads call');
      runGemm(rt, ta, tb, M, N, K, alpha, aPtr, Math.max(lda, 1), bPtr, Math.max(ldb, 1), beta, cPtr, Math.max(N, 1));
    },
  };
}

/**
 * C = alpha * op(A) * op(B) + beta * C with row-major Float32Arrays: op(A) is M x K (A stored
 * K x M when transA), op(B) is K x N (B stored N x K when transB), C is M x N. Copies the inputs
 * into wasm memory (reused and grown as needed across calls), runs the SIMD kernel (threads per
 * setNumThreads) and copies C back. beta == 0 ignores C's previous contents (NaN included).
 */
export function sgemm(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  A: Float32Array,
  B: Float32Array,
  C: Float32Array,
  beta = 0,
  alpha = 1,
): Float32Array {
  checkDims(M, N, K);
  if (A.length < M * K) throw new RangeError(`sgemm: A has ${A.length} elements, needs ${M * K}`);
  if (B.length < K * N) throw new RangeError(`sgemm: B has ${B.length} elements, needs ${K * N}`);
  if (C.length < M * N) throw new RangeError(`sgemm: C has ${C.length} elements, needs ${M * N}`);
  if (M === 0 || N === 0) return C;
  const p = prepareSgemm(transA, transB, M, N, K, beta, alpha);
  p.a.set(A.length === M * K ? A : A.subarray(0, M * K));
  p.b.set(B.length === K * N ? B : B.subarray(0, K * N));
  if (beta !== 0) p.c.set(C.length === M * N ? C : C.subarray(0, M * N));
  p.run();
  C.set(p.c);
  return C;
}
