// Synchronous loader for the WebAssembly SIMD128 GEMM kernels (src/backend/wasm/kernels/).
//
// How the bytes get here: `npm run build:wasm` (part of `npm run build`, so of `npm install`)
// compiles the AssemblyScript sources and writes them, base64-encoded, into the generated module
// ./kernels.generated.ts. The bytes therefore travel with the JS module graph (tsx from source,
// tsc's dist/, any bundler) and loading needs neither fs nor fetch: decode with atob, compile with
// `new WebAssembly.Module` (synchronous; the module is ~4 KB, under Chrome's 4 KB-per-sync-compile
// limit on the main thread) and instantiate against a memory created here.
//
// Two builds are embedded: one importing an ordinary memory, one importing a shared memory. The
// shared one is used whenever SharedArrayBuffer exists (Node; cross-origin-isolated pages), so that
// worker threads (Node only, see setNumThreads) can run on the same memory.
//
// This module imports nothing from Node; the thread pool reaches node:worker_threads through
// process.getBuiltinModule (Node >= 20.16) only when setNumThreads(n > 1) is called.
import { KERNELS_SHARED_WASM_BASE64, KERNELS_WASM_BASE64 } from './kernels.generated.js';

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
}

interface Worker {
  /** Control block (see WORKER_SOURCE) as Int32 / Float32 views. */
  i32: Int32Array;
  f32: Float32Array;
  seq: number;
  handle: { terminate(): unknown; unref(): void };
}

interface Runtime {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  shared: boolean;
  exports: WasmKernelExports;
  f32: Float32Array;
  workers: Worker[];
  /** Bumped whenever the scratch arena is reused, so stale PreparedSgemm objects refuse to run. */
  generation: number;
}

const PAGE = 65536;
const MAX_PAGES = 65536; // the shared build declares this maximum (4 GiB)
/** Below this many flops (2*M*N*K) a GEMM stays on the calling thread (waking a worker ~45 us). */
const PARALLEL_MIN_FLOPS = 4e6;
/** Worker control block: 32 Int32 words, one 128-byte block per worker. */
const CTL_WORDS = 32;
const CTL_SEQ = 0;
const CTL_CMD = 1; // 0 = sgemm, 1 = quit
const CTL_ARGS = 2; // 13 sgemm arguments, words 2..14 (alpha at 7, beta at 12 as f32)
const CTL_STATUS = 15;
const CTL_DONE = 16;
const CTL_READY = 17; // 1 = instantiated, -1 = failed
/** How long an idle worker polls for the next job before sleeping in Atomics.wait. */
const WORKER_SPIN_MS = 2;
/** How long the caller polls for a worker's result before sleeping in Atomics.wait. */
const CALLER_SPIN_MS = 20;

let runtime: Runtime | null | undefined;
let unavailable = '';

