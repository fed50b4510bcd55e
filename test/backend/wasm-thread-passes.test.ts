// The passes other than GEMM that the wasm backend splits across threads (threads.ts parallelRange):
// with two threads each one must really be split, give the same bits as with one thread, and agree
// with the reference backend (exactly where the one-thread kernel does). Sizes are above the split
// threshold, with odd lengths and row counts so that chunk edges fall mid-vector and mid-batch.
// Fused passes (maxPool2d(relu(conv2d))'s backward) are held to their unfused reference here too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Conv2dShapes, Pool2dShapes, StridedView } from '../../src/backend/backend.js';
import * as jsConv from '../../src/backend/js/conv.js';
import { gemm as jsGemm } from '../../src/backend/js/gemm.js';
import * as jsPool from '../../src/backend/js/pool.js';
import * as jsElementwise from '../../src/backend/js/elementwise.js';
import { reduce as jsReduce } from '../../src/backend/js/reduce.js';
import * as jsSoftmax from '../../src/backend/js/softmax.js';
import * as jsNorm from '../../src/backend/js/norm.js';
import * as wasmConv from '../../src/backend/wasm/conv.js';
import * as wasmPool from '../../src/backend/wasm/pool.js';
import * as wasmElementwise from '../../src/backend/wasm/elementwise.js';
import { reduce as wasmReduce } from '../../src/backend/wasm/reduce.js';
import * as wasmSoftmax from '../../src/backend/wasm/softmax.js';
import * as wasmNorm from '../../src/backend/wasm/norm.js';
import { adamStep as jsAdamStep } from '../../src/backend/js/adam.js';
import { adamStep as wasmAdamStep } from '../../src/backend/wasm/adam.js';
import { setNumThreads, wasmThreadStats } from '../../src/backend/wasm/threads.js';
import { wasmAvailable } from '../../src/backend/wasm/instance.js';
import { randomArray as random, rng } from '../helpers/random.js';

const skip = wasmAvailable() ? false : 'WebAssembly SIMD unavailable';

/** How close a pass must come to the reference: bit for bit, or within a relative tolerance of the largest value. */
type Agreement = 'exact' | number;

interface PassCase {
  name: string;
  /** Runs the wasm pass; returns its outputs. */
  wasm(): ArrayLike<number>[];
  /** Runs the reference pass on the same inputs. */
  reference(): ArrayLike<number>[];
  agreement: Agreement;
}

function dense(data: Float32Array, shape: number[]): StridedView {
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  return { data, offset: 0, shape, strides };
}

function assertSameBits(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) assert.fail(`${what}: element ${i} is ${got[i]} with 2 threads, ${want[i]} with 1`);
  }
}

function assertAgrees(got: ArrayLike<number>, want: ArrayLike<number>, agreement: Agreement, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  let scale = 0;
  for (let i = 0; i < want.length; i++) if (Number.isFinite(want[i])) scale = Math.max(scale, Math.abs(want[i]!));
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    const ok = agreement === 'exact' ? Object.is(g, w) : Object.is(g, w) || Math.abs(g - w) <= agreement * scale + 1e-7;
    if (!ok) assert.fail(`${what}: element ${i} is ${g}, the reference gives ${w}`);
  }
}

function convShapes(c: { n: number; c: number; h: number; w: number; oc: number; kh: number; kw: number;
  stride?: [number, number]; padding?: [number, number]; dilation?: [number, number] }): Conv2dShapes {
  const stride = c.stride ?? [1, 1], padding = c.padding ?? [0, 0], dilation = c.dilation ?? [1, 1];
  const oh = Math.floor((c.h + 2 * padding[0] - dilation[0] * (c.kh - 1) - 1) / stride[0]) + 1;
  const ow = Math.floor((c.w + 2 * padding[1] - dilation[1] * (c.kw - 1) - 1) / stride[1]) + 1;
  return { ...c, stride, padding, dilation, groups: 1, oh, ow };
}

function poolShapes(n: number, c: number, h: number, w: number, k: number, stride: number, padding: number): Pool2dShapes {
  const oh = Math.floor((h + 2 * padding - k) / stride) + 1, ow = Math.floor((w + 2 * padding - k) / stride) + 1;
  return { n, c, h, w, oh, ow, kernel: [k, k], stride: [stride, stride], padding: [padding, padding], dilation: [1, 1] } as Pool2dShapes;
}

