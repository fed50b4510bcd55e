/** nn.Transformer* against PyTorch 1.13 (layers, stacks, the full model, masks, gradients) and positional encodings. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import * as nn from '../../src/nn/index.js';
import type { Module } from '../../src/nn/module.js';
import { assertClose, loadFixture, type FixtureCase } from '../fixtures/attention/load.js';

type Cfg = Record<string, unknown> & {
  dModel: number; nhead: number; dimFeedforward: number; activation: 'relu' | 'gelu';
  batchFirst: boolean; normFirst: boolean; layerNormEps: number; stateDictKeys: string[];
};

function layerOptions(cfg: Cfg): nn.TransformerLayerOptions {
  return { dimFeedforward: cfg.dimFeedforward, dropout: 0, activation: cfg.activation, batchFirst: cfg.batchFirst, normFirst: cfg.normFirst, layerNormEps: cfg.layerNormEps };
}

const inputOrNull = (c: FixtureCase, name: string): Tensor | null => (c.has('input', name) ? c.get('input', name) : null);

/** Loads the case's parameters, runs forward, checks the output, backprops the upstream gradient, checks every gradient. */
function checkCase(c: FixtureCase, model: Module, inputNames: string[], run: (xs: Record<string, Tensor>) => Tensor): void {
  const cfg = c.config as Cfg;
  assert.deepEqual(Object.keys(model.stateDict()), cfg.stateDictKeys, `${c.name}: state-dict keys in PyTorch's order`);
  const state: Record<string, Tensor> = {};
  for (const key of c.keys('param')) state[key] = c.get('param', key);
  model.loadStateDict(state);
  const xs: Record<string, Tensor> = {};
  for (const name of inputNames) xs[name] = c.get('input', name).requiresGrad_();
  const out = run(xs);
  assertClose(out, c.get('output', 'out'), `${c.name}: output`);
  out.backward(c.get('upstream', 'out'));
  for (const name of inputNames) assertClose(xs[name]!.grad!, c.get('grad_input', name), `${c.name}: grad of ${name}`);
  for (const [name, p] of model.namedParameters()) assertClose(p.grad!, c.get('grad_param', name), `${c.name}: grad of ${name}`);
}

test('TransformerEncoderLayer and TransformerEncoder match PyTorch 1.13 (post/pre-norm, relu/gelu, batchFirst, masks)', () => {
  const cases = loadFixture('encoder.safetensors');
  assert.equal(cases.length, 5);
  for (const c of cases) {
    const cfg = c.config as Cfg;
    const layer = new nn.TransformerEncoderLayer(cfg.dModel, cfg.nhead, layerOptions(cfg));
    if (c.name.startsWith('layer_')) {
      checkCase(c, layer, ['src'], (x) => layer.call(x.src!, { srcMask: inputOrNull(c, 'src_mask'), srcKeyPaddingMask: inputOrNull(c, 'src_key_padding_mask') }));
    } else {
      const enc = new nn.TransformerEncoder(layer, cfg.numLayers as number, { norm: new nn.LayerNorm(cfg.dModel) });
      checkCase(c, enc, ['src'], (x) => enc.call(x.src!, { mask: c.get('input', 'src_mask'), srcKeyPaddingMask: c.get('input', 'src_key_padding_mask') }));
    }
  }
});

test('TransformerDecoderLayer and TransformerDecoder match PyTorch 1.13', () => {
  const cases = loadFixture('decoder.safetensors');
  assert.equal(cases.length, 5);
  for (const c of cases) {
    const cfg = c.config as Cfg;
    const layer = new nn.TransformerDecoderLayer(cfg.dModel, cfg.nhead, layerOptions(cfg));
    const masks = {
      tgtMask: inputOrNull(c, 'tgt_mask'), memoryMask: inputOrNull(c, 'memory_mask'),
      tgtKeyPaddingMask: inputOrNull(c, 'tgt_key_padding_mask'), memoryKeyPaddingMask: inputOrNull(c, 'memory_key_padding_mask'),
    };
    if (c.name.startsWith('layer_')) {
      checkCase(c, layer, ['tgt', 'memory'], (x) => layer.call(x.tgt!, x.memory!, masks));
    } else {
      const dec = new nn.TransformerDecoder(layer, cfg.numLayers as number, { norm: new nn.LayerNorm(cfg.dModel) });
      checkCase(c, dec, ['tgt', 'memory'], (x) => dec.call(x.tgt!, x.memory!, masks));
    }
  }
});

test('nn.Transformer (2 + 2 layers, every mask) matches PyTorch 1.13, both layouts', () => {
  const cases = loadFixture('transformer.safetensors').filter((c) => !c.config.forwardOnly);
  assert.equal(cases.length, 2);
  for (const c of cases) {
    const cfg = c.config as Cfg & { numEncoderLayers: number; numDecoderLayers: number };
    const model = new nn.Transformer({
      dModel: cfg.dModel, nhead: cfg.nhead, numEncoderLayers: cfg.numEncoderLayers, numDecoderLayers: cfg.numDecoderLayers,
      dimFeedforward: cfg.dimFeedforward, dropout: 0, activation: cfg.activation, batchFirst: cfg.batchFirst, normFirst: cfg.normFirst,
    });
    checkCase(c, model, ['src', 'tgt'], (x) => model.call(x.src!, x.tgt!, {
      srcMask: c.get('input', 'src_mask'), tgtMask: c.get('input', 'tgt_mask'), memoryMask: c.get('input', 'memory_mask'),
      srcKeyPaddingMask: c.get('input', 'src_key_padding_mask'), tgtKeyPaddingMask: c.get('input', 'tgt_key_padding_mask'),
      memoryKeyPaddingMask: c.get('input', 'memory_key_padding_mask'),
    }));
  }
});