function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function instantiate(shared: boolean): Runtime {
  const bytes = decodeBase64(shared ? KERNELS_SHARED_WASM_BASE64 : KERNELS_WASM_BASE64);
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
  return { module, memory, shared, exports, f32: new Float32Array(memory.buffer), workers: [], generation: 0 };
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
      runtime = instantiate(shared);
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
// Threads (Node only): workers instantiate the same module on the shared memory and wait on their
// control block with Atomics.wait; the caller splits the GEMM into row (or column) ranges, posts one
// to each worker, computes the first itself and waits for the others. Every element of C goes
// through the same instruction sequence whatever the split, so results are bit-identical to one
// thread.
// ---------------------------------------------------------------------------------------------

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, ctl, ws } = workerData;
const i32 = new Int32Array(memory.buffer, ctl, ${CTL_WORDS});
const f32 = new Float32Array(memory.buffer, ctl, ${CTL_WORDS});
let ex;
try {
  ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
  ex.setWorkspace(ws);
  Atomics.store(i32, ${CTL_READY}, 1);
} catch (e) {
  Atomics.store(i32, ${CTL_READY}, -1);
}
Atomics.notify(i32, ${CTL_READY});
let seen = 0;
while (ex) {
  // Spin for a while before sleeping: a sleeping worker woken by Atomics.notify tends to be placed
  // on the notifying thread's CPU by the Linux scheduler (wake-affine) and to preempt it, which
  // serializes the two halves of the GEMM. A spinning worker keeps its own CPU.
  const spinUntil = performance.now() + ${WORKER_SPIN_MS};
  let spins = 0;
  while (Atomics.load(i32, ${CTL_SEQ}) === seen) {
    if ((++spins & 1023) === 0 && performance.now() > spinUntil) {
      Atomics.wait(i32, ${CTL_SEQ}, seen);
      break;
    }
  }
  const seq = Atomics.load(i32, ${CTL_SEQ});
  if (seq === seen) continue;
  seen = seq;
  if (i32[${CTL_CMD}] === 1) break;
  let status;
  try {
    status = ex.sgemm(i32[2], i32[3], i32[4], i32[5], i32[6], f32[7], i32[8], i32[9], i32[10], i32[11], f32[12], i32[13], i32[14]);
  } catch (e) {
    status = -2;
  }
  i32[${CTL_STATUS}] = status;
  Atomics.store(i32, ${CTL_DONE}, seq);
  Atomics.notify(i32, ${CTL_DONE});
}
`;

interface WorkerThreadsModule {
  Worker: new (
    src: string,
    opts: { eval: boolean; workerData: unknown },
  ) => { terminate(): unknown; unref(): void };
}

function workerThreads(): WorkerThreadsModule | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (!proc || typeof proc.getBuiltinModule !== 'function') return null;
  try {
    return (proc.getBuiltinModule('node:worker_threads') as WorkerThreadsModule | undefined) ?? null;
  } catch {
    return null;
  }
}

function stopWorker(w: Worker): void {
  w.i32[CTL_CMD] = 1;
  Atomics.store(w.i32, CTL_SEQ, ++w.seq);
  Atomics.notify(w.i32, CTL_SEQ);
  w.handle.unref();
}

function startWorker(rt: Runtime, wt: WorkerThreadsModule): Worker {
  const ex = rt.exports;
  // Permanent allocations: drop any scratch data first (no GEMM is running on this thread now).
  rt.generation++;
  const ctl = ex.reserve(CTL_WORDS * 4) >>> 0;
  const ws = ex.reserve(ex.workspaceBytes()) >>> 0;
  if (ctl === 0 || ws === 0) throw new Error('cannot allocate a worker workspace');
  const i32 = new Int32Array(rt.memory.buffer, ctl, CTL_WORDS);
  const f32 = new Float32Array(rt.memory.buffer, ctl, CTL_WORDS);
  i32.fill(0);
  const handle = new wt.Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { module: rt.module, memory: rt.memory, ctl, ws },
  });
  handle.unref();
  // Wait (synchronously) until the worker has instantiated the module.
  const deadline = Date.now() + 30000;
  while (Atomics.load(i32, CTL_READY) === 0) {
    if (Date.now() > deadline) break;
    Atomics.wait(i32, CTL_READY, 0, 100);
  }
  const w: Worker = { i32, f32, seq: 0, handle };
  if (Atomics.load(i32, CTL_READY) !== 1) {
    void handle.terminate();
    throw new Error('a GEMM worker thread failed to start');
  }
  return w;
}

/**
 * Sets how many threads (the caller plus n-1 workers) a large GEMM may use; returns the number
 * actually in effect: 1 where worker threads or shared memory are unavailable (browsers, Node
 * older than 20.16) or the kernels did not load. Workers do not keep the process alive.
 */
export function setNumThreads(n: number): number {
  const rt = load();
  if (!rt) return 1;
  const want = Math.max(1, Math.min(64, Math.floor(n) || 1));
  while (rt.workers.length > want - 1) stopWorker(rt.workers.pop()!);
  if (want > 1 && rt.shared) {
    const wt = workerThreads();
    if (wt) {
      try {
        while (rt.workers.length < want - 1) rt.workers.push(startWorker(rt, wt));
      } catch {
        // keep the workers that did start
      }
    }
  }
  return rt.workers.length + 1;
}

/** Threads a large GEMM uses now (1 = the calling thread only). */
export function getNumThreads(): number {
  return runtime ? runtime.workers.length + 1 : 1;
}

function gemmStatus(status: number): void {
  if (status !== 0) throw new Error(`wasm sgemm failed (status ${status})`);
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
  const threads = rt.workers.length + 1;
  if (threads === 1 || 2 * M * N * K < PARALLEL_MIN_FLOPS) {
    gemmStatus(ex.sgemm(transA, transB, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc));
    return;
  }
  // Split the larger of M and N (duplicated packing is then the smaller operand), in whole tiles.
  const splitM = M >= N;
  const total = splitM ? M : N;
  const unit = splitM ? ex.tileRows() : ex.tileCols();
  const units = Math.ceil(total / unit);
  const parts = Math.min(threads, units);
  if (parts < 2) {
    gemmStatus(ex.sgemm(transA, transB, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc));
    return;
  }
  const ranges: Array<[number, number]> = [];
  for (let p = 0, start = 0; p < parts; p++) {
    const end = Math.min(total, Math.round(((p + 1) * units) / parts) * unit);
    ranges.push([start, end]);
    start = end;
  }
  const argsFor = ([s, e]: [number, number]): number[] => {
    if (splitM) {
      const aOff = transA ? s * 4 : s * lda * 4;
      return [transA, transB, e - s, N, K, alpha, a + aOff, lda, b, ldb, beta, c + s * ldc * 4, ldc];
    }
    const bOff = transB ? s * ldb * 4 : s * 4;
    return [transA, transB, M, e - s, K, alpha, a, lda, b + bOff, ldb, beta, c + s * 4, ldc];
  };
  const posted: Array<[Worker, number]> = [];
  for (let p = 1; p < parts; p++) {
    const w = rt.workers[p - 1]!;
    const args = argsFor(ranges[p]!);
    for (let i = 0; i < 13; i++) w.i32[CTL_ARGS + i] = args[i]!;
    w.f32[CTL_ARGS + 5] = alpha;
    w.f32[CTL_ARGS + 10] = beta;
    w.i32[CTL_CMD] = 0;
    const seq = ++w.seq;
    Atomics.store(w.i32, CTL_SEQ, seq);
    Atomics.notify(w.i32, CTL_SEQ);
    posted.push([w, seq]);
  }
  const own = argsFor(ranges[0]!);
  let status = ex.sgemm(own[0]!, own[1]!, own[2]!, own[3]!, own[4]!, own[5]!, own[6]!, own[7]!, own[8]!, own[9]!, own[10]!, own[11]!, own[12]!);
  for (const [w, seq] of posted) {
    // Poll (the halves are balanced, so this is short); sleeping here would let the scheduler wake
    // this thread on the worker's CPU, next to the still-spinning worker.
    if (Atomics.load(w.i32, CTL_DONE) !== seq) {
      const until = performance.now() + CALLER_SPIN_MS;
      let spins = 0;
      while (Atomics.load(w.i32, CTL_DONE) !== seq) {
        if ((++spins & 1023) === 0 && performance.now() > until) {
          let done = Atomics.load(w.i32, CTL_DONE);
          while (done !== seq) {
            Atomics.wait(w.i32, CTL_DONE, done);
            done = Atomics.load(w.i32, CTL_DONE);
          }
        }
      }
    }
    if (status === 0) status = w.i32[CTL_STATUS]!;
  }
  gemmStatus(status);
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
  const rt = need();
  const ex = rt.exports;
  ex.reset();
  const generation = ++rt.generation;
  const aPtr = ex.alloc(M * K * 4) >>> 0;
  const bPtr = ex.alloc(K * N * 4) >>> 0;
  const cPtr = ex.alloc(M * N * 4) >>> 0;
  if ((M * K > 0 && aPtr === 0) || (K * N > 0 && bPtr === 0) || (M * N > 0 && cPtr === 0)) {
    throw new RangeError(`sgemm: cannot fit a ${M}x${K} by ${K}x${N} product in wasm memory`);
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
