import { checkOptions } from '../util/options.js';
/**
 * Parallel text pairs (browser-safe): TSV formatting/parsing and a deterministic train/valid/test split.
 * File access lives in `corpora/tsv.ts` (Node-only).
 */

export interface TextPair {
  source: string;
  target: string;
  /** Where the pair came from (an OSIS reference, a msgid context…); not written to TSV. */
  id?: string;
}

/** Tabs, newlines and other line breaks inside a field become single spaces (so one pair is one TSV line). */
export function tsvField(s: string): string {
  return s.replace(/[\t\n\r\v\f\u0085\u2028\u2029]+/g, ' ');
}

/** `source<TAB>target` lines, each ending in a newline. */
export function formatPairsTsv(pairs: Iterable<TextPair>): string {
  let out = '';
  for (const p of pairs) out += `${tsvField(p.source)}\t${tsvField(p.target)}\n`;
  return out;
}

/**
 * Parse `source<TAB>target` lines (`\n` or `\r\n`; a final newline is optional; blank lines are skipped). A line
 * without exactly one tab is an error naming its 1-based line number (and `name`, when given, e.g. a file path).
 */
export function parsePairsTsv(text: string, name?: string): TextPair[] {
  const pairs: TextPair[] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line === '') continue;
    const fields = line.split('\t');
    if (fields.length !== 2) {
      const where = name ? `${name}:${i + 1}` : `line ${i + 1}`;
      throw new Error(`${where}: expected 2 tab-separated fields (source, target), found ${fields.length}`);
    }
    pairs.push({ source: fields[0]!, target: fields[1]! });
  }
  return pairs;
}

/** Options of `splitPairs`: the shares of validation and test, the generator. */
export interface SplitOptions {
  /** Fraction for the test split (default 0.05). */
  test?: number;
  /** Fraction for the validation split (default 0.05). */
  valid?: number;
  /** Seed of the shuffle (default 0). */
  seed?: number;
  /**
   * Keep pairs with the same source text in the same split (default true), so a repeated sentence in the training
   * data cannot leak the answer for the test set. Split sizes are then met as closely as whole groups allow.
   */
  groupBySource?: boolean;
}

/** Train, validation and test pairs. */
export interface Splits {
  train: TextPair[];
  valid: TextPair[];
  test: TextPair[];
}

/** splitmix32: a small, well-mixed deterministic generator. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

/**
 * Deterministic split: the same pairs, options and seed always give the same splits, whatever order the pairs come
 * in. Pairs (or groups of pairs with the same source) are put in a canonical order, shuffled with the seed; the
 * first `round(n·test)` pairs form the test split, the next `round(n·valid)` the validation split, the rest
 * training. Each split keeps the input order.
 */
export function splitPairs(pairs: readonly TextPair[], options: SplitOptions = {}): Splits {
  checkOptions('splitPairs', options, { test: 'number', valid: 'number', seed: 'number', groupBySource: 'boolean' });
  const testFrac = options.test ?? 0.05;
  const validFrac = options.valid ?? 0.05;
  if (!(testFrac >= 0 && validFrac >= 0 && testFrac + validFrac <= 1)) throw new Error('test and valid must be fractions that sum to at most 1');
  const n = pairs.length;
  const nTest = Math.round(n * testFrac);
  const nValid = Math.round(n * validFrac);
  // Groups of indices (one per pair, or per distinct source).
  let groups: number[][];
  if (options.groupBySource ?? true) {
    const bySource = new Map<string, number[]>();
    pairs.forEach((p, i) => {
      const g = bySource.get(p.source);
      if (g) g.push(i);
      else bySource.set(p.source, [i]);
    });
    groups = [...bySource.values()];
  } else groups = pairs.map((_, i) => [i]);
  // Canonical order first, so the split depends on the pairs and the seed only, not on the corpus order.
  const keyOf = (g: number[]) => pairs[g[0]!]!.source + '\u0000' + pairs[g[0]!]!.target;
  const keys = new Map(groups.map((g) => [g, keyOf(g)]));
  groups.sort((x, y) => (keys.get(x)! < keys.get(y)! ? -1 : keys.get(x)! > keys.get(y)! ? 1 : x[0]! - y[0]!));
  const random = rng(options.seed ?? 0);
  for (let i = groups.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [groups[i], groups[j]] = [groups[j]!, groups[i]!];
  }
  const label = new Uint8Array(n); // 0 train, 1 valid, 2 test
  let taken = 0;
  for (const g of groups) {
    if (taken < nTest) g.forEach((i) => (label[i] = 2));
    else if (taken < nTest + nValid) g.forEach((i) => (label[i] = 1));
    else break;
    taken += g.length;
  }
  const out: Splits = { train: [], valid: [], test: [] };
  pairs.forEach((p, i) => (label[i] === 2 ? out.test : label[i] === 1 ? out.valid : out.train).push(p));
  return out;
}