test('generateSquareSubsequentMask is 1.13\'s float mask (-inf above the diagonal)', () => {
  const c = loadFixture('transformer.safetensors').find((x) => x.name === 'square_subsequent_mask')!;
  const mask = nn.Transformer.generateSquareSubsequentMask(4);
  assert.equal(mask.dtype, 'float32');
  assert.deepEqual(mask.dataSync(), c.get('output', 'mask').dataSync());
});

test('TransformerEncoder deep-copies its layer: independent parameters with equal starting values', () => {
  const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
  const enc = new nn.TransformerEncoder(layer, 3);
  assert.equal(enc.layers.length, 3);
  const w0 = (enc.layers.at(0) as nn.TransformerEncoderLayer).linear1.weight;
  const w1 = (enc.layers.at(1) as nn.TransformerEncoderLayer).linear1.weight;
  assert.notEqual(w0.storage, w1.storage);
  assert.notEqual(w0.storage, layer.linear1.weight.storage);
  assert.deepEqual(w0.dataSync(), w1.dataSync());
  assert.equal(enc.parameters().length, 3 * layer.parameters().length);
  assert.ok(Object.keys(enc.stateDict()).includes('layers.2.self_attn.out_proj.weight'));
  class Plain extends nb.nn.Module {}
  assert.throws(() => new nn.TransformerEncoder(new Plain(), 2), /clone\(\)/);
});

test('nn.Transformer defaults: PyTorch\'s sizes, key names and xavier init', () => {
  const model = new nn.Transformer({ dModel: 16, nhead: 4, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 32 });
  const keys = Object.keys(model.stateDict());
  assert.equal(keys[0], 'encoder.layers.0.self_attn.in_proj_weight');
  assert.ok(keys.includes('decoder.layers.0.multihead_attn.out_proj.bias'));
  assert.ok(keys.includes('encoder.norm.weight') && keys.includes('decoder.norm.bias'));
  const w = model.stateDict()['encoder.layers.0.linear1.weight']!.dataSync();
  const bound = Math.sqrt(6 / (16 + 32));
  assert.ok(w.every((v) => Math.abs(v) <= bound));
  const src = nb.randn([5, 2, 16]), tgt = nb.randn([3, 2, 16]);
  model.eval();
  const out = model.call(src, tgt, { tgtMask: nn.Transformer.generateSquareSubsequentMask(3) });
  assert.deepEqual(out.shape, [3, 2, 16]);
  assert.throws(() => model.call(src, nb.randn([3, 3, 16])), /batch number of src and tgt must be equal/);
  assert.throws(() => model.call(src, nb.randn([3, 2, 8])), /equal to dModel/);
});

test('SinusoidalPositionalEncoding equals the PyTorch tutorial\'s pe buffer; LearnedPositionalEmbedding adds a learned table', () => {
  for (const c of loadFixture('positional.safetensors')) {
    const d = c.config.dModel as number, n = c.config.maxLen as number;
    const pe = new nn.SinusoidalPositionalEncoding(d, { maxLen: n, dropout: 0 });
    assert.deepEqual(Object.keys(pe.stateDict()), ['pe']);
    assertClose(pe.pe, c.get('output', 'pe'), `${c.name}: pe`, 1e-6, 2e-6);
  }
  const pe = new nn.SinusoidalPositionalEncoding(8, { maxLen: 10, dropout: 0 });
  const x = nb.zeros([4, 2, 8]);
  const y = pe.call(x);
  assert.deepEqual(y.select(1, 0).dataSync(), pe.pe.narrow(0, 0, 4).squeeze(1).dataSync());
  const peBF = new nn.SinusoidalPositionalEncoding(8, { maxLen: 10, dropout: 0, batchFirst: true });
  assert.deepEqual(peBF.call(nb.zeros([2, 4, 8])).select(0, 1).dataSync(), y.select(1, 1).dataSync());
  assert.throws(() => pe.call(nb.zeros([11, 1, 8])), /longer than maxLen 10/);

  const learned = new nn.LearnedPositionalEmbedding(10, 8, { dropout: 0 });
  assert.deepEqual(Object.keys(learned.stateDict()), ['weight']);
  const inp = nb.zeros([3, 2, 8]);
  const out = learned.call(inp);
  out.sum().backward();
  const g = learned.weight.grad!.dataSync();
  assert.ok(g.slice(0, 3 * 8).every((v) => v === 2) && g.slice(3 * 8).every((v) => v === 0), 'positions 0..2 get gradient from both batch items');
});
