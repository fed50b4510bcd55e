/**
 * Bad arguments throw (never return a wrong result), and the message starts with the op's name and
 * names the argument and the shapes or values involved.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';

const z = (...shape: number[]) => nb.zeros(shape);
const zi = (...shape: number[]) => nb.zeros(shape, { dtype: 'int32' });
const zb = (...shape: number[]) => nb.zeros(shape, { dtype: 'bool' });
const ints = (values: number[], shape = [values.length]) => nb.tensor(Int32Array.from(values), { shape });

/** [what, the call, the message's start (op name), substrings the message must contain]. */
const cases: [string, () => unknown, string, string[]][] = [
  // linear algebra
  ['matmul inner dims', () => nb.matmul(z(64, 3136), z(3137, 512)), 'matmul', ['[64, 3136] @ [3137, 512]: inner dimensions differ (3136 vs 3137)']],
  ['matmul 1-D @ 2-D', () => nb.matmul(z(3), z(4, 5)), 'matmul', ['[3] @ [4, 5]', '3 vs 4']],
  ['matmul 2-D @ 1-D', () => nb.matmul(z(3, 4), z(5)), 'matmul', ['[3, 4] @ [5]', '4 vs 5']],
  ['matmul 1-D @ 1-D', () => nb.matmul(z(3), z(4)), 'matmul', ['[3] @ [4]']],
  ['matmul batch dims', () => nb.matmul(z(2, 3, 4), z(3, 4, 5)), 'matmul', ['[2, 3, 4] @ [3, 4, 5]', 'batch', '[2]', '[3]']],
  ['matmul int operand', () => nb.matmul(zi(2, 2), z(2, 2)), 'matmul', ['input', 'float32', 'int32', '[2, 2]']],
  ['matmul 0-d operand', () => nb.matmul(z(), z(2)), 'matmul', ['[] @ [2]']],
  ['mm 3-D', () => nb.mm(z(2, 3, 4), z(4, 5)), 'mm', ['2-D', '[2, 3, 4]']],
  ['mm inner dims', () => nb.mm(z(2, 3), z(4, 5)), 'mm', ['[2, 3] @ [4, 5]', '3 vs 4']],
  ['bmm batch sizes', () => nb.bmm(z(2, 3, 4), z(3, 4, 5)), 'bmm', ['[2, 3, 4]', '[3, 4, 5]']],
  ['bmm inner dims', () => nb.bmm(z(2, 3, 4), z(2, 5, 5)), 'bmm', ['[2, 3, 4] @ [2, 5, 5]', '4 vs 5']],
  ['dot lengths', () => nb.dot(z(3), z(4)), 'dot', ['[3]', '[4]']],
  // elementwise
  ['add broadcast', () => nb.add(z(2, 3), z(4)), 'add', ['[2, 3]', '[4]', 'broadcast']],
  ['mul broadcast', () => nb.mul(z(2, 3, 4), z(3, 3)), 'mul', ['[2, 3, 4]', '[3, 3]']],
  ['pow broadcast', () => nb.pow(z(2), z(3)), 'pow', ['[2]', '[3]']],
  ['eq broadcast', () => nb.eq(z(2), z(3)), 'eq', ['[2]', '[3]']],
  ['logicalAnd broadcast', () => nb.logicalAnd(zb(2), zb(3)), 'logicalAnd', ['[2]', '[3]']],
  ['where condition dtype', () => nb.where(z(2), z(2), z(2)), 'where', ['condition', 'bool', 'float32']],
  ['where broadcast', () => nb.where(zb(3), z(2), z(2)), 'where', ['[3]', '[2]']],
  ['sub of bools', () => nb.sub(zb(2), zb(2)), 'sub', ['bool', 'logicalXor']],
  ['neg of bool', () => nb.neg(zb(2)), 'neg', ['bool', 'logicalNot']],
  ['clamp without bounds', () => nb.clamp(z(2)), 'clamp', ['min', 'max']],
  ['gelu approximate', () => nb.gelu(z(2), 'fast' as 'tanh'), 'gelu', ['approximate', '"fast"']],
  ['to unknown dtype', () => nb.toDtype(z(2), 'float64' as 'float32'), 'to', ['"float64"']],
  ['exp of a number', () => nb.exp(5 as unknown as nb.Tensor), 'exp', ['input', 'Tensor', 'number']],
  ['add of two numbers', () => nb.add(5, 3), 'add', ['Tensor']],
  // reductions
  ['sum dim', () => nb.sum(z(2, 3), 2), 'sum', ['dim 2', '2 dimensions', '[-2, 1]']],
  ['mean of int', () => nb.mean(zi(2)), 'mean', ['int32']],
  ['max dim', () => nb.max(z(2, 3), 2), 'max', ['dim 2']],
  ['max of empty', () => nb.max(z(0, 3)), 'max', ['size 0', '[0, 3]']],
  ['argmax dim', () => nb.argmax(z(2, 3), -3), 'argmax', ['dim -3']],
  ['amax repeated dim', () => nb.amax(z(2, 3), [0, 0]), 'amax', ['repeated']],
  ['var dim', () => nb.var(z(2, 3), 2), 'var', ['dim 2']],
  ['logsumexp dim', () => nb.logsumexp(z(2, 3), 5), 'logsumexp', ['dim 5']],
  ['softmax dim', () => nb.softmax(z(2, 3), -3), 'softmax', ['dim -3']],
  ['logSoftmax dim', () => nb.logSoftmax(z(2, 3), 2), 'logSoftmax', ['dim 2']],
  // shape
  ['reshape size', () => nb.reshape(z(2, 3), [5]), 'reshape', ['[5]', 'size 6', '[2, 3]']],
  ['reshape two -1', () => nb.reshape(z(2, 3), [-1, -1]), 'reshape', ['[-1, -1]']],
  ['view of non-viewable', () => nb.view(nb.transpose(z(2, 3), 0, 1), [6]), 'view', ['[6]', '[3, 2]', 'reshape']],
  ['expand', () => nb.expand(z(2, 3), [4, 3]), 'expand', ['[4, 3]', '[2, 3]']],
  ['expand fewer dims', () => nb.expand(z(2, 3), [3]), 'expand', ['(1)', '(2)']],
  ['permute length', () => nb.permute(z(2, 3), [0]), 'permute', ['[2, 3]', '[0]']],
  ['permute repeated', () => nb.permute(z(2, 3), [0, 0]), 'permute', ['[0, 0]']],
  ['transpose dim1', () => nb.transpose(z(2, 3), 0, 5), 'transpose', ['dim1 5']],
  ['t of 3-D', () => nb.t(z(2, 3, 4)), 't', ['[2, 3, 4]']],
  ['squeeze dim', () => nb.squeeze(z(2, 3), 2), 'squeeze', ['dim 2']],
  ['unsqueeze dim', () => nb.unsqueeze(z(2, 3), 3), 'unsqueeze', ['dim 3']],
  ['flatten dims', () => nb.flatten(z(2, 3), 1, 0), 'flatten', ['startDim 1', 'endDim 0']],
  ['unflatten sizes', () => nb.unflatten(z(2, 6), 1, [4, 2]), 'unflatten', ['[4, 2]', '6', '[2, 6]']],
  ['repeat dims', () => nb.repeat(z(2, 3), [2]), 'repeat', ['(1)', '(2)']],
  ['slice step', () => nb.slice(z(2, 3), 1, 0, 3, 0), 'slice', ['step', '0']],
  ['slice dim', () => nb.slice(z(2, 3), 2, 0, 1), 'slice', ['dim 2']],
  ['narrow range', () => nb.narrow(z(2, 3), 1, 2, 2), 'narrow', ['start (2)', 'length (2)', '(3)', '[2, 3]']],
  ['select index', () => nb.select(z(2, 3), 1, 3), 'select', ['index 3', 'size 3', '[2, 3]']],
  ['select negative index', () => nb.select(z(2, 3), 0, -3), 'select', ['index -3', 'size 2']],
  ['split sizes', () => nb.split(z(5), [2, 2]), 'split', ['[2, 2]', 'size 5']],
  ['chunk count', () => nb.chunk(z(2, 3), 0), 'chunk', ['chunks', '0']],
  ['flip dim', () => nb.flip(z(2, 3), [2]), 'flip', ['dim 2']],
  ['pad length', () => nb.pad(z(2), [1, 1, 1, 1]), 'pad', ['padding', '4']],
  ['pad negative size', () => nb.pad(z(2), [-2, -1]), 'pad', ['[-2, -1]', '[2]']],
  ['cat sizes', () => nb.cat([z(2, 3), z(2, 4)]), 'cat', ['[2, 3]', '[2, 4]', 'tensors[1]']],
  ['cat ranks', () => nb.cat([z(2, 3), z(3)]), 'cat', ['[2, 3]', '[3]']],
  ['cat 0-d', () => nb.cat([z(), z()]), 'cat', ['zero-dimensional']],
  ['cat empty list', () => nb.cat([]), 'cat', ['non-empty']],
  ['cat dim', () => nb.cat([z(2, 3), z(2, 3)], 2), 'cat', ['dim 2']],
  ['stack sizes', () => nb.stack([z(2, 3), z(3, 2)]), 'stack', ['[2, 3]', '[3, 2]', 'entry 1']],
  ['stack dim', () => nb.stack([z(2, 3), z(2, 3)], 4), 'stack', ['dim 4']],
  // indexing
  ['indexSelect out of range', () => nb.indexSelect(z(4, 3), 0, ints([0, 4])), 'indexSelect', ['index 4', 'dimension 0', 'size 4']],
  ['indexSelect negative out of range', () => nb.indexSelect(z(4, 3), 1, ints([-4])), 'indexSelect', ['index -4', 'size 3']],
  // PyTorch refuses negative indices in index_select, gather, scatter and embedding (no wrap-around)
  ['indexSelect -1', () => nb.indexSelect(z(4, 3), 0, ints([0, -1])), 'indexSelect', ['index -1', 'dimension 0', 'size 4']],
  ['gather -1', () => nb.gather(z(2, 3), 1, ints([0, -1], [1, 2])), 'gather', ['index -1', 'size 3']],
  ['scatter -1', () => nb.scatter(z(2, 3), 0, ints([-1], [1, 1]), z(1, 1)), 'scatter', ['index -1', 'size 2']],
  ['scatterAdd -1', () => nb.scatterAdd(z(2, 3), 1, ints([-1], [1, 1]), z(1, 1)), 'scatterAdd', ['index -1', 'size 3']],
  ['embedding -1', () => nb.embedding(ints([0, -1]), z(6, 3)), 'embedding', ['index -1', 'size 6']],
  ['indexSelect float index', () => nb.indexSelect(z(4, 3), 0, nb.tensor([0, 1])), 'indexSelect', ['index', 'int32', 'float32']],
  ['indexSelect 2-D index', () => nb.indexSelect(z(4, 3), 0, ints([0, 1], [1, 2])), 'indexSelect', ['[1, 2]']],
  ['gather index shape', () => nb.gather(z(2, 3), 1, zi(3, 3)), 'gather', ['[3, 3]', '[2, 3]']],
  ['gather index rank', () => nb.gather(z(2, 3), 1, zi(3)), 'gather', ['[3]', '[2, 3]']],
  ['gather out of range', () => nb.gather(z(2, 3), 1, ints([0, 5], [1, 2])), 'gather', ['index 5', 'size 3']],
  ['scatter out of range', () => nb.scatter(z(2, 3), 0, ints([2], [1, 1]), z(1, 1)), 'scatter', ['index 2', 'size 2']],
  ['scatter src dtype', () => nb.scatter(z(2, 3), 0, zi(1, 1), zi(1, 1)), 'scatter', ['src', 'float32', 'int32']],
  ['scatter src too small', () => nb.scatter(z(2, 3), 0, zi(2, 2), z(1, 2)), 'scatter', ['[2, 2]', '[1, 2]']],
  ['scatterAdd out of range', () => nb.scatterAdd(z(2, 3), 1, ints([3], [1, 1]), z(1, 1)), 'scatterAdd', ['index 3', 'size 3']],
  ['embedding out of range', () => nb.embedding(ints([0, 7]), z(6, 3)), 'embedding', ['index 7', 'size 6']],
  ['embedding float indices', () => nb.embedding(nb.tensor([0, 1]), z(6, 3)), 'embedding', ['indices', 'int32', 'float32']],
  ['embedding 1-D weight', () => nb.embedding(ints([0]), z(6)), 'embedding', ['weight', '[6]']],
  ['maskedFill mask dtype', () => nb.maskedFill(z(2, 3), z(2, 3), 1), 'maskedFill', ['mask', 'bool', 'float32']],
  ['maskedFill mask shape', () => nb.maskedFill(z(3), zb(2, 3), 1), 'maskedFill', ['[2, 3]', '[3]']],
  // convolution
  ['conv2d channels', () => nb.conv2d(z(1, 3, 5, 5), z(4, 2, 3, 3)), 'conv2d', ['[4, 2, 3, 3]', '[1, 3, 5, 5]', '2 channels', 'got 3']],
  ['conv2d weight rank', () => nb.conv2d(z(1, 3, 5, 5), z(4, 3, 3)), 'conv2d', ['weight', '[4, 3, 3]']],
  ['conv2d input rank', () => nb.conv2d(z(3, 5), z(4, 3, 3, 3)), 'conv2d', ['input', '[3, 5]']],
  ['conv2d bias shape', () => nb.conv2d(z(1, 3, 5, 5), z(4, 3, 3, 3), z(3)), 'conv2d', ['bias', '[4]', '[3]']],
  ['conv2d groups', () => nb.conv2d(z(1, 4, 5, 5), z(3, 2, 3, 3), null, { groups: 2 }), 'conv2d', ['(3)', 'groups (2)']],
  ['conv2d kernel too big', () => nb.conv2d(z(1, 3, 2, 2), z(4, 3, 3, 3)), 'conv2d', ['(2 x 2)', '(3 x 3)', '[1, 3, 2, 2]']],
  ['conv2d int input', () => nb.conv2d(zi(1, 3, 5, 5), z(4, 3, 3, 3)), 'conv2d', ['input', 'int32']],
  ['conv2d int weight', () => nb.conv2d(z(1, 3, 5, 5), zi(4, 3, 3, 3)), 'conv2d', ['weight', 'int32']],
  ["conv2d 'same' with stride", () => nb.conv2d(z(1, 3, 5, 5), z(4, 3, 3, 3), null, { padding: 'same', stride: 2 }), 'conv2d', ["'same'", 'stride']],
  ['conv2d negative padding', () => nb.conv2d(z(1, 3, 5, 5), z(4, 3, 3, 3), null, { padding: -1 }), 'conv2d', ['padding', '-1']],
  ['conv2d zero stride', () => nb.conv2d(z(1, 3, 5, 5), z(4, 3, 3, 3), null, { stride: 0 }), 'conv2d', ['stride']],
  ['conv1d input rank', () => nb.conv1d(z(1, 1, 3, 5), z(4, 3, 3)), 'conv1d', ['input', '[1, 1, 3, 5]']],
  ['conv1d weight rank', () => nb.conv1d(z(1, 3, 5), z(4, 3, 3, 3)), 'conv1d', ['weight', '[4, 3, 3, 3]']],
  // pooling
  ['maxPool2d input rank', () => nb.maxPool2d(z(5, 5), 2), 'maxPool2d', ['[5, 5]']],
  ['maxPool2d padding', () => nb.maxPool2d(z(1, 1, 5, 5), 2, { padding: 2 }), 'maxPool2d', ['pad']],
  ['maxPool2d output too small', () => nb.maxPool2d(z(1, 1, 2, 2), 3), 'maxPool2d', ['1x2x2', 'too small']],
  ['avgPool2d input rank', () => nb.avgPool2d(z(5, 5), 2), 'avgPool2d', ['[5, 5]']],
  ['avgPool2d int input', () => nb.avgPool2d(zi(1, 1, 4, 4), 2), 'avgPool2d', ['int32']],
  ['maxPool1d input rank', () => nb.maxPool1d(z(5), 2), 'maxPool1d', ['[5]']],
  ['avgPool1d input rank', () => nb.avgPool1d(z(1, 1, 2, 5), 2), 'avgPool1d', ['[1, 1, 2, 5]']],
  ['adaptiveAvgPool2d input rank', () => nb.adaptiveAvgPool2d(z(5, 5), 2), 'adaptiveAvgPool2d', ['[5, 5]']],
  ['adaptiveAvgPool2d output size', () => nb.adaptiveAvgPool2d(z(1, 5, 5), 0), 'adaptiveAvgPool2d', ['output size']],
  // normalisation and dropout
  ['layerNorm shape', () => nb.layerNorm(z(2, 3), [4]), 'layerNorm', ['[4]', '[2, 3]']],
  ['layerNorm weight', () => nb.layerNorm(z(2, 3), [3], z(4)), 'layerNorm', ['weight', '[3]', '[4]']],
  ['batchNorm running stats', () => nb.batchNorm(z(2, 3), z(4), z(4), { training: true }), 'batchNorm', ['runningMean', '[3]', '[4]', '[2, 3]']],
  ['batchNorm weight', () => nb.batchNorm(z(2, 3), null, null, { training: true, weight: z(2) }), 'batchNorm', ['weight', '[3]', '[2]']],
  ['batchNorm one value per channel', () => nb.batchNorm(z(1, 3), null, null, { training: true }), 'batchNorm', ['more than 1 value', '[1, 3]']],
  ['batchNorm eval without stats', () => nb.batchNorm(z(2, 3), null, null), 'batchNorm', ['running']],
  ['batchNorm 1-D input', () => nb.batchNorm(z(3), null, null, { training: true }), 'batchNorm', ['[3]']],
  ['dropout p', () => nb.dropout(z(2), 1.5), 'dropout', ['1.5']],
  // tensors
  ['requiresGrad on int', () => { zi(2).requiresGrad = true; }, 'requiresGrad', ['int32']],
  ['item of many', () => z(2).item(), 'item', ['2 elements', '[2]']],
  ['tensor ragged', () => nb.tensor([[1, 2], [3]]), 'tensor', ['ragged']],
  ['tensor shape', () => nb.tensor([1, 2, 3], { shape: [2, 2] }), 'tensor', ['3 values', '[2, 2]']],
  ['tensor int32 overflow', () => nb.tensor([1, 4294967295], { dtype: 'int32' }), 'tensor', ['4294967295', 'int32', 'overflow']],
  ['tensor int32 below range', () => nb.tensor([-2147483649], { dtype: 'int32' }), 'tensor', ['-2147483649', 'int32']],
  ['tensor NaN to int32', () => nb.tensor([NaN], { dtype: 'int32' }), 'tensor', ['NaN', 'int32']],
  ['full int32 overflow', () => nb.full([2], 2 ** 31, { dtype: 'int32' }), 'full', ['2147483648', 'int32']],
  // integer division by zero has no value: PyTorch raises ZeroDivisionError
  ['remainder int by zero tensor', () => nb.remainder(ints([5, 6]), ints([2, 0])), 'remainder', ['ZeroDivisionError', 'integer', 'zero']],
  ['remainder int by zero scalar', () => nb.remainder(ints([5]), 0), 'remainder', ['ZeroDivisionError']],
];

describe(`errors name the op, the argument and the shapes (backend ${nb.getBackend().name})`, () => {
  for (const [what, call, op, parts] of cases) {
    it(`${op}: ${what}`, () => {
      assert.throws(call, (e: unknown) => {
        assert.ok(e instanceof Error, `threw a non-Error: ${String(e)}`);
        assert.ok(e.message.startsWith(`${op}: `), `message does not start with "${op}: ": ${e.message}`);
        for (const part of parts) assert.ok(e.message.includes(part), `message lacks "${part}": ${e.message}`);
        return true;
      });
    });
  }

  it('a failed op leaves its inputs untouched', () => {
    const x = nb.tensor([[1, 2], [3, 4]]);
    const before = x.dataSync();
    assert.throws(() => nb.scatter(x, 0, ints([0, 9], [1, 2]), nb.tensor([[5, 6]])));
    assert.throws(() => x.copy_(nb.tensor([1, 2, 3])));
    assert.deepEqual(x.dataSync(), before);
  });

  it('copy_ with a source that does not broadcast throws', () => {
    assert.throws(() => z(2, 3).copy_(z(3, 2)), /expand/);
  });
});
