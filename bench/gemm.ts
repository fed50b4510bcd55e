// GEMM throughput: WebAssembly SIMD kernels (1 and 2 threads) next to the plain-JS blocked GEMM of
// the reference backend (src/backend/js/gemm.ts).
//
//   node --import tsx bench/gemm.ts            (add --quick for fewer repetitions)
//
// "resident" times the kernel on operands already in wasm memory (prepareSgemm().run()), which is
// what a backend keeping tensors in wasm memory would see; "sgemm()" includes copying A, B into
// wasm memory and C back out of it on every call. Each figure is the best of several runs (wall
// clock), except "CPU-time", which divides by the process CPU time instead: on a machine shared
// with other busy processes it shows what the kernel does while it actually holds a core.
import { cpus, loadavg } from 'node:os';
import { gemm as jsBackendGemm } from '../src/backend/js/gemm.js';
import { prepareSgemm, sgemm } from '../src/backend/wasm/gemm.js';
import { setNumThreads, threadsReady } from '../src/backend/wasm/threads.js';
import { wasmAvailable, wasmUnavailableReason } from '../src/backend/wasm/instance.js';

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

/**
 * Best process CPU time (ms) of fn: for single-threaded work on a busy machine this is the time
 * it actually ran, without the time other processes held the core.
 */
function bestCpu(fn: () => void, reps: number, warm: number): number {
  for (let i = 0; i < warm; i++) fn();
  let t = Infinity;
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    fn();
    const c = process.cpuUsage(c0);
    t = Math.min(t, (c.user + c.system) / 1000);
  }
  return t;
}

/** Plain-JS baseline: the reference backend's cache- and register-blocked GEMM (src/backend/js). */
function jsGemm(s: Shape, A: Float32Array, B: Float32Array, C: Float32Array): void {
  const { M, N, K } = s;
  jsBackendGemm(s.transA, s.transB, M, N, K, A, 0, s.transA ? M : K, B, 0, s.transB ? K : N, 0, C, 0, N);
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
  const ref = C.slice();

  for (const threads of [1, 2]) {
    const got = setNumThreads(threads);
    if (got !== threads) {
      row.push('-', '-');
      continue;
    }
    // workers start asynchronously; until they are up, GEMMs run on this thread alone
    await threadsReady();
    const p = prepareSgemm(s.transA, s.transB, M, N, K);
    p.a.set(A);
    p.b.set(B);
    row.push(gflops(s, best(() => p.run(), reps, 3)));
    if (threads === 1) row.push(gflops(s, bestCpu(() => p.run(), reps, 0)));
    row.push(gflops(s, best(() => sgemm(s.transA, s.transB, M, N, K, A, B, C), reps, 2)));
  }
  setNumThreads(1);
  // Agreement of the last wasm result with the JS baseline, relative to the largest |C|.
  let err = 0;
  let mag = 0;
  for (let i = 0; i < ref.length; i++) {
    err = Math.max(err, Math.abs(C[i]! - ref[i]!));
    mag = Math.max(mag, Math.abs(ref[i]!));
  }
  row.push((err / mag).toExponential(1));
  rows.push(row);
}

const header = ['shape (GFLOP/s)', 'plain JS', '1T resident', '1T res. CPU-time', '1T sgemm()', '2T resident', '2T sgemm()', 'max rel diff'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
console.log(`${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}` +
  ' (other processes skew these numbers, the 2-thread ones most)');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
