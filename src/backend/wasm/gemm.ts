// GEMM on the wasm kernel (kernels/gemm.ts): its public entry points, and the scheduling of a large
// product across the thread pool (./threads.ts): cut into chunks of whole rows (or columns) of C
// that the caller and the workers claim from a shared counter, so a worker that is slow to wake (or
// not scheduled at all) only costs its share. Every element of C goes through the same instruction
// sequence whatever chunk it falls in, so results are bit-identical to one thread.
import { heapF32, need, type Runtime } from './instance.js';
import { WasmMemoryFull } from './scratch.js';
import { CTL } from './pool-protocol.js';
import { readyPool, runJob } from './threads.js';

/** The GEMM kernel's exports (kernels/gemm.ts). */
export interface GemmExports {
  workspaceBytes(): number;
  setWorkspace(ptr: number): void;
  tileRows(): number;
  tileCols(): number;
  /** C = alpha*op(A)*op(B) + beta*C, row-major; returns 0, or -1 without a workspace. */
  sgemm(transA: number, transB: number, M: number, N: number, K: number, alpha: number,
    a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number): number;
}

/** Below this many flops (2*M*N*K) a GEMM stays on the calling thread (waking a worker ~45 us). */
const PARALLEL_MIN_FLOPS = 4e6;
/** Chunks per thread: more balance the load (and absorb a descheduled worker), but each chunk repacks the shared operand. */
const CHUNKS_PER_THREAD = 2;

function gemmStatus(status: number): void {
  if (status !== 0) throw new Error(`wasm sgemm failed (status ${status})`);
}

// A·Bᵀ with few rows of A runs faster on the kernel's dot-product path (transB = 2), which reads
// B's rows as they lie instead of transposing them into panels that few row pairs then share: e.g.
// a linear layer's weight gradient with a batch of 64, [64x512]x[512x3136], 50 vs 42 GFLOP/s; with
// more rows or shallow depths the packed path wins, except for fewer than 4 columns, which the
// packed path pads to 16 (a linear layer with one output, [50000x32]x[32x1]: 0.85 -> 0.2 ms). It is
// chosen here, on the whole product, so that every thread's chunk takes the same path (results
// bit-identical to one thread).
const DOT_MAX_M = 128;
const DOT_MIN_K = 128;
const DOT_MAX_NARROW_N = 3;

/** The kernel's transB argument for this product: 2 selects the dot-product path for A·Bᵀ. */
function kernelTransB(transA: number, transB: number, M: number, N: number, K: number): number {
  const dot = (M <= DOT_MAX_M && K >= DOT_MIN_K) || N <= DOT_MAX_NARROW_N;
  return transA === 0 && transB === 1 && dot ? 2 : transB;
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
  const pool = readyPool();
  const tb = kernelTransB(transA, transB, M, N, K);
  if (!pool || 2 * M * N * K < PARALLEL_MIN_FLOPS) {
    gemmStatus(ex.sgemm(transA, tb, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc));
    return;
  }
  // Split the larger of M and N (the duplicated packing is then of the smaller operand), in whole
  // micro-tiles so that chunk boundaries never cut a tile.
  const splitM = M >= N;
  const total = splitM ? M : N;
  const unit = splitM ? ex.tileRows() : ex.tileCols();
  const units = Math.ceil(total / unit);
  const chunks = Math.min(units, CTL.MAX_CHUNKS, (pool.workers.length + 1) * CHUNKS_PER_THREAD);
  if (chunks < 2) {
    gemmStatus(ex.sgemm(transA, tb, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc));
    return;
  }
  const { i32, f32 } = pool;
  const args = [transA, tb, M, N, K, 0, a, lda, b, ldb, 0, c, ldc];
  for (let i = 0; i < 13; i++) i32[CTL.ARGS + i] = args[i]!;
  f32[CTL.ARGS + 5] = alpha;
  f32[CTL.ARGS + 10] = beta;
  i32[CTL.SPLIT_M] = splitM ? 1 : 0;
  for (let q = 0; q <= chunks; q++) i32[CTL.BOUNDS + q] = Math.min(total, Math.round((q * units) / chunks) * unit);
  gemmStatus(runJob(pool, ex, chunks));
}

/** C = op(A)·op(B) + beta·C on operands already in wasm memory (byte offsets), threaded like sgemm(). */
export function sgemmInMemory(transA: boolean, transB: boolean, M: number, N: number, K: number,
  a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number): void {
  if (M === 0 || N === 0) return;
  runGemm(need(), transA ? 1 : 0, transB ? 1 : 0, M, N, K, 1, a, Math.max(lda, 1), b, Math.max(ldb, 1), beta, c, Math.max(ldc, 1));
}

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
