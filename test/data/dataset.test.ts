import { test } from 'node:test';
import assert from 'node:assert/strict';

import * as nb from '../../src/index.js';

const { TensorDataset, Subset, ConcatDataset, randomSplit, Dataset, canGetBatch, defaultCollate } = nb.data;

function xy(n: number) {
  const x = nb.arange(n * 3).reshape(n, 3).float();
  const y = nb.arange(n);
  return { x, y };
}

test('TensorDataset: items are tuples of rows; length; negative indices; iteration', () => {
  const { x, y } = xy(5);
  const ds = new TensorDataset(x, y);
  assert.equal(ds.length, 5);
  const [xi, yi] = ds.getItem(2);
  assert.deepEqual(xi.shape, [3]);
  assert.deepEqual(xi.toArray(), [6, 7, 8]);
  assert.equal(xi.dtype, 'float32');
  assert.deepEqual(yi.shape, []);
  assert.equal(yi.item(), 2);
  assert.equal(yi.dtype, 'int32');
  assert.equal(ds.getItem(-1)[1].item(), 4);
  assert.throws(() => ds.getItem(5), /TensorDataset: index 5 is out of range for a dataset of 5 items/);
  assert.throws(() => ds.getItem(1.5), /index must be an integer/);
  assert.deepEqual([...ds].map(([, yy]) => yy.item()), [0, 1, 2, 3, 4]);
});

test('TensorDataset: size mismatch and bad arguments give clear errors', () => {
  assert.throws(
    () => new TensorDataset(nb.zeros([4, 2]), nb.zeros([3])),
    /TensorDataset: size mismatch between tensors.*tensors\[0\] has shape \[4, 2\] and tensors\[1\] has shape \[3\]/,
  );
  assert.throws(() => new TensorDataset(), /at least one tensor/);
  assert.throws(() => new TensorDataset(nb.tensor(3)), /0-dimensional/);
});

test('TensorDataset.getBatch gathers rows, keeps dtypes, equals collating getItem, and copies', () => {
  const { x, y } = xy(6);
  const ds = new TensorDataset(x, y, nb.ones([6, 2, 2, 5]));
  const idx = Int32Array.from([4, 0, 5, 4]);
  const fast = ds.getBatch(idx);
  const slow = defaultCollate(Array.from(idx, (i) => ds.getItem(i)));
  assert.equal(fast.length, 3);
  for (let k = 0; k < 3; k++) {
    assert.deepEqual(fast[k].shape, slow[k].shape);
    assert.equal(fast[k].dtype, slow[k].dtype);
    assert.deepEqual(fast[k].toArray(), slow[k].toArray());
  }
  assert.deepEqual(fast[1].toArray(), [4, 0, 5, 4]);
  // the batch does not alias the source
  (fast[0].storage.data as Float32Array)[0] = -1;
  assert.equal((x.toArray() as number[][])[4][0], 12);
  assert.throws(() => ds.getBatch(Int32Array.from([6])), /index 6 .* out of range/);
  // non-contiguous source tensors go through indexSelect
  const xt = nb.arange(12).reshape(3, 4).float().t(); // [4, 3], strided
  const dt = new TensorDataset(xt);
  const [b] = dt.getBatch(Int32Array.from([3, 1]));
  assert.deepEqual(b.toArray(), [[3, 7, 11], [1, 5, 9]]);
});

test('Subset: indexes into a dataset, negative indices resolved, getBatch maps indices', () => {
  const { x, y } = xy(10);
  const ds = new TensorDataset(x, y);
  const sub = new Subset(ds, [7, 2, -1]);
  assert.equal(sub.length, 3);
  assert.deepEqual([...sub.indices], [7, 2, 9]);
  assert.equal(sub.getItem(0)[1].item(), 7);
  assert.equal(sub.getItem(2)[1].item(), 9);
  const [bx, by] = sub.getBatch(Int32Array.from([2, 0]));
  assert.deepEqual(by.toArray(), [9, 7]);
  assert.deepEqual(bx.shape, [2, 3]);
  assert.throws(() => new Subset(ds, [10]), /Subset: index 10 .*out of range/);
  assert.throws(() => sub.getItem(3), /Subset: index 3 is out of range/);
  // a Subset of a plain array
  const s2 = new Subset(['a', 'b', 'c'], nb.tensor([2, 0], { dtype: 'int32' }));
  assert.deepEqual([...s2], ['c', 'a']);
});

