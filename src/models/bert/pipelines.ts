/**
 * Hugging Face's pipelines for BERT, as functions: fill-mask, text classification and extractive
 * question answering. They run the model in eval mode without gradients and touch no files, so they
 * work in the browser on a model from `fromFiles`.
 */
import { Tensor } from '../../tensor/tensor.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { softmax } from '../../ops/activation.js';
import type { BertTokenizer } from '../../text/wordpiece.js';
import type { EncodedInputs } from '../../text/tokenizer.js';
import { qaFeatures } from './finetune-data.js';
import { checkOptions, POSITIVE_INTEGER } from '../../util/options.js';
import type { BertForMaskedLM, BertForPreTraining, BertForQuestionAnswering, BertForSequenceClassification } from './heads.js';

/** One row of [batch = 1, seq] int32 tensors from an encoding. */
export function encodedTensors(enc: EncodedInputs): { inputIds: Tensor; tokenTypeIds: Tensor; attentionMask: Tensor } {
  const row = (xs: number[]) => Tensor.fromData(Int32Array.from(xs), [1, xs.length], 'int32');
  return { inputIds: row(enc.inputIds), tokenTypeIds: row(enc.tokenTypeIds), attentionMask: row(enc.attentionMask) };
}

/** Runs fn under noGrad with the model in eval mode, then restores the model's mode. */
export function inEval<T>(model: { training: boolean; eval(): unknown; train(mode?: boolean): unknown }, fn: () => T): T {
  const was = model.training;
  model.eval();
  try {
    return noGrad(fn);
  } finally {
    model.train(was);
  }
}

/** One answer of `fillMask` (Hugging Face's fill-mask pipeline): the token, its probability and the filled-in text. */
export interface FillMaskCandidate {
  /** probability of the token at the mask */
  score: number;
  /** its id */
  token: number;
  /** its vocabulary entry */
  tokenStr: string;
  /** the input with the mask filled by this token, decoded without special tokens */
  sequence: string;
}

/**
 * HF's fill-mask pipeline: the `topK` most probable tokens at each `[MASK]` of `text`, one list per
 * mask (HF returns the bare list when there is one mask: take `[0]`). Works on a BertForMaskedLM or
 * a BertForPreTraining (its masked-LM head).
 */
export function fillMask(model: BertForMaskedLM | BertForPreTraining, tokenizer: BertTokenizer, text: string, options: { topK?: number } = {}): FillMaskCandidate[][] {
  checkOptions('fillMask', options, { topK: POSITIVE_INTEGER }, { top_k: 'topK' });
  const topK = options.topK ?? 5;
  const maskId = tokenizer.maskId;
  const enc = tokenizer.encode(text, null, { padding: false, maxLength: model.config.maxPositionEmbeddings });
  const maskAt = enc.inputIds.flatMap((id, i) => (id === maskId ? [i] : []));
  if (maskAt.length === 0) throw new Error(`fillMask: the text holds no ${tokenizer.convertIdsToTokens([maskId])[0]} token: ${JSON.stringify(text)}`);
  const vocab = model.config.vocabSize;
  const k = Math.min(topK, vocab);
  return inEval(model, () => {
    const t = encodedTensors(enc);
    const out = model.call(t.inputIds, { attentionMask: t.attentionMask, tokenTypeIds: t.tokenTypeIds });
    const logits = 'logits' in out ? out.logits : out.predictionLogits;
    const probs = softmax(logits.reshape(-1, vocab), 1).contiguousData();
    return maskAt.map((pos) => {
      const row = probs.subarray(pos * vocab, (pos + 1) * vocab);
      const order = topIndices(row, k);
      return order.map((id) => {
        const filled = [...enc.inputIds];
        filled[pos] = id;
        return { score: row[id]!, token: id, tokenStr: tokenizer.convertIdsToTokens([id])[0]!, sequence: tokenizer.decode(filled, { skipSpecialTokens: true }) };
      });
    });
  });
}

/** Indices of the k largest values, largest first (ties: lower index first). */
function topIndices(values: ArrayLike<number>, k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (best.length === k && values[i]! <= values[best[k - 1]!]!) continue;
    let j = best.length < k ? best.length : k - 1;
    best[j] = i;
    while (j > 0 && values[best[j - 1]!]! < values[i]!) {
      best[j] = best[j - 1]!;
      best[--j] = i;
    }
  }
  return best;
}

/** One answer of `classify` (Hugging Face's text-classification pipeline): the best label with its probability, and every label's. */
export interface ClassificationResult {
  /** the most probable label's name (config.id2label, else LABEL_i as HF names them) */
  label: string;
  score: number;
  /** every label with its probability, in label order */
  scores: { label: string; score: number }[];
}

