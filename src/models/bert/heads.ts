/**
 * BERT's task heads with transformers' module names (`cls.predictions.transform.dense`,
 * `cls.seq_relationship`, `classifier`, `qa_outputs`) and loss rules: labels are int32 with -100
 * ignored; the masked-LM decoder shares its weight with the word embeddings and its bias is
 * `cls.predictions.bias` (also listed as `cls.predictions.decoder.bias`, as transformers lists it).
 */
import { Tensor } from '../../tensor/tensor.js';
import { formatShape } from '../../tensor/shape.js';
import { Module } from '../../nn/module.js';
import { Parameter } from '../../nn/parameter.js';
import { Linear } from '../../nn/linear.js';
import { LayerNorm } from '../../nn/normalization.js';
import { Dropout } from '../../nn/dropout.js';
import { zeros } from '../../tensor/creation.js';
import { binaryCrossEntropyWithLogits, crossEntropy, mseLoss } from '../../nn/loss.js';
import type { BertConfig } from './config.js';
import { activationFunction, BertModel, initBertWeights, type BertInputs } from './model.js';
import { BertPreTrainedModel } from './pretrained.js';

const IGNORE_INDEX = -100;

/** Refuses class labels outside [0, numClasses) other than -100, naming the label and the class count. */
export function checkClassLabels(where: string, name: string, labels: Tensor, numClasses: number, expectedShape: readonly number[]): void {
  if (!(labels instanceof Tensor)) throw new Error(`${where}: ${name} must be an int32 Tensor, got ${labels === null ? 'null' : typeof labels}`);
  if (labels.dtype !== 'int32') throw new Error(`${where}: ${name} must be int32 class indices, got ${labels.dtype} (shape ${formatShape(labels.shape)})`);
  if (formatShape(labels.shape) !== formatShape(expectedShape)) {
    throw new Error(`${where}: ${name} has shape ${formatShape(labels.shape)}, expected ${formatShape(expectedShape)}`);
  }
  const data = labels.contiguousData() as Int32Array;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v !== IGNORE_INDEX && (v < 0 || v >= numClasses)) {
      throw new Error(`${where}: ${name} holds ${v} (at flat index ${i}), outside the ${numClasses} classes [0, ${numClasses}) (use -100 to ignore a position)`);
    }
  }
}

/** Dense, activation and LayerNorm applied to the hidden states before the masked-LM vocabulary projection. */
export class BertPredictionHeadTransform extends Module {
  dense: Linear;
  LayerNorm: LayerNorm;
  readonly #act: (x: Tensor) => Tensor;

  constructor(config: BertConfig) {
    super();
    this.dense = new Linear(config.hiddenSize, config.hiddenSize);
    this.#act = activationFunction(config.hiddenAct);
    this.LayerNorm = new LayerNorm(config.hiddenSize, { eps: config.layerNormEps });
  }

  override forward(hiddenStates: Tensor): Tensor {
    return this.LayerNorm.call(this.#act(this.dense.call(hiddenStates)));
  }
}

/** The masked-LM head: the transform, then a projection to the vocabulary whose weight is the word embeddings' (tied) and whose bias is `bias`. */
export class BertLMPredictionHead extends Module {
  transform: BertPredictionHeadTransform;
  /** hidden -> vocab; its weight is tied to the word embeddings by the model that owns both. */
  decoder: Linear;
  bias: Parameter;

  constructor(config: BertConfig) {
    super();
    this.transform = new BertPredictionHeadTransform(config);
    this.decoder = new Linear(config.hiddenSize, config.vocabSize, { bias: false });
    this.bias = new Parameter(zeros([config.vocabSize]));
    // transformers links the two so that resizing the vocabulary resizes both
    this.decoder.bias = this.bias;
  }

  /** [..., hidden] -> [..., vocab] logits. */
  override forward(hiddenStates: Tensor): Tensor {
    return this.decoder.call(this.transform.call(hiddenStates));
  }
}

/** BertForMaskedLM's `cls`: the masked-LM prediction head alone. */
export class BertOnlyMLMHead extends Module {
  predictions: BertLMPredictionHead;