test('ConcatDataset: items in order across datasets, cumulative sizes, negative indices, mixed batches', () => {
  const a = new TensorDataset(nb.arange(3));
  const b = new TensorDataset(nb.arange(10, 15));
  const c = new ConcatDataset([a, b]);
  assert.equal(c.length, 8);
  assert.deepEqual(c.cumulativeSizes, [3, 8]);
  assert.deepEqual([...c].map(([v]) => v.item()), [0, 1, 2, 10, 11, 12, 13, 14]);
  assert.equal(c.getItem(-1)[0].item(), 14);
  assert.throws(() => c.getItem(8), /out of range/);
  assert.deepEqual(c.getBatch(Int32Array.from([4, 5]))[0].toArray(), [11, 12]); // inside one dataset
  assert.deepEqual(c.getBatch(Int32Array.from([7, 0, 3]))[0].toArray(), [14, 0, 10]); // across datasets
  assert.throws(() => new ConcatDataset([]), /should not be an empty list/);
  // an empty dataset in the middle
  const e = new ConcatDataset<number>([[1, 2], [], [3]]);
  assert.deepEqual([...e], [1, 2, 3]);
});

test('randomSplit: counts and fractions (PyTorch remainder rule), disjoint cover, seeded', () => {
  const ds = new TensorDataset(nb.arange(10));
  const parts = randomSplit(ds, [3, 7], new nb.Generator(1));
  assert.deepEqual(parts.map((p) => p.length), [3, 7]);
  const all = parts.flatMap((p) => [...p.indices]).sort((p, q) => p - q);
  assert.deepEqual(all, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  // same generator seed, same split; different seed, (almost surely) different
  const again = randomSplit(ds, [3, 7], new nb.Generator(1));
  assert.deepEqual([...again[0].indices], [...parts[0].indices]);
  const other = randomSplit(ds, [3, 7], new nb.Generator(2));
  assert.notDeepEqual([...other[1].indices], [...parts[1].indices]);
  // the default generator follows manualSeed
  nb.manualSeed(5);
  const d1 = randomSplit(ds, [5, 5]);
  nb.manualSeed(5);
  const d2 = randomSplit(ds, [5, 5]);
  assert.deepEqual([...d1[0].indices], [...d2[0].indices]);
  // fractions: floor(10 * 0.33) = 3 each, remainder 1 to the first -> [4, 3, 3]
  assert.deepEqual(randomSplit(ds, [0.34, 0.33, 0.33]).map((p) => p.length), [4, 3, 3]);
  assert.deepEqual(randomSplit(ds, [0.8, 0.2]).map((p) => p.length), [8, 2]);
  // 60k into 0.9/0.1
  const big = new TensorDataset(nb.zeros([60000]));
  assert.deepEqual(randomSplit(big, [0.9, 0.1]).map((p) => p.length), [54000, 6000]);
  assert.throws(() => randomSplit(ds, [3, 3]), /sum of input lengths \(6\) does not equal the length of the input dataset \(10\)/);
  assert.throws(() => randomSplit(ds, [0.5, 0.6]), /whole counts, or fractions summing to 1/);
  assert.throws(() => randomSplit(ds, [-1, 11]), /non-negative/);
  // subsets of a TensorDataset keep the fast path
  assert.ok(canGetBatch(parts[0]));
  assert.deepEqual(parts[0].getBatch(Int32Array.from([0, 1]))[0].toArray(), [parts[0].indices[0], parts[0].indices[1]]);
});

test('Dataset subclasses: iterable; a getItem override below getBatch disables the fast path', () => {
  class Squares extends Dataset<[number, number]> {
    get length() {
      return 4;
    }
    getItem(i: number): [number, number] {
      return [i, i * i];
    }
  }
  const sq = new Squares();
  assert.deepEqual([...sq], [[0, 0], [1, 1], [2, 4], [3, 9]]);
  assert.equal(canGetBatch(sq), false);

  class Noisy extends TensorDataset<[nb.Tensor]> {
    override getItem(i: number): [nb.Tensor] {
      const [v] = super.getItem(i);
      return [v.add(100)];
    }
  }
  const noisy = new Noisy(nb.arange(5));
  assert.equal(canGetBatch(noisy), false);
  const loader = new nb.data.DataLoader(noisy, { batchSize: 5 });
  const [[batch]] = [...loader];
  assert.deepEqual(batch.toArray(), [100, 101, 102, 103, 104]);

  // a subclass that overrides both keeps its fast path
  class Both extends TensorDataset<[nb.Tensor]> {
    override getItem(i: number): [nb.Tensor] {
      return super.getItem(i);
    }
    override getBatch(indices: Int32Array) {
      return super.getBatch(indices);
    }
  }
  assert.ok(canGetBatch(new Both(nb.arange(3))));
});
