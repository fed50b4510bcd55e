/**
 * The storage pool (tensor/pool.ts) takes back only what nobody else can reach: gradients the
 * backward walk consumed, max pooling's private winner positions, parameter gradients no user code
 * read. These cases hold on to what a user can hold (gradients, activations, returned indices)
 * across backward and optimizer steps and check their values, and fill the pool with NaN to show
 * that a reused array is zeroed before any op reads it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { clearStoragePool, releaseStorage, setStoragePoolLimit, storagePoolStats, takePooled } from '../../src/tensor/pool.js';

/** A small conv net big enough for the pool (its tensors have at least 4096 elements). */
class TinyCnn extends nb.nn.Module {
  conv1 = new nb.nn.Conv2d(1, 8, 3, { padding: 1 });
  conv2 = new nb.nn.Conv2d(8, 16, 3, { padding: 1 });
  fc = new nb.nn.Linear(16 * 4 * 4, 32);
  override forward(x: Tensor): Tensor {
    x = nb.nn.functional.maxPool2d(nb.relu(this.conv1.call(x)), 2);
    x = nb.nn.functional.maxPool2d(nb.relu(this.conv2.call(x)), 2);
    return this.fc.call(x.view(-1, 16 * 4 * 4));
  }
}

function setup(seed = 3) {
  nb.manualSeed(seed);
  const model = new TinyCnn();
  const optimizer = new nb.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  const x = nb.randn([16, 1, 16, 16]);
  const y = nb.randint(0, 32, [16], { dtype: 'int32' });
  const step = (): Tensor => {
    optimizer.zeroGrad();
    const loss = nb.nn.functional.crossEntropy(model.call(x), y);
    loss.backward();
    optimizer.step();
    return loss;
  };
  return { model, optimizer, step };
}

const copy = (t: Tensor): number[] => Array.from(t.dataSync());

