/**
 * Fine-tuning data for BERT (browser-safe; `loadSentimentSet` reads node_modules and so needs Node):
 * - sentence classification: the UCI Sentiment Labelled Sentences (Amazon, IMDB and Yelp reviews, 1,000 each,
 *   half positive), shipped by npm `sentiment` as its validation fixtures; labelled TSV files; a seeded fixed split;
 * - extractive question answering in SQuAD v1.1's JSON format: reading it, cutting question + context windows into
 *   features with the answer's token positions (as Hugging Face's `run_qa.py` does), and mapping predicted start/end
 *   logits back to answer text through the offset mapping.
 */
import { tensor } from '../../tensor/creation.js';
import { Generator } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import type { BertTokenizer } from '../../text/wordpiece.js';
import { requireInNode } from '../../util/require-in-node.js';
import { checkOptions, NON_NEGATIVE_INTEGER, POSITIVE_INTEGER } from '../../util/options.js';

/** A sentence and its class label (in the sentiment sets 1 positive, 0 negative). */
export interface LabelledText {
  text: string;
  label: number;
}

/** The three sites of the UCI Sentiment Labelled Sentences that `loadSentimentSet` reads. */
export const SENTIMENT_SETS = ['amazon', 'imdb', 'yelp'] as const;
/** One of the sentiment sets, or 'all' for the three together. */
export type SentimentSetName = (typeof SENTIMENT_SETS)[number] | 'all';

/**
 * The UCI Sentiment Labelled Sentences (Kotzias et al., 2015) from npm `sentiment`'s test fixtures: label 1 positive,
 * 0 negative; 1,000 sentences per site, 3,000 for 'all' (Amazon, then IMDB, then Yelp). Node only.
 */
export function loadSentimentSet(name: SentimentSetName): LabelledText[] {
  const names = name === 'all' ? SENTIMENT_SETS : [name];
  if (!(SENTIMENT_SETS as readonly string[]).includes(names[0]!)) {
    throw new Error(`loadSentimentSet: unknown set ${JSON.stringify(name)} (known: ${[...SENTIMENT_SETS, 'all'].join(', ')})`);
  }
  const out: LabelledText[] = [];
  for (const set of names) {
    const rows = requireInNode(`sentiment/test/fixtures/${set}.json`, 'loadSentimentSet', 'in the browser, fetch the file and use its {text, class} rows') as { text: unknown; class: unknown }[];
    // Each fixture ends with an empty row whose class is null: not a sentence.
    for (const row of rows) {
      if (typeof row.text === 'string' && row.text.trim() && (row.class === 0 || row.class === 1)) out.push({ text: row.text.trim(), label: row.class });
    }
  }
  return out;
}

/** `readLabelledTsv`'s result: the examples, and `labelNames[id]` for each label id. */
export type LabelledSet = LabelledText[] & { labelNames: string[] };

/**
 * Read `text<TAB>label` lines. Labels that are all non-negative integers are their own ids; other labels get ids in
 * code-point order of their names ("negative" 0, "positive" 1), or the order of `labelNames` when given. Blank lines
 * are skipped, and so is a first line whose label column reads "label" (a header). Bad lines are reported together,
 * with their line numbers.
 */
export function readLabelledTsv(text: string, options: { labelNames?: readonly string[] } = {}): LabelledSet {
  const rows: { text: string; label: string; line: number }[] = [];
  const bad: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (!raw.trim()) return;
    const tab = raw.lastIndexOf('\t');
    const body = tab < 0 ? '' : raw.slice(0, tab).trim();
    const label = tab < 0 ? '' : raw.slice(tab + 1).trim();
    if (i === 0 && label.toLowerCase() === 'label') return;
    if (!body || !label) bad.push(`line ${i + 1}: expected text<TAB>label, got ${JSON.stringify(raw.length > 60 ? raw.slice(0, 60) + '…' : raw)}`);
    else rows.push({ text: body, label, line: i + 1 });
  });
  let names: string[];
  if (options.labelNames) names = [...options.labelNames];
  else if (rows.every((r) => /^\d+$/.test(r.label))) names = Array.from({ length: Math.max(-1, ...rows.map((r) => Number(r.label))) + 1 }, (_, i) => String(i));
  else names = [...new Set(rows.map((r) => r.label))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const ids = new Map(names.map((n, i) => [n, i]));
  const items: LabelledText[] = [];
  for (const r of rows) {
    const id = ids.get(r.label);
    if (id === undefined) bad.push(`line ${r.line}: label ${JSON.stringify(r.label)} is not one of ${JSON.stringify(names)}`);
    else items.push({ text: r.text, label: id });
  }
  if (bad.length) throw new Error(`readLabelledTsv: ${bad.length} bad line${bad.length > 1 ? 's' : ''}: ${bad.slice(0, 5).join('; ')}${bad.length > 5 ? '; …' : ''}`);
  if (items.length === 0) throw new Error('readLabelledTsv: no text<TAB>label lines');
  return Object.assign(items, { labelNames: names });
}

