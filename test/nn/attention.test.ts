/** F.scaledDotProductAttention: PyTorch parity, finite-difference gradients, masks, strided inputs, a backend's own gemm. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { Generator, type Tensor } from '../../src/index.js';
import * as F from '../../src/nn/functional.js';
import { JsBackend } from '../../src/backend/js/index.js';
import { assertClose, loadFixture } from '../fixtures/attention/load.js';

test('scaledDotProductAttention matches the PyTorch reference (forward and gradients)', () => {
  const cases = loadFixture('sdpa.safetensors');
  assert.ok(cases.length >= 9);
  for (const c of cases) {
    const q = c.get('input', 'query').requiresGrad_();
    const k = c.get('input', 'key').requiresGrad_();
    const v = c.get('input', 'value').requiresGrad_();
    const attnMask = c.has('input', 'attn_mask') ? c.get('input', 'attn_mask') : null;
    const out = F.scaledDotProductAttention(q, k, v, {
      attnMask, isCausal: c.config.isCausal === true, scale: (c.config.scale as number | undefined) ?? null,
    });
    assertClose(out, c.get('output', 'out'), `${c.name}: out`);
    if (c.config.forwardOnly) continue;
    out.backward(c.get('upstream', 'out'));
    for (const [name, t] of [['query', q], ['key', k], ['value', v]] as const) {
      assertClose(t.grad!, c.get('grad_input', name), `${c.name}: grad of ${name}`);
    }
  }
});

test('a fully masked query row gives NaN, like PyTorch', () => {
  const c = loadFixture('sdpa.safetensors').find((x) => x.name === 'fully_masked_row')!;
  const out = F.scaledDotProductAttention(c.get('input', 'query'), c.get('input', 'key'), c.get('input', 'value'), { attnMask: c.get('input', 'attn_mask') });
  const rows = out.select(2, 1).dataSync();
  assert.ok(rows.every((x) => Number.isNaN(x)), 'row 1 is NaN in every batch and head');
  assert.ok(out.select(2, 0).dataSync().every((x) => Number.isFinite(x)), 'other rows stay finite');
});

/** Central differences of sum(f(x) * g) with respect to each element of each input. */
function gradcheck(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], eps = 1e-2, tol = 2e-2): void {
  const leaves = inputs.map((t) => t.detach().cloneContiguous().requiresGrad_());
  const out = f(...leaves);
  const g = nb.randn([...out.shape], { generator: new Generator(7) });
  out.backward(g);
  const lossAt = (xs: Tensor[]): number => {
    const o = nb.noGrad(() => f(...xs)).dataSync(), gd = g.dataSync();
    let s = 0;
    for (let i = 0; i < o.length; i++) s += o[i]! * gd[i]!;
    return s;
  };
  leaves.forEach((leaf, which) => {
    const base = leaf.detach().dataSync();
    const analytic = leaf.grad!.dataSync();
    for (let i = 0; i < base.length; i++) {
      const at = (delta: number): number => {
        const d = base.slice();
        d[i] += delta;
        const xs = leaves.map((l, j) => (j === which ? nb.tensor(d, { shape: [...l.shape] }) : l.detach()));
        return lossAt(xs);
      };
      const numeric = (at(eps) - at(-eps)) / (2 * eps);
      const err = Math.abs(numeric - analytic[i]!);
      assert.ok(err <= tol * (1 + Math.abs(numeric)), `input ${which} element ${i}: analytic ${analytic[i]} vs numeric ${numeric}`);
    }
  });
}

test('finite-difference gradient check of the fused op (float mask, bool mask, causal, dropout, scale)', () => {
  const gen = new Generator(3);
  const q = nb.randn([2, 3, 4], { generator: gen });
  const k = nb.randn([2, 5, 4], { generator: gen });
  const v = nb.randn([2, 5, 3], { generator: gen });
  const floatMask = nb.randn([3, 5], { generator: gen });
  gradcheck((a, b, c) => F.scaledDotProductAttention(a, b, c, { attnMask: floatMask }), [q, k, v]);
  const boolMask = nb.tensor([[true, false, true, true, false], [false, true, true, false, true], [true, true, false, false, false]]);
  gradcheck((a, b, c) => F.scaledDotProductAttention(a, b, c, { attnMask: boolMask, scale: 0.7 }), [q, k, v]);
  gradcheck((a, b, c) => F.scaledDotProductAttention(a, b, c, { isCausal: true }), [q, k, v]);
  // the same dropout pattern on every evaluation: a fresh generator with one seed
  gradcheck((a, b, c) => F.scaledDotProductAttention(a, b, c, { dropoutP: 0.3, generator: new Generator(11) }), [q, k, v]);
  // gradients through the returned weights as well
  gradcheck((a, b, c) => {
    const { output, weights } = F.scaledDotProductAttentionWithWeights(a, b, c, { dropoutP: 0.25, generator: new Generator(5) });
    return nb.cat([output.flatten(), weights.flatten()]);
  }, [q, k, v]);
});

