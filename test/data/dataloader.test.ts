import { test } from 'node:test';
import assert from 'node:assert/strict';

import * as nb from '../../src/node.js';

const { DataLoader, TensorDataset, Subset, defaultCollate, transforms, randomSplit } = nb.data;
const { SequentialSampler, RandomSampler, SubsetRandomSampler, BatchSampler } = nb.data;
const { MNIST } = nb.data.datasets;

type Equals<A, B> = (<V>() => V extends A ? 1 : 2) extends <V>() => V extends B ? 1 : 2 ? true : false;

/** Same dtype, same shape, same bytes. */
function assertSameTensor(a: nb.Tensor, b: nb.Tensor, what: string): void {
  assert.equal(a.dtype, b.dtype, `${what}: dtype`);
  assert.deepEqual(a.shape, b.shape, `${what}: shape`);
  const da = a.contiguousData();
  const db = b.contiguousData();
  assert.ok(
    Buffer.from(da.buffer, da.byteOffset, da.byteLength).equals(Buffer.from(db.buffer, db.byteOffset, db.byteLength)),
    `${what}: values differ`,
  );
}

function labelsOf(loader: Iterable<nb.Tensor[]>, k = 1): number[] {
  const out: number[] = [];
  for (const batch of loader) out.push(...(batch[k].toArray() as number[]));
  return out;
}

let mnistTrain: nb.data.datasets.MNIST<nb.Tensor, number> | undefined;
const standard = () => transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])]);
function trainset() {
  mnistTrain ??= new MNIST({ train: true, transform: standard() });
  return mnistTrain;
}

