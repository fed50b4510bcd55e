/**
 * Intrinsic evaluation of word vectors (browser-safe), as word2vec's compute-accuracy and gensim's
 * evaluate_word_analogies / evaluate_word_pairs do it:
 * - analogies in the `questions-words.txt` format (": section" lines, then "a b c d" per line): 3CosAdd
 *   over the first `restrict` words, the three question words excluded; a question counts only when
 *   all four words are in that vocabulary; accuracy per section and overall, plus coverage;
 * - word-pair similarity ("word1 word2 score" per line, '#' comments): Spearman's rank correlation
 *   (ties get their average rank) and Pearson's between the scores and the cosines, over the pairs
 *   whose words are both known, plus coverage.
 * Words are lowercased by default (both files and gensim's default `case_insensitive`).
 */
import { checkOptions } from '../util/options.js';
import type { KeyedVectors } from './keyed-vectors.js';

/** A section of an analogy file (`: capital-common-countries`) and its questions. */
export interface AnalogySection {
  name: string;
  questions: [string, string, string, string][];
}

/** Parses an analogy file in the word2vec `questions-words.txt` format. */
export function parseAnalogies(text: string, options: { lowercase?: boolean } = {}): AnalogySection[] {
  checkOptions('parseAnalogies', options, { lowercase: 'boolean' });
  const lower = options.lowercase ?? true;
  const sections: AnalogySection[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (line.startsWith(':')) {
      sections.push({ name: line.slice(1).trim(), questions: [] });
      return;
    }
    const words = (lower ? line.toLowerCase() : line).split(/\s+/);
    if (words.length !== 4) throw new Error(`analogies: line ${i + 1} has ${words.length} words, expected 4: ${JSON.stringify(line)}`);
    if (sections.length === 0) throw new Error(`analogies: line ${i + 1} comes before any ": section" line`);
    sections[sections.length - 1].questions.push(words as [string, string, string, string]);
  });
  return sections;
}

/** Accuracy on one section of analogies. */
export interface AnalogySectionResult {
  section: string;
  correct: number;
  /** Questions answered (all four words known). */
  answered: number;
  /** Questions in the file. */
  total: number;
  accuracy: number;
}

/** Accuracy on analogies, overall and per section. */
export interface AnalogyResult {
  sections: AnalogySectionResult[];
  correct: number;
  answered: number;
  total: number;
  /** correct / answered. */
  accuracy: number;
  /** answered / total. */
  coverage: number;
  /** Sections named gram* (the syntactic ones, by the original file's convention) and the rest. */
  semantic: { correct: number; answered: number; accuracy: number };
  syntactic: { correct: number; answered: number; accuracy: number };
}

/** Options of `evaluateAnalogies`. */
export interface AnalogyOptions {
  /** Search (and accept questions over) the first N words only (default 30000, as compute-accuracy's threshold). */
  restrict?: number;
  /** Only questions whose words all satisfy this (e.g. in every compared vocabulary). */
  filter?: (words: readonly string[]) => boolean;
}