  constructor(config: BertConfig) {
    super();
    this.predictions = new BertLMPredictionHead(config);
  }

  override forward(sequenceOutput: Tensor): Tensor {
    return this.predictions.call(sequenceOutput);
  }
}

/** BertForPreTraining's `cls`: masked-LM logits from the sequence output and next-sentence logits from the pooled output. */
export class BertPreTrainingHeads extends Module {
  predictions: BertLMPredictionHead;
  seq_relationship: Linear;

  constructor(config: BertConfig) {
    super();
    this.predictions = new BertLMPredictionHead(config);
    this.seq_relationship = new Linear(config.hiddenSize, 2);
  }

  override forward(sequenceOutput: Tensor, pooledOutput: Tensor): [Tensor, Tensor] {
    return [this.predictions.call(sequenceOutput), this.seq_relationship.call(pooledOutput)];
  }
}

function maskedLmLoss(where: string, logits: Tensor, labels: Tensor, vocabSize: number): Tensor {
  checkClassLabels(where, 'labels', labels, vocabSize, logits.shape.slice(0, -1));
  return crossEntropy(logits.reshape(-1, vocabSize), labels.reshape(-1));
}

/** BertForPreTraining's inputs: BertInputs plus the masked-LM labels and the next-sentence label, each optional. */
export interface PreTrainingInputs extends BertInputs {
  /** [batch, seq] int32 token ids to predict at masked positions, -100 elsewhere. */
  labels?: Tensor | null;
  /** [batch] int32: 0 = sentence B follows A, 1 = B is random. */
  nextSentenceLabel?: Tensor | null;
}

/** BertForPreTraining's outputs: masked-LM and next-sentence logits, and the losses of the labels given. */
export interface PreTrainingOutput {
  /** mlmLoss + nspLoss (whichever were asked for). */
  loss?: Tensor;
  mlmLoss?: Tensor;
  nspLoss?: Tensor;
  /** [batch, seq, vocab] */
  predictionLogits: Tensor;
  /** [batch, 2] */
  seqRelationshipLogits: Tensor;
  hiddenStates?: Tensor[];
  attentions?: Tensor[];
}

/**
 * Masked-LM and next-sentence prediction on top of BertModel (BERT's pretraining).
 *
 * @example
 * ```ts
 * const tok = nb.text.BertTokenizer.bertBaseUncased();
 * const documents = [['The cat sat on the mat.', 'It was happy.'], ['Dogs bark at night.', 'The moon was full.', 'Nobody slept.']];
 * const instances = bert.createPretrainingInstances(documents, tok, { maxSeqLength: 32 });
 * const model = new bert.BertForPreTraining(bert.BertConfig.preset('tiny'));
 * for (const batch of bert.pretrainingBatches(instances, tok, { batchSize: 8 })) {
 *   const { loss, predictionLogits } = model.call(batch.inputIds, batch); // the batch holds the masks and both labels
 *   loss!.backward(); // masked-LM + next-sentence loss
 *   predictionLogits.shape; // [batch, seq, 30522]
 * }
 * ```
 */
export class BertForPreTraining extends BertPreTrainedModel {
  bert: BertModel;
  cls: BertPreTrainingHeads;

  constructor(config: BertConfig) {
    super(config);
    this.bert = new BertModel(config);
    this.cls = new BertPreTrainingHeads(config);
    initBertWeights(this.cls, config);
    this.tieWeights();
  }

  /** The masked-LM decoder reads the word embeddings (one Parameter, listed under both keys). */
  override tieWeights(): void {
    this.cls.predictions.decoder.weight = this.bert.embeddings.word_embeddings.weight;
  }

