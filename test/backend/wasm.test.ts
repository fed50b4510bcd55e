// Tests for the WebAssembly SIMD GEMM kernels (src/backend/wasm/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { getNumThreads, setNumThreads, wasmThreadStats } from '../../src/backend/wasm/threads.js';
import { prepareSgemm, sgemm } from '../../src/backend/wasm/gemm.js';
import { wasmAvailable, wasmKernels, wasmUnavailableReason } from '../../src/backend/wasm/instance.js';
import { randomArray, rng } from '../helpers/random.js';

/** Reference C = alpha*op(A)*op(B) + beta*C in float64. */
function naive(
  transA: boolean, transB: boolean, M: number, N: number, K: number,
  A: Float32Array, B: Float32Array, C: Float32Array, beta: number, alpha = 1,
): Float64Array {
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        const a = transA ? A[k * M + i]! : A[i * K + k]!;
        const b = transB ? B[j * K + k]! : B[k * N + j]!;
        s += a * b;
      }
      out[i * N + j] = alpha * s + (beta === 0 ? 0 : beta * C[i * N + j]!);
    }
  }
  return out;
}

/** Max error relative to the magnitude of the products (sum |a||b|), robust to cancellation. */
function check(
  label: string, transA: boolean, transB: boolean, M: number, N: number, K: number,
  A: Float32Array, B: Float32Array, C0: Float32Array, got: Float32Array, beta: number, alpha = 1,
): void {
  const want = naive(transA, transB, M, N, K, A, B, C0, beta, alpha);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let mag = 0;
      for (let k = 0; k < K; k++) {
        const a = transA ? A[k * M + i]! : A[i * K + k]!;
        const b = transB ? B[j * K + k]! : B[k * N + j]!;
        mag += Math.abs(a * b);
      }
      mag = Math.abs(alpha) * mag + Math.abs(beta * C0[i * N + j]!);
      const w = want[i * N + j]!;
      const g = got[i * N + j]!;
      const err = Math.abs(g - w) / Math.max(mag, 1e-30);
      if (!(err < 1e-5)) {
        assert.fail(`${label}: C[${i},${j}] = ${g}, want ${w} (relative error ${err})`);
      }
    }
  }
}

const CASES: Array<[boolean, boolean]> = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];
const tag = (ta: boolean, tb: boolean) => `${ta ? 'T' : 'N'}${tb ? 'T' : 'N'}`;

test('wasm SIMD kernels load', () => {
  assert.ok(wasmAvailable(), `wasm unavailable: ${wasmUnavailableReason()}`);
});

test('sgemm matches a naive loop: all transposes, random sizes 1..67, beta 0 and 1', () => {
  const rand = rng(12345);
  for (const [ta, tb] of CASES) {
    for (let trial = 0; trial < 40; trial++) {
      const M = 1 + Math.floor(rand() * 67);
      const N = 1 + Math.floor(rand() * 67);
      const K = 1 + Math.floor(rand() * 67);
      const A = randomArray(M * K, rand);
      const B = randomArray(K * N, rand);
      for (const beta of [0, 1]) {
        const C0 = randomArray(M * N, rand);
        const C = C0.slice();
        sgemm(ta, tb, M, N, K, A, B, C, beta);
        check(`${tag(ta, tb)} ${M}x${N}x${K} beta=${beta}`, ta, tb, M, N, K, A, B, C0, C, beta);
      }
    }
  }
});

test('sgemm edge sizes: every M, N, K in 1..20 against each other (sampled) and tiny dims', () => {
  const rand = rng(777);
  const dims = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33];
  for (const [ta, tb] of CASES) {
    for (const M of dims) {
      for (const N of dims) {
        const K = dims[Math.floor(rand() * dims.length)]!;
        const A = randomArray(M * K, rand);
        const B = randomArray(K * N, rand);
        const C0 = randomArray(M * N, rand);
        const C = C0.slice();
        const beta = rand() < 0.5 ? 0 : 0.5;
        sgemm(ta, tb, M, N, K, A, B, C, beta);
        check(`${tag(ta, tb)} ${M}x${N}x${K} beta=${beta}`, ta, tb, M, N, K, A, B, C0, C, beta);
      }
    }
  }
});

