// Row-sparse gradients: nn.Embedding({sparse: true}) with SGD, Adagrad and SparseAdam, against PyTorch 1.13
// (test/embeddings/fixtures/gen_sparse_fixtures.py) and against the dense path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as nb from '../../src/index.js';
import { RowSparseTensor, isRowSparse } from '../../src/autograd/sparse.js';
import type { Optimizer } from '../../src/optim/optimizer.js';
import type { Tensor } from '../../src/tensor/tensor.js';

interface Fixture {
  V: number;
  D: number;
  init: number[][];
  batches: number[][][];
  targets: number[][][][];
  cases: Record<string, { grads: number[][][]; weights: number[][][] }>;
}
const fx = JSON.parse(readFileSync(new URL('./fixtures/sparse-optim.json', import.meta.url), 'utf8')) as Fixture;

function closeTo(actual: ArrayLike<number>, expected: number[], label: string, tol = 1e-5): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    assert.ok(Math.abs(a - e) <= tol + tol * Math.abs(e), `${label}[${i}]: got ${a}, expected ${e}`);
  }
}

function runCase(makeOpt: (params: Tensor[]) => Optimizer, options: { sparse: boolean; paddingIdx?: number }) {
  const emb = new nb.nn.Embedding(fx.V, fx.D, { sparse: options.sparse, paddingIdx: options.paddingIdx });
  nb.noGrad(() => emb.weight.copy_(nb.tensor(fx.init)));
  const opt = makeOpt(emb.parameters());
  const grads: Tensor[] = [], weights: Float32Array[] = [];
  fx.batches.forEach((ids, step) => {
    opt.zeroGrad();
    const out = emb.forward(nb.tensor(ids, { dtype: 'int32' }));
    const scale = nb.tensor([1, 2, 3]);
    const loss = out.sub(nb.tensor(fx.targets[step])).square().mul(scale).sum();
    loss.backward();
    grads.push(emb.weight.grad!);
    opt.step();
    weights.push(emb.weight.dataSync() as Float32Array);
  });
  return { grads, weights };
}

const cases: [string, (p: Tensor[]) => Optimizer, number?][] = [
  ['sgd', (p) => new nb.optim.SGD(p, { lr: 0.1 })],
  ['sgd_padding', (p) => new nb.optim.SGD(p, { lr: 0.1 }), 2],
  ['adagrad', (p) => new nb.optim.Adagrad(p, { lr: 0.5, lrDecay: 0.1, initialAccumulatorValue: 0.2 })],
  ['sparse_adam', (p) => new nb.optim.SparseAdam(p, { lr: 0.05, betas: [0.8, 0.9] })],
  ['sparse_adam_maximize', (p) => new nb.optim.SparseAdam(p, { lr: 0.05, maximize: true })],
];

for (const [name, make, paddingIdx] of cases) {
  test(`sparse embedding + ${name} matches PyTorch`, () => {
    const { grads, weights } = runCase(make, { sparse: true, paddingIdx });
    const expected = fx.cases[name];
    grads.forEach((g, i) => {
      assert.ok(g instanceof RowSparseTensor, 'the weight gradient is row-sparse');
      closeTo(g.toDense().dataSync(), expected.grads[i].flat(), `${name} grad ${i}`);
    });
    weights.forEach((w, i) => closeTo(w, expected.weights[i].flat(), `${name} weights after step ${i + 1}`));
  });
}

test('sparse and dense embeddings train identically with SGD and Adagrad', () => {
  for (const make of [(p: Tensor[]) => new nb.optim.SGD(p, { lr: 0.1 }), (p: Tensor[]) => new nb.optim.Adagrad(p, { lr: 0.3 })]) {
    const dense = runCase(make, { sparse: false });
    const sparse = runCase(make, { sparse: true });
    dense.weights.forEach((w, i) => closeTo(sparse.weights[i], [...w], `step ${i + 1}`, 1e-6));
  }
});

