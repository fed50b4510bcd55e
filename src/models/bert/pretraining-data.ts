/**
 * BERT's pretraining data (browser-safe), as google-research/bert's `create_pretraining_data.py` makes it:
 *
 * - documents (lists of sentences) are tokenized once; each document is cut into chunks of whole sentences up to a
 *   target length (`maxSeqLength - 3`, or with probability `shortSeqProb` a random shorter one), a chunk is split at
 *   a random sentence boundary into segment A and B; half the time B is replaced by text from another document
 *   (the "NotNext" case) and the sentences not used go back to be chunked again; the pair is trimmed by
 *   `truncate_seq_pair` (one token at a time from the longer segment, at its front or back at random) and laid out
 *   as `[CLS] A [SEP] B [SEP]`;
 * - masking is separate and fresh each epoch (`maskInstance`, as RoBERTa's dynamic masking), with BERT's rule:
 *   `round(15%)` of the tokens (at least 1, at most `maxPredictionsPerSeq`), never [CLS]/[SEP]/[PAD], each replaced
 *   by [MASK] 80% of the time, a random token 10%, left unchanged 10%; with `wholeWordMask` a word's `##` pieces are
 *   masked together. Labels are the original ids at masked positions and -100 elsewhere (HF's ignore index), and the
 *   next-sentence label is 0 for IsNext and 1 for NotNext (HF's convention).
 *
 * Every random choice comes from a nabla `Generator`, so the same seed gives the same instances and masks.
 */
import { tensor } from '../../tensor/creation.js';
import { Generator, GENERATOR_OPTION } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { BertTokenizer } from '../../text/wordpiece.js';
import { checkOptions, POSITIVE_INTEGER, type OptionSpec } from '../../util/options.js';

/** One `[CLS] A [SEP] B [SEP]` sequence before masking. */
export interface PretrainingInstance {
  /** Token ids, special tokens included. */
  tokens: number[];
  /** 0 for [CLS], A and the first [SEP]; 1 for B and the last [SEP]. */
  segmentIds: number[];
  /** Whether B was drawn from another document (NotNext). */
  isRandomNext: boolean;
}

/** Options of `createPretrainingInstances` (create_pretraining_data.py's max_seq_length, short_seq_prob, dupe_factor, random_seed). */
export interface PretrainingInstanceOptions {
  /** Longest sequence, special tokens included (BERT: 128 then 512). */
  maxSeqLength: number;
  /** Probability of a shorter random target length, so the model also sees short sequences (default 0.1). */
  shortSeqProb?: number;
  /** How many passes over the documents, each with other cuts (default 1; BERT used 10). */
  dupeFactor?: number;
  /** Default: a new Generator(12345), BERT's default random seed. */
  generator?: Generator;
}

const PROBABILITY = { test: (v: unknown) => typeof v === 'number' && v >= 0 && v <= 1, expected: 'a probability in [0, 1]' };
/** What the masking functions accept. */
export const MASKING_OPTIONS: OptionSpec<MaskingOptions> = { maskedLmProb: PROBABILITY, maxPredictionsPerSeq: POSITIVE_INTEGER, wholeWordMask: 'boolean' };
/** create_pretraining_data.py's flag names, for the unknown-option error's did-you-mean. */
const MASKING_NAMES = { masked_lm_prob: 'maskedLmProb', max_predictions_per_seq: 'maxPredictionsPerSeq', do_whole_word_mask: 'wholeWordMask' };

/** Options of `maskInstance` (create_pretraining_data.py's masked_lm_prob, max_predictions_per_seq, do_whole_word_mask). */
export interface MaskingOptions {
  /** Share of the tokens to predict (default 0.15). */
  maskedLmProb?: number;
  /** Most predictions per sequence (default 20). */
  maxPredictionsPerSeq?: number;
  /** Mask all WordPiece pieces of a word together (default false). */
  wholeWordMask?: boolean;
}