describe(`storage pool (backend ${nb.getBackend().name})`, () => {
  it('reuses the storage of consumed gradients and unread parameter gradients, with the same losses as without reuse', () => {
    const fresh = setup();
    const reference: number[] = [];
    for (let i = 0; i < 4; i++) {
      clearStoragePool();
      reference.push(fresh.step().item());
    }
    clearStoragePool();
    const pooled = setup();
    const losses = [0, 1, 2, 3].map(() => pooled.step().item());
    assert.deepEqual(losses, reference);
    const stats = storagePoolStats();
    assert.ok(stats.released > 0 && stats.reused > 0, `released ${stats.released}, reused ${stats.reused}`);
  });

  it('never recycles a gradient the user read, across zeroGrad and later steps', () => {
    const { model, step } = setup();
    step();
    const held = model.conv2.weight.grad!;
    const heldFc = model.fc.weight.grad!;
    const before = copy(held), beforeFc = copy(heldFc);
    for (let i = 0; i < 3; i++) step();
    assert.equal(held.storage.data.length, held.numel());
    assert.deepEqual(copy(held), before);
    assert.deepEqual(copy(heldFc), beforeFc);
    assert.notEqual(model.conv2.weight.grad, held);
  });

  it('the profiler counts storages taken from the pool as reused, not allocated', () => {
    const { step } = setup();
    step();
    clearStoragePool();
    const first = nb.profile(() => step()).report;
    const second = nb.profile(() => step()).report;
    assert.equal(first.allocatedBytes + first.reusedBytes, second.allocatedBytes + second.reusedBytes);
    assert.ok(second.reusedBytes > first.reusedBytes, `${second.reusedBytes} vs ${first.reusedBytes}`);
    assert.ok(second.allocatedBytes < first.allocatedBytes);
  });

  it('gives back an unread parameter gradient at zeroGrad', () => {
    const { model, optimizer, step } = setup();
    step();
    const releasedBefore = storagePoolStats().released;
    optimizer.zeroGrad();
    assert.ok(storagePoolStats().released > releasedBefore);
    assert.equal(model.fc.weight.gradForUpdate(), null);
  });

  it('keeps activations, outputs and returned pooling indices the user holds through backward and steps', () => {
    const { model, optimizer } = setup();
    const x = nb.randn([16, 1, 16, 16]);
    const hidden = nb.relu(model.conv1.call(x));
    const { values: pooled, indices } = nb.nn.functional.maxPool2dWithIndices(hidden, 2);
    const out = model.fc.call(nb.nn.functional.maxPool2d(nb.relu(model.conv2.call(pooled)), 2).view(-1, 256));
    const kept = [hidden, pooled, indices, out].map(copy);
    out.square().sum().backward();
    optimizer.step();
    optimizer.zeroGrad();
    for (let i = 0; i < 2; i++) setup().step();
    [hidden, pooled, indices, out].forEach((t, i) => {
      assert.equal(t.storage.data.length, t.numel());
      assert.deepEqual(copy(t), kept[i]);
    });
  });

  it('hands a leaf the gradient a view passed on (it is not released on the way)', () => {
    const w = nb.randn([64, 64], { requiresGrad: true });
    const c = nb.randn([4096]);
    w.view(4096).mul(c).sum().backward();
    assert.deepEqual(copy(w.grad!), copy(c));
  });

  it("gives back dropout's mask after backward, and only then (the output and x's gradient stay right)", () => {
    const x = nb.rand([8192]).add(0.5).requiresGrad_();
    clearStoragePool();
    const out = nb.nn.functional.dropout(x, 0.5, true);
    const kept = copy(out);
    // the mask is 8192 bytes (float32 input) or floats (otherwise): none of that length waits before backward
    assert.equal(takePooled('bool', 8192, false), null, 'the mask must not be in the pool while backward still needs it');
    out.mul(3).sum().backward();
    const mask = takePooled('bool', 8192, false);
    assert.ok(mask !== null, 'backward freed the graph: the mask should be back in the pool');
    assert.deepEqual([...mask].map((k) => (k ? 1 : 0)), kept.map((o) => (o === 0 ? 0 : 1)), 'the pooled array is the mask that dropout drew');
    // x is never 0, so a dropped element is one whose output is 0 (gradient 0); a survivor's is 3 * 2
    assert.deepEqual(copy(x.grad!), kept.map((o) => (o === 0 ? 0 : 6)));
    assert.deepEqual(copy(out), kept);
  });

  it("keeps the caller's gradient that reaches one node twice (both addends of a sum)", () => {
    const x = nb.randn([4096], { requiresGrad: true });
    const y = x.mul(2);
    const gradient = nb.full([4096], 0.5);
    y.add(y).backward(gradient);
    assert.equal(gradient.storage.data.length, 4096);
    assert.ok(copy(gradient).every((v) => v === 0.5));
    assert.ok(copy(x.grad!).every((v) => v === 2));
  });

  it('zeroes a reused array before an op reads it: a pool full of NaN changes no gradient', () => {
    const run = (poison: boolean): number[][] => {
      const { model } = setup(5);
      const x = nb.randn([16, 1, 16, 16]);
      clearStoragePool();
      if (poison) {
        // every length this net allocates: activations, their gradients, indices, weights' gradients
        for (const n of [16 * 8 * 16 * 16, 16 * 8 * 8 * 8, 16 * 16 * 8 * 8, 16 * 16 * 4 * 4, 16 * 8 * 3 * 3, 16 * 1 * 16 * 16]) {
          for (let k = 0; k < 4; k++) {
            releaseStorage({ data: new Float32Array(n).fill(NaN) }, 'float32');
            releaseStorage({ data: new Int32Array(n).fill(-7) }, 'int32');
          }
        }
      }
      model.call(x).square().sum().backward();
      return model.parameters().map((p) => copy(p.grad!));
    };
    const clean = run(false);
    const poisoned = run(true);
    assert.ok(storagePoolStats().reused > 0);
    assert.deepEqual(poisoned, clean);
    assert.ok(clean.flat().every(Number.isFinite));
  });

  it('keeps at most its limit in bytes, dropping the arrays that waited longest', () => {
    clearStoragePool();
    const previous = setStoragePoolLimit(60_000);
    try {
      const arrays = [5000, 6000, 7000].map((n) => new Float32Array(n));
      for (const data of arrays) releaseStorage({ data }, 'float32');
      assert.equal(storagePoolStats().pooledBytes, (6000 + 7000) * 4);
      assert.equal(takePooled('float32', 5000), null);
      assert.equal(takePooled('float32', 7000), arrays[2]);
      releaseStorage({ data: new Float32Array(10_000) }, 'float32');
      assert.equal(storagePoolStats().pooledBytes, 10_000 * 4);
      assert.equal(takePooled('float32', 6000), null);
    } finally {
      setStoragePoolLimit(previous);
    }
  });

  it('new tensors from a poisoned pool start at zero', () => {
    clearStoragePool();
    releaseStorage({ data: new Float32Array(5000).fill(NaN) }, 'float32');
    const z = nb.zeros([5000]);
    assert.equal(storagePoolStats().reused, 1);
    assert.ok(copy(z).every((v) => v === 0));
  });
});