/** A batch of sentence-classification inputs: int32 tensors [batch, seq], labels [batch]. */
export interface ClassificationBatch {
  inputIds: Tensor;
  tokenTypeIds: Tensor;
  attentionMask: Tensor;
  labels: Tensor;
}

/** Encode labelled texts (padded to the longest in the batch, cut to `maxLength`, default 128) into int32 tensors. */
export function classificationBatch(items: readonly LabelledText[], tokenizer: BertTokenizer, options: { maxLength?: number } = {}): ClassificationBatch {
  if (items.length === 0) throw new Error('classificationBatch: empty batch');
  const encoded = tokenizer.encodeBatch(items.map((it) => it.text), { maxLength: options.maxLength ?? 128, padding: false });
  const shape = [items.length, encoded[0]!.inputIds.length];
  return {
    inputIds: tensor(Int32Array.from(encoded.flatMap((e) => e.inputIds)), { shape }),
    tokenTypeIds: tensor(Int32Array.from(encoded.flatMap((e) => e.tokenTypeIds)), { shape }),
    attentionMask: tensor(Int32Array.from(encoded.flatMap((e) => e.attentionMask)), { shape }),
    labels: tensor(Int32Array.from(items.map((it) => it.label))),
  };
}

function shuffled<T>(items: readonly T[], generator: Generator): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = generator.randint(0, i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * A fixed train/test split: the same seed always gives the same split. `round(testFraction * n)` items go to test,
 * drawn by a seeded shuffle; with `stratify` (a key per item, such as its label) the draw is made per class, so each
 * class keeps its share in both parts. Both parts keep the input order.
 */
export function fixedSplit<T>(items: readonly T[], testFraction: number, seed: number, options: { stratify?: (item: T) => string | number } = {}): { train: T[]; test: T[] } {
  if (!(testFraction > 0 && testFraction < 1)) throw new Error(`fixedSplit: testFraction must be in (0, 1), got ${testFraction}`);
  const generator = new Generator(seed);
  const groups = new Map<string | number, number[]>();
  items.forEach((item, i) => {
    const key = options.stratify ? options.stratify(item) : 0;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(i);
  });
  const inTest = new Uint8Array(items.length);
  for (const indices of groups.values()) {
    for (const i of shuffled(indices, generator).slice(0, Math.round(testFraction * indices.length))) inTest[i] = 1;
  }
  return { train: items.filter((_, i) => !inTest[i]), test: items.filter((_, i) => inTest[i]) };
}

// ---------------------------------------------------------------------------------------------------------------
// SQuAD

/** A gold answer to a SQuAD question: its text and where it starts in the context. */
export interface SquadAnswer {
  text: string;
  /** Character offset of the answer in the context. */
  answerStart: number;
}

/** One SQuAD v1.1 question with its context paragraph and gold answers, as `readSquad` gives it. */
export interface SquadExample {
  id: string;
  title: string;
  question: string;
  context: string;
  answers: SquadAnswer[];
}

/** Read SQuAD v1.1 JSON (`{data: [{title, paragraphs: [{context, qas: [{id, question, answers}]}]}]}`), text or parsed. */
export function readSquad(json: string | unknown): SquadExample[] {
  let root: unknown = json;
  if (typeof json === 'string') {
    try {
      root = JSON.parse(json);
    } catch (e) {
      throw new Error(`readSquad: not JSON (${(e as Error).message})`);
    }
  }
  const fail = (path: string, what: string, got: unknown): never => {
    throw new Error(`readSquad: ${path} must be ${what}, got ${JSON.stringify(got)?.slice(0, 80)}`);
  };
  const data = (root as { data?: unknown })?.data;
  if (!Array.isArray(data)) fail('data', 'an array of articles', data);
  const out: SquadExample[] = [];
  const seen = new Set<string>();
  (data as unknown[]).forEach((article, a) => {
    const { title, paragraphs } = (article ?? {}) as { title?: unknown; paragraphs?: unknown };
    if (!Array.isArray(paragraphs)) fail(`data[${a}].paragraphs`, 'an array', paragraphs);
    (paragraphs as unknown[]).forEach((paragraph, p) => {
      const path = `data[${a}].paragraphs[${p}]`;
      const { context, qas } = (paragraph ?? {}) as { context?: unknown; qas?: unknown };
      if (typeof context !== 'string') fail(`${path}.context`, 'a string', context);
      if (!Array.isArray(qas)) fail(`${path}.qas`, 'an array', qas);
      (qas as unknown[]).forEach((qa, q) => {
        const qpath = `${path}.qas[${q}]`;
        const { id, question, answers } = (qa ?? {}) as { id?: unknown; question?: unknown; answers?: unknown };
        if (typeof id !== 'string' || !id) fail(`${qpath}.id`, 'a non-empty string', id);
        if (seen.has(id as string)) fail(`${qpath}.id`, 'unique', id);
        seen.add(id as string);
        if (typeof question !== 'string') fail(`${qpath}.question`, 'a string', question);
        if (!Array.isArray(answers)) fail(`${qpath}.answers`, 'an array', answers);
        out.push({
          id: id as string,
          title: typeof title === 'string' ? title : '',
          question: question as string,
          context: context as string,
          answers: (answers as unknown[]).map((ans, k) => {
            const { text, answer_start } = (ans ?? {}) as { text?: unknown; answer_start?: unknown };
            if (typeof text !== 'string') fail(`${qpath}.answers[${k}].text`, 'a string', text);
            if (!Number.isInteger(answer_start) || (answer_start as number) < 0) fail(`${qpath}.answers[${k}].answer_start`, 'a non-negative integer', answer_start);
            return { text: text as string, answerStart: answer_start as number };
          }),
        });
      });
    });
  });
  return out;
}

/** SQuAD v1.1 JSON of examples (grouped by title and context), the inverse of `readSquad`. */
export function toSquadJson(examples: readonly SquadExample[], version = '1.1'): { version: string; data: unknown[] } {
  const articles = new Map<string, Map<string, SquadExample[]>>();
  for (const e of examples) {
    let a = articles.get(e.title);
    if (!a) articles.set(e.title, (a = new Map()));
    let p = a.get(e.context);
    if (!p) a.set(e.context, (p = []));
    p.push(e);
  }
  return {
    version,
    data: [...articles].map(([title, paragraphs]) => ({
      title,
      paragraphs: [...paragraphs].map(([context, qas]) => ({
        context,
        qas: qas.map((e) => ({ id: e.id, question: e.question, answers: e.answers.map((x) => ({ text: x.text, answer_start: x.answerStart })) })),
      })),
    })),
  };
}

/** One question + context window, ready for `BertForQuestionAnswering`. */
export interface QaFeature {
  /** Index of its example in the examples given to `qaFeatures`. */
  exampleIndex: number;
  exampleId: string;
  inputIds: number[];
  tokenTypeIds: number[];
  attentionMask: number[];
  /** Character span in the context of each context token; null for question, special and pad tokens. */
  contextOffsets: ([number, number] | null)[];
  /** Token positions of the first answer; 0 and 0 ([CLS]) when the answer is not inside this window. */
  startPosition: number;
  endPosition: number;
}

/** Options of `qaFeatures`: window length, overlap between windows and question length (the SQuAD scripts' max_seq_length, doc_stride, max_query_length). */
export interface QaFeatureOptions {
  /** Default 384. */
  maxSeqLength?: number;
  /** Tokens shared by consecutive windows of a long context (Hugging Face's `doc_stride`; default 128). */
  docStride?: number;
  /** Questions are cut to this many tokens (default 64). */
  maxQueryLength?: number;
}

/**
 * Features for extractive QA, as Hugging Face's `run_qa.py` prepares them: `[CLS] question [SEP] context window
 * [SEP]`, padded to `maxSeqLength`; a context too long for one window is cut into several overlapping by
 * `docStride` tokens; the first answer's character span is turned into token positions through the offset mapping,
 * and a window that does not hold the whole answer points at [CLS] (position 0). An example whose first answer is not
 * the text at its `answerStart` is skipped and counted in `skipped`.
 */
export function qaFeatures(examples: readonly SquadExample[], tokenizer: BertTokenizer, options: QaFeatureOptions = {}): { features: QaFeature[]; skipped: number } {
  checkOptions('qaFeatures', options, { maxSeqLength: POSITIVE_INTEGER, docStride: NON_NEGATIVE_INTEGER, maxQueryLength: POSITIVE_INTEGER },
    { max_seq_length: 'maxSeqLength', doc_stride: 'docStride', max_query_length: 'maxQueryLength' });
  const maxSeqLength = options.maxSeqLength ?? 384;
  const docStride = options.docStride ?? 128;
  const maxQueryLength = options.maxQueryLength ?? 64;
  if (!Number.isInteger(maxQueryLength) || maxQueryLength < 1) throw new Error(`qaFeatures: maxQueryLength must be a positive integer, got ${maxQueryLength}`);
  const room = maxSeqLength - maxQueryLength - 3;
  if (!Number.isInteger(maxSeqLength) || room < 1) throw new Error(`qaFeatures: maxSeqLength ${maxSeqLength} leaves no room for the context after a question of up to ${maxQueryLength} tokens and 3 special tokens`);
  if (!Number.isInteger(docStride) || docStride < 0 || docStride >= room) throw new Error(`qaFeatures: docStride must be an integer in [0, ${room}) for these lengths, got ${docStride}`);
  const { clsId: cls, sepId: sep, padId: pad } = tokenizer;
  const features: QaFeature[] = [];
  let skipped = 0;
  examples.forEach((example, exampleIndex) => {
    const answer = example.answers[0];
    if (answer && example.context.slice(answer.answerStart, answer.answerStart + answer.text.length) !== answer.text) {
      skipped++;
      return;
    }
    const question = tokenizer.tokenizer.encode(example.question.trimStart()).slice(0, maxQueryLength);
    const context = tokenizer.tokenizer.encodeWithOffsets(example.context);
    const maxContext = maxSeqLength - question.length - 3;
    const startChar = answer?.answerStart ?? -1;
    const endChar = answer ? answer.answerStart + answer.text.length : -1;
    for (let start = 0; ; start += maxContext - docStride) {
      const end = Math.min(start + maxContext, context.ids.length);
      const inputIds = [cls, ...question, sep, ...context.ids.slice(start, end), sep];
      const first = question.length + 2;
      const tokenTypeIds = inputIds.map((_, i) => (i < first ? 0 : 1));
      const contextOffsets: ([number, number] | null)[] = inputIds.map((_, i) => (i >= first && i < inputIds.length - 1 ? context.offsets[start + i - first]! : null));
      let startPosition = 0;
      let endPosition = 0;
      if (answer && end > start && context.offsets[start]![0] <= startChar && context.offsets[end - 1]![1] >= endChar) {
        let s = start;
        while (s < end - 1 && context.offsets[s + 1]![0] <= startChar) s++;
        let e = end - 1;
        while (e > s && context.offsets[e - 1]![1] >= endChar) e--;
        startPosition = first + s - start;
        endPosition = first + e - start;
      }
      const attentionMask = inputIds.map(() => 1);
      while (inputIds.length < maxSeqLength) {
        inputIds.push(pad);
        tokenTypeIds.push(0);
        attentionMask.push(0);
        contextOffsets.push(null);
      }
      features.push({ exampleIndex, exampleId: example.id, inputIds, tokenTypeIds, attentionMask, contextOffsets, startPosition, endPosition });
      if (end >= context.ids.length) break;
    }
  });
  return { features, skipped };
}

/** QA features as int32 tensors [batch, maxSeqLength], with start/end positions [batch] for training. */
export function qaBatch(features: readonly QaFeature[]): { inputIds: Tensor; tokenTypeIds: Tensor; attentionMask: Tensor; startPositions: Tensor; endPositions: Tensor } {
  if (features.length === 0) throw new Error('qaBatch: empty batch');
  const shape = [features.length, features[0]!.inputIds.length];
  return {
    inputIds: tensor(Int32Array.from(features.flatMap((f) => f.inputIds)), { shape }),
    tokenTypeIds: tensor(Int32Array.from(features.flatMap((f) => f.tokenTypeIds)), { shape }),
    attentionMask: tensor(Int32Array.from(features.flatMap((f) => f.attentionMask)), { shape }),
    startPositions: tensor(Int32Array.from(features.map((f) => f.startPosition))),
    endPositions: tensor(Int32Array.from(features.map((f) => f.endPosition))),
  };
}

/** A [feature, position] matrix of scores: a Tensor, or one array per feature. */
export type LogitRows = Tensor | readonly ArrayLike<number>[];

function rows(logits: LogitRows, count: number, name: string): ArrayLike<number>[] {
  if (logits instanceof Tensor) {
    if (logits.ndim !== 2 || logits.shape[0] !== count) throw new Error(`postprocessQa: ${name} must have shape [${count}, seq], got [${logits.shape.join(', ')}]`);
    const data = logits.dataSync();
    const seq = logits.shape[1]!;
    return Array.from({ length: count }, (_, i) => data.subarray(i * seq, (i + 1) * seq));
  }
  if (logits.length !== count) throw new Error(`postprocessQa: ${name} has ${logits.length} rows for ${count} features`);
  return [...logits];
}

function topIndices(values: ArrayLike<number>, n: number): number[] {
  return Array.from({ length: values.length }, (_, i) => i)
    .sort((a, b) => values[b]! - values[a]! || a - b)
    .slice(0, n);
}

/**
 * Answers from start/end scores, as `run_qa.py`'s post-processing: for each example, over all its features, the
 * `nBest` best start and end positions are paired; a pair counts when both are context tokens, the end is not before
 * the start, and the span is at most `maxAnswerLength` tokens; the best-scoring pair (start + end score) gives the
 * answer, cut from the context through the offsets. An example without a valid pair gets ''.
 */
export function postprocessQa(
  startLogits: LogitRows,
  endLogits: LogitRows,
  features: readonly QaFeature[],
  examples: readonly SquadExample[],
  options: { nBest?: number; maxAnswerLength?: number } = {},
): Map<string, string> {
  checkOptions('postprocessQa', options, { nBest: POSITIVE_INTEGER, maxAnswerLength: POSITIVE_INTEGER }, { n_best_size: 'nBest', max_answer_length: 'maxAnswerLength' });
  const nBest = options.nBest ?? 20;
  const maxAnswerLength = options.maxAnswerLength ?? 30;
  const starts = rows(startLogits, features.length, 'startLogits');
  const ends = rows(endLogits, features.length, 'endLogits');
  const best = examples.map(() => ({ score: -Infinity, text: '' }));
  features.forEach((f, k) => {
    const example = examples[f.exampleIndex];
    if (!example || example.id !== f.exampleId) throw new Error(`postprocessQa: feature ${k} belongs to example ${JSON.stringify(f.exampleId)}, which is not at index ${f.exampleIndex} of the examples`);
    const s = starts[k]!;
    const e = ends[k]!;
    for (const i of topIndices(s, nBest)) {
      const a = f.contextOffsets[i];
      if (!a) continue;
      for (const j of topIndices(e, nBest)) {
        const b = f.contextOffsets[j];
        if (!b || j < i || j - i + 1 > maxAnswerLength) continue;
        const score = s[i]! + e[j]!;
        if (score > best[f.exampleIndex]!.score) best[f.exampleIndex] = { score, text: example.context.slice(a[0], b[1]) };
      }
    }
  });
  return new Map(examples.map((ex, i) => [ex.id, best[i]!.text]));
}