/** One masked sequence, unpadded. */
export interface MaskedExample {
  inputIds: number[];
  tokenTypeIds: number[];
  attentionMask: number[];
  /** Original id at each masked position, -100 elsewhere. */
  labels: number[];
  /** 0 IsNext, 1 NotNext. */
  nextSentenceLabel: number;
  /** Masked positions in increasing order. */
  maskedPositions: number[];
}

/** A padded batch of masked sequences as int32 tensors, the inputs and labels of BertForPreTraining. */
export interface PretrainingBatch {
  /** int32 [batch, seq] */
  inputIds: Tensor;
  /** int32 [batch, seq] */
  tokenTypeIds: Tensor;
  /** int32 [batch, seq]: 1 for tokens, 0 for padding */
  attentionMask: Tensor;
  /** int32 [batch, seq]: -100 where nothing is predicted */
  labels: Tensor;
  /** int32 [batch] */
  nextSentenceLabel: Tensor;
  /** int32 [masked]: flat indices `b * seq + position` of the masked tokens, row-major, for gathering them before the vocabulary projection */
  maskedIndices: Tensor;
  /** int32 [masked]: the labels at `maskedIndices` */
  maskedLabels: Tensor;
}

const IGNORE_INDEX = -100;

/** Honorifics and common abbreviations whose full stop does not end a sentence. */
const ABBREVIATIONS = new Set(
  'mr mrs ms dr prof st jr sr rev gen col capt lt sgt gov sen rep hon messrs mt ft vs etc no vol fig co corp inc ltd bros jan feb mar apr jun jul aug sep sept oct nov dec lb lbs oz viz cf e.g i.e a.m p.m u.s u.k'.split(' '),
);

/**
 * Sentences of a piece of prose: a sentence ends at `.`, `!` or `?` (with any closing quotes or brackets) followed by
 * whitespace and an upper-case letter, digit or opening quote, unless the word before the full stop is a known
 * abbreviation ("Mr.", "U.S.") or a single letter (an initial), or the sentence so far is only a list marker ("2.",
 * "IV."). Line breaks inside a paragraph are spaces.
 */
