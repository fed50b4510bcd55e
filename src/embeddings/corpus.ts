/**
 * Corpora for word vectors (browser-safe): text → sentences of lowercase words → a frequency-sorted
 * Vocab (src/text's, no special tokens) → one Int32Array of word ids with sentence boundaries.
 *
 * The word2vec C tool and GloVe read whitespace-separated tokens and do no tokenization of their own;
 * `sentencesFromText` is the small preprocessing the peers then get too (via `corpusToText`), so all
 * systems in a comparison see the same tokens: NFKC, lowercase, curly apostrophes made straight,
 * sentences cut after . ! ? (and at line breaks), words = runs of letters, marks and digits, with inner
 * apostrophes kept (`nation's`, `don't`; src/text's pre-tokenizers split there, which suits subword
 * models rather than word vectors).
 */
import { Vocab } from '../text/vocab.js';

const WORD = /[\p{L}\p{M}\p{N}]+(?:'[\p{L}\p{M}\p{N}]+)*/gu;
const SENTENCE_END = /(?<=[.!?])["')\]]*\s+|\n+/u;

/** Lowercase words of one piece of text (no sentence splitting). */
export function words(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().replace(/[’‘`]/g, "'").match(WORD) ?? [];
}

/** Text → sentences of lowercase words (empty sentences dropped). */
export function sentencesFromText(text: string): string[][] {
  const out: string[][] = [];
  for (const piece of text.split(SENTENCE_END)) {
    const w = words(piece);
    if (w.length) out.push(w);
  }
  return out;
}

/** Sentences back to text, one sentence a line, words separated by a space (what the C tools, fastText and gensim's LineSentence read). */
export function corpusToText(sentences: Iterable<readonly string[]>): string {
  const lines: string[] = [];
  for (const s of sentences) lines.push(s.join(' '));
  return lines.join('\n') + '\n';
}

/** Sentences of text written one sentence a line with space-separated words (the inverse of corpusToText). */
export function sentencesFromLines(text: string): string[][] {
  const out: string[][] = [];
  for (const line of text.split(/\r?\n/)) {
    const w = line.split(/\s+/).filter((t) => t.length > 0);
    if (w.length) out.push(w);
  }
  return out;
}

/**
 * The word2vec vocabulary: words seen at least `minCount` times, most frequent first (ties in code
 * point order), with their counts; no special tokens.
 */
export function buildVocab(sentences: Iterable<readonly string[]>, minCount = 5, maxSize?: number): Vocab {
  return Vocab.fromCounts(Vocab.countTokens(sentences), { minFreq: minCount, specials: null, maxSize });
}

/** A corpus as word ids: sentence s is `ids[starts[s] .. starts[s + 1])`. */
export interface EncodedCorpus {
  ids: Int32Array;
  starts: Int32Array;
  /** Words of the text that are not in the vocabulary (dropped, as the C tool drops them). */
  dropped: number;
}

/**
 * Sentences → word ids; words outside `vocab` are dropped (as the C tool does) and sentences longer
 * than `maxSentenceLength` (the C tool's MAX_SENTENCE_LENGTH, 1000) are cut into pieces of that size.
 */
export function encodeCorpus(sentences: Iterable<readonly string[]>, vocab: Vocab, maxSentenceLength = 1000): EncodedCorpus {
  const ids: number[] = [];
  const starts: number[] = [0];
  let dropped = 0;
  for (const s of sentences) {
    let inSentence = 0;
    for (const w of s) {
      const id = vocab.get(w);
      if (id === undefined) { dropped++; continue; }
      if (inSentence === maxSentenceLength) {
        starts.push(ids.length);
        inSentence = 0;
      }
      ids.push(id);
      inSentence++;
    }
    if (inSentence > 0) starts.push(ids.length);
  }
  return { ids: Int32Array.from(ids), starts: Int32Array.from(starts), dropped };
}

/** The first `n` words of a corpus's sentences (whole sentences, plus part of the last): a slice for quick runs and tests. */
export function firstWords(sentences: readonly string[][], n: number): string[][] {
  const out: string[][] = [];
  let left = n;
  for (const s of sentences) {
    if (left <= 0) break;
    out.push(s.length <= left ? s : s.slice(0, left));
    left -= s.length;
  }
  return out;
}