/** Answers each analogy a : b :: c : ? with the nearest vector to b - a + c and scores the answers. */
export function evaluateAnalogies(kv: KeyedVectors, sections: readonly AnalogySection[], options: AnalogyOptions = {}): AnalogyResult {
  checkOptions('evaluateAnalogies', options, { restrict: 'number', filter: 'function' });
  const restrict = Math.min(kv.size, options.restrict ?? 30000);
  const known = (w: string): number | undefined => {
    const i = kv.indexOf(w);
    return i !== undefined && i < restrict ? i : undefined;
  };
  const results: AnalogySectionResult[] = [];
  const sem = { correct: 0, answered: 0 }, syn = { correct: 0, answered: 0 };
  for (const section of sections) {
    const asked: [number, number, number][] = [];
    const expected: number[] = [];
    for (const q of section.questions) {
      if (options.filter && !options.filter(q)) continue;
      const ids = q.map(known);
      if (ids.some((i) => i === undefined)) continue;
      asked.push([ids[0]!, ids[1]!, ids[2]!]);
      expected.push(ids[3]!);
    }
    const predicted = asked.length ? kv.analogyBatch(asked, restrict) : new Int32Array(0);
    let correct = 0;
    for (let i = 0; i < expected.length; i++) if (predicted[i] === expected[i]) correct++;
    results.push({ section: section.name, correct, answered: asked.length, total: section.questions.length, accuracy: asked.length ? correct / asked.length : NaN });
    const bucket = section.name.startsWith('gram') ? syn : sem;
    bucket.correct += correct;
    bucket.answered += asked.length;
  }
  const correct = sem.correct + syn.correct, answered = sem.answered + syn.answered;
  const total = sections.reduce((n, s) => n + s.questions.length, 0);
  const acc = (b: { correct: number; answered: number }) => ({ ...b, accuracy: b.answered ? b.correct / b.answered : NaN });
  return {
    sections: results, correct, answered, total,
    accuracy: answered ? correct / answered : NaN,
    coverage: total ? answered / total : NaN,
    semantic: acc(sem), syntactic: acc(syn),
  };
}

/** Two words and a human similarity score. */
export interface WordPair {
  a: string;
  b: string;
  score: number;
}

/** Parses a word-similarity file (`word1 word2 score` per line). */
export function parseWordPairs(text: string, options: { lowercase?: boolean } = {}): WordPair[] {
  checkOptions('parseWordPairs', options, { lowercase: 'boolean' });
  const lower = options.lowercase ?? true;
  const pairs: WordPair[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const parts = line.split(/[\t ,]+/);
    if (parts.length < 3) throw new Error(`word pairs: line ${i + 1} needs "word1 word2 score", got ${JSON.stringify(line)}`);
    const score = Number(parts[2]);
    if (!Number.isFinite(score)) throw new Error(`word pairs: line ${i + 1}: ${JSON.stringify(parts[2])} is not a number`);
    pairs.push({ a: lower ? parts[0].toLowerCase() : parts[0], b: lower ? parts[1].toLowerCase() : parts[1], score });
  });
  return pairs;
}

/** Ranks 1..n, ties sharing their average rank. */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => values[x] - values[y]);
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]] === values[order[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

/** Pearson's correlation coefficient of two equally long series. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  if (n !== y.length) throw new Error(`pearson: lengths differ (${n} and ${y.length})`);
  if (n < 2) return NaN;
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) { mx += x[i]; my += y[i]; }
  mx /= n; my /= n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx, dy = y[i] - my;
    sxy += dx * dy; sxx += dx * dx; syy += dy * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN;
}

/** Spearman's rho: Pearson's r of the average ranks (scipy.stats.spearmanr's definition). */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  return pearson(averageRanks(x), averageRanks(y));
}

/** How well cosine similarities follow human scores (Spearman and Pearson). */
export interface SimilarityResult {
  spearman: number;
  pearson: number;
  /** Pairs with both words known. */
  pairs: number;
  total: number;
  coverage: number;
}

/** Compares the vectors' cosine similarities with the pairs' human scores. */
export function evaluateSimilarity(kv: KeyedVectors, pairs: readonly WordPair[], options: { restrict?: number; filter?: (words: readonly string[]) => boolean } = {}): SimilarityResult {
  checkOptions('evaluateSimilarity', options, { restrict: 'number', filter: 'function' });
  const restrict = Math.min(kv.size, options.restrict ?? kv.size);
  const gold: number[] = [], got: number[] = [];
  for (const p of pairs) {
    if (options.filter && !options.filter([p.a, p.b])) continue;
    const i = kv.indexOf(p.a), j = kv.indexOf(p.b);
    if (i === undefined || j === undefined || i >= restrict || j >= restrict) continue;
    gold.push(p.score);
    got.push(kv.similarity(p.a, p.b));
  }
  return { spearman: spearman(gold, got), pearson: pearson(gold, got), pairs: gold.length, total: pairs.length, coverage: pairs.length ? gold.length / pairs.length : NaN };
}
