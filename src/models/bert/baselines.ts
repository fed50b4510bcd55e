/**
 * The baselines BERT's sentence classifier is compared with on the sentiment sets:
 * - AFINN: the `sentiment` package's lexicon score, with the package's own validation rule (a comparative score of
 *   0 or more is positive; its README reports Amazon 0.726, IMDB 0.765, Yelp 0.696 with it). Node only.
 * - bag of words: logistic regression on word-presence features, trained with nabla (full-batch Adam with weight
 *   decay, from zero weights, so it is deterministic).
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { Parameter } from '../../nn/parameter.js';
import { crossEntropy } from '../../nn/loss.js';
import { add } from '../../ops/elementwise.js';
import { matmul } from '../../ops/linalg.js';
import { argmax } from '../../ops/reduce.js';
import { Adam } from '../../optim/adam.js';
import { tensor, zeros } from '../../tensor/creation.js';
import { requireInNode } from '../../util/require-in-node.js';
import type { LabelledText } from './finetune-data.js';
import { checkOptions, NON_NEGATIVE_NUMBER, POSITIVE_INTEGER, POSITIVE_NUMBER } from '../../util/options.js';

interface SentimentAnalyzer {
  analyze(text: string): { score: number; comparative: number };
}

let analyzer: SentimentAnalyzer | null = null;

/** The AFINN-165 label of a text: 1 (positive) when the `sentiment` package's comparative score is >= 0, else 0. */
export function afinnPredict(text: string): number {
  if (!analyzer) {
    const Sentiment = requireInNode('sentiment', 'afinnPredict', 'the AFINN baseline runs in Node') as new () => SentimentAnalyzer;
    analyzer = new Sentiment();
  }
  return analyzer.analyze(text).comparative >= 0 ? 1 : 0;
}

function accuracyOf(predictions: readonly number[], items: readonly LabelledText[]): number {
  if (items.length === 0) throw new Error('accuracy of an empty set');
  return predictions.reduce((n, p, i) => n + (p === items[i]!.label ? 1 : 0), 0) / items.length;
}

/** Accuracy of the AFINN rule on labelled sentences (labels 0 negative, 1 positive). */
export function afinnBaseline(items: readonly LabelledText[]): number {
  return accuracyOf(items.map((it) => afinnPredict(it.text)), items);
}

/** Lower-case words (letters, digits, apostrophes inside words). */
export function bagOfWordsTokens(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:'[\p{L}]+)*/gu) ?? [];
}

/** Options of `bagOfWordsBaseline`: the vocabulary cut-off and Adam's training settings. */
export interface BagOfWordsOptions {
  /** Words seen in fewer training texts are dropped (default 2). */
  minCount?: number;
  /** Full-batch steps (default 200). */
  steps?: number;
  /** Adam's learning rate (default 0.05). */
  lr?: number;
  /** L2 penalty (default 1e-3). */
  weightDecay?: number;
}

/** What `bagOfWordsBaseline` gives: test and training accuracy, vocabulary size, the losses, and a predictor for new texts. */
export interface BagOfWordsResult {
  /** Test accuracy. */
  accuracy: number;
  trainAccuracy: number;
  vocabSize: number;
  /** Training loss every step. */
  losses: number[];
  predict(texts: readonly string[]): number[];
}

/** Train logistic regression on word presence over `train` and measure it on `test`. */
export function bagOfWordsBaseline(train: readonly LabelledText[], test: readonly LabelledText[], options: BagOfWordsOptions = {}): BagOfWordsResult {
  checkOptions('bagOfWordsBaseline', options, { minCount: POSITIVE_INTEGER, steps: POSITIVE_INTEGER, lr: POSITIVE_NUMBER, weightDecay: NON_NEGATIVE_NUMBER });
  const minCount = options.minCount ?? 2;
  const steps = options.steps ?? 200;
  if (train.length === 0) throw new Error('bagOfWordsBaseline: empty training set');
  const classes = Math.max(...train.map((t) => t.label), ...test.map((t) => t.label)) + 1;
  const df = new Map<string, number>();
  for (const t of train) for (const w of new Set(bagOfWordsTokens(t.text))) df.set(w, (df.get(w) ?? 0) + 1);
  const words = [...df].filter(([, c]) => c >= minCount).map(([w]) => w).sort();
  const index = new Map(words.map((w, i) => [w, i]));
  const features = (texts: readonly string[]) => {
    const x = new Float32Array(texts.length * words.length);
    texts.forEach((t, r) => {
      for (const w of bagOfWordsTokens(t)) {
        const i = index.get(w);
        if (i !== undefined) x[r * words.length + i] = 1;
      }
    });
    return tensor(x, { shape: [texts.length, words.length] });
  };
  const x = features(train.map((t) => t.text));
  const y = tensor(Int32Array.from(train.map((t) => t.label)));
  const weight = new Parameter(zeros([words.length, classes]));
  const bias = new Parameter(zeros([classes]));
  const optimizer = new Adam([weight, bias], { lr: options.lr ?? 0.05, weightDecay: options.weightDecay ?? 1e-3 });
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    optimizer.zeroGrad();
    const loss = crossEntropy(add(matmul(x, weight), bias), y);
    const value = loss.item();
    if (!Number.isFinite(value)) throw new Error(`bagOfWordsBaseline: the loss is ${value} at step ${step}; stopping instead of training on it`);
    losses.push(value);
    loss.backward();
    optimizer.step();
  }
  const predict = (texts: readonly string[]) =>
    texts.length === 0 ? [] : noGrad(() => Array.from(argmax(add(matmul(features(texts), weight), bias), 1).dataSync()));
  return {
    accuracy: test.length ? accuracyOf(predict(test.map((t) => t.text)), test) : NaN,
    trainAccuracy: accuracyOf(predict(train.map((t) => t.text)), train),
    vocabSize: words.length,
    losses,
    predict,
  };
}