test('one autograd node for all batch x heads, with q, k, v as its direct inputs', () => {
  const q = nb.randn([2, 2, 3, 4]).requiresGrad_();
  const k = nb.randn([2, 2, 5, 4]).requiresGrad_();
  const v = nb.randn([2, 2, 5, 4]).requiresGrad_();
  const out = F.scaledDotProductAttention(q, k, v);
  assert.equal(out.gradFn?.name, 'scaledDotProductAttention');
  assert.deepEqual(out.gradFn?.inputs, [q, k, v]);
});

test('head-split strided views are read in place and give the same result as contiguous copies', () => {
  const L = 5, B = 3, H = 2, hd = 4;
  const x = nb.randn([L, B, 3 * H * hd]).requiresGrad_();
  const [qv, kv, vv] = x.chunk(3, -1).map((t) => t.view(L, B, H, hd).permute(1, 2, 0, 3));
  const out = F.scaledDotProductAttention(qv!, kv!, vv!, { isCausal: true });
  const g = nb.randn([...out.shape]);
  out.backward(g);
  const gx = x.grad!;
  const x2 = x.detach().cloneContiguous().requiresGrad_();
  const [q2, k2, v2] = x2.chunk(3, -1).map((t) => t.view(L, B, H, hd).permute(1, 2, 0, 3).contiguous());
  const out2 = F.scaledDotProductAttention(q2!, k2!, v2!, { isCausal: true });
  out2.backward(g);
  assertClose(out, out2, 'output', 1e-6, 1e-7);
  assertClose(gx, x2.grad!, 'grad', 1e-6, 1e-7);
});

test('matches the composition of primitive ops, weights included', () => {
  const gen = new Generator(9);
  const q = nb.randn([3, 4, 6], { generator: gen }).requiresGrad_();
  const k = nb.randn([3, 5, 6], { generator: gen }).requiresGrad_();
  const v = nb.randn([3, 5, 2], { generator: gen }).requiresGrad_();
  const mask = nb.randn([3, 4, 5], { generator: gen });
  const { output, weights } = F.scaledDotProductAttentionWithWeights(q, k, v, { attnMask: mask });
  const refW = q.matmul(k.transpose(-1, -2)).div(Math.sqrt(6)).add(mask).softmax(-1);
  assertClose(weights, refW, 'weights', 1e-5, 1e-6);
  assertClose(output, refW.matmul(v), 'output', 1e-5, 1e-6);
  const rowSums = weights.sum(-1).dataSync();
  for (const s of rowSums) assert.ok(Math.abs(s - 1) < 1e-5, 'each row of weights sums to 1');
});

test('a backend that brings only its own gemm runs the reference attention on it', () => {
  const previous = nb.getBackend().name;
  let gemmCalls = 0;
  class CountingGemm extends JsBackend {
    override readonly name = 'js-counting-gemm';
    override gemm: JsBackend['gemm'] = (...args) => {
      gemmCalls++;
      new JsBackend().gemm(...args);
    };
  }
  nb.registerBackend('js-counting-gemm', -1, () => new CountingGemm());
  const q = nb.randn([2, 3, 4]).requiresGrad_();
  const out = F.scaledDotProductAttention(q, q, q, { isCausal: true });
  out.sum().backward();
  const expectedOut = out.detach().cloneContiguous(), expectedGrad = q.grad!.cloneContiguous();
  try {
    nb.setBackend('js-counting-gemm');
    const q2 = q.detach().cloneContiguous().requiresGrad_();
    const out2 = F.scaledDotProductAttention(q2, q2, q2, { isCausal: true });
    out2.sum().backward();
    assert.ok(gemmCalls >= 2 * 2 + 3 * 2, `the attention ran ${gemmCalls} gemms on the backend's own gemm`);
    assertClose(out2, expectedOut, 'output', 1e-6, 1e-7);
    assertClose(q2.grad!, expectedGrad, 'grad', 1e-6, 1e-7);
  } finally {
    nb.setBackend(previous);
  }
});

test('argument errors name the op, the argument and the shapes', () => {
  const q = nb.randn([2, 3, 4]), k = nb.randn([2, 5, 4]), v = nb.randn([2, 5, 4]);
  assert.throws(() => F.scaledDotProductAttention(q, nb.randn([2, 5, 3]), v), /scaledDotProductAttention.*same last dim/);
  assert.throws(() => F.scaledDotProductAttention(q, k, nb.randn([2, 4, 4])), /same sequence length/);
  assert.throws(() => F.scaledDotProductAttention(q, k, v, { attnMask: nb.ones([3, 4]) }), /attnMask of shape \[3, 4\] does not broadcast/);
  assert.throws(() => F.scaledDotProductAttention(q, k, v, { attnMask: nb.ones([3, 5]), isCausal: true }), /isCausal/);
  assert.throws(() => F.scaledDotProductAttention(q, k, v, { attnMask: nb.ones([3, 5], { dtype: 'int32' }) }), /bool or float32/);
  assert.throws(() => F.scaledDotProductAttention(q, k, v, { dropoutP: 1.5 }), /dropoutP/);
});
