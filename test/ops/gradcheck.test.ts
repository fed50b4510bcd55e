/**
 * Finite-difference gradient checks (test/helpers/gradcheck.ts) for every differentiable op
 * exported from src/index.ts. Inputs keep clear of kinks: `spaced` values are distinct, at least
 * 0.1 apart and at least 0.05 from 0 and from multiples of 0.5 (relu/abs/sign, max ties, pooling
 * windows, floor/round boundaries); clamp bounds and softplus' threshold sit between them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { gradcheck, type Differentiable, type GradcheckOptions } from '../helpers/gradcheck.js';

const gen = new nb.Generator(42);

function leaf(t: Tensor): Tensor {
  t.requiresGrad = true;
  return t;
}

/** Standard normal values, scaled. */
const randn = (shape: number[], scale = 1): Tensor => leaf(nb.mul(nb.randn(shape, { generator: gen }), scale));
/** Uniform in [lo, hi): for log, sqrt, division and the like. */
const uniform = (shape: number[], lo: number, hi: number): Tensor => leaf(nb.add(nb.mul(nb.rand(shape, { generator: gen }), hi - lo), lo));
/** Distinct values 0.1 apart, centred on 0 with ±0.05 closest, shuffled: no ties and no kinks within 0.05. */
function spaced(shape: number[], shift = 0): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const perm = nb.randperm(n, { generator: gen }).dataSync();
  const values = Float32Array.from(perm, (p) => (p - Math.floor(n / 2)) * 0.1 + 0.05 + shift);
  return leaf(nb.tensor(values, { shape }));
}
const ints = (values: number[], shape = [values.length]): Tensor => nb.tensor(Int32Array.from(values), { shape });
const bools = (values: number[], shape = [values.length]): Tensor => nb.tensor(Uint8Array.from(values), { shape });

const covered = new Set<string>();

function check(op: string, label: string, fn: Differentiable, inputs: Tensor[], options?: GradcheckOptions): void {
  covered.add(op);
  it(`${op}: ${label}`, () => gradcheck(fn, inputs, `${op} ${label}`, options));
}