test('a row-sparse gradient reads as its dense equivalent everywhere', () => {
  const g = new RowSparseTensor([4, 2], new Int32Array([3, 1, 3]), new Float32Array([1, 2, 10, 20, 100, 200]));
  assert.equal(g.nnz, 3);
  assert.deepEqual(g.toArray(), [[0, 0], [10, 20], [0, 0], [101, 202]]);
  assert.deepEqual([...g.sum(0).dataSync()], [111, 222]);
  const c = g.coalesce();
  assert.deepEqual([...c.indices], [1, 3]);
  assert.deepEqual([...c.values], [10, 20, 101, 202]);
  assert.ok(isRowSparse(g));
  nb.noGrad(() => g.mul_(2)); // an in-place write makes the sparse arrays stale; readers then use the dense data
  assert.ok(!isRowSparse(g));
  assert.deepEqual(g.toArray(), [[0, 0], [20, 40], [0, 0], [202, 404]]);
  assert.throws(() => new RowSparseTensor([2, 2], new Int32Array([2]), new Float32Array(2)), /row id 2 is outside/);
});

test('two lookups of one sparse table accumulate by concatenating rows', () => {
  const emb = new nb.nn.Embedding(5, 2, { sparse: true });
  const a = emb.forward(nb.tensor([0, 1], { dtype: 'int32' }));
  const b = emb.forward(nb.tensor([1, 4], { dtype: 'int32' }));
  a.sum().add(b.mul(2).sum()).backward();
  const g = emb.weight.grad as RowSparseTensor;
  assert.ok(isRowSparse(g));
  assert.equal(g.nnz, 4);
  assert.deepEqual(g.toArray(), [[1, 1], [3, 3], [0, 0], [0, 0], [2, 2]]);
  // a second backward adds to it (gradients accumulate until zeroGrad)
  emb.forward(nb.tensor([2], { dtype: 'int32' })).sum().backward();
  assert.deepEqual((emb.weight.grad as Tensor).toArray(), [[1, 1], [3, 3], [1, 1], [0, 0], [2, 2]]);
});

test('optimisers without sparse support apply a sparse gradient densely; SparseAdam refuses dense ones', () => {
  const emb = new nb.nn.Embedding(3, 2, { sparse: true });
  const before = emb.weight.dataSync();
  const opt = new nb.optim.Adam(emb.parameters(), { lr: 0.1 });
  emb.forward(nb.tensor([1], { dtype: 'int32' })).sum().backward();
  opt.step();
  const after = emb.weight.dataSync();
  assert.equal(after[0], before[0]);
  assert.notEqual(after[2], before[2]);
  const dense = new nb.nn.Embedding(3, 2);
  const sa = new nb.optim.SparseAdam(dense.parameters());
  dense.forward(nb.tensor([1], { dtype: 'int32' })).sum().backward();
  assert.throws(() => sa.step(), /SparseAdam does not support dense gradients/);
  assert.throws(() => new nb.optim.SparseAdam(dense.parameters(), { lr: 0 }), /Invalid learning rate: 0.0/);
});

test('SGD with momentum falls back to the dense update for a sparse gradient', () => {
  const mk = (sparse: boolean) => {
    nb.manualSeed(3);
    const emb = new nb.nn.Embedding(4, 2, { sparse });
    const opt = new nb.optim.SGD(emb.parameters(), { lr: 0.1, momentum: 0.9 });
    for (let i = 0; i < 3; i++) {
      opt.zeroGrad();
      emb.forward(nb.tensor([i, 1], { dtype: 'int32' })).square().sum().backward();
      opt.step();
    }
    return emb.weight.dataSync();
  };
  closeTo(mk(true), [...mk(false)], 'momentum', 1e-6);
});

test('Embedding repr shows sparse=True', () => {
  assert.match(String(new nb.nn.Embedding(10, 3, { sparse: true })), /Embedding\(10, 3, sparse=True\)/);
});
