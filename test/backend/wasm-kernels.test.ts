// The wasm backend's conv, pooling and elementwise kernels against the reference backend's: pooling
// and elementwise bit for bit (NaN, -0 and ties included), conv within float32 GEMM rounding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BinaryOp, Conv2dShapes, Pool2dShapes, StridedView, UnaryOp } from '../../src/backend/backend.js';
import * as jsConv from '../../src/backend/js/conv.js';
import { gemm as jsGemm } from '../../src/backend/js/gemm.js';
import * as jsPool from '../../src/backend/js/pool.js';
import * as jsElementwise from '../../src/backend/js/elementwise.js';
import { reduce as jsReduce } from '../../src/backend/js/reduce.js';
import * as wasmConv from '../../src/backend/wasm/conv.js';
import * as wasmPool from '../../src/backend/wasm/pool.js';
import * as wasmElementwise from '../../src/backend/wasm/elementwise.js';
import { reduce as wasmReduce } from '../../src/backend/wasm/reduce.js';
import { sgdStep as wasmSgdStep } from '../../src/backend/wasm/sgd.js';
import { sgdStep as jsSgdStep } from '../../src/backend/js/sgd.js';
import { prepareSgemm } from '../../src/backend/wasm/gemm.js';
import { setNumThreads } from '../../src/backend/wasm/threads.js';
import { winogradApplies } from '../../src/backend/wasm/winograd.js';
import { wasmAvailable } from '../../src/backend/wasm/instance.js';
import { WasmMemoryFull, wasmScratch } from '../../src/backend/wasm/scratch.js';
import { orReference, WasmBackend } from '../../src/backend/wasm/index.js';
import { randomArray as random, rng } from '../helpers/random.js';

const skip = wasmAvailable() ? false : 'WebAssembly SIMD unavailable';

/** Values with many ties, zeros of both signs and NaNs: what the NaN and tie rules must get right. */
function awkward(n: number, rand: () => number): Float32Array {
  return Float32Array.from({ length: n }, () => {
    const r = rand();
    return r < 0.05 ? NaN : r < 0.1 ? 0 : r < 0.15 ? -0 : r < 0.3 ? 1 : Math.round((rand() - 0.5) * 8) / 4;
  });
}

function assertIdentical(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) assert.fail(`${what}: element ${i} is ${got[i]}, the reference gives ${want[i]}`);
  }
}

function assertClose(got: Float32Array, want: Float32Array, what: string): void {
  let scale = 0;
  for (const v of want) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < want.length; i++) {
    if (Math.abs(got[i]! - want[i]!) > 1e-5 * scale + 1e-6) assert.fail(`${what}: element ${i} is ${got[i]}, the reference gives ${want[i]}`);
  }
}

test('maxPool2d and its backward match the reference exactly (2x2 fast path and general windows)', { skip }, () => {
  const rand = rng(1);
  const cases: Array<[h: number, w: number, k: number, stride: number, pad: number, dil: number]> = [
    // 2x2 fast path: rows of 14, 7 and 5 windows (the last group overlaps), 4, and 2 (scalar)
    [28, 28, 2, 2, 0, 1], [14, 14, 2, 2, 0, 1], [5, 11, 2, 2, 0, 1], [7, 9, 2, 2, 0, 1], [13, 5, 2, 2, 0, 1],
    [9, 11, 3, 2, 1, 1], [10, 10, 3, 1, 1, 2], [6, 8, 2, 1, 0, 1],
  ];
  for (const [h, w, k, st, pad, dil] of cases) {
    const span = dil * (k - 1) + 1;
    const oh = Math.floor((h + 2 * pad - span) / st) + 1, ow = Math.floor((w + 2 * pad - span) / st) + 1;
    const s: Pool2dShapes = { n: 3, c: 5, h, w, oh, ow, kernel: [k, k], stride: [st, st], padding: [pad, pad], dilation: [dil, dil], countIncludePad: true };
    const x = awkward(3 * 5 * h * w, rand);
    const out = [new Float32Array(15 * oh * ow), new Float32Array(15 * oh * ow)];
    const arg = [new Int32Array(15 * oh * ow), new Int32Array(15 * oh * ow)];
    wasmPool.maxPool2d(x, s, out[0]!, arg[0]!);
    jsPool.maxPool2d(x, s, out[1]!, arg[1]!);
    const what = `maxPool2d ${h}x${w} k${k} s${st} p${pad} d${dil}`;
    assertIdentical(out[0]!, out[1]!, what);
    assertIdentical(arg[0]!, arg[1]!, `${what} indices`);
    const g = random(15 * oh * ow, rand);
    const gx = [new Float32Array(x.length).fill(7), new Float32Array(x.length)];
    wasmPool.maxPool2dBackward(g, arg[0]!, s, gx[0]!);
    jsPool.maxPool2dBackward(g, arg[1]!, s, gx[1]!);
    assertIdentical(gx[0]!, gx[1]!, `${what} backward`);
  }
});