test('batch shapes and dtypes; the last partial batch; dropLast; length', () => {
  const x = nb.randn([10, 3]);
  const y = nb.arange(10);
  const ds = new TensorDataset(x, y);
  const loader = new DataLoader(ds, { batchSize: 4 });
  assert.equal(loader.length, 3);
  const batches = [...loader];
  assert.deepEqual(batches.map(([bx]) => bx.shape), [[4, 3], [4, 3], [2, 3]]);
  assert.deepEqual(batches.map(([, by]) => by.dtype), ['int32', 'int32', 'int32']);
  assert.deepEqual(labelsOf(loader), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assertSameTensor(batches[2][0], x.narrow(0, 8, 2).contiguous(), 'last batch');

  const dropped = new DataLoader(ds, { batchSize: 4, dropLast: true });
  assert.equal(dropped.length, 2);
  assert.deepEqual([...dropped].map(([bx]) => bx.shape[0]), [4, 4]);
  assert.deepEqual(labelsOf(dropped), [0, 1, 2, 3, 4, 5, 6, 7]);

  const exact = new DataLoader(ds, { batchSize: 5, dropLast: true });
  assert.equal(exact.length, 2);
  assert.equal([...exact].length, 2);
  // default batch size 1
  const ones = new DataLoader(ds);
  assert.equal(ones.length, 10);
  assert.deepEqual([...ones][0][0].shape, [1, 3]);
  // batches bigger than the dataset
  const whole = new DataLoader(ds, { batchSize: 64 });
  assert.equal(whole.length, 1);
  assert.deepEqual([...whole][0][1].shape, [10]);
  assert.equal(new DataLoader(ds, { batchSize: 64, dropLast: true }).length, 0);
  assert.equal([...new DataLoader(ds, { batchSize: 64, dropLast: true })].length, 0);
});

test('shuffle: every index exactly once per epoch, a new order each epoch, repeatable with manualSeed or a generator', () => {
  const n = 1000;
  const ds = new TensorDataset(nb.arange(n), nb.arange(n));
  const loader = new DataLoader(ds, { batchSize: 64, shuffle: true });
  assert.equal(loader.length, 16);
  nb.manualSeed(42);
  const e1 = labelsOf(loader);
  const e2 = labelsOf(loader);
  for (const epoch of [e1, e2]) {
    assert.equal(epoch.length, n);
    assert.deepEqual([...epoch].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
  }
  assert.notDeepEqual(e1, e2, 'a new permutation each epoch');
  assert.notDeepEqual(e1, Array.from({ length: n }, (_, i) => i), 'shuffled');
  // the same seed repeats the run, epochs included
  nb.manualSeed(42);
  assert.deepEqual(labelsOf(loader), e1);
  assert.deepEqual(labelsOf(loader), e2);
  nb.manualSeed(43);
  assert.notDeepEqual(labelsOf(loader), e1);
  // an explicit generator: independent of the default generator
  const g1 = new DataLoader(ds, { batchSize: 100, shuffle: true, generator: new nb.Generator(7) });
  const g2 = new DataLoader(ds, { batchSize: 100, shuffle: true, generator: new nb.Generator(7) });
  nb.manualSeed(1);
  const a1 = labelsOf(g1);
  nb.manualSeed(2);
  const b1 = labelsOf(g2);
  assert.deepEqual(a1, b1);
  assert.notDeepEqual(labelsOf(g1), a1);
  // the rows stay paired with their labels
  for (const [bx, by] of loader) assert.deepEqual(bx.toArray(), by.toArray());
  // shuffling takes one number from the default stream per epoch, not one per item
  nb.manualSeed(9);
  labelsOf(loader);
  const after = nb.defaultGenerator.getState();
  nb.manualSeed(9);
  nb.defaultGenerator.nextUint32();
  assert.deepEqual(nb.defaultGenerator.getState(), after);
});

test('default collate: numbers (int32 / float32), booleans, strings, arrays, records, typed arrays', () => {
  const items = [
    { id: 1, w: 0.5, ok: true, name: 'a', pair: [nb.tensor([1, 2]), 3], v: new Float32Array([1, 2]) },
    { id: 2, w: 1, ok: false, name: 'b', pair: [nb.tensor([3, 4]), 4], v: new Float32Array([3, 4]) },
  ];
  const b = defaultCollate(items);
  assert.equal(b.id.dtype, 'int32');
  assert.deepEqual(b.id.toArray(), [1, 2]);
  assert.equal(b.w.dtype, 'float32');
  assert.deepEqual(b.w.toArray(), [0.5, 1]);
  assert.equal(b.ok.dtype, 'bool');
  assert.deepEqual(b.ok.toArray(), [true, false]);
  assert.deepEqual(b.name, ['a', 'b']);
  assert.deepEqual(b.pair[0].toArray(), [[1, 2], [3, 4]]);
  assert.deepEqual(b.pair[1].toArray(), [3, 4]);
  assert.deepEqual(b.v.shape, [2, 2]);
  assert.equal(b.v.dtype, 'float32');
  const loader = new DataLoader([[nb.tensor([1]), 5], [nb.tensor([2]), 6], [nb.tensor([3]), 7]], { batchSize: 2 });
  const batches = [...loader];
  assert.deepEqual(batches.map(([t]) => t.shape), [[2, 1], [1, 1]]);
  assert.deepEqual(batches[1][1].toArray(), [7]);
  // errors name the problem
  assert.throws(() => defaultCollate([nb.zeros([2]), nb.zeros([3])]), /defaultCollate: cannot stack the batch's tensors: .*same shape/);
  assert.throws(() => defaultCollate([[1, 2], [1]]), /each element in list of batch should be of equal size/);
  assert.throws(() => defaultCollate([{ a: 1 }, { b: 1 }]), /item 1 has no key 'a'/);
  assert.throws(() => defaultCollate([1, nb.zeros([1])]), /item 1 is a Tensor but item 0 is a number/);
  assert.throws(() => defaultCollate([[1, null], [2, null]]), /item 0\[1\] is null/);
  assert.throws(() => defaultCollate([]), /empty batch/);
});

test('custom collate, samplers and batchSampler', () => {
  const ds = new TensorDataset(nb.arange(10));
  const sums = new DataLoader(ds, { batchSize: 3, collate: (items) => items.reduce((s, [v]) => s + v.item(), 0) });
  assert.deepEqual([...sums], [3, 12, 21, 9]);

  const seq = new SequentialSampler(ds);
  assert.equal(seq.length, 10);
  assert.deepEqual([...seq], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

  const rs = new RandomSampler(ds, { generator: new nb.Generator(3) });
  const p = [...rs];
  assert.deepEqual([...p].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const withReplacement = new RandomSampler(ds, { replacement: true, numSamples: 50, generator: new nb.Generator(3) });
  const draws = [...withReplacement];
  assert.equal(draws.length, 50);
  assert.ok(draws.every((i) => i >= 0 && i < 10));
  assert.ok(new Set(draws).size < 50);
  const more = [...new RandomSampler(ds, { numSamples: 25, generator: new nb.Generator(3) })];
  assert.equal(more.length, 25);
  for (let i = 0; i < 10; i++) assert.ok(more.filter((v) => v === i).length >= 2);

  const sub = new SubsetRandomSampler([1, 3, 5], new nb.Generator(0));
  assert.deepEqual([...sub].sort(), [1, 3, 5]);

  const bs = new BatchSampler(new SequentialSampler(7), 3, false);
  assert.equal(bs.length, 3);
  assert.deepEqual([...bs], [[0, 1, 2], [3, 4, 5], [6]]);
  assert.deepEqual([...new BatchSampler(new SequentialSampler(7), 3, true)], [[0, 1, 2], [3, 4, 5]]);

  const withSampler = new DataLoader(ds, { batchSize: 4, sampler: [9, 8, 7, 6, 5] });
  assert.deepEqual(labelsOf(withSampler, 0), [9, 8, 7, 6, 5]);
  assert.equal(withSampler.length, 2);
  const withBatchSampler = new DataLoader(ds, { batchSampler: [[2, 3], [0]] });
  assert.deepEqual([...withBatchSampler].map(([v]) => v.toArray()), [[2, 3], [0]]);
  assert.equal(withBatchSampler.length, 2);
  const viaBatchSampler = new DataLoader(ds, { batchSampler: new BatchSampler(new RandomSampler(ds), 4, true) });
  assert.equal(viaBatchSampler.length, 2);

  assert.throws(() => new DataLoader(ds, { sampler: seq, shuffle: true }), /sampler option is mutually exclusive with shuffle/);
  assert.throws(() => new DataLoader(ds, { batchSampler: bs, batchSize: 2 }), /batchSampler option is mutually exclusive/);
  assert.throws(() => new DataLoader(ds, { batchSize: 0 }), /batchSize should be a positive integer, got 0/);
  assert.throws(() => new DataLoader({} as never), /expected a dataset/);
  // an out-of-range index from a sampler is reported
  assert.throws(() => [...new DataLoader(ds, { sampler: [10] })], /index 10 .*out of range/);
  assert.throws(() => [...new DataLoader(ds, { sampler: [10], collate: (x) => x })], /sampler gave index 10/);
});

test('fast path (getBatch) equals the generic collate path bit for bit', () => {
  const cases: [string, nb.data.DatasetLike<unknown>][] = [];
  const x = nb.randn([50, 2, 3]);
  cases.push(['TensorDataset', new TensorDataset(x, nb.arange(50), nb.randint(0, 2, [50, 4]).bool())]);
  const train = trainset();
  const n = 3000;
  const pick = Array.from({ length: n }, (_, i) => (i * 7919) % train.length);
  const mk = <X, Y>(opts: nb.data.datasets.MnistOptions<X, Y>) => new Subset(new MNIST({ train: false, ...opts }), pick.slice(0, 700).map((i) => i % 10000));
  cases.push(['MNIST, ToTensor + Normalize(0.5, 0.5)', new Subset(train, pick)]);
  cases.push(['MNIST, no transform', mk({})]);
  cases.push(['MNIST, ToTensor', mk({ transform: transforms.ToTensor() })]);
  cases.push(['MNIST, nested Compose with two Normalizes', mk({ transform: transforms.Compose([transforms.Compose([transforms.ToTensor()]), transforms.Normalize(0.1307, 0.3081), transforms.Normalize([0.2], [3])]) })]);
  cases.push(['MNIST, empty Compose', mk({ transform: transforms.Compose([]) })]);
  cases.push(['MNIST, Lambda (item by item)', mk({ transform: transforms.Compose([transforms.ToTensor(), transforms.Lambda((t: nb.Tensor) => t.mul(2))]) })]);
  cases.push(['MNIST, targetTransform', mk({ transform: standard(), targetTransform: (y: number) => y % 2 === 0 })]);
  cases.push(['MNIST via randomSplit', randomSplit(new MNIST({ train: false, transform: standard() }), [0.9, 0.1], new nb.Generator(4))[1]]);
  for (const [name, ds] of cases) {
    const fast = new DataLoader(ds, { batchSize: 64, shuffle: true, generator: new nb.Generator(11) });
    const slow = new DataLoader(ds, { batchSize: 64, shuffle: true, generator: new nb.Generator(11), collate: defaultCollate });
    const fb = [...fast] as nb.Tensor[][];
    const sb = [...slow] as nb.Tensor[][];
    assert.equal(fb.length, sb.length, name);
    assert.equal(fb.length, fast.length, name);
    fb.forEach((batch, j) => batch.forEach((t, k) => assertSameTensor(t, sb[j][k], `${name}, batch ${j}, field ${k}`)));
  }
});

test('real MNIST through the loader: [64, 1, 28, 28] float32 in [-1, 1] and [64] int32; timing of one epoch', (t) => {
  // the course's recipe, as written
  const transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])]);
  const ds = new MNIST({ train: true, transform });
  const loader = new DataLoader(ds, { batchSize: 64, shuffle: true });
  assert.equal(loader.length, 938);
  nb.manualSeed(0);
  let count = 0;
  let batches = 0;
  let last: nb.Tensor[] = [];
  const seen = new Uint8Array(ds.length);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (const [X, Y] of loader) {
    // compile-time: the recipe's batches are typed [Tensor, Tensor] and its items [Tensor, number], not any
    const typed: [Equals<typeof X, nb.Tensor>, Equals<typeof Y, nb.Tensor>, Equals<ReturnType<typeof ds.getItem>, [nb.Tensor, number]>] = [true, true, true];
    assert.ok(typed);
    if (batches === 0) {
      assert.deepEqual(X.size(), [64, 1, 28, 28]);
      assert.equal(X.dtype, 'float32');
      assert.deepEqual(Y.size(), [64]);
      assert.equal(Y.dtype, 'int32');
    }
    batches++;
    count += Y.shape[0];
    last = [X, Y];
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  assert.equal(batches, 938);
  assert.equal(count, 60000);
  assert.deepEqual(last[0].size(), [60000 - 937 * 64, 1, 28, 28]);
  const msg = `one epoch over MNIST train (938 batches of 64, shuffled, ToTensor+Normalize): ${ms.toFixed(1)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(1)} ms CPU`;
  t.diagnostic(msg);
  console.log(msg);

  // every image once per epoch
  for (const indices of loader.indexBatches()) for (const v of indices) seen[v]++;
  assert.ok(seen.every((v) => v === 1));

  // values: min -1 (pixel 0), max 1 (pixel 255)
  const [X] = [...new DataLoader(ds, { batchSize: 256 })][0];
  const d = X.storage.data as Float32Array;
  assert.equal(d.reduce((a, b) => Math.min(a, b)), -1);
  assert.equal(d.reduce((a, b) => Math.max(a, b)), 1);
});
