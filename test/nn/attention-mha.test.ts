/** nn.MultiheadAttention against PyTorch 1.13: state-dict keys, init, outputs, weights and gradients, masks, NaN rows. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { MultiheadAttention } from '../../src/nn/attention.js';
import { assertClose, loadFixture } from '../fixtures/attention/load.js';

test('MultiheadAttention matches PyTorch 1.13 (outputs, weights, input and parameter gradients)', () => {
  const cases = loadFixture('mha.safetensors');
  assert.equal(cases.length, 9);
  for (const c of cases) {
    const cfg = c.config as Record<string, number & boolean & string[]>;
    const m = new MultiheadAttention(cfg.embedDim, cfg.numHeads, {
      bias: cfg.bias, batchFirst: cfg.batchFirst, kdim: cfg.kdim, vdim: cfg.vdim,
      addBiasKv: cfg.addBiasKv, addZeroAttn: cfg.addZeroAttn,
    });
    assert.deepEqual(Object.keys(m.stateDict()), cfg.stateDictKeys, `${c.name}: state-dict keys in PyTorch's order`);
    const state: Record<string, Tensor> = {};
    for (const key of c.keys('param')) state[key] = c.get('param', key);
    m.loadStateDict(state);
    const query = c.get('input', 'query').requiresGrad_();
    const key = cfg.selfAttention ? query : c.get('input', 'key').requiresGrad_();
    const value = cfg.selfAttention ? query : c.get('input', 'value').requiresGrad_();
    const [out, weights] = m.forward(query, key, value, {
      keyPaddingMask: c.has('input', 'key_padding_mask') ? c.get('input', 'key_padding_mask') : null,
      attnMask: c.has('input', 'attn_mask') ? c.get('input', 'attn_mask') : null,
      needWeights: cfg.needWeights, averageAttnWeights: cfg.averageAttnWeights,
    });
    assertClose(out, c.get('output', 'out'), `${c.name}: output`);
    let loss = out.mul(c.get('upstream', 'out')).sum();
    if (cfg.needWeights) {
      assertClose(weights!, c.get('output', 'weights'), `${c.name}: weights`);
      loss = loss.add(weights!.mul(c.get('upstream', 'weights')).sum());
    } else assert.equal(weights, null, `${c.name}: needWeights=false gives null weights`);
    loss.backward();
    for (const [name, t] of cfg.selfAttention ? [['query', query]] as const : [['query', query], ['key', key], ['value', value]] as const) {
      assertClose(t.grad!, c.get('grad_input', name), `${c.name}: grad of ${name}`);
    }
    for (const [name, p] of m.namedParameters()) assertClose(p.grad!, c.get('grad_param', name), `${c.name}: grad of ${name}`);
  }
});

test('state-dict keys, shapes and PyTorch init', () => {
  const m = new MultiheadAttention(8, 2);
  assert.deepEqual(Object.entries(m.stateDict()).map(([k, t]) => `${k}:${t.shape.join('x')}`),
    ['in_proj_weight:24x8', 'in_proj_bias:24', 'out_proj.weight:8x8', 'out_proj.bias:8']);
  assert.ok(m.in_proj_bias!.dataSync().every((x) => x === 0) && m.out_proj.bias!.dataSync().every((x) => x === 0), 'biases start at 0');
  const bound = Math.sqrt(6 / (8 + 24));
  const w = m.in_proj_weight!.dataSync();
  assert.ok(w.every((x) => Math.abs(x) <= bound) && Math.max(...w.map(Math.abs)) > 0.8 * bound, 'xavier_uniform_ on in_proj_weight');
  const sep = new MultiheadAttention(8, 2, { kdim: 6, vdim: 5, bias: false, addBiasKv: true });
  assert.deepEqual(Object.entries(sep.stateDict()).map(([k, t]) => `${k}:${t.shape.join('x')}`),
    ['q_proj_weight:8x8', 'k_proj_weight:8x6', 'v_proj_weight:8x5', 'bias_k:1x1x8', 'bias_v:1x1x8', 'out_proj.weight:8x8']);
  assert.equal(String(m), 'MultiheadAttention(\n  (out_proj): NonDynamicallyQuantizableLinear(in_features=8, out_features=8, bias=True)\n)');
  assert.throws(() => new MultiheadAttention(8, 3), /divisible by numHeads/);
});

test('a fully padded sequence gives NaN outputs and weights, as nn.MultiheadAttention in PyTorch 1.13', () => {
  const m = new MultiheadAttention(8, 2, { batchFirst: true });
  const x = nb.randn([2, 3, 8]);
  const keyPaddingMask = nb.tensor([[false, false, true], [true, true, true]]);
  const [out, w] = m.forward(x, x, x, { keyPaddingMask });
  assert.ok(out.select(0, 1).dataSync().every(Number.isNaN), 'batch 1 output is NaN');
  assert.ok(w!.select(0, 1).dataSync().every(Number.isNaN), 'batch 1 weights are NaN');
  assert.ok(out.select(0, 0).dataSync().every(Number.isFinite), 'batch 0 is fine');
  assert.deepEqual(w!.select(0, 0).select(1, 2).dataSync().every((v) => v === 0), true, 'a padded key gets weight 0');
});

test('attention weights: averaged [B, L, S], per head [B, H, L, S], unbatched [L, S]; rows sum to 1', () => {
  const m = new MultiheadAttention(8, 2, { kdim: 4, vdim: 6 });
  const q = nb.randn([3, 2, 8]), k = nb.randn([5, 2, 4]), v = nb.randn([5, 2, 6]);
  const [out, avg] = m.forward(q, k, v);
  assert.deepEqual(out.shape, [3, 2, 8]);
  assert.deepEqual(avg!.shape, [2, 3, 5]);
  for (const s of avg!.sum(-1).dataSync()) assert.ok(Math.abs(s - 1) < 1e-5);
  const [, per] = m.forward(q, k, v, { averageAttnWeights: false });
  assert.deepEqual(per!.shape, [2, 2, 3, 5]);
  const [o1, w1] = m.forward(nb.randn([3, 8]), nb.randn([5, 4]), nb.randn([5, 6]));
  assert.deepEqual(o1.shape, [3, 8]);
  assert.deepEqual(w1!.shape, [3, 5]);
});

test('dropout on the weights only in training mode', () => {
  nb.manualSeed(0);
  const m = new MultiheadAttention(8, 2, { dropout: 0.5 });
  const x = nb.randn([4, 2, 8]);
  const [, wTrain] = m.forward(x, x, x, { averageAttnWeights: false });
  assert.ok(wTrain!.dataSync().some((v) => v === 0), 'some weights dropped');
  m.eval();
  const [, wEval] = m.forward(x, x, x, { averageAttnWeights: false });
  for (const s of wEval!.sum(-1).dataSync()) assert.ok(Math.abs(s - 1) < 1e-5);
});

test('mask errors are PyTorch-shaped', () => {
  const m = new MultiheadAttention(8, 2);
  const x = nb.randn([4, 2, 8]);
  assert.throws(() => m.forward(x, x, x, { attnMask: nb.zeros([4, 3]) }), /2D attnMask is \[4, 3\], but should be \[4, 4\]/);
  assert.throws(() => m.forward(x, x, x, { attnMask: nb.zeros([2, 4, 4]) }), /3D attnMask is \[2, 4, 4\], but should be \[4, 4, 4\]/);
  assert.throws(() => m.forward(x, x, x, { keyPaddingMask: nb.zeros([2, 3]) }), /keyPaddingMask shape of \[2, 4\]/);
  assert.throws(() => m.forward(x, x, x, { keyPaddingMask: nb.zeros([2, 4], { dtype: 'int32' }) }), /only bool and float/);
  assert.throws(() => m.forward(nb.randn([4, 2, 6]), x, x), /embedding dimension of 8, but got 6/);
});

test('clone() gives an independent copy with equal values', () => {
  const m = new MultiheadAttention(8, 2, { addBiasKv: true });
  const c = m.clone();
  assert.deepEqual(Object.keys(c.stateDict()), Object.keys(m.stateDict()));
  for (const [k, t] of Object.entries(m.stateDict())) assert.deepEqual(c.stateDict()[k]!.dataSync(), t.dataSync());
  nb.noGrad(() => c.in_proj_weight!.fill_(0));
  assert.ok(m.in_proj_weight!.dataSync().some((v) => v !== 0), 'the original keeps its values');
});