test('elementwise ops match the reference exactly, dense and with a broadcast scalar', { skip }, () => {
  const rand = rng(2);
  for (const n of [1024, 1027, 5003]) {
    for (const op of ['relu', 'neg', 'abs', 'sqrt', 'square', 'leakyRelu'] as UnaryOp[]) {
      const x = awkward(n, rand);
      const out = [new Float32Array(n), new Float32Array(n)];
      wasmElementwise.unary(op, x, out[0]!, 0.01, 0);
      jsElementwise.unary(op, x, out[1]!, 0.01, 0);
      assertIdentical(out[0]!, out[1]!, `${op} n=${n}`);
    }
    const view = (data: Float32Array, stride: number, offset: number): StridedView => ({ data, shape: [n], strides: [stride], offset });
    for (const op of ['add', 'sub', 'mul', 'div', 'reluBackward', 'tanhBackward', 'sigmoidBackward'] as BinaryOp[]) {
      const a = awkward(n + 7, rand), b = awkward(n + 3, rand);
      for (const bStride of [1, 0]) {
        const out = [new Float32Array(n), new Float32Array(n)];
        wasmElementwise.binary(op, view(a, 1, 7), view(b, bStride, 3), out[0]!, 0);
        jsElementwise.binary(op, view(a, 1, 7), view(b, bStride, 3), out[1]!, 0);
        assertIdentical(out[0]!, out[1]!, `${op} n=${n}${bStride ? '' : ' scalar b'}`);
      }
    }
  }
});

test('tanh\'s and the sigmoid\'s backward match the reference bit for bit on arbitrary floats (float64 arithmetic, one rounding)', { skip }, () => {
  // awkward()'s quarters multiply exactly in float32 too: these catch a kernel that rounds each step
  const rand = rng(21);
  for (const n of [4096, 4099]) {
    const g = Float32Array.from({ length: n }, () => (rand() - 0.5) * 6);
    const y = Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 - rand() * 1e-3 : rand() * 2 - 1));
    const view = (data: Float32Array): StridedView => ({ data, shape: [n], strides: [1], offset: 0 });
    for (const op of ['tanhBackward', 'sigmoidBackward'] as BinaryOp[]) {
      const out = [new Float32Array(n), new Float32Array(n)];
      wasmElementwise.binary(op, view(g), view(y), out[0]!, 0);
      jsElementwise.binary(op, view(g), view(y), out[1]!, 0);
      assertIdentical(out[0]!, out[1]!, `${op} n=${n}`);
    }
  }
});

test('sums over the last or a middle axis match the reference within float32 rounding', { skip }, () => {
  const rand = rng(4);
  const shapes = [[2048, 784, 1], [3, 1027, 1], [1, 4096, 1], [700, 3, 1], [1, 2048, 500], [3, 70, 13], [2, 600, 1]] as const;
  for (const [outer, size, inner] of shapes) {
    const x = random(outer * size * inner, rand);
    x[5] = 1e7; // long float32 sums would lose the small terms: both accumulate in float64
    const out = [new Float32Array(outer * inner), new Float32Array(outer * inner)];
    wasmReduce('sum', x, outer, size, inner, out[0]!);
    jsReduce('sum', x, outer, size, inner, out[1]!);
    for (let r = 0; r < outer * inner; r++) {
      const want = out[1]![r]!;
      assert.ok(Math.abs(out[0]![r]! - want) <= 1e-6 * Math.max(1, Math.abs(want)), `sum ${r} of [${outer}, ${size}, ${inner}]: ${out[0]![r]} vs ${want}`);
    }
  }
});

