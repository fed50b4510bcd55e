/**
 * PyTorch's names for the same things (tolist, long, int, float, item), and clear errors where
 * PyTorch code asks for something nabla does not have (numpy(), dtype int64 or float64).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';

describe('PyTorch names on tensors', () => {
  it('tolist() is toArray(): nested numbers, booleans for bool tensors, a number for a 0-d tensor', () => {
    assert.deepEqual(nb.tensor([[1.5, 2], [3, 4]]).tolist(), [[1.5, 2], [3, 4]]);
    assert.deepEqual(nb.tensor([true, false]).tolist(), [true, false]);
    assert.equal(nb.tensor(7).tolist(), 7);
  });

  it('long() gives int32 (nabla\'s index dtype), truncating toward zero as PyTorch does', () => {
    const y = nb.tensor([1.7, -2.7, 3]).long();
    assert.equal(y.dtype, 'int32');
    assert.deepEqual([...y.dataSync()], [1, -2, 3]);
    assert.equal(nb.tensor([true, false]).long().dtype, 'int32');
  });

  it('long() refuses values that do not fit in int32, naming the value', () => {
    assert.throws(() => nb.tensor([1, 3e9]).long(), /long: value 3000000000 .*int32/);
    assert.throws(() => nb.tensor([NaN]).long(), /long: value NaN/);
  });

  it('int(), float() and item() as in PyTorch', () => {
    assert.equal(nb.tensor([1.9]).int().item(), 1);
    assert.equal(nb.tensor(Int32Array.from([2])).float().dtype, 'float32');
    assert.equal(nb.tensor([[4.5]]).item(), 4.5);
  });

  it('numpy() explains that there is no NumPy and what to use instead', () => {
    assert.throws(() => (nb.tensor([1]) as unknown as { numpy(): unknown }).numpy(), /numpy: .*toArray\(\).*dataSync\(\)/);
  });

  it("dtype 'int64' (PyTorch's index dtype) says that nabla's indices are int32 and how to convert", () => {
    assert.throws(() => nb.tensor([1, 2], { dtype: 'int64' as 'int32' }), (e: Error) => {
      assert.match(e.message, /^tensor: dtype "int64" is not supported/);
      assert.match(e.message, /int32/);
      assert.match(e.message, /long\(\)/);
      return true;
    });
    assert.throws(() => nb.zeros([2], { dtype: 'float64' as 'float32' }), /dtype "float64" is not supported; nabla computes in float32/);
    assert.throws(() => nb.tensor([1]).to('int64' as 'int32'), /^Error: to: dtype "int64"|to: dtype "int64"/);
  });
});
