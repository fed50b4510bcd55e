// The wasm backend's softmax, norm, attention and GELU kernels against the reference backend's on
// random data (odd sizes, -inf, NaN and fully masked rows), within a few float32 roundings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AttentionShapes, BinaryOp, StridedView } from '../../src/backend/backend.js';
import * as jsSoftmax from '../../src/backend/js/softmax.js';
import * as jsNorm from '../../src/backend/js/norm.js';
import * as jsAttention from '../../src/backend/js/attention.js';
import * as jsElementwise from '../../src/backend/js/elementwise.js';
import { gemm as jsGemm } from '../../src/backend/js/gemm.js';
import * as wasmSoftmax from '../../src/backend/wasm/softmax.js';
import * as wasmNorm from '../../src/backend/wasm/norm.js';
import * as wasmAttention from '../../src/backend/wasm/attention.js';
import * as wasmElementwise from '../../src/backend/wasm/elementwise.js';
import { wasmAvailable } from '../../src/backend/wasm/instance.js';
import { randomArray as random, rng } from '../helpers/random.js';

const skip = wasmAvailable() ? false : 'WebAssembly SIMD unavailable';

/**
 * |got - want| <= rtol·|want| + atol·(largest |want|) per element; NaN only where the reference has
 * NaN, infinities equal.
 */
function assertNear(got: Float32Array, want: Float32Array, what: string, rtol: number, atol: number): void {
  assert.equal(got.length, want.length, `${what}: length`);
  let scale = 0;
  for (const v of want) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    const ok = Number.isFinite(w) ? Math.abs(g - w) <= rtol * Math.abs(w) + atol * scale : Object.is(g, w) || (Number.isNaN(g) && Number.isNaN(w));
    if (!ok) assert.fail(`${what}: element ${i} is ${g}, the reference gives ${w}`);
  }
}

/** Rows of width cols with -inf entries, and special rows: all -inf (row 0), one NaN (row 1), one +inf (row 2). */
function scores(rows: number, cols: number, rand: () => number): Float32Array {
  const x = random(rows * cols, rand, 8);
  for (let i = 0; i < x.length; i++) if (rand() < 0.05) x[i] = -Infinity;
  x.fill(-Infinity, 0, cols);
  if (rows > 1) x[cols + (cols >> 1)] = NaN;
  if (rows > 2) x[2 * cols] = Infinity;
  return x;
}

test('softmax and log-softmax, forward and backward, match the reference', { skip }, () => {
  const rand = rng(11);
  for (const [rows, cols] of [[3, 1027], [97, 13], [5, 5000], [1031, 1], [40, 64]] as const) {
    const x = scores(rows, cols, rand);
    for (const log of [false, true]) {
      const what = `${log ? 'log-' : ''}softmax ${rows}x${cols}`;
      const got = new Float32Array(rows * cols), want = new Float32Array(rows * cols);
      wasmSoftmax.softmax(x, rows, cols, log, got);
      jsSoftmax.softmax(x, rows, cols, log, want);
      assertNear(got, want, what, 2e-6, 1e-7);
      // the backward from the reference's output, with a NaN gradient in the last row
      const g = random(rows * cols, rand, 2);
      g[rows * cols - 1] = NaN;
      const gotG = new Float32Array(rows * cols), wantG = new Float32Array(rows * cols);
      wasmSoftmax.softmaxBackward(want, g, rows, cols, log, gotG);
      jsSoftmax.softmaxBackward(want, g, rows, cols, log, wantG);
      assertNear(gotG, wantG, `${what} backward`, 2e-6, 1e-6);
    }
  }
});