test('a binary op with b broadcast over rows (a bias) matches the reference exactly', { skip }, () => {
  const rand = rng(6);
  for (const [rows, cols] of [[64, 512], [7, 1001], [300, 5], [2, 3000]] as const) {
    const a = awkward(rows * cols, rand), b = awkward(cols, rand);
    for (const op of ['add', 'sub', 'mul', 'div'] as BinaryOp[]) {
      const out = [new Float32Array(rows * cols), new Float32Array(rows * cols)];
      const views = (): [StridedView, StridedView] => [
        { data: a, shape: [rows, cols], strides: [cols, 1], offset: 0 },
        { data: b, shape: [rows, cols], strides: [0, 1], offset: 0 },
      ];
      wasmElementwise.binary(op, ...views(), out[0]!, 0);
      jsElementwise.binary(op, ...views(), out[1]!, 0);
      assertIdentical(out[0]!, out[1]!, `${op} [${rows}, ${cols}] + [${cols}]`);
    }
  }
  // [2, 3, 4] op [3, 4] broadcast over the first dimension; a column broadcast [rows, 1] the kernel does not take goes to the reference
  const a = awkward(2 * 3 * 400, rand), b = awkward(3 * 400, rand), c = awkward(2 * 3, rand);
  const cases: Array<[StridedView, string]> = [
    [{ data: b, shape: [2, 3, 400], strides: [0, 400, 1], offset: 0 }, 'trailing block'],
    [{ data: c, shape: [2, 3, 400], strides: [3, 1, 0], offset: 0 }, 'column broadcast'],
  ];
  for (const [bView, what] of cases) {
    const out = [new Float32Array(a.length), new Float32Array(a.length)];
    const aView: StridedView = { data: a, shape: [2, 3, 400], strides: [1200, 400, 1], offset: 0 };
    new WasmBackend().binary('mul', aView, bView, out[0]!, 0);
    jsElementwise.binary('mul', aView, bView, out[1]!, 0);
    assertIdentical(out[0]!, out[1]!, what);
    assert.equal(wasmElementwise.binaryHandles('mul', aView, bView, out[0]!), what === 'trailing block', `${what}: taken by the kernel`);
  }
});