export function splitSentences(text: string): string[] {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (!flat) return [];
  const out: string[] = [];
  const boundary = /([.!?]+)(["'”’)\]]*)\s+(?=["'“‘(\[]?[\p{Lu}\p{N}])/gu;
  let start = 0;
  for (const m of flat.matchAll(boundary)) {
    const end = m.index! + m[1]!.length + m[2]!.length;
    if (m[1] === '.' && !m[2]) {
      const before = flat.slice(start, m.index!).match(/(\S+)$/)?.[1] ?? '';
      const word = before.replace(/^["'“‘(\[]+/, '').toLowerCase();
      if (ABBREVIATIONS.has(word) || /^\p{L}$/u.test(word)) continue;
      if (/^(?:\d{1,2}|[ivxlc]+)$/.test(word) && before.length === m.index! - start) continue;
    }
    out.push(flat.slice(start, end));
    start = m.index! + m[0].length;
  }
  if (start < flat.length) out.push(flat.slice(start));
  return out;
}

/** Documents separated by blank lines, each split into sentences (`splitSentences`). Empty documents are dropped. */
export function splitDocuments(text: string): string[][] {
  return text
    .split(/\r?\n[ \t]*\r?\n/)
    .map(splitSentences)
    .filter((d) => d.length > 0);
}

function shuffleInPlace<T>(items: T[], generator: Generator): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = generator.randint(0, i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}

/** Trim the pair to `maxTokens`, one token at a time from the longer, at its front or back at random (BERT's `truncate_seq_pair`). */
export function truncateSeqPair(a: number[], b: number[], maxTokens: number, generator: Generator): void {
  while (a.length + b.length > maxTokens) {
    const longer = a.length > b.length ? a : b;
    if (generator.random() < 0.5) longer.shift();
    else longer.pop();
  }
}

/** Tokenize documents to ids (sentences with no tokens and documents left empty are dropped). */
export function tokenizeDocuments(documents: readonly (readonly string[])[], tokenizer: BertTokenizer): number[][][] {
  const out: number[][][] = [];
  for (const doc of documents) {
    const sentences = doc.map((s) => tokenizer.tokenizer.encode(s)).filter((ids) => ids.length > 0);
    if (sentences.length > 0) out.push(sentences);
  }
  return out;
}

/**
 * Sentence-pair instances for masked-LM and next-sentence pretraining from documents (see the file comment),
 * shuffled. Documents may be given as text (string[][]) or already tokenized (number[][][]).
 */
export function createPretrainingInstances(
  documents: readonly (readonly string[])[] | readonly (readonly (readonly number[])[])[],
  tokenizer: BertTokenizer,
  options: PretrainingInstanceOptions,
): PretrainingInstance[] {
  checkOptions('createPretrainingInstances', options, { maxSeqLength: 'integer', shortSeqProb: PROBABILITY, dupeFactor: POSITIVE_INTEGER, generator: GENERATOR_OPTION },
    { max_seq_length: 'maxSeqLength', short_seq_prob: 'shortSeqProb', dupe_factor: 'dupeFactor' });
  const { maxSeqLength } = options;
  const shortSeqProb = options.shortSeqProb ?? 0.1;
  const dupeFactor = options.dupeFactor ?? 1;
  if (!Number.isInteger(maxSeqLength) || maxSeqLength < 5) throw new Error(`createPretrainingInstances: maxSeqLength must be an integer of at least 5 (room for [CLS] A [SEP] B [SEP]), got ${maxSeqLength}`);
  if (!(shortSeqProb >= 0 && shortSeqProb <= 1)) throw new Error(`createPretrainingInstances: shortSeqProb must be in [0, 1], got ${shortSeqProb}`);
  if (!Number.isInteger(dupeFactor) || dupeFactor < 1) throw new Error(`createPretrainingInstances: dupeFactor must be a positive integer, got ${dupeFactor}`);
  const cls = tokenizer.clsId;
  const sep = tokenizer.sepId;
  if (cls < 0 || sep < 0) throw new Error('createPretrainingInstances: the tokenizer needs [CLS] and [SEP] tokens');
  const generator = options.generator ?? new Generator(12345);
  const tokenized = (documents as readonly (readonly unknown[])[]).every((d) => d.every((s) => typeof s === 'string'))
    ? tokenizeDocuments(documents as readonly (readonly string[])[], tokenizer)
    : (documents as readonly (readonly (readonly number[])[])[]).map((d) => d.filter((s) => s.length > 0).map((s) => [...s])).filter((d) => d.length > 0);
  if (tokenized.length === 0) throw new Error('createPretrainingInstances: no document has any tokens');
  shuffleInPlace(tokenized, generator);
  const instances: PretrainingInstance[] = [];
  for (let dupe = 0; dupe < dupeFactor; dupe++) {
    for (let d = 0; d < tokenized.length; d++) instancesFromDocument(tokenized, d, maxSeqLength, shortSeqProb, cls, sep, generator, instances);
  }
  shuffleInPlace(instances, generator);
  return instances;
}

function instancesFromDocument(
  documents: number[][][],
  index: number,
  maxSeqLength: number,
  shortSeqProb: number,
  cls: number,
  sep: number,
  generator: Generator,
  out: PretrainingInstance[],
): void {
  const document = documents[index]!;
  const maxTokens = maxSeqLength - 3;
  // Mostly fill the sequence; sometimes aim shorter, so that fine-tuning on short inputs is not a surprise.
  const target = generator.random() < shortSeqProb ? generator.randint(2, maxTokens + 1) : maxTokens;
  let chunk: number[][] = [];
  let length = 0;
  for (let i = 0; i < document.length; i++) {
    chunk.push(document[i]!);
    length += document[i]!.length;
    if (i !== document.length - 1 && length < target) continue;
    const aEnd = chunk.length >= 2 ? generator.randint(1, chunk.length) : 1;
    const a = chunk.slice(0, aEnd).flat();
    let b: number[] = [];
    let isRandomNext = false;
    if (chunk.length === 1 || generator.random() < 0.5) {
      isRandomNext = true;
      const targetB = target - a.length;
      // Ten tries at another document; a corpus of one document falls back to itself, as the reference does.
      let other = index;
      for (let t = 0; t < 10 && other === index; t++) other = generator.randint(0, documents.length);
      const randomDoc = documents[other]!;
      for (let j = generator.randint(0, randomDoc.length); j < randomDoc.length; j++) {
        b.push(...randomDoc[j]!);
        if (b.length >= targetB) break;
      }
      // The unused sentences of this chunk go back to be used in the next one.
      i -= chunk.length - aEnd;
    } else b = chunk.slice(aEnd).flat();
    truncateSeqPair(a, b, maxTokens, generator);
    if (a.length > 0 && b.length > 0) {
      out.push({
        tokens: [cls, ...a, sep, ...b, sep],
        segmentIds: [...new Array<number>(a.length + 2).fill(0), ...new Array<number>(b.length + 1).fill(1)],
        isRandomNext,
      });
    }
    chunk = [];
    length = 0;
  }
}

interface MaskingVocab {
  maskId: number;
  /** Ids a random replacement is drawn from: every non-special token. */
  replacementIds: Int32Array;
  special: Uint8Array;
  continuation: Uint8Array;
}

const maskingVocabs = new WeakMap<BertTokenizer, MaskingVocab>();

function maskingVocab(tokenizer: BertTokenizer): MaskingVocab {
  let info = maskingVocabs.get(tokenizer);
  if (info) return info;
  const n = tokenizer.vocabSize;
  if (tokenizer.maskId < 0) throw new Error('maskInstance: the tokenizer has no [MASK] token');
  const special = new Uint8Array(n);
  const continuation = new Uint8Array(n);
  const replacement: number[] = [];
  const tokens = tokenizer.vocab.tokens;
  for (let id = 0; id < n; id++) {
    special[id] = tokenizer.isSpecialId(id) ? 1 : 0;
    continuation[id] = tokens[id]!.startsWith('##') ? 1 : 0;
    if (!special[id]) replacement.push(id);
  }
  info = { maskId: tokenizer.maskId, replacementIds: Int32Array.from(replacement), special, continuation };
  maskingVocabs.set(tokenizer, info);
  return info;
}

/**
 * Mask one instance with BERT's rule (see the file comment); call it again each epoch for fresh masks. A random
 * replacement is any non-special token (the reference draws from the whole vocabulary, [CLS] and [unused] included).
 */
export function maskInstance(instance: PretrainingInstance, tokenizer: BertTokenizer, options: MaskingOptions = {}, generator: Generator = new Generator(12345)): MaskedExample {
  checkOptions('maskInstance', options, MASKING_OPTIONS, MASKING_NAMES);
  const prob = options.maskedLmProb ?? 0.15;
  const maxPredictions = options.maxPredictionsPerSeq ?? 20;
  if (!(prob > 0 && prob < 1)) throw new Error(`maskInstance: maskedLmProb must be in (0, 1), got ${prob}`);
  if (!Number.isInteger(maxPredictions) || maxPredictions < 1) throw new Error(`maskInstance: maxPredictionsPerSeq must be a positive integer, got ${maxPredictions}`);
  const info = maskingVocab(tokenizer);
  const tokens = instance.tokens;
  const candidates: number[][] = [];
  tokens.forEach((id, i) => {
    if (info.special[id]) return;
    if (options.wholeWordMask && info.continuation[id] && candidates.length > 0 && candidates[candidates.length - 1]!.at(-1) === i - 1) candidates[candidates.length - 1]!.push(i);
    else candidates.push([i]);
  });
  shuffleInPlace(candidates, generator);
  const numToPredict = Math.min(maxPredictions, Math.max(1, Math.round(tokens.length * prob)));
  const inputIds = tokens.slice();
  const labels = new Array<number>(tokens.length).fill(IGNORE_INDEX);
  const positions: number[] = [];
  for (const group of candidates) {
    if (positions.length >= numToPredict) break;
    if (positions.length + group.length > numToPredict) continue;
    for (const i of group) {
      positions.push(i);
      labels[i] = tokens[i]!;
      if (generator.random() < 0.8) inputIds[i] = info.maskId;
      else if (generator.random() >= 0.5) inputIds[i] = info.replacementIds[generator.randint(0, info.replacementIds.length)]!;
    }
  }
  positions.sort((x, y) => x - y);
  return {
    inputIds,
    tokenTypeIds: instance.segmentIds.slice(),
    attentionMask: new Array<number>(tokens.length).fill(1),
    labels,
    nextSentenceLabel: instance.isRandomNext ? 1 : 0,
    maskedPositions: positions,
  };
}

/**
 * Stack masked examples into int32 tensors, padded with `padId` (type 0, attention 0, label -100) to the longest in
 * the batch or to `padTo`.
 */
export function collatePretraining(batch: readonly MaskedExample[], padId: number, options: { padTo?: number } = {}): PretrainingBatch {
  if (batch.length === 0) throw new Error('collatePretraining: empty batch');
  const longest = Math.max(...batch.map((e) => e.inputIds.length));
  const seq = options.padTo ?? longest;
  if (seq < longest) throw new Error(`collatePretraining: padTo ${seq} is shorter than the longest example (${longest})`);
  if (!Number.isInteger(padId) || padId < 0) throw new Error(`collatePretraining: padId must be a token id, got ${padId}`);
  const n = batch.length * seq;
  const ids = new Int32Array(n).fill(padId);
  const types = new Int32Array(n);
  const mask = new Int32Array(n);
  const labels = new Int32Array(n).fill(IGNORE_INDEX);
  const nsp = new Int32Array(batch.length);
  const maskedIndices: number[] = [];
  const maskedLabels: number[] = [];
  batch.forEach((e, b) => {
    ids.set(e.inputIds, b * seq);
    types.set(e.tokenTypeIds, b * seq);
    mask.set(e.attentionMask, b * seq);
    labels.set(e.labels, b * seq);
    nsp[b] = e.nextSentenceLabel;
    for (const p of e.maskedPositions) {
      maskedIndices.push(b * seq + p);
      maskedLabels.push(e.labels[p]!);
    }
  });
  const shape = [batch.length, seq];
  return {
    inputIds: tensor(ids, { shape }),
    tokenTypeIds: tensor(types, { shape }),
    attentionMask: tensor(mask, { shape }),
    labels: tensor(labels, { shape }),
    nextSentenceLabel: tensor(nsp),
    maskedIndices: tensor(Int32Array.from(maskedIndices)),
    maskedLabels: tensor(Int32Array.from(maskedLabels)),
  };
}

/** Options of `pretrainingBatches`: the masking options, batch size, shuffling, padding length and the Generator. */
export interface PretrainingEpochOptions extends MaskingOptions {
  batchSize: number;
  /** Shuffle the instances each epoch (default true). */
  shuffle?: boolean;
  /** Pad every batch to this length (default: the longest in each batch). */
  padTo?: number;
  generator?: Generator;
}

/** One epoch of collated batches: the instances in a fresh order with fresh masks. */
export function* pretrainingBatches(instances: readonly PretrainingInstance[], tokenizer: BertTokenizer, options: PretrainingEpochOptions): IterableIterator<PretrainingBatch> {
  checkOptions('pretrainingBatches', options, { ...MASKING_OPTIONS, batchSize: POSITIVE_INTEGER, shuffle: 'boolean', padTo: POSITIVE_INTEGER, generator: GENERATOR_OPTION }, MASKING_NAMES);
  const { batchSize } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`pretrainingBatches: batchSize must be a positive integer, got ${batchSize}`);
  const generator = options.generator ?? new Generator(12345);
  const masking: MaskingOptions = { maskedLmProb: options.maskedLmProb, maxPredictionsPerSeq: options.maxPredictionsPerSeq, wholeWordMask: options.wholeWordMask };
  const order = instances.map((_, i) => i);
  if (options.shuffle ?? true) shuffleInPlace(order, generator);
  for (let start = 0; start < order.length; start += batchSize) {
    const examples = order.slice(start, start + batchSize).map((i) => maskInstance(instances[i]!, tokenizer, masking, generator));
    yield collatePretraining(examples, tokenizer.padId, { padTo: options.padTo });
  }
}
