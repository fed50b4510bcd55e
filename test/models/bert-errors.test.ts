// Bad input to BERT gets an error that names the function, the argument, what was expected and what was given.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { BertTokenizer } from '../../src/text/wordpiece.js';
import { fillMask, classify, answerQuestion } from '../../src/models/bert/pipelines.js';
import { finetuneClassifier, finetuneQa } from '../../src/models/bert/finetune.js';
import { createPretrainingInstances } from '../../src/models/bert/pretraining-data.js';
import { maskedEpochs, BertPretrainer } from '../../src/models/bert/pretrain.js';
import { Trainer } from '../../src/models/bert/trainer.js';
import {
  BertForQuestionAnswering,
  BertConfig, BertModel, BertForPreTraining, BertForMaskedLM, BertForSequenceClassification, BertForTokenClassification,
} from '../../src/models/bert/index.js';

const config = (overrides: Partial<ConstructorParameters<typeof BertConfig>[0]> = {}) => new BertConfig({
  vocabSize: 30, hiddenSize: 8, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 12, maxPositionEmbeddings: 10, ...overrides,
});
const int = (data: number[] | number[][]) => nb.tensor(data, { dtype: 'int32' });
const ids = () => int([[2, 5, 6, 3], [2, 7, 3, 0]]);

