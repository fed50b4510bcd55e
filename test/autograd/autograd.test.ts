/** The autograd engine: accumulation, graph lifetime, explicit gradients, grad modes, in-place safety, graph shapes. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import type { Tensor } from '../../src/index.js';

const leaf = (values: number[]): Tensor => nb.tensor(values, { requiresGrad: true });
const values = (t: Tensor | null): number[] => {
  assert.ok(t, 'expected a gradient');
  return Array.from(t.dataSync());
};
const close = (actual: number[], expected: number[], tol = 1e-5): void => {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]) <= tol * (1 + Math.abs(expected[i])), `element ${i}: ${a} vs ${expected[i]}`));
};

describe(`autograd (backend ${nb.getBackend().name})`, () => {
  it('accumulates into .grad across two backward calls', () => {
    const x = leaf([1, 2, 3]);
    nb.sum(nb.mul(x, 2)).backward();
    close(values(x.grad), [2, 2, 2]);
    nb.sum(nb.mul(x, x)).backward();
    close(values(x.grad), [4, 6, 8]);
  });

  it('retainGraph keeps the graph for a second backward; without it the graph is freed', () => {
    const x = leaf([1, 2]);
    const y = nb.sum(nb.exp(x));
    y.backward(undefined, { retainGraph: true });
    y.backward();
    close(values(x.grad), [2 * Math.E, 2 * Math.exp(2)]);
    assert.throws(() => y.backward(), /backward: trying to backward through the graph a second time.*retainGraph/);
  });

  it('a second backward through a freed graph throws', () => {
    const x = leaf([1, 2]);
    const y = nb.sum(nb.mul(x, x));
    y.backward();
    assert.throws(() => y.backward(), /second time/);
    // an intermediate of the freed graph is freed too
    const h = nb.tanh(x);
    const z = nb.sum(nb.mul(h, 3));
    z.backward();
    assert.throws(() => nb.sum(h).backward(), /second time/);
  });

  it('backward of a non-scalar needs an explicit gradient of the same shape', () => {
    const x = leaf([1, 2, 3]);
    const y = nb.mul(x, x);
    assert.throws(() => y.backward(), /backward: grad can be implicitly created only for scalar outputs.*\[3\]/);
    assert.throws(() => y.backward(nb.tensor([1, 2])), /backward: gradient has shape \[2\] but the tensor has shape \[3\]/);
    y.backward(nb.tensor([1, 0.5, -2]));
    close(values(x.grad), [2, 2, -12]);
  });

  it('backward of a tensor that does not require grad throws', () => {
    assert.throws(() => nb.sum(nb.tensor([1, 2])).backward(), /does not require grad/);
  });

  it('backward of a leaf accumulates the gradient into it', () => {
    const x = nb.tensor(3, { requiresGrad: true });
    x.backward();
    close(values(x.grad), [1]);
  });

  it('detach cuts the graph but shares the storage', () => {
    const x = leaf([1, 2, 3]);
    const d = x.detach();
    assert.equal(d.requiresGrad, false);
    assert.equal(d.gradFn, null);
    nb.sum(nb.mul(nb.mul(x, 2), d)).backward();
    close(values(x.grad), [2, 4, 6]); // d is a constant: d(2x·d)/dx = 2d
    nb.noGrad(() => d.fill_(7));
    close(values(x), [7, 7, 7]);
    const y = nb.exp(x);
    y.detach_();
    assert.equal(y.requiresGrad, false);
    assert.equal(y.gradFn, null);
  });

  it('noGrad records nothing, restores the mode (even on throw), and enableGrad re-enables inside it', () => {
    const x = leaf([1, 2]);
    const y = nb.noGrad(() => nb.sum(nb.mul(x, 3)));
    assert.equal(y.requiresGrad, false);
    assert.equal(y.gradFn, null);
    assert.equal(nb.isGradEnabled(), true);
    assert.throws(() => nb.noGrad(() => { throw new Error('inside'); }), /inside/);
    assert.equal(nb.isGradEnabled(), true);
    const z = nb.noGrad(() => nb.enableGrad(() => nb.mul(x, 3)));
    assert.equal(z.requiresGrad, true);
    nb.setGradEnabled(false);
    try {
      assert.equal(nb.exp(x).requiresGrad, false);
    } finally {
      nb.setGradEnabled(true);
    }
  });

  it('ops on tensors that do not require grad record nothing; gradients reach only what requires grad', () => {
    const c = nb.tensor([1, 2]);
    const y = nb.exp(nb.mul(c, 2));
    assert.equal(y.requiresGrad, false);
    assert.equal(y.gradFn, null);
    const x = leaf([3, 4]);
    const z = nb.sum(nb.mul(x, c));
    z.backward();
    assert.equal(c.grad, null);
    close(values(x.grad), [1, 2]);
    assert.equal(nb.argmax(x).requiresGrad, false);
    assert.equal(nb.gt(x, 0).requiresGrad, false);
  });

  it('non-leaf tensors keep no .grad; requiresGrad cannot be turned off on them', () => {
    const x = leaf([1, 2]);
    const h = nb.mul(x, 2);
    nb.sum(h).backward();
    assert.equal(h.grad, null);
    assert.equal(h.isLeaf, false);
    assert.throws(() => { h.requiresGrad = false; }, /requiresGrad: .*leaf.*detach/);
  });

  describe('in-place changes', () => {
    const savedCases: [string, (c: Tensor) => void][] = [
      ['copy_', (c) => c.copy_(nb.tensor([5, 6, 7]))],
      ['add_', (c) => c.add_(1)],
      ['mul_', (c) => c.mul_(2)],
      ['sub_', (c) => c.sub_(nb.tensor([1, 1, 1]))],
      ['div_', (c) => c.div_(2)],
      ['fill_', (c) => c.fill_(0)],
      ['zero_', (c) => c.zero_()],
      ['clamp_', (c) => c.clamp_(0, 1)],
      ['maskedFill_', (c) => c.maskedFill_(nb.tensor([true, false, true]), 0)],
    ];
    for (const [op, change] of savedCases) {
      it(`${op} of a saved input after forward makes backward throw`, () => {
        const x = leaf([1, 2, 3]);
        const c = nb.tensor([0.5, 1.5, 2.5]);
        const y = nb.sum(nb.mul(x, c));
        change(c);
        assert.throws(() => y.backward(), /backward: one of the tensors needed for gradient computation has been modified by an in-place operation.*mul/);
      });
    }

    it('changing a saved output (through a view sharing its storage) makes backward throw', () => {
      for (const [name, f] of [['exp', nb.exp], ['tanh', nb.tanh], ['sigmoid', nb.sigmoid], ['sqrt', nb.sqrt],
        ['softmax', (t: Tensor) => nb.softmax(t, 0)]] as const) {
        const x = leaf([1, 2, 3]);
        const y = f(x);
        const loss = nb.sum(y); // sum saves nothing: only the op itself can notice
        y.detach().mul_(2);
        assert.throws(() => loss.backward(), /modified by an in-place operation/, name);
      }
    });

    it('changing a saved index after forward makes backward throw', () => {
      const x = leaf([1, 5, 3, 4]);
      const index = nb.tensor(Int32Array.from([1, 2]));
      const y = nb.sum(nb.gather(x, 0, index));
      index.fill_(0);
      assert.throws(() => y.backward(), /modified by an in-place operation/);
    });

    it('an in-place change before the forward pass is fine', () => {
      const x = leaf([1, 2, 3]);
      const c = nb.tensor([1, 1, 1]);
      c.mul_(3);
      nb.sum(nb.mul(x, c)).backward();
      close(values(x.grad), [3, 3, 3]);
    });

    it('in-place on a leaf that requires grad throws outside noGrad and works inside it', () => {
      const x = leaf([1, 2, 3]);
      for (const change of [() => x.add_(1), () => x.mul_(2), () => x.copy_(nb.tensor([0, 0, 0])), () => x.zero_(), () => x.uniform_()]) {
        assert.throws(change, /leaf tensor that requires grad.*in-place.*noGrad/);
      }
      close(values(x), [1, 2, 3]);
      const before = x.version;
      nb.noGrad(() => x.sub_(nb.tensor([1, 1, 1])));
      close(values(x), [0, 1, 2]);
      assert.ok(x.version > before, 'an in-place write bumps the version');
    });

    it('in-place on a non-leaf that requires grad, or from a source that requires grad, throws instead of losing the gradient', () => {
      const x = leaf([1, 2, 3]);
      const h = nb.mul(x, 2);
      assert.throws(() => h.mul_(3), /mul_: in-place operations on a tensor that requires grad.*mul.*not recorded/);
      assert.throws(() => h.copy_(nb.tensor([0, 0, 0])), /copy_: in-place/);
      const buffer = nb.zeros([3]);
      assert.throws(() => buffer.copy_(x), /copy_: the source .* requires grad/);
      assert.throws(() => buffer.add_(h), /add_: the source .* requires grad/);
      close(values(buffer), [0, 0, 0]);
      nb.noGrad(() => buffer.copy_(x));
      close(values(buffer), [1, 2, 3]);
    });

    it('copy_ from a view of the same storage reads the source before writing', () => {
      const m = nb.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
      m.copy_(nb.transpose(m, 0, 1));
      assert.deepEqual(m.toArray(), [[1, 4, 7], [2, 5, 8], [3, 6, 9]]);
      const v = nb.arange(6).float();
      nb.narrow(v, 0, 1, 5).copy_(nb.narrow(v, 0, 0, 5));
      assert.deepEqual(Array.from(v.dataSync()), [0, 0, 1, 2, 3, 4]);
    });
  });

  it('a diamond (x used by two branches, and twice by one op) sums the gradients', () => {
    const x = leaf([1, 2, 3]);
    const a = nb.mul(x, 2);
    const b = nb.exp(x);
    const y = nb.sum(nb.add(nb.mul(a, b), nb.mul(x, x)));
    y.backward();
    // d/dx (2x·e^x + x²) = 2e^x + 2x·e^x + 2x
    close(values(x.grad), [1, 2, 3].map((v) => 2 * Math.exp(v) + 2 * v * Math.exp(v) + 2 * v));
  });

  it('a shared intermediate used by several consumers gets all their gradients', () => {
    const x = leaf([0.5, -1]);
    const h = nb.tanh(x);
    const y = nb.sum(nb.add(nb.add(nb.mul(h, 2), nb.mul(h, h)), nb.sigmoid(h)));
    y.backward();
    const expected = [0.5, -1].map((v) => {
      const t = Math.tanh(v), s = 1 / (1 + Math.exp(-t));
      return (2 + 2 * t + s * (1 - s)) * (1 - t * t);
    });
    close(values(x.grad), expected);
  });

  it('a branch that does not reach the loss contributes nothing', () => {
    const x = leaf([1, 2]);
    nb.mul(x, 100); // unused
    const y = nb.sum(nb.mul(x, 2));
    y.backward();
    close(values(x.grad), [2, 2]);
  });

  it('a chain of 10,000 ops backpropagates without overflowing the stack', () => {
    const x = leaf([1, 2]);
    let h = x;
    for (let i = 0; i < 10_000; i++) h = i % 2 === 0 ? nb.mul(h, 1.0001) : nb.add(h, 0.001);
    nb.sum(h).backward();
    const factor = Math.pow(Math.fround(1.0001), 5000);
    close(values(x.grad), [factor, factor], 1e-3);
  });

  it('a 10,000-op chain whose gradient is cut halfway (a zero-gradient node) still completes', () => {
    const x = leaf([0.3, 0.7]);
    let h = x;
    for (let i = 0; i < 5_000; i++) h = nb.add(h, 0.0001);
    h = nb.floor(h); // gradient 0
    for (let i = 0; i < 5_000; i++) h = nb.mul(h, 1);
    nb.sum(h).backward();
    close(values(x.grad), [0, 0]);
  });

  it('only floating point tensors can require grad', () => {
    assert.throws(() => { nb.zeros([2], { dtype: 'int32' }).requiresGrad = true; }, /requiresGrad: only tensors of floating point dtype.*int32/);
    assert.throws(() => nb.tensor([true, false], { requiresGrad: true }), /requiresGrad: .*bool/);
    assert.throws(() => nb.zeros([2], { dtype: 'int32' }).requiresGrad_(), /int32/);
    const f = nb.zeros([2]).requiresGrad_();
    assert.equal(f.requiresGrad, true);
    // ops that produce integers or booleans from a float input that requires grad do not require grad
    assert.equal(nb.toDtype(f, 'int32').requiresGrad, false);
    assert.equal(nb.eq(f, 0).requiresGrad, false);
  });

  it('leaf gradients are float32, contiguous, and their own storage', () => {
    const x = leaf([1, 2, 3, 4]);
    const y = nb.sum(nb.transpose(nb.reshape(nb.mul(x, 3), [2, 2]), 0, 1));
    y.backward();
    assert.ok(x.grad);
    assert.equal(x.grad.dtype, 'float32');
    assert.ok(x.grad.isContiguous());
    assert.notEqual(x.grad.storage, x.storage);
    close(values(x.grad), [3, 3, 3, 3]);
  });
});