test('sgemm: K = 1, K = 9 (small-K im2col), N < 16, alpha != 1', () => {
  const rand = rng(99);
  const shapes: Array<[number, number, number]> = [
    [9, 64, 1], [1, 1, 1], [37, 5, 1], [100, 9, 9], [9, 100, 9], [200, 3, 9], [130, 16, 9], [3, 130, 2],
  ];
  for (const [ta, tb] of CASES) {
    for (const [M, N, K] of shapes) {
      for (const [alpha, beta] of [[1, 0], [0.5, 0], [2, 1], [-1, 0.25]] as const) {
        const A = randomArray(M * K, rand);
        const B = randomArray(K * N, rand);
        const C0 = randomArray(M * N, rand);
        const C = C0.slice();
        sgemm(ta, tb, M, N, K, A, B, C, beta, alpha);
        check(`${tag(ta, tb)} ${M}x${N}x${K} a=${alpha} b=${beta}`, ta, tb, M, N, K, A, B, C0, C, beta, alpha);
      }
    }
  }
});

test('sgemm: sizes crossing the cache blocks (several K, M and N blocks)', () => {
  const rand = rng(4242);
  const shapes: Array<[number, number, number]> = [
    [70, 40, 700], [300, 33, 45], [5, 2100, 21], [259, 18, 330],
  ];
  for (const [ta, tb] of CASES) {
    for (const [M, N, K] of shapes) {
      const A = randomArray(M * K, rand);
      const B = randomArray(K * N, rand);
      const C0 = randomArray(M * N, rand);
      for (const beta of [0, 1]) {
        const C = C0.slice();
        sgemm(ta, tb, M, N, K, A, B, C, beta);
        check(`${tag(ta, tb)} ${M}x${N}x${K} beta=${beta}`, ta, tb, M, N, K, A, B, C0, C, beta);
      }
    }
  }
});

test('sgemm: the dot-product path for A·Bᵀ (few rows of A, deep K; or fewer than 4 columns) and A read in place (tall A, even K)', () => {
  // A·Bᵀ with M <= 128 and K >= 128, or with N < 4, runs the dot-product kernel: odd M, N not a
  // multiple of 4, K not a multiple of 4 and K beyond one depth block (1024), and tall A against
  // one to three rows of B (four rows at a time, then the rest). NN/NT with M > 128 and an even K
  // block read A in place: partial column panels, odd M, several K blocks.
  const rand = rng(777);
  const shapes: Array<[boolean, boolean, number, number, number]> = [
    [false, true, 64, 392, 512], [false, true, 77, 130, 258], [false, true, 3, 50, 1030],
    [false, true, 128, 20, 129], [false, true, 1, 9, 2049],
    [false, true, 5003, 1, 32], [false, true, 999, 2, 37], [false, true, 130, 3, 1030], [false, true, 7, 1, 3],
    [false, false, 300, 70, 288], [false, false, 301, 64, 290], [false, true, 259, 48, 644], [false, false, 130, 16, 2],
  ];
  for (const [ta, tb, M, N, K] of shapes) {
    const A = randomArray(M * K, rand);
    const B = randomArray(K * N, rand);
    const C0 = randomArray(M * N, rand);
    for (const [alpha, beta] of [[1, 0], [1, 1], [0.5, 0], [-1.5, 2]] as const) {
      const C = C0.slice();
      sgemm(ta, tb, M, N, K, A, B, C, beta, alpha);
      check(`${tag(ta, tb)} ${M}x${N}x${K} a=${alpha} b=${beta}`, ta, tb, M, N, K, A, B, C0, C, beta, alpha);
    }
  }
});

test('sgemm: every row remainder of the 6-row tiles and column remainder of a 16-wide panel, packed and in place', () => {
  // Relaxed-SIMD builds run packed A in 6-row tiles on 8-column halves of each B panel and the rows
  // left over in 2-row tiles; tall A with at most 128 columns is read in place in row pairs.
  const rand = rng(606);
  const Ms = [6, 7, 8, 9, 10, 11, 12, 64, 136, 137, 138, 139, 140, 141];
  const Ns = [1, 7, 8, 9, 16, 23, 24, 33, 129, 150];
  for (const [ta, tb] of CASES) {
    for (const M of Ms) {
      for (const N of Ns) {
        const K = (M * 7 + N) % 3 === 0 ? 31 : 290;
        const A = randomArray(M * K, rand);
        const B = randomArray(K * N, rand);
        const C0 = randomArray(M * N, rand);
        const [alpha, beta] = (M + N) % 2 === 0 ? [1, 0] : [-0.5, 1.5];
        const C = C0.slice();
        sgemm(ta, tb, M, N, K, A, B, C, beta, alpha);
        check(`${tag(ta, tb)} ${M}x${N}x${K} a=${alpha} b=${beta}`, ta, tb, M, N, K, A, B, C0, C, beta, alpha);
      }
    }
  }
});

