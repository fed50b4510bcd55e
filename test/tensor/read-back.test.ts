/**
 * Reading values back: `await x.data()` (a flat row-major copy) and `await x.array()` (nested arrays),
 * the asynchronous forms a GPU backend needs, beside dataSync() and toArray(). The expected values are
 * written out by hand or computed in plain JavaScript. The suite runs on the wasm backend; run this file
 * with NABLA_BACKEND=js for the reference backend.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';

/** [[1, 2, 3], [4, 5, 6]] as float32. */
const twoByThree = () => nb.tensor([[1, 2, 3], [4, 5, 6]]);

describe('Tensor.data() and Tensor.array()', () => {
  it('return promises, as on a GPU backend', () => {
    const x = twoByThree();
    assert.ok(x.data() instanceof Promise);
    assert.ok(x.array() instanceof Promise);
  });

  it('read a contiguous tensor: a Float32Array in row-major order, nested arrays by shape', async () => {
    const x = twoByThree();
    const flat = await x.data();
    assert.ok(flat instanceof Float32Array);
    assert.deepEqual(flat, Float32Array.from([1, 2, 3, 4, 5, 6]));
    assert.deepEqual(await x.array(), [[1, 2, 3], [4, 5, 6]]);
  });

  it(`read the result of an op large enough for the fast kernels (backend ${nb.getBackend().name})`, async () => {
    const n = 3000;
    const y = nb.arange(2 * n).float().reshape(2, n).mul(2).add(1);
    const expected = Float32Array.from({ length: 2 * n }, (_, i) => 2 * i + 1);
    assert.deepEqual(await y.data(), expected);
    const rows = (await y.array()) as number[][];
    assert.deepEqual(rows.map((r) => r.length), [n, n]);
    assert.equal(rows[1]![n - 1], 2 * (2 * n - 1) + 1);
    const transposed = await y.t().data();
    assert.deepEqual([...transposed.subarray(0, 4)], [1, 2 * n + 1, 3, 2 * n + 3]);
    assert.equal(transposed[2 * n - 1], expected[2 * n - 1]);
  });

  it('read a transposed view in its own row-major order', async () => {
    const xt = twoByThree().t();
    assert.deepEqual(await xt.data(), Float32Array.from([1, 4, 2, 5, 3, 6]));
    assert.deepEqual(await xt.array(), [[1, 4], [2, 5], [3, 6]]);
    const p = nb.arange(24).reshape(2, 3, 4).permute(2, 0, 1);
    const expected: number[] = [];
    for (let k = 0; k < 4; k++) for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) expected.push(i * 12 + j * 4 + k);
    assert.deepEqual([...(await p.data())], expected);
  });

  it('read views that start inside their storage (offset applied)', async () => {
    const x = twoByThree();
    const row = x.select(0, 1); // contiguous, offset 3
    assert.equal(row.offset, 3);
    assert.deepEqual(await row.data(), Float32Array.from([4, 5, 6]));
    assert.deepEqual(await row.array(), [4, 5, 6]);
    const cols = x.narrow(1, 1, 2); // strided, offset 1
    assert.deepEqual(await cols.data(), Float32Array.from([2, 3, 5, 6]));
    assert.deepEqual(await cols.array(), [[2, 3], [5, 6]]);
    const stepped = nb.arange(10).slice(0, 1, 9, 3); // offset 1, stride 3
    assert.deepEqual([...(await stepped.data())], [1, 4, 7]);
    assert.deepEqual(await stepped.array(), [1, 4, 7]);
  });

  it('read an expanded view (stride 0) with every repeat written out', async () => {
    const e = nb.tensor([1, 2]).expand(3, 2);
    assert.deepEqual(await e.data(), Float32Array.from([1, 2, 1, 2, 1, 2]));
    assert.deepEqual(await e.array(), [[1, 2], [1, 2], [1, 2]]);
    const column = nb.tensor([[7], [8]]).expand(2, 3);
    assert.deepEqual(await column.array(), [[7, 7, 7], [8, 8, 8]]);
  });

  it('keep the dtype: int32 gives an Int32Array, bool a Uint8Array of 0/1 and booleans in array()', async () => {
    const i = nb.tensor(Int32Array.from([3, -1, 2147483647]));
    const iFlat = await i.data();
    assert.ok(iFlat instanceof Int32Array);
    assert.deepEqual([...iFlat], [3, -1, 2147483647]);
    assert.deepEqual(await i.array(), [3, -1, 2147483647]);

    const b = nb.tensor([[1, 5], [7, 2]]).gt(3); // [[false, true], [true, false]]
    assert.equal(b.dtype, 'bool');
    const bFlat = await b.data();
    assert.ok(bFlat instanceof Uint8Array);
    assert.deepEqual([...bFlat], [0, 1, 1, 0]);
    assert.deepEqual(await b.array(), [[false, true], [true, false]]);
    assert.deepEqual(await b.t().array(), [[false, true], [true, false]]);
    assert.deepEqual(await b.select(1, 1).array(), [true, false]);
  });

  it('read 0-d tensors: a one-element array, and a plain number or boolean from array()', async () => {
    const s = nb.tensor(7.5);
    assert.deepEqual(await s.data(), Float32Array.from([7.5]));
    assert.equal(await s.array(), 7.5);
    const picked = twoByThree().select(0, 1).select(0, 2); // 0-d, offset 5
    assert.deepEqual(picked.shape, []);
    assert.deepEqual(await picked.data(), Float32Array.from([6]));
    assert.equal(await picked.array(), 6);
    assert.equal(await nb.tensor(true).array(), true);
    assert.equal(await nb.tensor(Int32Array.from([-4]), { shape: [] }).array(), -4);
    assert.equal(await nb.tensor([1, 2, 3]).sum().array(), 6);
  });

  it('give a copy: writing to what data() returns leaves the tensor as it was', async () => {
    const x = twoByThree();
    const flat = await x.data();
    flat.fill(-1);
    assert.deepEqual(x.toArray(), [[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(await x.data(), Float32Array.from([1, 2, 3, 4, 5, 6]));
    assert.notEqual(await x.data(), await x.data(), 'each read is a new array');

    const row = x.select(0, 0);
    (await row.data())[0] = 100;
    assert.deepEqual(x.toArray(), [[1, 2, 3], [4, 5, 6]]);

    const nested = (await x.array()) as number[][];
    nested[0]![0] = 100;
    assert.deepEqual(await x.array(), [[1, 2, 3], [4, 5, 6]]);
  });

  it('agree with dataSync() and toArray() on every layout above', async () => {
    const x = nb.arange(24).reshape(2, 3, 4);
    for (const v of [x, x.transpose(0, 2), x.permute(1, 2, 0), x.narrow(2, 1, 2), x.select(1, 2), x.select(0, 1).select(0, 0).select(0, 3), x.slice(2, 0, 4, 2), x.narrow(0, 1, 1).expand(3, 3, 4)]) {
      assert.deepEqual(await v.data(), v.dataSync());
      assert.deepEqual(await v.array(), v.toArray());
    }
  });
});
