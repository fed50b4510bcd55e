/**
 * Fine-tuning loops, as Hugging Face's run_glue.py and run_qa.py train: BERT's update rule
 * (trainer.ts: AdamW, warm-up over the first 10% of the updates then linear decay, clipping), a
 * fresh shuffle each epoch, batches padded to their longest sequence; test accuracy (classification)
 * or SQuAD exact match and F1 (extractive QA) after each epoch. Nothing here touches files.
 */
import { Tensor } from '../../tensor/tensor.js';
import { Generator } from '../../tensor/random.js';
import type { BertTokenizer } from '../../text/wordpiece.js';
import { ProgressBar, type ProgressSink } from '../../plot/progress.js';
import { Trainer } from './trainer.js';
import { postprocessQa, qaFeatures, type LabelledText, type QaFeature, type SquadExample } from './finetune-data.js';
import { squadScores } from './metrics.js';
import { checkOptions, NON_NEGATIVE_INTEGER, NON_NEGATIVE_NUMBER, POSITIVE_INTEGER, POSITIVE_NUMBER, type OptionSpec } from '../../util/options.js';
import { inEval } from './pipelines.js';
import type { BertForQuestionAnswering, BertForSequenceClassification } from './heads.js';

/** Options of `finetuneClassifier` / `finetuneQa` (run_glue.py / run_qa.py's num_train_epochs, batch size, learning_rate, warmup_ratio, weight_decay, max_seq_length, seed). */
export interface FinetuneOptions {
  epochs: number;
  batchSize: number;
  /** Peak learning rate (BERT's papers: 2e-5 to 5e-5 for a pretrained base model; small models from scratch want more). */
  lr: number;
  /** Share of the updates spent warming up (default 0.1). */
  warmupRatio?: number;
  weightDecay?: number;
  /** Longest sequence in tokens (default 128 for classification, 384 for QA). */
  maxSeqLength?: number;
  /** Shuffle seed (epoch e shuffles with a generator from (seed, e)). */
  seed?: number;
  /** Progress bar sink (default stderr); false for none. */
  progress?: ProgressSink | false;
  /** One line per epoch (default none). */
  log?: (line: string) => void;
}

/** One encoded sequence, unpadded, with its target. */
interface Encoded {
  inputIds: number[];
  tokenTypeIds: number[];
  attentionMask: number[];
}

/** Stacks sequences into int32 [batch, longest] tensors, padding with `padId`. */
export function padBatch(items: readonly Encoded[], padId: number): { inputIds: Tensor; tokenTypeIds: Tensor; attentionMask: Tensor } {
  const seq = Math.max(...items.map((e) => e.inputIds.length));
  const ids = new Int32Array(items.length * seq).fill(padId);
  const types = new Int32Array(items.length * seq);
  const mask = new Int32Array(items.length * seq);
  items.forEach((e, b) => {
    ids.set(e.inputIds, b * seq);
    types.set(e.tokenTypeIds, b * seq);
    mask.set(e.attentionMask, b * seq);
  });
  const shape = [items.length, seq];
  return { inputIds: Tensor.fromData(ids, shape, 'int32'), tokenTypeIds: Tensor.fromData(types, shape, 'int32'), attentionMask: Tensor.fromData(mask, shape, 'int32') };
}