test('sgemm: alpha != 1 with several K blocks and partial tiles', () => {
  const rand = rng(31337);
  for (const [ta, tb] of CASES) {
    const [M, N, K] = [7, 21, 661];
    const A = randomArray(M * K, rand);
    const B = randomArray(K * N, rand);
    const C0 = randomArray(M * N, rand);
    for (const [alpha, beta] of [[0.75, 0], [-1.5, 2]] as const) {
      const C = C0.slice();
      sgemm(ta, tb, M, N, K, A, B, C, beta, alpha);
      check(`${tag(ta, tb)} ${M}x${N}x${K} a=${alpha} b=${beta}`, ta, tb, M, N, K, A, B, C0, C, beta, alpha);
    }
  }
});

test('sgemm: NaN left in the packing buffers by an earlier call does not leak (odd K padding)', () => {
  const rand = rng(11);
  for (const [ta, tb] of CASES) {
    const [M, N, K] = [37, 35, 333];
    sgemm(ta, tb, M, N, K, new Float32Array(M * K).fill(NaN), new Float32Array(K * N).fill(NaN), new Float32Array(M * N));
    for (const k of [1, 3, 9, 33, 321]) {
      const A = randomArray(M * k, rand);
      const B = randomArray(k * N, rand);
      const C = new Float32Array(M * N);
      sgemm(ta, tb, M, N, k, A, B, C);
      check(`${tag(ta, tb)} after NaN ${M}x${N}x${k}`, ta, tb, M, N, k, A, B, C, C, 0);
    }
  }
});

test('sgemm: beta = 0 ignores NaN in C; K = 0 gives beta*C; M or N = 0 is a no-op', () => {
  const A = new Float32Array([1, 2, 3, 4, 5, 6]); // 2x3
  const B = new Float32Array([1, 0, 0, 1, 1, 1]); // 3x2
  const C = new Float32Array([NaN, NaN, NaN, NaN]);
  sgemm(false, false, 2, 2, 3, A, B, C);
  assert.deepEqual(Array.from(C), [4, 5, 10, 11]);
  const C2 = new Float32Array([1, 2, 3, 4]);
  sgemm(false, false, 2, 2, 0, new Float32Array(0), new Float32Array(0), C2, 0.5);
  assert.deepEqual(Array.from(C2), [0.5, 1, 1.5, 2]);
  const C3 = new Float32Array([7]);
  sgemm(false, false, 0, 1, 3, new Float32Array(0), new Float32Array(3), C3);
  assert.deepEqual(Array.from(C3), [7]);
  assert.throws(() => sgemm(false, false, 2, 2, 3, A, B, new Float32Array(3)), RangeError);
});

test('sgemm reuses its memory across calls (no growth for repeated shapes)', () => {
  const rand = rng(5);
  const A = randomArray(50 * 60, rand);
  const B = randomArray(60 * 70, rand);
  const C = new Float32Array(50 * 70);
  const p0 = prepareSgemm(false, false, 50, 70, 60);
  const buffer0 = p0.a.buffer.byteLength;
  for (let i = 0; i < 5; i++) sgemm(false, false, 50, 70, 60, A, B, C);
  const p1 = prepareSgemm(false, false, 50, 70, 60);
  assert.equal(p1.a.buffer.byteLength, buffer0);
  assert.equal(p1.a.byteOffset, p0.a.byteOffset);
  assert.throws(() => p0.run(), /invalidated/);
});