describe(`gradcheck (backend ${nb.getBackend().name})`, () => {
  // ---------- elementwise unary ----------
  for (const [op, f] of [['neg', nb.neg], ['exp', nb.exp], ['sin', nb.sin], ['cos', nb.cos], ['tanh', nb.tanh],
    ['sigmoid', nb.sigmoid], ['silu', nb.silu], ['square', nb.square], ['gelu', nb.gelu]] as const) {
    check(op, '[3, 4]', (x) => f(x), [randn([3, 4])]);
  }
  check('gelu', 'tanh approximation', (x) => nb.gelu(x, 'tanh'), [randn([3, 4], 2)]);
  for (const [op, f] of [['log', nb.log], ['sqrt', nb.sqrt], ['rsqrt', nb.rsqrt], ['reciprocal', nb.reciprocal]] as const) {
    check(op, 'positive', (x) => f(x), [uniform([3, 4], 0.5, 2)]);
  }
  check('log1p', '(-0.5, 2)', (x) => nb.log1p(x), [uniform([3, 4], -0.5, 2)]);
  for (const [op, f] of [['abs', nb.abs], ['relu', nb.relu], ['sign', nb.sign], ['floor', nb.floor], ['ceil', nb.ceil], ['round', nb.round]] as const) {
    check(op, 'away from kinks', (x) => f(x), [spaced([3, 5])]);
  }
  check('leakyRelu', 'slope 0.1', (x) => nb.leakyRelu(x, 0.1), [spaced([3, 4])]);
  check('elu', 'alpha 0.7', (x) => nb.elu(x, 0.7), [spaced([3, 4])]);
  check('softplus', 'beta 2, threshold 3 (both sides)', (x) => nb.softplus(x, 2, 3), [spaced([5, 8])]);
  check('softplus', 'defaults', (x) => nb.softplus(x), [randn([3, 4], 2)]);
  check('clamp', 'both bounds', (x) => nb.clamp(x, -0.3, 0.3), [spaced([3, 4])]);
  check('clamp', 'min only', (x) => nb.clamp(x, -0.2), [spaced([3, 4])]);
  check('pow', 'tensor ** 3', (x) => nb.pow(x, 3), [randn([3, 4])]);
  check('pow', 'tensor ** 0.5', (x) => nb.pow(x, 0.5), [uniform([3, 4], 0.5, 2)]);
  check('pow', 'tensor ** -1.5', (x) => nb.pow(x, -1.5), [uniform([3, 4], 0.5, 2)]);
  check('pow', '2 ** tensor', (x) => nb.pow(2, x), [randn([3, 4])]);
  check('pow', 'tensor ** tensor, broadcast', (a, b) => nb.pow(a, b), [uniform([3, 1, 4], 0.5, 2), randn([2, 1])]);
  check('exp', 'transposed view', (x) => nb.exp(nb.transpose(x, 0, 1)), [randn([4, 3])]);

  // ---------- elementwise binary, broadcasting [3,1,4] with [2,1] ----------
  for (const [op, f] of [['add', nb.add], ['sub', nb.sub], ['mul', nb.mul], ['atan2', nb.atan2]] as const) {
    check(op, 'broadcast', (a, b) => f(a, b), [randn([3, 1, 4]), randn([2, 1])]);
  }
  check('div', 'broadcast', (a, b) => nb.div(a, b), [randn([3, 1, 4]), uniform([2, 1], 0.5, 2)]);
  check('mul', 'scalar and non-contiguous', (a, b) => nb.mul(nb.mul(nb.transpose(a, 0, 1), 2.5), nb.slice(b, 1, 0, 8, 2)), [randn([4, 3]), randn([3, 8])]);
  check('sub', 'scalar minus tensor', (a) => nb.sub(3, a), [randn([3, 4])]);
  check('div', 'scalar over tensor', (a) => nb.div(2, a), [uniform([3, 4], 0.5, 2)]);
  check('maximum', 'broadcast, no ties', (a, b) => nb.maximum(a, b), [spaced([3, 1, 4]), spaced([2, 1], 0.05)]);
  check('minimum', 'broadcast, no ties', (a, b) => nb.minimum(a, b), [spaced([3, 1, 4]), spaced([2, 1], 0.05)]);
  {
    // a = b·(k + f) with f in [0.2, 0.8]: a/b stays clear of the integers where remainder jumps
    const b = uniform([3, 4], 1, 2);
    const q = nb.add(nb.floor(nb.mul(nb.rand([3, 4], { generator: gen }), 6)), nb.add(nb.mul(nb.rand([3, 4], { generator: gen }), 0.6), -2.8));
    const a = leaf(nb.mul(b.detach(), q).detach());
    check('remainder', 'both inputs', (x, y) => nb.remainder(x, y), [a, b]);
  }
  check('where', 'broadcast condition and values', (a, b) => nb.where(bools([1, 0, 0, 1], [1, 4]), a, b), [randn([3, 1]), randn([3, 4])]);
  check('where', 'scalar other', (a) => nb.where(bools([1, 0, 1, 1, 0, 0], [2, 3]), a, 0.5), [randn([2, 3])]);
  check('maskedFill', 'broadcast mask', (x) => nb.maskedFill(x, bools([1, 0, 1], [3, 1]), -2), [randn([2, 3, 4])]);

  // ---------- reductions ----------
  check('sum', 'all', (x) => nb.sum(x), [randn([3, 4])]);
  check('sum', 'dims [0, 2] keepdim', (x) => nb.sum(x, [0, 2], true), [randn([2, 3, 4])]);
  check('sum', 'non-contiguous dim', (x) => nb.sum(nb.permute(x, [2, 0, 1]), 1), [randn([2, 3, 4])]);
  check('mean', 'all', (x) => nb.mean(x), [randn([3, 4])]);
  check('mean', 'dim -1', (x) => nb.mean(x, -1), [randn([2, 3, 4])]);
  check('max', 'all', (x) => nb.max(x), [spaced([3, 4])]);
  check('max', 'dim 1 values', (x) => nb.max(x, 1).values, [spaced([2, 3, 4])]);
  check('min', 'all', (x) => nb.min(x), [spaced([3, 4])]);
  check('min', 'dim 0 keepdim values', (x) => nb.min(x, 0, true).values, [spaced([3, 4])]);
  check('amax', 'dims [0, 2]', (x) => nb.amax(x, [0, 2]), [spaced([2, 3, 4])]);
  check('amin', 'dim 1 keepdim', (x) => nb.amin(x, 1, true), [spaced([2, 3, 4])]);
  check('var', 'all', (x) => nb.var(x), [randn([3, 4])]);
  check('var', 'dims [0, 2], correction 0, keepdim', (x) => nb.var(x, [0, 2], { correction: 0, keepdim: true }), [randn([2, 3, 4])]);
  check('std', 'dim 1', (x) => nb.std(x, 1), [randn([3, 5])]);
  check('std', 'all, biased', (x) => nb.std(x, undefined, { unbiased: false }), [randn([3, 4])]);
  check('logsumexp', 'dim 1', (x) => nb.logsumexp(x, 1), [randn([3, 4])]);
  check('logsumexp', 'dims [0, 2] keepdim', (x) => nb.logsumexp(x, [0, 2], true), [randn([2, 3, 4])]);

  // ---------- shape and join ----------
  check('view', '[2, 12]', (x) => nb.view(x, [2, 12]), [randn([2, 3, 4])]);
  check('reshape', 'of a transposed view', (x) => nb.reshape(nb.transpose(x, 0, 2), [-1, 6]), [randn([2, 3, 4])]);
  check('flatten', 'dims 1..2', (x) => nb.flatten(x, 1), [randn([2, 3, 4])]);
  check('unflatten', 'dim 1', (x) => nb.unflatten(x, 1, [3, 4]), [randn([2, 12])]);
  check('squeeze', 'all', (x) => nb.squeeze(x), [randn([2, 1, 3])]);
  check('unsqueeze', 'dim -1', (x) => nb.unsqueeze(x, -1), [randn([2, 3])]);
  check('permute', '[2, 0, 1]', (x) => nb.permute(x, [2, 0, 1]), [randn([2, 3, 4])]);
  check('transpose', '0, 2', (x) => nb.transpose(x, 0, 2), [randn([2, 3, 4])]);
  check('t', '2-D', (x) => nb.t(x), [randn([3, 4])]);
  check('expand', 'new and size-1 dims', (x) => nb.expand(x, [2, 3, 4]), [randn([3, 1])]);
  check('repeat', '[2, 1, 3]', (x) => nb.repeat(x, [2, 1, 3]), [randn([2, 3])]);
  check('slice', 'step 2', (x) => nb.slice(x, 1, 1, 6, 2), [randn([3, 7])]);
  check('narrow', 'dim 0', (x) => nb.narrow(x, 0, 1, 2), [randn([4, 3])]);
  check('select', 'negative index', (x) => nb.select(x, 1, -1), [randn([3, 4])]);
  check('split', 'sizes [1, 3]', (x) => nb.split(x, [1, 3], 1), [randn([2, 4])]);
  check('chunk', '3 chunks of 7', (x) => nb.chunk(x, 3), [randn([7, 2])]);
  check('flip', 'dims [0, 1]', (x) => nb.flip(x, [0, 1]), [randn([3, 4])]);
  check('contiguous', 'of a permuted view', (x) => nb.contiguous(nb.permute(x, [1, 0])), [randn([3, 4])]);
  check('clone', '[3, 4]', (x) => nb.clone(x), [randn([3, 4])]);
  check('pad', 'positive and negative', (x) => nb.pad(x, [1, -1, 2, 0], 0.5), [randn([3, 4])]);
  check('pad', "mode 'reflect' (F.pad)", (x) => nb.F.pad(x, [2, 1, 1, 2], 'reflect'), [randn([2, 3, 4])]);
  check('pad', "mode 'replicate' (F.pad)", (x) => nb.F.pad(x, [3, 1, 0, 2], 'replicate'), [randn([1, 2, 3, 4])]);
  check('pad', "mode 'circular' (F.pad)", (x) => nb.F.pad(x, [2, 3], 'circular'), [randn([2, 2, 4])]);
  check('cat', 'dim 1, three inputs', (a, b, c) => nb.cat([a, b, c], 1), [randn([2, 3]), randn([2, 1]), randn([2, 2])]);
  check('stack', 'dim 1', (a, b) => nb.stack([a, b], 1), [randn([2, 3]), randn([2, 3])]);

  // ---------- indexing ----------
  check('indexSelect', 'repeated indices', (x) => nb.indexSelect(x, 0, ints([2, 0, 2, 3])), [randn([4, 3])]);
  check('gather', 'dim 1', (x) => nb.gather(x, 1, ints([0, 2, 2, 1, 1, 0], [2, 3])), [randn([2, 4])]);
  check('scatter', 'input and src', (x, s) => nb.scatter(x, 0, ints([1, 0, 3, 2, 2, 1], [2, 3]), s), [randn([4, 3]), randn([2, 3])]);
  check('scatterAdd', 'repeated indices', (x, s) => nb.scatterAdd(x, 1, ints([0, 0, 2, 1, 1, 1], [2, 3]), s), [randn([2, 3]), randn([2, 3])]);
  check('embedding', 'weight', (w) => nb.embedding(ints([1, 3, 1, 0], [2, 2]), w), [randn([4, 3])]);

  // ---------- linear algebra ----------
  check('matmul', '1-D · 1-D', (a, b) => nb.matmul(a, b), [randn([4]), randn([4])]);
  check('matmul', '2-D · 2-D', (a, b) => nb.matmul(a, b), [randn([3, 4]), randn([4, 5])]);
  check('matmul', '1-D · 2-D', (a, b) => nb.matmul(a, b), [randn([4]), randn([4, 3])]);
  check('matmul', '2-D · 1-D', (a, b) => nb.matmul(a, b), [randn([3, 4]), randn([4])]);
  check('matmul', 'broadcast batched [2,1,3,4] @ [5,4,2]', (a, b) => nb.matmul(a, b), [randn([2, 1, 3, 4]), randn([5, 4, 2])]);
  check('matmul', 'batched @ 2-D', (a, b) => nb.matmul(a, b), [randn([2, 3, 4]), randn([4, 2])]);
  check('matmul', 'transposed operands', (a, b) => nb.matmul(nb.transpose(a, 0, 1), nb.transpose(b, 0, 1)), [randn([4, 3]), randn([2, 4])]);
  check('mm', '2-D', (a, b) => nb.mm(a, b), [randn([2, 3]), randn([3, 2])]);
  check('bmm', '3-D', (a, b) => nb.bmm(a, b), [randn([2, 2, 3]), randn([2, 3, 2])]);
  check('dot', '1-D', (a, b) => nb.dot(a, b), [randn([5]), randn([5])]);

  // ---------- softmax ----------
  check('softmax', 'dim 1', (x) => nb.softmax(x, 1), [randn([2, 3, 4])]);
  check('softmax', 'dim -1', (x) => nb.softmax(x, -1), [randn([3, 4])]);
  check('logSoftmax', 'dim 0', (x) => nb.logSoftmax(x, 0), [randn([3, 4])]);
  check('logSoftmax', 'dim 2', (x) => nb.logSoftmax(x, 2), [randn([2, 3, 4])]);

  // ---------- convolution ----------
  check('conv2d', 'bias, stride 2, padding 1', (x, w, b) => nb.conv2d(x, w, b, { stride: 2, padding: 1 }), [randn([2, 3, 5, 5]), randn([4, 3, 3, 3], 0.5), randn([4])]);
  check('conv2d', 'non-square kernel, dilation, groups', (x, w) => nb.conv2d(x, w, null, { padding: [1, 0], dilation: [1, 2], groups: 2 }), [randn([1, 4, 4, 6]), randn([4, 2, 2, 3], 0.5)]);
  check('conv2d', "padding 'same', even kernel", (x, w, b) => nb.conv2d(x, w, b, { padding: 'same' }), [randn([1, 2, 4, 5]), randn([2, 2, 2, 2], 0.5), randn([2])]);
  check('conv2d', 'depthwise', (x, w) => nb.conv2d(x, w, null, { groups: 3 }), [randn([1, 3, 4, 4]), randn([3, 1, 2, 2], 0.5)]);
  check('conv1d', 'bias, stride, padding, dilation', (x, w, b) => nb.conv1d(x, w, b, { stride: 2, padding: 2, dilation: 2 }), [randn([2, 3, 8]), randn([2, 3, 3], 0.5), randn([2])]);
  check('conv1d', "groups, 'same'", (x, w) => nb.conv1d(x, w, null, { groups: 2, padding: 'same' }), [randn([1, 4, 6]), randn([4, 2, 4], 0.5)]);

  // ---------- pooling ----------
  check('maxPool2d', 'kernel 3, stride 2, padding 1, ceilMode', (x) => nb.maxPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true }), [spaced([1, 2, 6, 6])]);
  check('maxPool2d', 'dilation 2', (x) => nb.maxPool2d(x, 2, { stride: 1, dilation: 2 }), [spaced([1, 1, 5, 5])]);
  check('maxPool2dWithIndices', 'values', (x) => nb.maxPool2dWithIndices(x, 2).values, [spaced([1, 2, 4, 4])]);
  check('avgPool2d', 'padding, countIncludePad false, ceilMode', (x) => nb.avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false, ceilMode: true }), [randn([1, 2, 6, 6])]);
  check('avgPool2d', 'divisorOverride', (x) => nb.avgPool2d(x, [2, 3], { divisorOverride: 5 }), [randn([1, 2, 4, 6])]);
  check('maxPool1d', 'kernel 3, stride 2, padding 1', (x) => nb.maxPool1d(x, 3, { stride: 2, padding: 1 }), [spaced([2, 2, 7])]);
  check('avgPool1d', 'kernel 3, stride 2, padding 1', (x) => nb.avgPool1d(x, 3, { stride: 2, padding: 1, countIncludePad: false }), [randn([2, 2, 7])]);
  check('adaptiveAvgPool2d', 'non-divisible', (x) => nb.adaptiveAvgPool2d(x, [3, 2]), [randn([1, 2, 7, 5])]);

  // ---------- normalisation and dropout ----------
  check('layerNorm', 'affine, 2-D normalized shape', (x, w, b) => nb.layerNorm(x, [3, 4], w, b), [randn([2, 3, 4]), randn([3, 4]), randn([3, 4])]);
  check('layerNorm', 'plain', (x) => nb.layerNorm(x, [5]), [randn([3, 5])]);
  check('batchNorm', 'training, affine', (x, w, b) => nb.batchNorm(x, null, null, { weight: w, bias: b, training: true }), [randn([3, 2, 2, 2]), randn([2]), randn([2])]);
  check('batchNorm', 'eval, affine', (x, w, b) => nb.batchNorm(x, nb.tensor([0.1, -0.2]), nb.tensor([0.8, 1.3]), { weight: w, bias: b }), [randn([3, 2, 3]), randn([2]), randn([2])]);
  check('dropout', 'p 0.4, fixed mask', (x) => nb.dropout(x, 0.4, true, new nb.Generator(7)), [randn([4, 5])]);

  it('covers every differentiable op exported from src/index.ts', () => {
    const differentiable = [
      'neg', 'exp', 'log', 'log1p', 'sqrt', 'rsqrt', 'abs', 'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'leakyRelu', 'elu', 'gelu',
      'silu', 'softplus', 'sign', 'square', 'reciprocal', 'clamp', 'floor', 'ceil', 'round', 'pow',
      'add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'remainder', 'atan2', 'where', 'maskedFill',
      'sum', 'mean', 'max', 'min', 'amax', 'amin', 'var', 'std', 'logsumexp',
      'view', 'reshape', 'flatten', 'unflatten', 'squeeze', 'unsqueeze', 'permute', 'transpose', 't', 'expand', 'repeat',
      'slice', 'narrow', 'select', 'split', 'chunk', 'flip', 'contiguous', 'clone', 'pad', 'cat', 'stack',
      'indexSelect', 'gather', 'scatter', 'scatterAdd', 'embedding', 'matmul', 'mm', 'bmm', 'dot', 'softmax', 'logSoftmax',
      'conv1d', 'conv2d', 'maxPool2d', 'maxPool2dWithIndices', 'avgPool2d', 'maxPool1d', 'avgPool1d', 'adaptiveAvgPool2d',
      'layerNorm', 'batchNorm', 'dropout',
    ];
    for (const op of differentiable) assert.equal(typeof (nb as Record<string, unknown>)[op], 'function', `${op} is not exported`);
    assert.deepEqual(differentiable.filter((op) => !covered.has(op)), [], 'differentiable ops without a gradient check');
  });
});
