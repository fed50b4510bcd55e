import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor/tensor.js';
import { clipGradNorm, clipGradValue } from '../../src/nn/utils/clip-grad.js';
import { assertClose, cases, fixture } from './fixtures.js';

const shapes = [[4, 3], [6], [2, 2]];

function params(): Tensor[] {
  const ps = shapes.map((s, i) => {
    const p = Tensor.fromData(new Float32Array(s.reduce((a, b) => a * b, 1)), s, 'float32').requiresGrad_();
    p.grad = fixture(`clip/grad/p${i}`).cloneContiguous();
    return p;
  });
  ps.push(Tensor.fromData(new Float32Array(2), [2], 'float32').requiresGrad_()); // no grad: skipped
  return ps;
}

for (const c of cases.clip) {
  test(`clip ${c.name} matches PyTorch`, () => {
    const ps = params();
    if (c.norm_type === null) {
      assert.equal(clipGradValue(ps, c.max_norm), undefined);
    } else {
      const normType = c.norm_type === 'inf' ? Infinity : (c.norm_type as number);
      const total = clipGradNorm(ps, c.max_norm, normType);
      assert.equal(typeof total, 'number');
      assertClose([total], [c.total_norm!], `${c.name} total norm`);
    }
    ps.slice(0, 3).forEach((p, i) => assertClose(p.grad!.contiguousData(), fixture(`clip/${c.name}/p${i}`).contiguousData(), `${c.name} grad ${i}`));
    assert.equal(ps[3].grad, null);
  });
}

test('clipGradNorm: no gradients -> 0; a single tensor; versions bump only when scaled', () => {
  assert.equal(clipGradNorm([Tensor.fromData(new Float32Array(2), [2], 'float32')], 1), 0);
  const p = Tensor.fromData(new Float32Array(2), [2], 'float32');
  p.grad = Tensor.fromData(new Float32Array([3, 4]), [2], 'float32');
  const v0 = p.grad.version;
  assert.equal(clipGradNorm(p, 10), 5);
  assert.equal(p.grad.version, v0);
  assert.deepEqual([...p.grad.storage.data], [3, 4]);
  assertClose([clipGradNorm(p, 1)], [5], 'norm');
  assert.ok(p.grad.version > v0);
  assertClose(p.grad.storage.data, [0.6, 0.8], 'clipped', 1e-6, 1e-6);
});

test('clipGradNorm: non-finite norms', () => {
  const p = Tensor.fromData(new Float32Array(2), [2], 'float32');
  p.grad = Tensor.fromData(new Float32Array([Infinity, 1]), [2], 'float32');
  assert.throws(() => clipGradNorm([p], 1, 2, { errorIfNonfinite: true }), /The total norm of order 2 for gradients from `parameters` is non-finite/);
  assert.deepEqual([...p.grad.storage.data], [Infinity, 1]); // unchanged when refused
  assert.equal(clipGradNorm([p], 1), Infinity); // PyTorch: scales by 0 -> inf*0 = nan, 1*0 = 0
  assert.ok(Number.isNaN(p.grad.storage.data[0]));
  assert.equal(p.grad.storage.data[1], 0);
  assert.throws(() => clipGradNorm([p], 1, -1), /normType must be a non-negative number or Infinity/);
});

test('clipping works on non-contiguous gradients', () => {
  const base = Tensor.fromData(new Float32Array([1, -2, 3, -4, 5, -6]), [2, 3], 'float32');
  const p = Tensor.fromData(new Float32Array(6), [3, 2], 'float32');
  p.grad = base.t();
  clipGradValue([p], 2.5);
  assert.deepEqual(p.grad.toArray(), [[1, -2.5], [-2, 2.5], [2.5, -2.5]]);
  const total = clipGradNorm([p], 1, Infinity);
  assert.equal(total, 2.5);
  assertClose(p.grad.contiguousData(), [1, -2.5, -2, 2.5, 2.5, -2.5].map((x) => (x * 1) / (2.5 + 1e-6)), 'inf-norm clip');
  assert.throws(() => clipGradValue([p], -1), /clipValue must be non-negative/);
});