test("log-sum-exp and cross-entropy's fused backward match the reference (ignored rows, targets at the row ends, a -inf row, NaN and +inf entries)", { skip }, () => {
  const rand = rng(12);
  for (const [rows, cols] of [[64, 5000], [7, 1027], [300, 10]] as const) {
    const x = random(rows * cols, rand, 8);
    x.fill(-Infinity, cols, 2 * cols);
    x[2 * cols + 5] = NaN;
    x[4 * cols - 1] = Infinity;
    const logSum = [new Float32Array(rows), new Float32Array(rows)];
    wasmSoftmax.logSumExp(x, rows, cols, logSum[0]!);
    jsSoftmax.logSumExp(x, rows, cols, logSum[1]!);
    assertNear(logSum[0]!, logSum[1]!, `log-sum-exp ${rows}x${cols}`, 2e-6, 1e-7);
    for (const r of [1, 2, 3]) assert.ok(Number.isNaN(logSum[0]![r]!), `log-sum-exp ${rows}x${cols}: row ${r} (-inf row, NaN, +inf) gives NaN, got ${logSum[0]![r]}`);
    // x - logSum is the log-softmax, bit for bit on the wasm kernels
    const logp = new Float32Array(rows * cols);
    wasmSoftmax.softmax(x, rows, cols, true, logp);
    for (let i = 0; i < rows * cols; i++) {
      const formed = Math.fround(x[i]! - logSum[0]![Math.floor(i / cols)]!);
      if (!Object.is(formed, logp[i])) assert.fail(`log-sum-exp ${rows}x${cols}: x - logSum at ${i} is ${formed}, log-softmax gives ${logp[i]}`);
    }
    const target = Int32Array.from({ length: rows }, (_, i) => (i % 3 === 0 ? cols - 1 : i % 3 === 1 ? 0 : Math.floor(rand() * cols)));
    const coef = Float32Array.from({ length: rows }, (_, i) => (i % 5 === 4 ? 0 : rand() - 0.5));
    for (const smoothing of [0, 0.1]) {
      const got = new Float32Array(rows * cols).fill(NaN), want = new Float32Array(rows * cols);
      wasmSoftmax.crossEntropyBackward(x, logSum[0]!, rows, cols, target, coef, got, smoothing);
      jsSoftmax.crossEntropyBackward(x, logSum[1]!, rows, cols, target, coef, want, smoothing);
      assertNear(got, want, `cross-entropy backward ${rows}x${cols}, label smoothing ${smoothing}`, 2e-6, 1e-7);
    }
    // the smoothed gradient of a finite row sums to 0 like the plain one: what the target loses, the others gain
    const smoothed = new Float32Array(rows * cols);
    wasmSoftmax.crossEntropyBackward(x, logSum[0]!, rows, cols, target, coef, smoothed, 0.1);
    const rowSum = smoothed.subarray(0, cols).reduce((s, v) => s + v, 0);
    assert.ok(Math.abs(rowSum) < 1e-5 * cols * Math.abs(coef[0]!) + 1e-6, `cross-entropy backward ${rows}x${cols}: smoothed row 0 sums to ${rowSum}`);
  }
});

test('layer norm forward and backward match the reference (with and without affine parameters)', { skip }, () => {
  const rand = rng(12);
  for (const [rows, cols] of [[64, 127], [9, 1030], [300, 5]] as const) {
    const n = rows * cols;
    // an offset mean and a NaN row: statistics in f64 like the reference, NaN confined to its row
    const x = random(n, rand, 2, 3);
    x[cols + 2] = NaN;
    const g = random(n, rand);
    for (const affine of [true, false]) {
      const what = `layerNorm ${rows}x${cols}${affine ? '' : ' no affine'}`;
      const weight = affine ? random(cols, rand, 1, 1) : null, bias = affine ? random(cols, rand) : null;
      const out = [new Float32Array(n), new Float32Array(n)];
      const mean = [new Float32Array(rows), new Float32Array(rows)], rstd = [new Float32Array(rows), new Float32Array(rows)];
      wasmNorm.layerNorm(x, rows, cols, weight, bias, 1e-5, out[0]!, mean[0]!, rstd[0]!);
      jsNorm.layerNorm(x, rows, cols, weight, bias, 1e-5, out[1]!, mean[1]!, rstd[1]!);
      assertNear(out[0]!, out[1]!, what, 1e-6, 1e-7);
      assertNear(mean[0]!, mean[1]!, `${what} mean`, 1e-6, 0);
      assertNear(rstd[0]!, rstd[1]!, `${what} rstd`, 1e-6, 0);
      const gx = [new Float32Array(n), new Float32Array(n)];
      const gw = affine ? [new Float32Array(cols), new Float32Array(cols)] : [null, null];
      const gb = affine ? [new Float32Array(cols), new Float32Array(cols)] : [null, null];
      wasmNorm.layerNormBackward(g, x, mean[1]!, rstd[1]!, weight, rows, cols, gx[0]!, gw[0]!, gb[0]!);
      jsNorm.layerNormBackward(g, x, mean[1]!, rstd[1]!, weight, rows, cols, gx[1]!, gw[1]!, gb[1]!);
      assertNear(gx[0]!, gx[1]!, `${what} grad input`, 1e-6, 1e-7);
      if (affine) {
        assertNear(gw[0]!, gw[1]!, `${what} grad weight`, 1e-6, 1e-7);
        assertNear(gb[0]!, gb[1]!, `${what} grad bias`, 1e-6, 1e-7);
      }
    }
  }
});