test('prepareSgemm runs on data placed in wasm memory', () => {
  const rand = rng(8);
  const [M, N, K] = [33, 47, 29];
  const A = randomArray(M * K, rand);
  const B = randomArray(N * K, rand);
  const p = prepareSgemm(false, true, M, N, K);
  p.a.set(A);
  p.b.set(B);
  p.run();
  check('prepared NT', false, true, M, N, K, A, B, new Float32Array(M * N), p.c, 0);
});

test('two threads give bit-identical results to one thread', (t) => {
  const rand = rng(2024);
  const shapes: Array<[number, number, number]> = [
    [64, 512, 300], [301, 67, 290], [40, 999, 120], [257, 257, 65], [12544 / 4, 32, 9], [64, 392, 512], [100, 50, 258], [301, 200, 64],
    [20001, 2, 130],
  ];
  const cases: Array<{ label: string; ta: boolean; tb: boolean; M: number; N: number; K: number; beta: number; A: Float32Array; B: Float32Array; C0: Float32Array }> = [];
  for (const [ta, tb] of CASES) {
    for (const [M, N, K] of shapes) {
      const A = randomArray(M * K, rand);
      const B = randomArray(K * N, rand);
      const C0 = randomArray(M * N, rand);
      for (const beta of [0, 1]) cases.push({ label: `${tag(ta, tb)} ${M}x${N}x${K} beta=${beta}`, ta, tb, M, N, K, beta, A, B, C0 });
    }
  }
  const run = () =>
    cases.map(({ ta, tb, M, N, K, beta, A, B, C0 }) => {
      const C = C0.slice();
      sgemm(ta, tb, M, N, K, A, B, C, beta);
      return C;
    });
  setNumThreads(1);
  const one = run();
  try {
    if (setNumThreads(2) !== 2) {
      t.skip('worker threads unavailable');
      return;
    }
    const jobs = wasmThreadStats().parallelGemms;
    const two = run();
    assert.ok(wasmThreadStats().parallelGemms - jobs >= cases.length / 2, 'the GEMMs were not split');
    cases.forEach((c, n) => {
      const u1 = new Uint32Array(one[n]!.buffer);
      const u2 = new Uint32Array(two[n]!.buffer);
      for (let i = 0; i < u1.length; i++) {
        if (u1[i] !== u2[i]) assert.fail(`${c.label}: element ${i} differs (${one[n]![i]} vs ${two[n]![i]})`);
      }
    });
    const c = cases[0]!;
    check('threaded ' + c.label, c.ta, c.tb, c.M, c.N, c.K, c.A, c.B, c.C0, two[0]!, c.beta);
  } finally {
    setNumThreads(1);
  }
});

test('the thread pool really runs chunks on a worker, and restarting it reuses its memory', (t) => {
  try {
    if (setNumThreads(2) !== 2) {
      t.skip('worker threads unavailable');
      return;
    }
    const pages = () => wasmKernels().memory.buffer.byteLength;
    const [M, N, K] = [512, 256, 512]; // 134 MFLOP: 4 chunks of about a millisecond each
    const A = randomArray(M * K, rng(1));
    const B = randomArray(K * N, rng(2));
    const C = new Float32Array(M * N);
    const before = wasmThreadStats();
    // On a loaded machine (the suite runs two files at once on two cores) the worker may not be
    // scheduled before the caller has claimed every chunk of one GEMM: keep trying for a while.
    const deadline = performance.now() + 10_000;
    while (wasmThreadStats().workerChunks === before.workerChunks && performance.now() < deadline) {
      sgemm(false, false, M, N, K, A, B, C);
    }
    const after = wasmThreadStats();
    assert.ok(after.parallelGemms > before.parallelGemms, 'the GEMM was not split');
    assert.ok(after.workerChunks > before.workerChunks, 'no chunk ran on the worker');
    sgemm(false, false, M, N, K, A, B, C);
    const size = pages();
    for (let i = 0; i < 4; i++) {
      setNumThreads(1);
      setNumThreads(2);
      sgemm(false, false, M, N, K, A, B, C);
    }
    assert.equal(pages(), size, 'restarting the pool grew wasm memory');
    assert.equal(getNumThreads(), 2);
  } finally {
    setNumThreads(1);
  }
});