  /**
   * transformers computes a loss only when both labels are given; here each given label adds its
   * loss (`mlmLoss`, `nspLoss`) and `loss` is their sum, which is the same when both are given.
   */
  override forward(inputIds: Tensor, inputs: PreTrainingInputs = {}): PreTrainingOutput {
    const where = 'BertForPreTraining';
    const out = this.bert.call(inputIds, inputs);
    const [predictionLogits, seqRelationshipLogits] = this.cls.call(out.lastHiddenState, out.poolerOutput!);
    const result: PreTrainingOutput = { predictionLogits, seqRelationshipLogits };
    if (inputs.labels) result.mlmLoss = maskedLmLoss(where, predictionLogits, inputs.labels, this.config.vocabSize);
    if (inputs.nextSentenceLabel) {
      checkClassLabels(where, 'nextSentenceLabel', inputs.nextSentenceLabel, 2, [inputIds.shape[0]!]);
      result.nspLoss = crossEntropy(seqRelationshipLogits, inputs.nextSentenceLabel);
    }
    if (result.mlmLoss && result.nspLoss) result.loss = result.mlmLoss.add(result.nspLoss);
    else if (result.mlmLoss ?? result.nspLoss) result.loss = result.mlmLoss ?? result.nspLoss;
    if (out.hiddenStates) result.hiddenStates = out.hiddenStates;
    if (out.attentions) result.attentions = out.attentions;
    return result;
  }
}

/** BertInputs plus optional int32 `labels` for the head's loss: token ids (BertForMaskedLM), classes (BertForSequenceClassification; float32 for regression and multi-label) or tags (BertForTokenClassification); -100 is ignored. */
export interface LabelledInputs extends BertInputs {
  labels?: Tensor | null;
}

/** The outputs of the masked-LM and classification heads: logits, the loss when labels were given, and the optional hidden states and attentions. */
export interface LogitsOutput {
  loss?: Tensor;
  logits: Tensor;
  hiddenStates?: Tensor[];
  attentions?: Tensor[];
}

function withExtras<T extends object>(result: T, out: { hiddenStates?: Tensor[]; attentions?: Tensor[] }): T {
  return { ...result, ...(out.hiddenStates ? { hiddenStates: out.hiddenStates } : {}), ...(out.attentions ? { attentions: out.attentions } : {}) };
}

/**
 * The masked-LM head alone (fill-mask); BertModel without its pooler, as in transformers.
 *
 * @example
 * ```ts
 * // a directory written by savePretrained or transformers' save_pretrained (a Hub name is downloaded once)
 * const model = await bert.BertForMaskedLM.fromPretrained('my-bert');
 * const tok = model.tokenizer!; // read from the directory's vocab.txt / tokenizer.json
 * const enc = tok.encode('the cat [MASK] on the mat.', null, { padding: false });
 * const { logits } = model.call(nb.tensor([enc.inputIds], { dtype: 'int32' }));
 * const best = logits.select(1, enc.inputIds.indexOf(tok.maskId)).argmax(-1).item();
 * tok.decode([best]); // the model's word for [MASK]
 * ```
 */
export class BertForMaskedLM extends BertPreTrainedModel {
  bert: BertModel;
  cls: BertOnlyMLMHead;

  constructor(config: BertConfig) {
    super(config);
    this.bert = new BertModel(config, { addPoolingLayer: false });
    this.cls = new BertOnlyMLMHead(config);
    initBertWeights(this.cls, config);
    this.tieWeights();
  }

  override tieWeights(): void {
    this.cls.predictions.decoder.weight = this.bert.embeddings.word_embeddings.weight;
  }

