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

export interface PreTrainingInputs extends BertInputs {
  /** [batch, seq] int32 token ids to predict at masked positions, -100 elsewhere. */
  labels?: Tensor | null;
  /** [batch] int32: 0 = sentence B follows A, 1 = B is random. */
  nextSentenceLabel?: Tensor | null;
}

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

/** Masked-LM and next-sentence prediction on top of BertModel (BERT's pretraining). */
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

export interface LabelledInputs extends BertInputs {
  labels?: Tensor | null;
}

export interface LogitsOutput {
  loss?: Tensor;
  logits: Tensor;
  hiddenStates?: Tensor[];
  attentions?: Tensor[];
}

function withExtras<T extends object>(result: T, out: { hiddenStates?: Tensor[]; attentions?: Tensor[] }): T {
  return { ...result, ...(out.hiddenStates ? { hiddenStates: out.hiddenStates } : {}), ...(out.attentions ? { attentions: out.attentions } : {}) };
}

/** The masked-LM head alone (fill-mask); BertModel without its pooler, as in transformers. */
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

export interface QuestionAnsweringInputs extends BertInputs {
  /** [batch] int32 index of the answer's first token; positions outside the sequence are ignored (transformers clamps them to seq and ignores that index). */
  startPositions?: Tensor | null;
  endPositions?: Tensor | null;
}

export interface QuestionAnsweringOutput {
  /** The mean of the start and end cross-entropies. */
  loss?: Tensor;
  /** [batch, seq] */
  startLogits: Tensor;
  endLogits: Tensor;
  hiddenStates?: Tensor[];
  attentions?: Tensor[];
}

/** Extractive question answering (SQuAD): a start and an end score per token; BertModel without its pooler. */
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