describe('BERT bad input', () => {
  it('a sequence longer than maxPositionEmbeddings', () => {
    const model = new BertModel(config());
    assert.throws(() => model.forward(int([Array.from({ length: 12 }, () => 5)])),
      /BertEmbeddings: the sequence length 12 is longer than maxPositionEmbeddings 10/);
    assert.throws(() => model.forward(ids(), { positionIds: int([0, 1, 2, 10]) }), /positionIds holds 10 .*outside \[0, 10\) for maxPositionEmbeddings 10/);
  });

  it('token ids outside [0, vocabSize) and token type ids outside typeVocabSize', () => {
    const model = new BertModel(config());
    assert.throws(() => model.forward(int([[2, 30, 3]])), /BertEmbeddings: inputIds holds 30 \(at flat index 1\), outside \[0, 30\) for vocabSize 30/);
    assert.throws(() => model.forward(int([[2, -1, 3]])), /inputIds holds -1 .*outside \[0, 30\)/);
    assert.throws(() => model.forward(ids(), { tokenTypeIds: int([[0, 0, 1, 2], [0, 0, 0, 0]]) }),
      /BertEmbeddings: tokenTypeIds holds 2 \(at flat index 3\), outside \[0, 2\) for typeVocabSize 2/);
    assert.throws(() => model.forward(nb.tensor([[2, 5, 3]])), /BertEmbeddings: inputIds must be an int32 tensor, got float32/);
    assert.throws(() => model.forward(int([2, 5, 3])), /BertModel: inputIds must be 2-D \[batch, seq\], got shape \[3\]/);
  });

  it('a hidden size not divisible by the heads, an unknown activation and other impossible configs', () => {
    assert.throws(() => config({ hiddenSize: 10, numAttentionHeads: 4 }), /BertConfig: the hidden size \(10\) is not a multiple of the number of attention heads \(4\)/);
    assert.throws(() => BertConfig.fromJSON({ hidden_act: 'mish' }), /BertConfig: unknown hiddenAct "mish"; expected one of gelu, relu/);
    assert.throws(() => BertConfig.fromJSON({ model_type: 'roberta' }), /model_type is "roberta", expected "bert"/);
    assert.throws(() => config({ vocabSize: 0 }), /vocabSize must be a positive integer, got 0/);
    assert.throws(() => config({ hiddenDropoutProb: 1.5 }), /hiddenDropoutProb must be a probability in \[0, 1\], got 1.5/);
    assert.throws(() => config({ padTokenId: 30 }), /padTokenId must be an id in \[0, 30\) \(vocabSize 30\), got 30/);
    assert.throws(() => BertConfig.fromJSON({ position_embedding_type: 'rotary' }), /unknown positionEmbeddingType "rotary"; expected one of absolute, relative_key, relative_key_query/);
    assert.throws(() => new BertConfig({ vocab_size: 10 } as never), /BertConfig: unknown option "vocab_size" \(the camelCase name is vocabSize/);
    assert.throws(() => new BertConfig({ numLabels: 3, id2label: { 0: 'neg', 1: 'pos' } }), /id2label names 2 labels but numLabels is 3/);
  });

  it('labels outside the class count (other than -100)', () => {
    const pre = new BertForPreTraining(config());
    assert.throws(() => pre.forward(ids(), { labels: int([[-100, 31, -100, -100], [-100, -100, -100, -100]]) }),
      /BertForPreTraining: labels holds 31 \(at flat index 1\), outside the 30 classes \[0, 30\)/);
    assert.throws(() => pre.forward(ids(), { nextSentenceLabel: int([0, 2]) }), /BertForPreTraining: nextSentenceLabel holds 2 .*outside the 2 classes/);
    assert.throws(() => new BertForMaskedLM(config()).forward(ids(), { labels: int([[-100, -100], [-100, -100]]) }),
      /BertForMaskedLM: labels has shape \[2, 2\], expected \[2, 4\]/);
    const cls = new BertForSequenceClassification(config({ numLabels: 3 }));
    assert.throws(() => cls.forward(ids(), { labels: int([1, 3]) }), /BertForSequenceClassification: labels holds 3 \(at flat index 1\), outside the 3 classes \[0, 3\)/);
    assert.throws(() => cls.forward(ids(), { labels: int([1, -100]).float().reshape(2, 1) }), /multi-label classification needs float32 labels of shape \[2, 3\], got float32 \[2, 1\]/);
    const reg = new BertForSequenceClassification(config({ numLabels: 1 }));
    assert.throws(() => reg.forward(ids(), { labels: int([1, 0]) }), /regression \(numLabels 1\) needs float32 labels, got int32/);
    const tok = new BertForTokenClassification(config({ numLabels: 4 }));
    assert.throws(() => tok.forward(ids(), { labels: int([[0, 1, 2, 3], [0, 4, -100, -100]]) }), /BertForTokenClassification: labels holds 4 \(at flat index 5\), outside the 4 classes/);
    // -100 is ignored, as in transformers
    assert.ok(Number.isFinite(tok.forward(ids(), { labels: int([[0, 1, 2, 3], [0, 3, -100, -100]]) }).loss!.item()));
  });

  it('an attention mask or token types whose shape differs from inputIds', () => {
    const model = new BertModel(config());
    assert.throws(() => model.forward(ids(), { attentionMask: int([[1, 1, 1], [1, 1, 0]]) }),
      /BertModel: attentionMask has shape \[2, 3\], but inputIds has shape \[2, 4\]; they must match/);
    assert.throws(() => model.forward(ids(), { tokenTypeIds: int([0, 0, 0, 0]) }), /BertModel: tokenTypeIds has shape \[4\], but inputIds has shape \[2, 4\]/);
    assert.throws(() => model.forward(ids(), { positionIds: int([0, 1, 2]) }), /BertModel: positionIds has shape \[3\], but inputIds has shape \[2, 4\]/);
  });

  it('options of the pipelines and of fromFiles / savePretrained are checked, with transformers\' names as did-you-means', () => {
    const vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'cat', 'sat', 'on', 'mat', '.'];
    const tokenizer = BertTokenizer.fromVocabText(vocab.join('\n'));
    const mlm = new BertForMaskedLM(config({ vocabSize: vocab.length }));
    const loose = (o: object) => o as Record<string, never>;
    assert.throws(() => fillMask(mlm, tokenizer, 'the [MASK] sat.', loose({ top_k: 3 })), /fillMask: unknown option 'top_k' \(did you mean 'topK'\? nabla spells options in camelCase\); known options: topK/);
    assert.throws(() => fillMask(mlm, tokenizer, 'the [MASK] sat.', { topK: 0 }), /fillMask: option topK must be a positive integer, got number 0/);
    assert.equal(fillMask(mlm, tokenizer, 'the [MASK] sat.', { topK: 2 })[0]!.length, 2);
    const cls = new BertForSequenceClassification(config({ vocabSize: vocab.length, numLabels: 2 }));
    assert.throws(() => classify(cls, tokenizer, 'the cat sat.', loose({ max_length: 8 })), /classify: unknown option 'max_length' \(did you mean 'maxLength'\? nabla spells options in camelCase\)/);
    const qa = new BertForQuestionAnswering(config({ vocabSize: vocab.length }));
    assert.throws(() => answerQuestion(qa, tokenizer, 'who sat?', 'the cat sat.', loose({ doc_stride: 4 })), /answerQuestion: unknown option 'doc_stride' \(did you mean 'docStride'\?/);
    assert.throws(() => answerQuestion(qa, tokenizer, 'who sat?', 'the cat sat.', { maxAnswerLength: 1.5 }), /answerQuestion: option maxAnswerLength must be a positive integer/);
    const files = mlm.toFiles({ tokenizer });
    assert.throws(() => mlm.toFiles(loose({ vocab: tokenizer })), /BertForMaskedLM.savePretrained: unknown option 'vocab'; known options: tokenizer/);
    assert.throws(() => BertForMaskedLM.fromFiles(files, loose({ ignore_mismatched_sizes: true })), /BertForMaskedLM.fromFiles: unknown option 'ignore_mismatched_sizes' \(did you mean 'ignoreMismatchedSizes'\?/);
    assert.throws(() => BertForMaskedLM.fromFiles(files, loose({ strict: 'yes' })), /option strict must be a boolean, got the string "yes"/);
    assert.ok(BertForMaskedLM.fromFiles(files, { strict: true }) instanceof BertForMaskedLM);
    const texts = [{ text: 'the cat sat.', label: 1 }];
    assert.throws(() => finetuneClassifier(cls, tokenizer, texts, texts, loose({ epochs: 1, batchSize: 1, learning_rate: 1e-3 })),
      /finetuneClassifier: unknown option 'learning_rate' \(did you mean 'lr'\?/);
    assert.throws(() => finetuneClassifier(cls, tokenizer, texts, texts, { epochs: 1, batchSize: 1, lr: NaN }), /finetuneClassifier: option lr must be a finite number > 0, got number NaN/);
    assert.throws(() => finetuneQa(qa, tokenizer, [], [], { epochs: 0, batchSize: 1, lr: 1e-3 }), /finetuneQa: option epochs must be a positive integer, got number 0/);
    const docs = [['the cat sat.', 'the mat.'], ['on the mat.', 'the cat.']];
    assert.throws(() => createPretrainingInstances(docs, tokenizer, loose({ maxSeqLength: 16, dupe_factor: 2 })), /createPretrainingInstances: unknown option 'dupe_factor' \(did you mean 'dupeFactor'\?/);
    const instances = createPretrainingInstances(docs, tokenizer, { maxSeqLength: 16 });
    assert.throws(() => maskedEpochs(instances, tokenizer, loose({ batchSize: 2, seed: 0, masked_lm_prob: 0.2 })), /maskedEpochs: unknown option 'masked_lm_prob' \(did you mean 'maskedLmProb'\?/);
    const pretraining = new BertForPreTraining(config({ vocabSize: vocab.length }));
    assert.throws(() => new Trainer(pretraining, loose({ lr: 1e-3, totalSteps: 2, max_grad_norm: 1 })), /Trainer: unknown option 'max_grad_norm' \(did you mean 'maxGradNorm'\?/);
    assert.throws(() => new BertPretrainer(pretraining, maskedEpochs(instances, tokenizer, { batchSize: 2, seed: 0 }), loose({ lr: 1e-3, totalSteps: 2, gradient_accumulation_steps: 2 })),
      /BertPretrainer: unknown option 'gradient_accumulation_steps' \(did you mean 'gradientAccumulation'\?/);
  });
});