test('conv2d forward and both backward passes match the reference (stride, padding, dilation, groups, both layouts; 1 and 2 threads)', { skip }, () => {
  const rand = rng(3);
  const cases: Array<Partial<Conv2dShapes> & { n: number; c: number; h: number; w: number; oc: number; kh: number; kw: number }> = [
    { n: 4, c: 1, h: 28, w: 28, oc: 32, kh: 3, kw: 3, padding: [1, 1] },
    { n: 3, c: 8, h: 14, w: 14, oc: 16, kh: 3, kw: 3, padding: [1, 1] },
    { n: 2, c: 3, h: 11, w: 9, oc: 5, kh: 3, kw: 2, stride: [2, 3], padding: [1, 0] },
    { n: 2, c: 4, h: 12, w: 10, oc: 6, kh: 3, kw: 3, dilation: [2, 1], padding: [2, 1] },
    { n: 2, c: 6, h: 9, w: 9, oc: 4, kh: 3, kw: 3, groups: 2 },
    { n: 1, c: 3, h: 5, w: 5, oc: 2, kh: 5, kw: 5, padding: [4, 4], stride: [3, 3] },
    // pixel-major (ungrouped, 4 or more channels): odd channel counts, strides, big padding, and a
    // SimpleCNN conv2-sized layer whose GEMMs are tall enough for the in-place path
    { n: 2, c: 5, h: 11, w: 9, oc: 7, kh: 3, kw: 2, stride: [2, 3], padding: [1, 0] },
    { n: 1, c: 6, h: 5, w: 5, oc: 3, kh: 5, kw: 5, padding: [4, 4], stride: [3, 3] },
    { n: 4, c: 32, h: 14, w: 14, oc: 64, kh: 3, kw: 3, padding: [1, 1] },
  ];
  for (const threads of [1, 2]) {
    setNumThreads(threads);
    for (const c of cases) {
      const stride = c.stride ?? [1, 1], padding = c.padding ?? [0, 0], dilation = c.dilation ?? [1, 1], groups = c.groups ?? 1;
      const oh = Math.floor((c.h + 2 * padding[0] - dilation[0] * (c.kh - 1) - 1) / stride[0]) + 1;
      const ow = Math.floor((c.w + 2 * padding[1] - dilation[1] * (c.kw - 1) - 1) / stride[1]) + 1;
      const s: Conv2dShapes = { ...c, stride, padding, dilation, groups, oh, ow } as Conv2dShapes;
      const x = random(c.n * c.c * c.h * c.w, rand), weight = random(c.oc * (c.c / groups) * c.kh * c.kw, rand);
      const bias = random(c.oc, rand), gradOut = random(c.n * c.oc * oh * ow, rand);
      const what = `conv2d ${JSON.stringify(c)} (${threads} thread${threads > 1 ? 's' : ''})`;
      const pair = (size: number) => [new Float32Array(size).fill(NaN), new Float32Array(size)] as const;
      const out = pair(gradOut.length);
      wasmConv.conv2d(x, weight, bias, s, out[0]);
      jsConv.conv2d(jsGemm, x, weight, bias, s, out[1]);
      assertClose(out[0], out[1], what);
      const gx = pair(x.length);
      wasmConv.conv2dBackwardInput(gradOut, weight, s, gx[0]);
      jsConv.conv2dBackwardInput(jsGemm, gradOut, weight, s, gx[1]);
      assertClose(gx[0], gx[1], `${what} input gradient`);
      const gw = pair(weight.length);
      wasmConv.conv2dBackwardWeight(gradOut, x, s, gw[0]);
      jsConv.conv2dBackwardWeight(jsGemm, gradOut, x, s, gw[1]);
      assertClose(gw[0], gw[1], `${what} weight gradient`);
    }
  }
  setNumThreads(1);
});

test('Winograd F(2x2, 3x3) convolutions: forward, input and weight gradients match the reference; 2 threads give 1 thread\'s bits', { skip }, () => {
  const rand = rng(5);
  const cases: Array<{ n: number; c: number; h: number; w: number; oc: number; padding: [number, number] }> = [
    { n: 3, c: 16, h: 9, w: 7, oc: 20, padding: [1, 1] }, // odd output: the last tiles are cut
    { n: 1, c: 20, h: 8, w: 11, oc: 16, padding: [0, 0] },
    { n: 2, c: 16, h: 5, w: 6, oc: 24, padding: [2, 2] }, // output larger than the input
    { n: 2, c: 16, h: 6, w: 9, oc: 16, padding: [0, 2] },
    { n: 5, c: 32, h: 14, w: 14, oc: 64, padding: [1, 1] }, // SimpleCNN's conv2, images split across threads
    { n: 10, c: 16, h: 28, w: 28, oc: 16, padding: [1, 1] }, // weight gradient: groups of two chunks
  ];
  for (const c of cases) {
    const oh = c.h + 2 * c.padding[0] - 2, ow = c.w + 2 * c.padding[1] - 2;
    const s: Conv2dShapes = { ...c, kh: 3, kw: 3, oh, ow, stride: [1, 1], dilation: [1, 1], groups: 1 };
    const what = `conv2d ${JSON.stringify(c)}`;
    assert.ok(winogradApplies(s), `${what} takes the Winograd path`);
    const x = random(c.n * c.c * c.h * c.w, rand), weight = random(c.oc * c.c * 9, rand);
    const bias = random(c.oc, rand), gradOut = random(c.n * c.oc * oh * ow, rand);
    const want = [new Float32Array(gradOut.length), new Float32Array(x.length), new Float32Array(weight.length)] as const;
    jsConv.conv2d(jsGemm, x, weight, bias, s, want[0]);
    jsConv.conv2dBackwardInput(jsGemm, gradOut, weight, s, want[1]);
    jsConv.conv2dBackwardWeight(jsGemm, gradOut, x, s, want[2]);
    const runs = [1, 2].map((threads) => {
      setNumThreads(threads);
      const got = want.map((w) => new Float32Array(w.length).fill(NaN));
      wasmConv.conv2d(x, weight, bias, s, got[0]!);
      wasmConv.conv2dBackwardInput(gradOut, weight, s, got[1]!);
      wasmConv.conv2dBackwardWeight(gradOut, x, s, got[2]!);
      ['output', 'input gradient', 'weight gradient'].forEach((part, i) => assertClose(got[i]!, want[i]!, `${what} ${part} (${threads} threads)`));
      return got;
    });
    ['output', 'input gradient', 'weight gradient'].forEach((part, i) => assertIdentical(runs[1]![i]!, runs[0]![i]!, `${what} ${part}: 2 threads against 1`));
  }
  setNumThreads(1);
  // what stays on im2row: strides, dilation, groups, other kernel sizes, few or uneven channels, padding past 2
  const base: Conv2dShapes = { n: 1, c: 16, h: 8, w: 8, oc: 16, kh: 3, kw: 3, oh: 8, ow: 8, stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 };
  for (const change of [{ stride: [2, 1] }, { dilation: [1, 2] }, { groups: 2 }, { kh: 5 }, { c: 8 }, { oc: 12 }, { c: 18 }, { padding: [3, 1] }] as Partial<Conv2dShapes>[]) {
    assert.ok(!winogradApplies({ ...base, ...change }), `declines ${JSON.stringify(change)}`);
  }
});

