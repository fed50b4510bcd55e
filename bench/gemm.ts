// GEMM throughput: WebAssembly SIMD kernels (1 and 2 threads) next to a plain-JS blocked loop.
//
//   node --import tsx bench/gemm.ts            (add --quick for fewer repetitions)
//
// "resident" times the kernel on operands already in wasm memory (prepareSgemm().run()), which is
// what a backend keeping tensors in wasm memory would see; "sgemm()" includes copying A, B into
// wasm memory and C back out of it on every call. Each figure is the best of several runs.
import {
  prepareSgemm,
  setNumThreads,
  sgemm,
  wasmAvailable,
  wasmUnavailableReason,
} from '../src/backend/wasm/loader.js';

interface Shape {
  name: string;
  transA: boolean;
  transB: boolean;
  M: number;
  N: number;
  K: number;
}

const SHAPES: Shape[] = [
  { name: 'NN [64x3136]x[3136x512]', transA: false, transB: false, M: 64, N: 512, K: 3136 },
  { name: 'NT dA=dC.B^T [64x512]x[512x3136]', transA: false, transB: true, M: 64, N: 3136, K: 512 },
  { name: 'TN dB=A^T.dC [3136x64]x[64x512]', transA: true, transB: false, M: 3136, N: 512, K: 64 },
  { name: 'NN im2col [12544x288]x[288x64]', transA: false, transB: false, M: 12544, N: 64, K: 288 },
  { name: 'NN small-K [12544x9]x[9x32]', transA: false, transB: false, M: 12544, N: 32, K: 9 },
];

const quick = process.argv.includes('--quick');

function random(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() * 2 - 1;
  return a;
}

/** Best wall time (ms) of fn over `reps` runs after `warm` unmeasured ones. */
function best(fn: () => void, reps: number, warm: number): number {
  for (let i = 0; i < warm; i++) fn();
  let t = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    t = Math.min(t, performance.now() - t0);
  }
  return t;
}

/** Row-major transpose of an R x C matrix. */
function transpose(src: Float32Array, R: number, C: number): Float32Array {
  const out = new Float32Array(R * C);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) out[c * R + r] = src[r * C + c]!;
  return out;
}

/**
 * Plain-JS baseline: C = op(A) op(B) with a cache-blocked, 4 x 4 register-blocked loop over
 * row-major operands (transposed operands are materialized first; that time is included).
 * B is packed per 4-column strip so the inner loop reads both operands contiguously.
 */
function jsGemm(s: Shape, A: Float32Array, B: Float32Array, C: Float32Array): void {
  const { M, N, K } = s;
  const a = s.transA ? transpose(A, K, M) : A;
  const b = s.transB ? transpose(B, N, K) : B;
  C.fill(0);
  const KB = 256;
  const strip = new Float64Array(KB * 4);
  for (let k0 = 0; k0 < K; k0 += KB) {
    const k1 = Math.min(K, k0 + KB);
    const kl = k1 - k0;
    for (let j = 0; j < N; j += 4) {
      const nj = Math.min(4, N - j);
      for (let k = 0; k < kl; k++) {
        for (let c = 0; c < 4; c++) strip[k * 4 + c] = c < nj ? b[(k0 + k) * N + j + c]! : 0;
      }
      let i = 0;
      for (; i + 4 <= M; i += 4) {
        let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        let p0 = i * K + k0;
        let p1 = p0 + K;
        let p2 = p1 + K;
        let p3 = p2 + K;
        for (let k = 0; k < kl; k++) {
          const q = k * 4;
          const b0 = strip[q]!, b1 = strip[q + 1]!, b2 = strip[q + 2]!, b3 = strip[q + 3]!;
          const a0 = a[p0++]!, a1 = a[p1++]!, a2 = a[p2++]!, a3 = a[p3++]!;
          c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
          c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
          c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
          c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
        }
        const acc = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
        for (let r = 0; r < 4; r++) for (let c = 0; c < nj; c++) C[(i + r) * N + j + c]! += acc[r * 4 + c]!;
      }
      for (; i < M; i++) {
        for (let c = 0; c < nj; c++) {
          let sum = 0;
          for (let k = 0; k < kl; k++) sum += a[i * K + k0 + k]! * strip[k * 4 + c]!;
          C[i * N + j + c]! += sum;
        }
      }
    }
  }
}

function gflops(s: Shape, ms: number): string {
  return ((2 * s.M * s.N * s.K) / (ms * 1e6)).toFixed(1);
}

if (!wasmAvailable()) {
  console.error(`wasm unavailable: ${wasmUnavailableReason()}`);
  process.exit(1);
}

const reps = quick ? 3 : 10;
const rows: string[][] = [];
for (const s of SHAPES) {
  const { M, N, K } = s;
  const A = random(M * K);
  const B = random(K * N);
  const C = new Float32Array(M * N);
  const row = [s.name];

  row.push(gflops(s, best(() => jsGemm(s, A, B, C), quick ? 1 : 2, 1)));

  for (const threads of [1, 2]) {
    const got = setNumThreads(threads);
    if (got !== threads) {
      row.push('-', '-');
      continue;
    }
    const p = prepareSgemm(s.transA, s.transB, M, N, K);
    p.a.set(A);
    p.b.set(B);
    row.push(gflops(s, best(() => p.run(), reps, 3)));
    row.push(gflops(s, best(() => sgemm(s.transA, s.transB, M, N, K, A, B, C), reps, 2)));
  }
  setNumThreads(1);
  rows.push(row);
}

const header = ['shape (GFLOP/s)', 'plain JS', '1T resident', '1T sgemm()', '2T resident', '2T sgemm()'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