function cases(): PassCase[] {
  const rand = rng(21);
  const list: PassCase[] = [];
  // elementwise: 150001 floats (a tail past the last whole vector), NaN and both zeros included
  const n = 150001;
  const x = random(n, rand, 3), y = random(n, rand, 3);
  x[7] = NaN; x[8] = -0; x[9] = 0; y[70001] = NaN; y[70002] = -0;
  for (const op of ['relu', 'gelu'] as const) {
    const run = (f: typeof wasmElementwise.unary) => () => { const out = new Float32Array(n).fill(NaN); f(op, x, out, 0); return [out]; };
    list.push({ name: `unary ${op}`, wasm: run(wasmElementwise.unary), reference: run(jsElementwise.unary), agreement: op === 'relu' ? 'exact' : 1e-6 });
  }
  const rows = 999, cols = 150;
  const bias = random(cols, rand);
  const binaries: Array<[string, 'add' | 'mul' | 'reluBackward', StridedView, StridedView, number]> = [
    ['add, same shape', 'add', dense(x, [n]), dense(y, [n]), n],
    ['mul by a scalar', 'mul', dense(x, [n]), { data: new Float32Array([1.5]), offset: 0, shape: [n], strides: [0] }, n],
    ['reluBackward', 'reluBackward', dense(x, [n]), dense(y, [n]), n],
    ['add a bias over 999 rows', 'add', dense(x.subarray(0, rows * cols), [rows, cols]), { data: bias, offset: 0, shape: [rows, cols], strides: [0, 1] }, rows * cols],
  ];
  for (const [name, op, a, b, size] of binaries) {
    const run = (f: typeof wasmElementwise.binary) => () => { const out = new Float32Array(size).fill(NaN); f(op, a, b, out); return [out]; };
    list.push({ name: `binary ${name}`, wasm: run(wasmElementwise.binary), reference: run(jsElementwise.binary), agreement: 'exact' });
  }
  const sumRows = (f: typeof wasmReduce) => () => { const out = new Float32Array(rows).fill(NaN); f('sum', x, rows, cols, 1, out); return [out]; };
  list.push({ name: 'sum over the last axis', wasm: sumRows(wasmReduce), reference: sumRows(jsReduce), agreement: 1e-6 });
  for (const [outer, size, inner] of [[3, 381, 131], [1, 1140, 131]] as const) {
    const sumMiddle = (f: typeof wasmReduce) => () => { const out = new Float32Array(outer * inner).fill(NaN); f('sum', x, outer, size, inner, out); return [out]; };
    list.push({ name: `sum over the middle axis of [${outer}, ${size}, ${inner}]`, wasm: sumMiddle(wasmReduce), reference: sumMiddle(jsReduce), agreement: 1e-6 });
  }

  // max pooling: the 2x2 fast path and general windows, 33 planes per image (odd split)
  for (const s of [poolShapes(8, 33, 28, 28, 2, 2, 0), poolShapes(8, 33, 27, 25, 3, 2, 1)]) {
    const input = random(s.n * s.c * s.h * s.w, rand);
    input[5] = NaN;
    const outSize = s.n * s.c * s.oh * s.ow;
    const g = random(outSize, rand);
    const run = (fwd: typeof wasmPool.maxPool2d, bwd: typeof wasmPool.maxPool2dBackward) => () => {
      const out = new Float32Array(outSize).fill(NaN), argmax = new Int32Array(outSize).fill(-7);
      fwd(input, s, out, argmax);
      const gx = new Float32Array(input.length).fill(NaN);
      bwd(g, argmax, s, gx);
      return [out, argmax, gx];
    };
    list.push({ name: `maxPool2d ${s.kernel[0]}x${s.kernel[1]} stride ${s.stride[0]} and backward`,
      wasm: run(wasmPool.maxPool2d, wasmPool.maxPool2dBackward), reference: run(jsPool.maxPool2d, jsPool.maxPool2dBackward), agreement: 'exact' });
  }

  // convolution, both layouts (channel-major below 4 input channels): im2col / im2row, their adjoints and the layout passes
  const convs = [
    convShapes({ n: 24, c: 1, h: 28, w: 28, oc: 32, kh: 3, kw: 3, padding: [1, 1] }),
    convShapes({ n: 40, c: 3, h: 32, w: 30, oc: 8, kh: 3, kw: 3, stride: [2, 2], padding: [2, 2], dilation: [2, 2] }),
    convShapes({ n: 9, c: 32, h: 14, w: 14, oc: 16, kh: 3, kw: 3, padding: [1, 1] }),
    convShapes({ n: 64, c: 5, h: 20, w: 20, oc: 6, kh: 3, kw: 2, stride: [2, 3], padding: [1, 0] }),
  ];
  for (const s of convs) {
    const input = random(s.n * s.c * s.h * s.w, rand), weight = random(s.oc * s.c * s.kh * s.kw, rand), b = random(s.oc, rand);
    const gradOut = random(s.n * s.oc * s.oh * s.ow, rand);
    const run = (conv: typeof wasmConv.conv2d, bi: typeof wasmConv.conv2dBackwardInput, bw: typeof wasmConv.conv2dBackwardWeight) => () => {
      const out = new Float32Array(gradOut.length).fill(NaN), gx = new Float32Array(input.length).fill(NaN), gw = new Float32Array(weight.length).fill(NaN);
      conv(input, weight, b, s, out);
      bi(gradOut, weight, s, gx);
      bw(gradOut, input, s, gw);
      return [out, gx, gw];
    };
    list.push({
      name: `conv2d c=${s.c} ${s.kh}x${s.kw} stride ${s.stride.join('x')} dilation ${s.dilation.join('x')}, forward and both backward`,
      wasm: run(wasmConv.conv2d, wasmConv.conv2dBackwardInput, wasmConv.conv2dBackwardWeight),
      reference: run((...a) => jsConv.conv2d(jsGemm, ...a), (...a) => jsConv.conv2dBackwardInput(jsGemm, ...a), (...a) => jsConv.conv2dBackwardWeight(jsGemm, ...a)),
      agreement: 1e-5,
    });
  }

  // maxPool2d(relu(conv2d))'s fused backward, both layouts, against the unfused reference passes
  const jsChain = {
    maxPool2dBackward: jsPool.maxPool2dBackward, reduce: jsReduce,
    conv2dBackwardInput: (...a: Parameters<typeof wasmConv.conv2dBackwardInput>) => jsConv.conv2dBackwardInput(jsGemm, ...a),
    conv2dBackwardWeight: (...a: Parameters<typeof wasmConv.conv2dBackwardWeight>) => jsConv.conv2dBackwardWeight(jsGemm, ...a),
  };
  for (const [s, poolKernel, poolStride, poolPadding] of [[convs[0]!, 2, 2, 0], [convs[2]!, 3, 2, 1]] as const) {
    const input = random(s.n * s.c * s.h * s.w, rand), weight = random(s.oc * s.c * s.kh * s.kw, rand);
    const convOut = new Float32Array(s.n * s.oc * s.oh * s.ow);
    jsConv.conv2d(jsGemm, input, weight, null, s, convOut);
    const reluOut = convOut.map((v) => (v <= 0 ? 0 : v));
    reluOut[3] = NaN;
    const pool = poolShapes(s.n, s.oc, s.oh, s.ow, poolKernel, poolStride, poolPadding);
    const pooledSize = s.n * s.oc * pool.oh * pool.ow;
    const pooled = new Float32Array(pooledSize), argmax = new Int32Array(pooledSize);
    jsPool.maxPool2d(reluOut, pool, pooled, argmax);
    const gradPooled = random(pooledSize, rand);
    const run = (f: typeof wasmConv.conv2dReluMaxPoolBackward) => () => {
      const gx = new Float32Array(input.length).fill(NaN), gw = new Float32Array(weight.length).fill(NaN), gb = new Float32Array(s.oc).fill(NaN);
      f({ gradPooled, pooled, argmax, pool, x: input, weight, conv: s, gradInput: gx, gradWeight: gw, gradBias: gb });
      return [gx, gw, gb];
    };
    list.push({
      name: `maxPool2d(relu(conv2d)) backward, c=${s.c}, pool ${poolKernel}x${poolKernel}`,
      wasm: run(wasmConv.conv2dReluMaxPoolBackward), reference: run((a) => jsConv.conv2dReluMaxPoolBackward(jsChain, a)), agreement: 1e-5,
    });
  }

  // row kernels: softmax, log-softmax and their backward, cross-entropy's backward, layer norm
  const r = 1001, c = 131;
  const scores = random(r * c, rand, 6), g = random(r * c, rand);
  scores[c + 3] = NaN;
  for (const log of [false, true]) {
    const run = (f: typeof wasmSoftmax.softmax, b: typeof wasmSoftmax.softmaxBackward) => () => {
      const out = new Float32Array(r * c).fill(NaN), gx = new Float32Array(r * c).fill(NaN);
      f(scores, r, c, log, out);
      b(out, g, r, c, log, gx);
      return [out, gx];
    };
    list.push({ name: `${log ? 'log-' : ''}softmax and backward`, wasm: run(wasmSoftmax.softmax, wasmSoftmax.softmaxBackward),
      reference: run(jsSoftmax.softmax, jsSoftmax.softmaxBackward), agreement: 1e-5 });
  }
  const lse = (f: typeof wasmSoftmax.logSumExp) => () => { const out = new Float32Array(r).fill(NaN); f(scores, r, c, out); return [out]; };
  list.push({ name: 'log-sum-exp', wasm: lse(wasmSoftmax.logSumExp), reference: lse(jsSoftmax.logSumExp), agreement: 1e-6 });
  const finite = scores.map((v) => (Number.isNaN(v) ? 0 : v)), logSum = new Float32Array(r);
  jsSoftmax.logSumExp(finite, r, c, logSum);
  const target = Int32Array.from({ length: r }, (_, i) => (i * 37) % c), coef = random(r, rand);
  const ce = (f: typeof wasmSoftmax.crossEntropyBackward) => () => { const gx = new Float32Array(r * c).fill(NaN); f(finite, logSum, r, c, target, coef, gx); return [gx]; };
  list.push({ name: "cross-entropy's backward", wasm: ce(wasmSoftmax.crossEntropyBackward), reference: ce(jsSoftmax.crossEntropyBackward), agreement: 1e-5 });
  const ceSmoothed = (f: typeof wasmSoftmax.crossEntropyBackward) => () => { const gx = new Float32Array(r * c).fill(NaN); f(finite, logSum, r, c, target, coef, gx, 0.1); return [gx]; };
  list.push({ name: "cross-entropy's backward with label smoothing", wasm: ceSmoothed(wasmSoftmax.crossEntropyBackward), reference: ceSmoothed(jsSoftmax.crossEntropyBackward), agreement: 1e-5 });
  const lnWeight = random(c, rand, 1, 1), lnBias = random(c, rand);
  const ln = (f: typeof wasmNorm.layerNorm) => () => {
    const out = new Float32Array(r * c).fill(NaN), mean = new Float32Array(r), rstd = new Float32Array(r);
    f(scores, r, c, lnWeight, lnBias, 1e-5, out, mean, rstd);
    return [out, mean, rstd];
  };
  list.push({ name: 'layer norm', wasm: ln(wasmNorm.layerNorm), reference: ln(jsNorm.layerNorm), agreement: 1e-6 });
  const lnMean = new Float32Array(r), lnRstd = new Float32Array(r);
  jsNorm.layerNorm(scores, r, c, lnWeight, lnBias, 1e-5, new Float32Array(r * c), lnMean, lnRstd);
  for (const affine of [true, false]) {
    const lnBackward = (f: typeof wasmNorm.layerNormBackward) => () => {
      const gx = new Float32Array(r * c).fill(NaN);
      const gw = affine ? new Float32Array(c).fill(NaN) : null, gb = affine ? new Float32Array(c).fill(NaN) : null;
      f(g, scores, lnMean, lnRstd, affine ? lnWeight : null, r, c, gx, gw, gb);
      return affine ? [gx, gw!, gb!] : [gx];
    };
    list.push({ name: `layer norm backward${affine ? '' : ' without affine parameters'}`, wasm: lnBackward(wasmNorm.layerNormBackward),
      reference: lnBackward(jsNorm.layerNormBackward), agreement: 1e-6 });
  }

  // Adam's update with amsgrad and decay (in place): each run starts from copies of the same state;
  // 30001 elements of 5 arrays read and 4 written
  const an = 30001;
  const ap = random(an, rand, 2), ag = random(an, rand), am = random(an, rand, 0.1), av = random(an, rand, 0.1, 0.1), ax = random(an, rand, 0.1, 0.1);
  ag[7] = NaN;
  const adamConstants = { beta1: 0.9, beta2: 0.999, stepSize: 0.01, biasCorrection2Sqrt: 0.05, eps: 1e-8, l2: 0.01, decay: 1, maximize: false };
  const adam = (f: typeof wasmAdamStep) => () => {
    const p = ap.slice(), m = am.slice(), v = av.slice(), vmax = ax.slice();
    f(p, 0, ag, 0, an, m, v, vmax, adamConstants);
    return [p, m, v, vmax];
  };
  list.push({ name: 'Adam update', wasm: adam(wasmAdamStep), reference: adam(jsAdamStep), agreement: 'exact' });
  return list;
}