test('batch norm channel kernels match the reference', { skip }, () => {
  const rand = rng(13);
  for (const [n, c, spatial] of [[3, 5, 77], [8, 16, 64], [64, 7, 3]] as const) {
    const size = n * c * spatial;
    const x = random(size, rand, 2, -1.5), g = random(size, rand);
    const what = `batch norm ${n}x${c}x${spatial}`;
    const mean = [new Float32Array(c), new Float32Array(c)], variance = [new Float32Array(c), new Float32Array(c)];
    wasmNorm.channelMoments(x, n, c, spatial, mean[0]!, variance[0]!);
    jsNorm.channelMoments(x, n, c, spatial, mean[1]!, variance[1]!);
    assertNear(mean[0]!, mean[1]!, `${what} mean`, 1e-6, 1e-7);
    assertNear(variance[0]!, variance[1]!, `${what} variance`, 1e-6, 0);
    const invstd = variance[1]!.map((v) => 1 / Math.sqrt(v + 1e-5));
    for (const affine of [true, false]) {
      const weight = affine ? random(c, rand, 1, 1) : null, bias = affine ? random(c, rand) : null;
      const out = [new Float32Array(size), new Float32Array(size)];
      wasmNorm.channelNormalize(x, n, c, spatial, mean[1]!, invstd, weight, bias, out[0]!);
      jsNorm.channelNormalize(x, n, c, spatial, mean[1]!, invstd, weight, bias, out[1]!);
      assertNear(out[0]!, out[1]!, `${what} normalize`, 1e-6, 1e-7);
      const gx = [new Float32Array(size), new Float32Array(size)];
      const gw = affine ? [new Float32Array(c), new Float32Array(c)] : [null, null];
      const gb = affine ? [new Float32Array(c), new Float32Array(c)] : [null, null];
      wasmNorm.batchNormBackward(g, x, n, c, spatial, mean[1]!, invstd, weight, gx[0]!, gw[0]!, gb[0]!);
      jsNorm.batchNormBackward(g, x, n, c, spatial, mean[1]!, invstd, weight, gx[1]!, gw[1]!, gb[1]!);
      assertNear(gx[0]!, gx[1]!, `${what} grad input`, 1e-6, 1e-7);
      if (affine) {
        assertNear(gw[0]!, gw[1]!, `${what} grad weight`, 1e-6, 1e-7);
        assertNear(gb[0]!, gb[1]!, `${what} grad bias`, 1e-6, 1e-7);
      }
    }
  }
});

/**
 * `batch` problems whose q and k are read in place from one packed [batch, rows, 2E + pad] array
 * (as multi-head attention's in-projection lays them out) and v from its own array.
 */
function attentionCase(batch: number, l: number, s: number, e: number, ev: number, rand: () => number,
  opts: { mask: boolean; causal: boolean; drop: boolean }) {
  const rows = Math.max(l, s), packedStride = 2 * e + 3;
  const packed = random(batch * rows * packedStride + 5, rand, 2);
  const v = random(batch * s * ev, rand, 2);
  const offsets = (f: (b: number) => number) => Int32Array.from({ length: batch }, (_, b) => f(b));
  let mask: Float32Array | null = null, maskOffsets: Int32Array | null = null;
  if (opts.mask) {
    // two [L, S] blocks shared by the problems in turn, with -inf entries and a fully masked row
    mask = random(2 * l * s, rand, 1);
    for (let i = 0; i < mask.length; i++) if (rand() < 0.2) mask[i] = -Infinity;
    mask.fill(-Infinity, l * s + s, l * s + 2 * s);
    maskOffsets = offsets((b) => (b % 2) * l * s);
  }
  let dropMask: Float32Array | null = null;
  if (opts.drop) dropMask = Float32Array.from({ length: batch * l * s }, () => (rand() < 0.1 ? 0 : 1 / 0.9));
  const sh: AttentionShapes = {
    batch, l, s, e, ev, scale: 1 / Math.sqrt(e),
    qOffsets: offsets((b) => 5 + b * rows * packedStride), qRowStride: packedStride,
    kOffsets: offsets((b) => 5 + b * rows * packedStride + e), kRowStride: packedStride,
    vOffsets: offsets((b) => b * s * ev), vRowStride: ev,
    mask, maskOffsets, causal: opts.causal, dropMask,
  };
  return { q: packed, k: packed, v, sh };
}