test('worker threads start from an ES module (node --input-type=module -e) and from CommonJS (dynamic import)', { skip: wasmAvailable() ? false : 'no wasm' }, () => {
  const entry = JSON.stringify(new URL('../../src/node.ts', import.meta.url).href);
  // a descheduled worker (a loaded machine) may leave every chunk to the caller: give it up to 10 s of products
  const body = `nb.setNumThreads(2);
    const a = nb.ones([512, 512]);
    const { wasmThreadStats } = await import(${JSON.stringify(new URL('../../src/backend/wasm/threads.ts', import.meta.url).href)});
    let total = 0;
    for (const until = Date.now() + 10000; Date.now() < until && wasmThreadStats().workerChunks === 0;) total = a.matmul(a).sum().item();
    console.log(JSON.stringify({ total, threads: nb.numThreads(), workerChunks: wasmThreadStats().workerChunks }));`;
  const contexts: Array<[string, string[], string]> = [
    ['ES module', ['--input-type=module'], `const nb = await import(${entry}); ${body}`],
    ['CommonJS', ['--input-type=commonjs'], `(async () => { const nb = await import(${entry}); ${body} })().catch((e) => { console.error(e); process.exit(1); });`],
  ];
  for (const [what, flags, code] of contexts) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', ...flags, '-e', code], { encoding: 'utf8', env: { ...process.env, NABLA_BACKEND: 'wasm' } });
    assert.equal(r.status, 0, `${what}: ${r.stderr}`);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { total: number; threads: number; workerChunks: number };
    assert.equal(out.total, 512 * 512 * 512, what);
    assert.equal(out.threads, 2, what);
    assert.ok(out.workerChunks > 0, `${what}: no chunk ran on the worker`);
    assert.doesNotMatch(r.stderr, /Error/, what);
  }
});

test('loads without SharedArrayBuffer or Node built-ins (browser-like): plain memory, one thread', () => {
  const code = `
    delete globalThis.SharedArrayBuffer;
    globalThis.process.getBuiltinModule = undefined;
    const { sgemm } = await import(${JSON.stringify(new URL('../../src/backend/wasm/gemm.ts', import.meta.url).href)});
    const { setNumThreads } = await import(${JSON.stringify(new URL('../../src/backend/wasm/threads.ts', import.meta.url).href)});
    const { wasmAvailable } = await import(${JSON.stringify(new URL('../../src/backend/wasm/instance.ts', import.meta.url).href)});
    const C = new Float32Array(4);
    sgemm(false, false, 2, 2, 3, new Float32Array([1, 2, 3, 4, 5, 6]), new Float32Array([1, 0, 0, 1, 1, 1]), C);
    console.log(JSON.stringify({ available: wasmAvailable(), threads: setNumThreads(2), C: Array.from(C) }));
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop()!), { available: true, threads: 1, C: [4, 5, 10, 11] });
});

test('the relaxed-SIMD (fused multiply-add) build runs where the engine has it; NABLA_WASM_RELAXED=0 picks the plain one; both agree', () => {
  const code = `
    const { sgemm } = await import(${JSON.stringify(new URL('../../src/backend/wasm/gemm.ts', import.meta.url).href)});
    const { wasmFeatures } = await import(${JSON.stringify(new URL('../../src/backend/wasm/instance.ts', import.meta.url).href)});
    let s = 7;
    const rand = (n) => Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5);
    const [M, N, K] = [67, 45, 333];
    const C = sgemm(false, true, M, N, K, rand(M * K), rand(N * K), new Float32Array(M * N));
    console.log(JSON.stringify({ features: wasmFeatures(), C: Array.from(C) }));
  `;
  const run = (relaxed: string) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      encoding: 'utf8', env: { ...process.env, NABLA_WASM_RELAXED: relaxed },
    });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { features: { relaxedSimd: boolean }; C: number[] };
  };
  const fused = run('1'), plain = run('0');
  assert.equal(plain.features.relaxedSimd, false);
  // V8 11.3 (Node 20) has relaxed SIMD behind a flag that variant.ts sets; later engines have it on by default
  assert.equal(fused.features.relaxedSimd, true);
  let scale = 0;
  for (const v of plain.C) scale = Math.max(scale, Math.abs(v));
  fused.C.forEach((v, i) => assert.ok(Math.abs(v - plain.C[i]!) <= 1e-5 * scale, `C[${i}]: ${v} (fused) vs ${plain.C[i]} (plain)`));
});
