// BERT's modules: transformers' state-dict keys, the tied masked-LM decoder, forward shapes and a
// backward that reaches every parameter. Numerical parity with PyTorch is in bert-parity.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import {
  BertConfig, BertForPreTraining, BertModel, BertForMaskedLM, BertForSequenceClassification, BertForTokenClassification, BertForQuestionAnswering,
} from '../../src/models/bert/index.js';
import { gradcheck } from '../helpers/gradcheck.js';

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

describe('dropout', () => {
  it('is active in training mode (hidden states and attention probabilities) and off in eval mode', () => {
    const model = new BertModel(tinyConfig({ hiddenDropoutProb: 0.3, attentionProbsDropoutProb: 0.5 }));
    const run = () => model.forward(ids(), { attentionMask: mask(), outputAttentions: true });
    model.train();
    const a = run(), b = run();
    assert.ok(a.lastHiddenState.sub(b.lastHiddenState).abs().max().item() > 1e-3, 'two training passes differ');
    model.eval();
    const c = run(), d = run();
    assert.equal(c.lastHiddenState.sub(d.lastHiddenState).abs().max().item(), 0);
    const rows = c.attentions![0].sum(-1).dataSync() as Float32Array;
    for (const r of rows) assert.ok(Math.abs(r - 1) < 1e-5);
  });

  it('drops attention probabilities and scales the kept ones by 1 / (1 - p), as transformers\' dropout on attention_probs', () => {
    const model = new BertModel(tinyConfig({ attentionProbsDropoutProb: 0.5 }));
    const run = () => model.forward(ids(), { attentionMask: mask(), outputAttentions: true }).attentions![0].dataSync() as Float32Array;
    model.train();
    const dropped = run();
    model.eval();
    const full = run();
    let zeroed = 0;
    dropped.forEach((p, i) => {
      if (p === 0 && full[i]! > 0) zeroed++;
      else assert.ok(Math.abs(p - 2 * full[i]!) < 1e-6, `kept probability ${p} is not 2 x ${full[i]}`);
    });
    assert.ok(zeroed > dropped.length / 4 && zeroed < (3 * dropped.length) / 4, `${zeroed} of ${dropped.length} dropped`);
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

describe('the other heads', () => {
  const mlmKeys = ['cls.predictions.bias', 'cls.predictions.transform.dense.weight', 'cls.predictions.transform.dense.bias',
    'cls.predictions.transform.LayerNorm.weight', 'cls.predictions.transform.LayerNorm.bias', 'cls.predictions.decoder.weight', 'cls.predictions.decoder.bias'];
  const cases = [
    [BertForMaskedLM, [...hfEncoderKeys('bert.', 2, false), ...mlmKeys]],
    [BertForSequenceClassification, [...hfEncoderKeys('bert.', 2, true), 'classifier.weight', 'classifier.bias']],
    [BertForTokenClassification, [...hfEncoderKeys('bert.', 2, false), 'classifier.weight', 'classifier.bias']],
    [BertForQuestionAnswering, [...hfEncoderKeys('bert.', 2, false), 'qa_outputs.weight', 'qa_outputs.bias']],
  ] as const;
  for (const [Cls, keys] of cases) {
    it(`${Cls.name} has transformers' keys`, () => {
      assert.deepEqual(Object.keys(new Cls(tinyConfig()).stateDict()), keys);
    });
  }

  it('BertForMaskedLM ties its decoder; the classifiers have numLabels outputs', () => {
    const mlm = new BertForMaskedLM(tinyConfig());
    assert.equal(mlm.cls.predictions.decoder.weight, mlm.bert.embeddings.word_embeddings.weight);
    const out = new BertForTokenClassification(tinyConfig({ numLabels: 5 })).forward(ids(), { attentionMask: mask() });
    assert.deepEqual(out.logits.shape, [2, 6, 5]);
    const qa = new BertForQuestionAnswering(tinyConfig()).forward(ids(), { attentionMask: mask() });
    assert.deepEqual([qa.startLogits.shape, qa.endLogits.shape], [[2, 6], [2, 6]]);
  });
});

/**
 * The loss as a function of some of the model's parameters, for gradcheck: a perturbed copy passed in
 * is written into the parameter for one forward pass, then the parameter's values are put back.
 */
function lossOfParameters(params: nb.Tensor[], loss: () => nb.Tensor): (...values: nb.Tensor[]) => nb.Tensor {
  return (...values) => {
    const saved = params.map((p) => p.detach().cloneContiguous());
    nb.noGrad(() => params.forEach((p, i) => { if (values[i] !== p) p.copy_(values[i]!); }));
    try {
      return loss();
    } finally {
      nb.noGrad(() => params.forEach((p, i) => { if (values[i] !== p) p.copy_(saved[i]!); }));
    }
  };
}

describe('gradients by finite differences (a very small BERT)', () => {
  const small = () => new BertConfig({
    vocabSize: 9, hiddenSize: 4, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 6, maxPositionEmbeddings: 8,
    hiddenDropoutProb: 0, attentionProbsDropoutProb: 0, initializerRange: 0.5,
  });
  const smallIds = () => nb.tensor([[2, 5, 6, 3], [2, 7, 3, 0]], { dtype: 'int32' });
  const smallMask = () => nb.tensor([[1, 1, 1, 1], [1, 1, 1, 0]], { dtype: 'int32' });
  const types = () => nb.tensor([[0, 0, 1, 1], [0, 0, 1, 0]], { dtype: 'int32' });

  it('BertForPreTraining: the tied word embeddings, a query projection, a LayerNorm scale', () => {
    nb.manualSeed(5);
    const model = new BertForPreTraining(small());
    const labels = nb.tensor([[-100, 5, 4, -100], [-100, 8, -100, -100]], { dtype: 'int32' });
    const loss = () => model.forward(smallIds(), { attentionMask: smallMask(), tokenTypeIds: types(), labels, nextSentenceLabel: nb.tensor([1, 0], { dtype: 'int32' }) }).loss!;
    const enc = model.bert.encoder.stateDict({ keepVars: true });
    const params = [model.bert.embeddings.word_embeddings.weight, enc['layer.0.attention.self.query.weight']!, enc['layer.0.output.LayerNorm.weight']!];
    gradcheck(lossOfParameters(params, loss), params, 'BertForPreTraining');
  });

  it('BertForQuestionAnswering: qa_outputs and the position embeddings', () => {
    nb.manualSeed(6);
    const model = new BertForQuestionAnswering(small());
    const loss = () => model.forward(smallIds(), { attentionMask: smallMask(), startPositions: nb.tensor([1, 2], { dtype: 'int32' }), endPositions: nb.tensor([2, 2], { dtype: 'int32' }) }).loss!;
    const params = [model.qa_outputs.weight, model.bert.embeddings.position_embeddings.weight];
    gradcheck(lossOfParameters(params, loss), params, 'BertForQuestionAnswering');
  });
});

describe('BertConfig', () => {
  it('reads and writes config.json with transformers\' names, keeping the fields nabla does not use', () => {
    const json = {
      architectures: ['BertForSequenceClassification'], attention_probs_dropout_prob: 0.1, hidden_act: 'gelu_new', hidden_dropout_prob: 0.1,
      hidden_size: 128, id2label: { 0: 'negative', 1: 'neutral', 2: 'positive' }, initializer_range: 0.02, intermediate_size: 512,
      label2id: { negative: 0, neutral: 1, positive: 2 }, layer_norm_eps: 1e-12, max_position_embeddings: 512, model_type: 'bert',
      num_attention_heads: 2, num_hidden_layers: 2, pad_token_id: 0, type_vocab_size: 2, vocab_size: 30522, transformers_version: '4.40.0', use_cache: true,
    };
    const config = BertConfig.fromJSON(JSON.stringify(json));
    assert.equal(config.hiddenSize, 128);
    assert.equal(config.hiddenAct, 'gelu_new');
    assert.equal(config.numLabels, 3);
    assert.deepEqual(config.id2label, { 0: 'negative', 1: 'neutral', 2: 'positive' });
    const back = config.toJSON();
    for (const [k, v] of Object.entries(json)) assert.deepEqual(back[k], v, k);
    // transformers' BertConfig defaults for what a config.json leaves out (google's compact BERTs have no model_type)
    const bare = BertConfig.fromJSON({ hidden_size: 128, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 512 });
    assert.deepEqual([bare.vocabSize, bare.maxPositionEmbeddings, bare.layerNormEps, bare.hiddenAct, bare.numLabels], [30522, 512, 1e-12, 'gelu', 2]);
    assert.equal(bare.toJSON().id2label, undefined);
    assert.equal(config.with({ numLabels: 5 }).id2label, null);
    // a directory nabla writes does not claim a transformers version
    const model = new BertModel(config.with({ vocabSize: 50, maxPositionEmbeddings: 16 }));
    const written = JSON.parse(model.toFiles()['config.json'] as string) as Record<string, unknown>;
    assert.equal(written.transformers_version, undefined);
    assert.equal(written.use_cache, true);
  });

  it('has the compact BERTs of Turc et al. as presets', () => {
    const sizes = (c: BertConfig) => [c.numHiddenLayers, c.hiddenSize, c.numAttentionHeads, c.intermediateSize, c.vocabSize];
    assert.deepEqual(sizes(BertConfig.preset('tiny')), [2, 128, 2, 512, 30522]);
    assert.deepEqual(sizes(BertConfig.preset('mini')), [4, 256, 4, 1024, 30522]);
    assert.deepEqual(sizes(BertConfig.preset('small', { vocabSize: 8000 })), [4, 512, 8, 2048, 8000]);
    assert.deepEqual(sizes(BertConfig.preset('base')), [12, 768, 12, 3072, 30522]);
  });
});