test('fused attention forward and backward match the reference (masks, causal, dropout, fully masked rows)', { skip }, () => {
  const rand = rng(14);
  const shapes: Array<[number, number, number, number, number]> = [[6, 13, 11, 7, 5], [3, 9, 17, 16, 8], [2, 64, 64, 32, 32]];
  for (const [batch, l, s, e, ev] of shapes) {
    for (const opts of [
      { mask: false, causal: false, drop: false }, { mask: true, causal: false, drop: false },
      { mask: false, causal: true, drop: true }, { mask: true, causal: true, drop: true },
    ]) {
      const what = `attention ${batch}x${l}x${s}x${e}x${ev} ${JSON.stringify(opts)}`;
      const { q, k, v, sh } = attentionCase(batch, l, s, e, ev, rand, opts);
      const out = [new Float32Array(batch * l * ev), new Float32Array(batch * l * ev)];
      const probs = [new Float32Array(batch * l * s), new Float32Array(batch * l * s)];
      wasmAttention.attention(q, k, v, sh, out[0]!, probs[0]!);
      jsAttention.attentionForward(jsGemm, q, k, v, sh, out[1]!, probs[1]!);
      assertNear(probs[0]!, probs[1]!, `${what} probabilities`, 1e-5, 1e-6);
      assertNear(out[0]!, out[1]!, `${what} output`, 1e-5, 1e-6);
      if (opts.mask) assert.ok(Number.isNaN(probs[0]![l * s + s]), `${what}: a fully masked row gives NaN`);
      const gradOut = random(batch * l * ev, rand);
      const gradWeights = random(batch * l * s, rand);
      for (const [go, gw] of [[gradOut, null], [gradOut, gradWeights], [null, gradWeights]] as const) {
        const grads = [0, 1].map(() => ({ q: new Float32Array(batch * l * e), k: new Float32Array(batch * s * e), v: new Float32Array(batch * s * ev) }));
        wasmAttention.attentionBackward(go, gw, q, k, v, probs[1]!, sh, grads[0]!.q, grads[0]!.k, grads[0]!.v);
        jsAttention.attentionBackward(jsGemm, go, gw, q, k, v, probs[1]!, sh, grads[1]!.q, grads[1]!.k, grads[1]!.v);
        const which = `${what} backward${go ? ' gradOut' : ''}${gw ? ' gradWeights' : ''}`;
        assertNear(grads[0]!.q, grads[1]!.q, `${which} dQ`, 1e-5, 1e-6);
        assertNear(grads[0]!.k, grads[1]!.k, `${which} dK`, 1e-5, 1e-6);
        assertNear(grads[0]!.v, grads[1]!.v, `${which} dV`, 1e-5, 1e-6);
      }
      // only some gradients wanted
      const gq = [new Float32Array(batch * l * e), new Float32Array(batch * l * e)];
      wasmAttention.attentionBackward(gradOut, null, q, k, v, probs[1]!, sh, gq[0]!, null, null);
      jsAttention.attentionBackward(jsGemm, gradOut, null, q, k, v, probs[1]!, sh, gq[1]!, null, null);
      assertNear(gq[0]!, gq[1]!, `${what} dQ alone`, 1e-5, 1e-6);
    }
  }
});

test('exact GELU and its backward, tanh and the sigmoid stay within a few float32 ulp of the reference', { skip }, () => {
  const rand = rng(15);
  for (const n of [1024, 1027, 5003]) {
    const x = random(n, rand, 10);
    x.set([0, -0, Infinity, -Infinity, NaN, 1e-20, -1e-20, -9.5, 9.5, -30], 0);
    const g = random(n, rand, 3);
    for (const op of ['gelu', 'tanh', 'sigmoid'] as const) {
      const out = [new Float32Array(n), new Float32Array(n)];
      wasmElementwise.unary(op, x, out[0]!, 0, 0);
      jsElementwise.unary(op, x, out[1]!, 0, 0);
      assertNear(out[0]!, out[1]!, `${op} n=${n}`, 4e-6, 1e-8);
      assert.ok(Object.is(out[0]![1], op === 'sigmoid' ? 0.5 : -0) && Number.isNaN(out[0]![4]!), `${op}: -0 and NaN`);
    }
    const view = (data: Float32Array): StridedView => ({ data, shape: [n], strides: [1], offset: 0 });
    const gx = [new Float32Array(n), new Float32Array(n)];
    wasmElementwise.binary('geluBackward' as BinaryOp, view(g), view(x), gx[0]!, 0);
    jsElementwise.binary('geluBackward', view(g), view(x), gx[1]!, 0);
    assertNear(gx[0]!, gx[1]!, `geluBackward n=${n}`, 4e-6, 1e-8);
  }
});