function shuffled(n: number, seed: number, epoch: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  const g = new Generator(((seed >>> 0) * 65537 + epoch) >>> 0);
  for (let i = n - 1; i > 0; i--) {
    const j = g.randint(0, i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** Indices in batches of sequences of similar length (fewer pad tokens when evaluating). */
function lengthBatches(lengths: readonly number[], batchSize: number): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  const out: number[][] = [];
  for (let s = 0; s < order.length; s += batchSize) out.push(order.slice(s, s + batchSize));
  return out;
}

/**
 * The shared loop: `epochs` passes over `count` examples in a fresh order each epoch, one update per
 * batch (`lossOf` gives its mean loss), then `evaluate()` after each epoch.
 */
function finetuneLoop<M extends BertForSequenceClassification | BertForQuestionAnswering, R>(
  model: M, count: number, options: FinetuneOptions, lossOf: (indices: number[]) => Tensor, evaluate: () => R, describe: (r: R) => string,
): { history: { epoch: number; trainLoss: number; result: R; seconds: number }[]; seconds: number } {
  const { epochs, batchSize, seed = 0 } = options;
  if (!Number.isInteger(epochs) || epochs < 1) throw new RangeError(`finetune: epochs must be an integer >= 1, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`finetune: batchSize must be an integer >= 1, got ${batchSize}`);
  if (count === 0) throw new Error('finetune: no training examples');
  const perEpoch = Math.ceil(count / batchSize);
  const totalSteps = epochs * perEpoch;
  const trainer = new Trainer(model, {
    lr: options.lr, totalSteps, warmupSteps: Math.round((options.warmupRatio ?? 0.1) * totalSteps), weightDecay: options.weightDecay,
  });
  const history: { epoch: number; trainLoss: number; result: R; seconds: number }[] = [];
  const started = performance.now();
  for (let epoch = 0; epoch < epochs; epoch++) {
    const t0 = performance.now();
    const bar = options.progress === false ? null : new ProgressBar({ total: perEpoch, label: `Epoch ${epoch + 1}/${epochs}`, unit: 'ex', unitsPerStep: batchSize, stream: options.progress });
    const order = shuffled(count, seed, epoch);
    let lossSum = 0;
    for (let b = 0; b < perEpoch; b++) {
      lossSum += trainer.update([order.slice(b * batchSize, (b + 1) * batchSize)], lossOf);
      bar?.update(b + 1, { loss: lossSum / (b + 1), lr: trainer.lr });
    }
    bar?.finish();
    const result = evaluate();
    const seconds = (performance.now() - t0) / 1000;
    history.push({ epoch: epoch + 1, trainLoss: lossSum / perEpoch, result, seconds });
    options.log?.(`Epoch ${epoch + 1}/${epochs}: train loss ${(lossSum / perEpoch).toFixed(4)}, ${describe(result)} (${seconds.toFixed(0)} s)`);
  }
  return { history, seconds: (performance.now() - started) / 1000 };
}

// ---------------------------------------------------------------------------------------------
// Sequence classification

function encodeTexts(tokenizer: BertTokenizer, items: readonly LabelledText[], maxSeqLength: number): Encoded[] {
  return items.map((it) => tokenizer.encode(it.text, null, { maxLength: maxSeqLength, padding: false }));
}

/** Accuracy of the classifier's most probable label over `items`. */
export function classificationAccuracy(model: BertForSequenceClassification, tokenizer: BertTokenizer, items: readonly LabelledText[], options: { maxSeqLength?: number; batchSize?: number } = {}): number {
  if (items.length === 0) throw new Error('classificationAccuracy: no examples');
  const encoded = encodeTexts(tokenizer, items, options.maxSeqLength ?? 128);
  return inEval(model, () => {
    let correct = 0;
    for (const idx of lengthBatches(encoded.map((e) => e.inputIds.length), options.batchSize ?? 64)) {
      const t = padBatch(idx.map((i) => encoded[i]!), tokenizer.padId);
      const guess = model.call(t.inputIds, { attentionMask: t.attentionMask, tokenTypeIds: t.tokenTypeIds }).logits.argmax(1).contiguousData();
      idx.forEach((i, k) => { if (guess[k] === items[i]!.label) correct++; });
    }
    return correct / items.length;
  });
}

/** What `finetuneClassifier` reports: the final test accuracy, each epoch's training loss and test accuracy, and the time. */
export interface ClassifierResult {
  testAccuracy: number;
  history: { epoch: number; trainLoss: number; testAccuracy: number; seconds: number }[];
  seconds: number;
}

const FINETUNE: OptionSpec<FinetuneOptions> = {
  epochs: POSITIVE_INTEGER, batchSize: POSITIVE_INTEGER, lr: POSITIVE_NUMBER, warmupRatio: NON_NEGATIVE_NUMBER, weightDecay: NON_NEGATIVE_NUMBER,
  maxSeqLength: POSITIVE_INTEGER, seed: 'integer', progress: 'object|boolean', log: 'function',
};
/** transformers' TrainingArguments names, for the unknown-option error's did-you-mean. */
const TRAINING_ARGUMENTS = { num_train_epochs: 'epochs', per_device_train_batch_size: 'batchSize', learning_rate: 'lr', warmup_ratio: 'warmupRatio', weight_decay: 'weightDecay', max_seq_length: 'maxSeqLength' };

/** Fine-tunes a sequence classifier on `train`, measuring accuracy on `test` after each epoch. */
export function finetuneClassifier(model: BertForSequenceClassification, tokenizer: BertTokenizer, train: readonly LabelledText[], test: readonly LabelledText[], options: FinetuneOptions): ClassifierResult {
  checkOptions('finetuneClassifier', options, FINETUNE, TRAINING_ARGUMENTS);
  const maxSeqLength = options.maxSeqLength ?? 128;
  const numLabels = model.config.numLabels;
  const bad = train.findIndex((t) => !Number.isInteger(t.label) || t.label < 0 || t.label >= numLabels);
  if (bad >= 0) throw new Error(`finetuneClassifier: training example ${bad} has label ${train[bad]!.label}, outside 0..${numLabels - 1} (the model's numLabels)`);
  const encoded = encodeTexts(tokenizer, train, maxSeqLength);
  const labels = Int32Array.from(train, (t) => t.label);
  const { history, seconds } = finetuneLoop(model, train.length, options, (idx) => {
    const t = padBatch(idx.map((i) => encoded[i]!), tokenizer.padId);
    const y = Tensor.fromData(Int32Array.from(idx, (i) => labels[i]!), [idx.length], 'int32');
    return model.call(t.inputIds, { attentionMask: t.attentionMask, tokenTypeIds: t.tokenTypeIds, labels: y }).loss!;
  }, () => classificationAccuracy(model, tokenizer, test, { maxSeqLength }), (acc) => `test accuracy ${acc.toFixed(4)}`);
  return {
    testAccuracy: history.at(-1)!.result,
    history: history.map((h) => ({ epoch: h.epoch, trainLoss: h.trainLoss, testAccuracy: h.result, seconds: h.seconds })),
    seconds,
  };
}

// ---------------------------------------------------------------------------------------------
// Extractive question answering

/** A QA feature without the padding qaFeatures adds up to maxSeqLength (batches pad to their own longest). */
function unpadded(f: QaFeature): Encoded {
  const n = f.attentionMask.lastIndexOf(1) + 1;
  return { inputIds: f.inputIds.slice(0, n), tokenTypeIds: f.tokenTypeIds.slice(0, n), attentionMask: f.attentionMask.slice(0, n) };
}

/** Start and end scores of every feature (one row per feature, as long as its batch). */
function qaLogits(model: BertForQuestionAnswering, features: readonly QaFeature[], batchSize: number): { start: Float32Array[]; end: Float32Array[] } {
  return inEval(model, () => {
    const start: Float32Array[] = [], end: Float32Array[] = [];
    for (let s = 0; s < features.length; s += batchSize) {
      const batch = features.slice(s, s + batchSize);
      const t = padBatch(batch.map(unpadded), 0);
      const out = model.call(t.inputIds, { attentionMask: t.attentionMask, tokenTypeIds: t.tokenTypeIds });
      const seq = t.inputIds.shape[1]!;
      const sd = out.startLogits.contiguousData() as Float32Array, ed = out.endLogits.contiguousData() as Float32Array;
      batch.forEach((_, k) => {
        start.push(sd.slice(k * seq, (k + 1) * seq));
        end.push(ed.slice(k * seq, (k + 1) * seq));
      });
    }
    return { start, end };
  });
}

/** SQuAD exact match and F1 (percent, as the official script) of the model's answers to `examples`. */
export function evaluateQa(model: BertForQuestionAnswering, tokenizer: BertTokenizer, examples: readonly SquadExample[], options: { maxSeqLength?: number; docStride?: number; batchSize?: number } = {}): { exactMatch: number; f1: number; predictions: Map<string, string> } {
  if (examples.length === 0) throw new Error('evaluateQa: no examples');
  const { features } = qaFeatures(examples.map((e) => ({ ...e, answers: [] })), tokenizer, { maxSeqLength: options.maxSeqLength ?? 384, docStride: options.docStride ?? 128 });
  const { start, end } = qaLogits(model, features, options.batchSize ?? 32);
  const predictions = postprocessQa(start, end, features, examples);
  return { ...squadScores(predictions, examples), predictions };
}

/** What `finetuneQa` reports: the final SQuAD exact match and F1, each epoch's scores, the time and the training features made and skipped. */
export interface QaResult {
  exactMatch: number;
  f1: number;
  history: { epoch: number; trainLoss: number; exactMatch: number; f1: number; seconds: number }[];
  seconds: number;
  trainFeatures: number;
  skipped: number;
}

/** Fine-tunes extractive QA on `train` (SQuAD-style examples), measuring EM/F1 on `test` after each epoch. */
export function finetuneQa(model: BertForQuestionAnswering, tokenizer: BertTokenizer, train: readonly SquadExample[], test: readonly SquadExample[], options: FinetuneOptions & { docStride?: number }): QaResult {
  checkOptions('finetuneQa', options, { ...FINETUNE, docStride: NON_NEGATIVE_INTEGER }, { ...TRAINING_ARGUMENTS, doc_stride: 'docStride' });
  const maxSeqLength = options.maxSeqLength ?? 384;
  const docStride = options.docStride ?? 128;
  const { features, skipped } = qaFeatures(train, tokenizer, { maxSeqLength, docStride });
  const trimmed = features.map(unpadded);
  const { history, seconds } = finetuneLoop(model, features.length, options, (idx) => {
    const t = padBatch(idx.map((i) => trimmed[i]!), tokenizer.padId);
    const positions = (pick: (f: QaFeature) => number) => Tensor.fromData(Int32Array.from(idx, (i) => pick(features[i]!)), [idx.length], 'int32');
    return model.call(t.inputIds, {
      attentionMask: t.attentionMask, tokenTypeIds: t.tokenTypeIds, startPositions: positions((f) => f.startPosition), endPositions: positions((f) => f.endPosition),
    }).loss!;
  }, () => evaluateQa(model, tokenizer, test, { maxSeqLength, docStride }), (r) => `test exact match ${r.exactMatch.toFixed(2)}, F1 ${r.f1.toFixed(2)}`);
  const last = history.at(-1)!.result;
  return {
    exactMatch: last.exactMatch, f1: last.f1, seconds, trainFeatures: features.length, skipped,
    history: history.map((h) => ({ epoch: h.epoch, trainLoss: h.trainLoss, exactMatch: h.result.exactMatch, f1: h.result.f1, seconds: h.seconds })),
  };
}