test('SGD updates match the reference bit for bit (momentum, first step, dampening, weight decay, Nesterov, maximize)', { skip }, () => {
  const rand = rng(99);
  // 40_003: several chunks, an odd tail; 1_500: one chunk; both past the size where wasm takes over.
  for (const n of [40_003, 1_500]) {
    const hypers = [
      { lr: 0.01, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, maximize: false },
      { lr: 0.05, momentum: 0.8, dampening: 0.1, weightDecay: 0, nesterov: false, maximize: false },
      { lr: 0.1, momentum: 0.5, dampening: 0.25, weightDecay: 1e-3, nesterov: false, maximize: true },
      { lr: 0.03, momentum: 0.9, dampening: 0, weightDecay: 5e-4, nesterov: true, maximize: false },
      { lr: 0.2, momentum: 0, dampening: 0, weightDecay: 0.01, nesterov: false, maximize: false },
      { lr: 0.2, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: true },
    ];
    for (const h of hypers) {
      const what = `n=${n} ${JSON.stringify(h)}`;
      const p0 = random(n + 3, rand);
      const pWasm = p0.slice(), pJs = p0.slice();
      const bufWasm = h.momentum ? new Float32Array(n) : null, bufJs = h.momentum ? new Float32Array(n) : null;
      for (let step = 0; step < 3; step++) {
        const g = awkward(n + 5, rand).map((v) => (Number.isNaN(v) ? 0.125 : v) + (rand() - 0.5) * 1e-3);
        // parameters and gradient at offsets (a view into a larger storage)
        wasmSgdStep(pWasm, 3, g, 5, n, bufWasm, step === 0, h);
        jsSgdStep(pJs, 3, g, 5, n, bufJs, step === 0, h);
        assertIdentical(pWasm, pJs, `${what} step ${step}: parameters`);
        if (bufWasm) assertIdentical(bufWasm, bufJs!, `${what} step ${step}: momentum buffer`);
      }
      assert.ok(pWasm.some((v, i) => v !== p0[i]), `${what}: nothing was updated`);
    }
  }
});

