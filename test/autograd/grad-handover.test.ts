/**
 * A leaf's first gradient is the tensor its rule made for it, not a copy, when nothing else can hold
 * that storage (autograd/backward.ts trackOwnership). These cases try to make two holders share one:
 * the same gradient sent to two leaves, a user's gradient passed through a view, a second backward.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import type { Tensor } from '../../src/index.js';

const leaf = (values: number[], shape?: number[]): Tensor => nb.tensor(values, { shape, requiresGrad: true });
const values = (t: Tensor | null): number[] => {
  assert.ok(t, 'expected a gradient');
  return Array.from(t.dataSync());
};

describe(`gradient hand-over to leaves (backend ${nb.getBackend().name})`, () => {
  it('takes a weight gradient made for it alone without copying it', () => {
    const lin = new nb.nn.Linear(3, 4);
    const { report } = nb.profile(() => lin.call(nb.ones([2, 3])).sum().backward());
    const accumulate = report.ops.find((r) => r.name === 'accumulateGrad');
    assert.equal(accumulate?.allocatedBytes, 0);
    assert.deepEqual(values(lin.weight.grad), new Array(12).fill(2));
  });

  it('copies a gradient that two leaves receive (add sends one tensor to both)', () => {
    const a = leaf([1, 2]), b = leaf([3, 4]), c = nb.tensor([5, 6]);
    nb.add(a, b).mul(c).sum().backward();
    assert.notEqual(a.grad!.storage, b.grad!.storage);
    a.grad!.storage.data.fill(0);
    assert.deepEqual(values(b.grad), [5, 6]);
  });

  it("copies a gradient passed through from the caller's own tensor", () => {
    const x = leaf([1, 2, 3, 4]);
    const gradient = nb.tensor([1, 2, 3, 4], { shape: [2, 2] });
    x.view(2, 2).backward(gradient);
    gradient.storage.data.fill(9);
    assert.deepEqual(values(x.grad), [1, 2, 3, 4]);
  });

  it('accumulates a second backward into a taken gradient without touching the graph', () => {
    const w = leaf([1, 2, 3, 4, 5, 6], [2, 3]);
    const x = nb.tensor([1, 0, 2], { shape: [3, 1] });
    const y = nb.matmul(w, x).square().sum();
    y.backward(undefined, { retainGraph: true });
    const first = values(w.grad);
    y.backward();
    assert.deepEqual(values(w.grad), first.map((v) => 2 * v));
  });

  it('keeps the two halves of a split gradient apart from each other', () => {
    const p = leaf([1, 2]), q = leaf([3, 4]);
    const both = nb.cat([p, q]).mul(nb.tensor([1, 2, 3, 4]));
    both.sum().backward();
    p.grad!.storage.data.fill(0);
    assert.deepEqual(values(q.grad), [3, 4]);
  });
});