/** The label names HF uses: id2label, else LABEL_0, LABEL_1, ... */
export function labelNames(model: BertForSequenceClassification): string[] {
  const { numLabels, id2label } = model.config;
  return Array.from({ length: numLabels }, (_, i) => id2label?.[i] ?? `LABEL_${i}`);
}

/** HF's text-classification pipeline: softmax over the labels of each text. */
export function classify(model: BertForSequenceClassification, tokenizer: BertTokenizer, texts: string | readonly string[], options: { maxLength?: number } = {}): ClassificationResult[] {
  checkOptions('classify', options, { maxLength: POSITIVE_INTEGER }, { max_length: 'maxLength' });
  const list = typeof texts === 'string' ? [texts] : texts;
  const names = labelNames(model);
  const maxLength = options.maxLength ?? model.config.maxPositionEmbeddings;
  return inEval(model, () => list.map((text) => {
    const t = encodedTensors(tokenizer.encode(text, null, { padding: false, maxLength }));
    const probs = softmax(model.call(t.inputIds, { attentionMask: t.attentionMask, tokenTypeIds: t.tokenTypeIds }).logits, 1).contiguousData();
    const scores = names.map((label, i) => ({ label, score: probs[i]! }));
    const best = scores.reduce((a, b) => (b.score > a.score ? b : a));
    return { label: best.label, score: best.score, scores };
  }));
}

/** The answer of `answerQuestion` (Hugging Face's question-answering pipeline): the span's text, its score and its character span in the context. */
export interface QaAnswer {
  answer: string;
  /** P(start) x P(end) of the span, the softmaxes taken over the context tokens of its window */
  score: number;
  /** character span of the answer in the context */
  start: number;
  end: number;
}

/**
 * HF's question-answering pipeline: the most probable answer span of `context` (at most
 * `maxAnswerLength` tokens; long contexts are read in overlapping windows, as qaFeatures cuts them).
 */
export function answerQuestion(
  model: BertForQuestionAnswering, tokenizer: BertTokenizer, question: string, context: string,
  options: { maxSeqLength?: number; docStride?: number; maxAnswerLength?: number } = {},
): QaAnswer {
  checkOptions('answerQuestion', options, { maxSeqLength: POSITIVE_INTEGER, docStride: POSITIVE_INTEGER, maxAnswerLength: POSITIVE_INTEGER }, { max_seq_len: 'maxSeqLength', doc_stride: 'docStride', max_answer_len: 'maxAnswerLength' });
  if (!question.trim()) throw new Error('answerQuestion: the question is empty');
  if (!context.trim()) throw new Error('answerQuestion: the context is empty');
  const maxSeqLength = Math.min(options.maxSeqLength ?? 384, model.config.maxPositionEmbeddings);
  const maxAnswerLength = options.maxAnswerLength ?? 30;
  const { features } = qaFeatures([{ id: 'q', title: '', question, context, answers: [] }], tokenizer, { maxSeqLength, docStride: Math.min(options.docStride ?? 128, Math.floor(maxSeqLength / 4)) });
  let best: QaAnswer = { answer: '', score: 0, start: 0, end: 0 };
  inEval(model, () => {
    for (const f of features) {
      const n = f.attentionMask.lastIndexOf(1) + 1;
      const t = encodedTensors({ inputIds: f.inputIds.slice(0, n), tokenTypeIds: f.tokenTypeIds.slice(0, n), attentionMask: f.attentionMask.slice(0, n) });
      const out = model.call(t.inputIds, { attentionMask: t.attentionMask, tokenTypeIds: t.tokenTypeIds });
      const inContext = f.contextOffsets.slice(0, n).flatMap((o, i) => (o ? [i] : []));
      const probs = (logits: Tensor) => {
        const row = logits.contiguousData();
        const picked = Tensor.fromData(Float32Array.from(inContext, (i) => row[i]!), [inContext.length], 'float32');
        return softmax(picked, 0).contiguousData();
      };
      const ps = probs(out.startLogits), pe = probs(out.endLogits);
      for (let a = 0; a < inContext.length; a++) {
        for (let b = a; b < inContext.length && inContext[b]! - inContext[a]! < maxAnswerLength; b++) {
          const score = ps[a]! * pe[b]!;
          if (score > best.score) {
            const start = f.contextOffsets[inContext[a]!]![0], end = f.contextOffsets[inContext[b]!]![1];
            best = { answer: context.slice(start, end), score, start, end };
          }
        }
      }
    }
  });
  return best;
}