  override forward(inputIds: Tensor, inputs: LabelledInputs = {}): LogitsOutput {
    const out = this.bert.call(inputIds, inputs);
    const logits = this.cls.call(out.lastHiddenState);
    const result: LogitsOutput = { logits };
    if (inputs.labels) result.loss = maskedLmLoss('BertForMaskedLM', logits, inputs.labels, this.config.vocabSize);
    return withExtras(result, out);
  }
}

/**
 * A classifier on the pooled [CLS] vector. The loss follows transformers' problem_type: set in the
 * config, or regression (MSE) for numLabels 1, single-label cross-entropy for int32 labels, multi-label
 * BCE-with-logits for float32 labels [batch, numLabels].
 *
 * @example
 * ```ts
 * const tok = nb.text.BertTokenizer.bertBaseUncased();
 * const model = new bert.BertForSequenceClassification(bert.BertConfig.preset('tiny', { numLabels: 2 }));
 * const batch = bert.classificationBatch([{ text: 'Great phone.', label: 1 }, { text: 'It broke.', label: 0 }], tok);
 * const { loss, logits } = model.call(batch.inputIds, batch); // int32 labels: cross-entropy
 * logits.shape; // [2, 2]
 * loss!.backward();
 * ```
 */
export class BertForSequenceClassification extends BertPreTrainedModel {
  bert: BertModel;
  dropout: Dropout;
  classifier: Linear;

  constructor(config: BertConfig) {
    super(config);
    this.bert = new BertModel(config);
    this.dropout = new Dropout(config.classifierDropout ?? config.hiddenDropoutProb);
    this.classifier = new Linear(config.hiddenSize, config.numLabels);
    initBertWeights(this.classifier, config);
  }

  override forward(inputIds: Tensor, inputs: LabelledInputs = {}): LogitsOutput {
    const where = 'BertForSequenceClassification';
    const out = this.bert.call(inputIds, inputs);
    const logits = this.classifier.call(this.dropout.call(out.poolerOutput!));
    const result: LogitsOutput = { logits };
    const labels = inputs.labels;
    if (labels) {
      const n = this.config.numLabels;
      const batch = inputIds.shape[0]!;
      const problem = this.config.problemType ?? (n === 1 ? 'regression' : labels.dtype === 'int32' ? 'single_label_classification' : 'multi_label_classification');
      if (problem === 'regression') {
        if (labels.dtype !== 'float32') throw new Error(`${where}: regression (numLabels ${n}) needs float32 labels, got ${labels.dtype}`);
        const expected = n === 1 ? [batch] : [batch, n];
        const given = n === 1 && labels.ndim === 2 && labels.shape[1] === 1 ? labels.reshape(batch) : labels;
        if (formatShape(given.shape) !== formatShape(expected)) throw new Error(`${where}: regression labels have shape ${formatShape(labels.shape)}, expected ${formatShape(expected)}`);
        result.loss = mseLoss(n === 1 ? logits.reshape(batch) : logits, given);
      } else if (problem === 'single_label_classification') {
        checkClassLabels(where, 'labels', labels, n, [batch]);
        result.loss = crossEntropy(logits, labels);
      } else {
        if (labels.dtype !== 'float32' || formatShape(labels.shape) !== formatShape([batch, n])) {
          throw new Error(`${where}: multi-label classification needs float32 labels of shape ${formatShape([batch, n])}, got ${labels.dtype} ${formatShape(labels.shape)}`);
        }
        result.loss = binaryCrossEntropyWithLogits(logits, labels);
      }
    }
    return withExtras(result, out);
  }
}

/** A classifier on every token's hidden state (tagging); BertModel without its pooler. */
export class BertForTokenClassification extends BertPreTrainedModel {
  bert: BertModel;
  dropout: Dropout;
  classifier: Linear;

  constructor(config: BertConfig) {
    super(config);
    this.bert = new BertModel(config, { addPoolingLayer: false });
    this.dropout = new Dropout(config.classifierDropout ?? config.hiddenDropoutProb);
    this.classifier = new Linear(config.hiddenSize, config.numLabels);
    initBertWeights(this.classifier, config);
  }