/** One of the kernels' math test hooks (out[i] = f(x[i])) over x, in wasm memory. */
function runMathHook(name: 'expF32' | 'tanhF32' | 'sigmoidF32' | 'tanhGateF32' | 'sigmoidGateF32', x: Float32Array): Float32Array {
  const m = wasmScratch(name, [x.length, x.length]);
  m.f32.set(x, m.ptrs[0]! >> 2);
  m.exports[name](m.ptrs[0]!, m.ptrs[1]!, x.length);
  return m.f32.slice(m.ptrs[1]! >> 2, (m.ptrs[1]! >> 2) + x.length);
}

test('vectorised exp, tanh and sigmoid stay within 3 float32 ulp of Math (overflow, subnormals, NaN, ±0)', { skip }, () => {
  const rand = rng(5);
  const n = 1 << 16;
  const x = Float32Array.from({ length: n }, (_, i) => (rand() - 0.5) * (i < n / 2 ? 40 : 240));
  x.set([0, -0, 1e-8, -1e-8, 88.7, 89, -87, -104, -150, NaN, Infinity, -Infinity, 0.06, -0.07, 1e-3, 20]);
  const functions = [['expF32', Math.exp], ['tanhF32', Math.tanh], ['sigmoidF32', (v: number) => 1 / (1 + Math.exp(-v))]] as const;
  for (const [name, ref] of functions) {
    const got = runMathHook(name, x);
    for (let i = 0; i < n; i++) {
      const want = Math.fround(ref(x[i]!)), g = got[i]!;
      if (Object.is(want, g) || (Number.isNaN(want) && Number.isNaN(g))) continue;
      const ulps = Math.abs(g - want) / Math.max(Math.abs(want) * 2 ** -23, 2 ** -149);
      assert.ok(Number.isFinite(g) && ulps <= 3, `${name}(${x[i]}) = ${g}, Math gives ${want} (${ulps.toFixed(1)} ulp)`);
    }
  }
});

test('the recurrent gates\' tanh stays within 4 float32 ulp of Math.tanh and their sigmoid within 3e-7 of the exact one', { skip }, () => {
  const rand = rng(6);
  const n = 1 << 16;
  const x = Float32Array.from({ length: n }, (_, i) => (rand() - 0.5) * (i < n / 2 ? 20 : 240));
  x.set([0, -0, 1e-8, -1e-8, 3.9e-4, 4.1e-4, -7.9, 7.91, 88.7, -104, NaN, Infinity, -Infinity, 0.06, -0.07, 1e-3]);
  const functions = [['tanhGateF32', Math.tanh], ['sigmoidGateF32', (v: number) => 1 / (1 + Math.exp(-v))]] as const;
  for (const [name, ref] of functions) {
    const got = runMathHook(name, x);
    for (let i = 0; i < n; i++) {
      const want = Math.fround(ref(x[i]!)), g = got[i]!;
      if (Number.isNaN(want)) {
        assert.ok(Number.isNaN(g), `${name}(NaN) = ${g}`);
        continue;
      }
      const error = Math.abs(g - want);
      assert.ok(error <= 3e-7, `${name}(${x[i]}) = ${g}, Math gives ${want}`);
      if (name === 'tanhGateF32') {
        const ulps = error / Math.max(Math.abs(want) * 2 ** -23, 2 ** -149);
        assert.ok(ulps <= 4 && Object.is(Math.sign(g), Math.sign(want)), `${name}(${x[i]}) = ${g}, Math gives ${want} (${ulps.toFixed(1)} ulp)`);
      }
    }
  }
});

test('operands too big for wasm memory fall back to the reference kernels; other errors propagate', { skip }, () => {
  assert.throws(() => prepareSgemm(false, false, 40000, 40000, 40000), (e: unknown) => e instanceof WasmMemoryFull && /4 GiB/.test((e as Error).message));
  const calls: string[] = [];
  const full = (what: string) => { calls.push(`fast ${what}`); throw new WasmMemoryFull(`${what}: cannot fit`); };
  orReference((x: number) => full(String(x)), (x: number) => { calls.push(`reference ${x}`); })(7);
  assert.deepEqual(calls, ['fast 7', 'reference 7']);
  const broken = orReference(() => { throw new TypeError('a bug'); }, () => { calls.push('reference'); });
  assert.throws(broken, TypeError);
  assert.equal(calls.length, 2);
});
