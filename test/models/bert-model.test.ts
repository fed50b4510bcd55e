// BERT's modules: transformers' state-dict keys, the tied masked-LM decoder, forward shapes and a
// backward that reaches every parameter. Numerical parity with PyTorch is in bert-parity.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { BertConfig, BertForPreTraining, BertModel } from '../../src/models/bert/index.js';

const tinyConfig = (overrides: Partial<ConstructorParameters<typeof BertConfig>[0]> = {}) => new BertConfig({
  vocabSize: 99, hiddenSize: 32, numHiddenLayers: 2, numAttentionHeads: 4, intermediateSize: 37, maxPositionEmbeddings: 64,
  hiddenDropoutProb: 0, attentionProbsDropoutProb: 0, ...overrides,
});

/** transformers' BertModel keys (modeling_bert.py's module names), written out independently of nabla. */
function hfEncoderKeys(prefix: string, layers: number, pooler: boolean): string[] {
  const keys = [
    'embeddings.word_embeddings.weight', 'embeddings.position_embeddings.weight', 'embeddings.token_type_embeddings.weight',
    'embeddings.LayerNorm.weight', 'embeddings.LayerNorm.bias',
  ];
  for (let i = 0; i < layers; i++) {
    for (const part of ['attention.self.query', 'attention.self.key', 'attention.self.value', 'attention.output.dense', 'attention.output.LayerNorm',
      'intermediate.dense', 'output.dense', 'output.LayerNorm']) keys.push(`encoder.layer.${i}.${part}.weight`, `encoder.layer.${i}.${part}.bias`);
  }
  if (pooler) keys.push('pooler.dense.weight', 'pooler.dense.bias');
  return keys.map((k) => prefix + k);
}

const ids = () => nb.tensor([[2, 5, 7, 9, 3, 11], [2, 8, 3, 14, 3, 0]], { dtype: 'int32' });
const mask = () => nb.tensor([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0]], { dtype: 'int32' });

describe('BertModel', () => {
  it('has transformers\' state-dict keys in transformers\' order', () => {
    assert.deepEqual(Object.keys(new BertModel(tinyConfig()).stateDict()), hfEncoderKeys('', 2, true));
    assert.deepEqual(Object.keys(new BertModel(tinyConfig(), { addPoolingLayer: false }).stateDict()), hfEncoderKeys('', 2, false));
  });

  it('returns [batch, seq, hidden] states, the pooled [CLS] vector and every layer when asked', () => {
    const out = new BertModel(tinyConfig()).forward(ids(), { attentionMask: mask(), outputHiddenStates: true, outputAttentions: true });
    assert.deepEqual(out.lastHiddenState.shape, [2, 6, 32]);
    assert.deepEqual(out.poolerOutput!.shape, [2, 32]);
    assert.equal(out.hiddenStates!.length, 3);
    assert.equal(out.hiddenStates![2], out.lastHiddenState);
    assert.deepEqual(out.attentions!.map((a) => a.shape), [[2, 4, 6, 6], [2, 4, 6, 6]]);
    // the padded key gets no attention
    const probs = out.attentions![0].toArray() as number[][][][];
    for (const row of probs[1]![0]!) assert.ok(row[5]! < 1e-30, `attention to padding ${row[5]}`);
  });

  it('initialises like transformers: LayerNorm ones/zeros, zero biases, N(0, 0.02) weights, a zero padding row', () => {
    const model = new BertModel(tinyConfig({ vocabSize: 3000, hiddenSize: 64, numAttentionHeads: 4, numHiddenLayers: 1 }));
    const w = model.embeddings.word_embeddings.weight;
    assert.ok(Math.abs(w.std().item() - 0.02) < 0.001, `std ${w.std().item()}`);
    assert.equal(w.select(0, 0).abs().sum().item(), 0);
    assert.equal(model.encoder.stateDict()['layer.0.attention.self.query.bias'].abs().sum().item(), 0);
    assert.equal(model.embeddings.LayerNorm.weight!.sum().item(), 64);
  });
});

describe('BertForPreTraining', () => {
  it('has transformers\' keys, with the decoder tied to the word embeddings', () => {
    const model = new BertForPreTraining(tinyConfig());
    assert.deepEqual(Object.keys(model.stateDict()), [...hfEncoderKeys('bert.', 2, true),
      'cls.predictions.bias', 'cls.predictions.transform.dense.weight', 'cls.predictions.transform.dense.bias',
      'cls.predictions.transform.LayerNorm.weight', 'cls.predictions.transform.LayerNorm.bias',
      'cls.predictions.decoder.weight', 'cls.predictions.decoder.bias', 'cls.seq_relationship.weight', 'cls.seq_relationship.bias']);
    assert.equal(model.cls.predictions.decoder.weight, model.bert.embeddings.word_embeddings.weight);
    assert.equal(model.cls.predictions.decoder.bias, model.cls.predictions.bias);
    // each shared parameter once, as PyTorch's parameters() gives
    assert.equal(model.parameters().length, Object.keys(model.stateDict()).length - 2);
  });

  it('gives ln(vocab) + ln(2) at initialisation and a gradient for every parameter', () => {
    nb.manualSeed(1);
    const model = new BertForPreTraining(tinyConfig());
    const labels = nb.tensor([[-100, 5, -100, 9, -100, -100], [-100, 4, -100, -100, 3, -100]], { dtype: 'int32' });
    const out = model.forward(ids(), { attentionMask: mask(), labels, nextSentenceLabel: nb.tensor([0, 1], { dtype: 'int32' }) });
    assert.deepEqual(out.predictionLogits.shape, [2, 6, 99]);
    assert.deepEqual(out.seqRelationshipLogits.shape, [2, 2]);
    assert.ok(Math.abs(out.mlmLoss!.item() - Math.log(99)) < 0.1, `mlm ${out.mlmLoss!.item()}`);
    assert.ok(Math.abs(out.nspLoss!.item() - Math.log(2)) < 0.1, `nsp ${out.nspLoss!.item()}`);
    assert.ok(Math.abs(out.loss!.item() - out.mlmLoss!.item() - out.nspLoss!.item()) < 1e-5);
    out.loss!.backward();
    for (const [name, p] of model.namedParameters()) {
      assert.ok(p.grad, `${name} has no gradient`);
      assert.ok(p.grad.abs().sum().item() > 0, `${name}'s gradient is zero`);
    }
  });
});