  override forward(inputIds: Tensor, inputs: LabelledInputs = {}): LogitsOutput {
    const out = this.bert.call(inputIds, inputs);
    const logits = this.classifier.call(this.dropout.call(out.lastHiddenState));
    const result: LogitsOutput = { logits };
    if (inputs.labels) {
      const n = this.config.numLabels;
      checkClassLabels('BertForTokenClassification', 'labels', inputs.labels, n, inputIds.shape);
      result.loss = crossEntropy(logits.reshape(-1, n), inputs.labels.reshape(-1));
    }
    return withExtras(result, out);
  }
}

/** BertForQuestionAnswering's inputs: BertInputs plus the answers' start and end token positions for the loss. */
export interface QuestionAnsweringInputs extends BertInputs {
  /** [batch] int32 index of the answer's first token; positions outside the sequence are ignored (transformers clamps them to seq and ignores that index). */
  startPositions?: Tensor | null;
  endPositions?: Tensor | null;
}

/** BertForQuestionAnswering's outputs: a start and an end logit per token, and the loss when positions were given. */
export interface QuestionAnsweringOutput {
  /** The mean of the start and end cross-entropies. */
  loss?: Tensor;
  /** [batch, seq] */
  startLogits: Tensor;
  endLogits: Tensor;
  hiddenStates?: Tensor[];
  attentions?: Tensor[];
}

/**
 * Extractive question answering (SQuAD): a start and an end score per token; BertModel without its pooler.
 *
 * @example
 * ```ts
 * const tok = nb.text.BertTokenizer.bertBaseUncased();
 * const examples = [{ id: 'q1', title: 'Cats', question: 'Where did the cat sit?', context: 'The cat sat on the mat.', answers: [{ text: 'on the mat', answerStart: 12 }] }];
 * const { features } = bert.qaFeatures(examples, tok, { maxSeqLength: 32, docStride: 8, maxQueryLength: 16 });
 * const model = new bert.BertForQuestionAnswering(bert.BertConfig.preset('tiny'));
 * const batch = bert.qaBatch(features);
 * const { loss, startLogits, endLogits } = model.call(batch.inputIds, batch); // mean of the start and end cross-entropies
 * loss!.backward();
 * bert.postprocessQa(startLogits, endLogits, features, examples); // Map { 'q1' => the best-scoring span of the context, '' when no span is valid }
 * ```
 */
export class BertForQuestionAnswering extends BertPreTrainedModel {
  bert: BertModel;
  qa_outputs: Linear;

  constructor(config: BertConfig) {
    super(config);
    this.bert = new BertModel(config, { addPoolingLayer: false });
    this.qa_outputs = new Linear(config.hiddenSize, config.numLabels);
    initBertWeights(this.qa_outputs, config);
  }

  override forward(inputIds: Tensor, inputs: QuestionAnsweringInputs = {}): QuestionAnsweringOutput {
    const where = 'BertForQuestionAnswering';
    if (this.config.numLabels !== 2) throw new Error(`${where}: needs numLabels 2 (a start and an end score), got ${this.config.numLabels}`);
    const out = this.bert.call(inputIds, inputs);
    const logits = this.qa_outputs.call(out.lastHiddenState);
    const startLogits = logits.select(2, 0).contiguous();
    const endLogits = logits.select(2, 1).contiguous();
    const result: QuestionAnsweringOutput = { startLogits, endLogits };
    const { startPositions, endPositions } = inputs;
    if (startPositions && endPositions) {
      const [batch, seq] = inputIds.shape as [number, number];
      // transformers: clamp to [0, seq] and ignore index seq (answers cut off by truncation)
      const positions = (name: string, t: Tensor): Tensor => {
        if (!(t instanceof Tensor) || t.dtype !== 'int32') throw new Error(`${where}: ${name} must be an int32 Tensor [batch], got ${t instanceof Tensor ? t.dtype : typeof t}`);
        const flat = t.reshape(-1);
        if (flat.shape[0] !== batch) throw new Error(`${where}: ${name} has shape ${formatShape(t.shape)}, expected [${batch}]`);
        return flat.clamp(0, seq);
      };
      const startLoss = crossEntropy(startLogits, positions('startPositions', startPositions), { ignoreIndex: seq });
      const endLoss = crossEntropy(endLogits, positions('endPositions', endPositions), { ignoreIndex: seq });
      result.loss = startLoss.add(endLoss).div(2);
    }
    return withExtras(result, out);
  }
}