test('passes split across 2 threads give the bits of 1 thread and agree with the reference', { skip }, (t) => {
  try {
    setNumThreads(1);
    const all = cases();
    const one = all.map((c) => c.wasm());
    if (setNumThreads(2) !== 2) {
      t.skip('worker threads unavailable');
      return;
    }
    all.forEach((c, i) => {
      const before = wasmThreadStats().parallelPasses;
      const two = c.wasm();
      assert.ok(wasmThreadStats().parallelPasses > before, `${c.name}: no pass was split across threads`);
      const want = c.reference();
      two.forEach((out, k) => {
        assertSameBits(out, one[i]![k]!, `${c.name}, output ${k}`);
        assertAgrees(out, want[k]!, c.agreement, `${c.name}, output ${k}`);
      });
    });
  } finally {
    setNumThreads(1);
  }
});

test('a small pass stays on the calling thread', { skip }, (t) => {
  try {
    if (setNumThreads(2) !== 2) {
      t.skip('worker threads unavailable');
      return;
    }
    const x = random(4096, rng(5));
    const before = wasmThreadStats().parallelPasses;
    wasmElementwise.unary('relu', x, new Float32Array(x.length), 0);
    assert.equal(wasmThreadStats().parallelPasses, before);
  } finally {
    setNumThreads(1);
  }
});
