/**
 * KeyedVectors: words and their vectors (gensim's name for the same thing), with cosine queries:
 * nearest neighbours, similarity, and 3CosAdd analogies. Browser-safe. Queries run as nabla matmuls
 * over the unit-normalised table, in chunks so a large vocabulary never needs a [queries, V] matrix
 * bigger than a few tens of MB.
 */
import { Tensor } from '../tensor/tensor.js';
import { matmul } from '../ops/linalg.js';
import { noGrad } from '../autograd/grad-mode.js';
import { checkOptions, describeValue, POSITIVE_INTEGER, type OptionSpec } from '../util/options.js';

/** A word and its cosine similarity. */
export interface Neighbour {
  word: string;
  similarity: number;
}

/** Options of `KeyedVectors.mostSimilar`. */
export interface MostSimilarOptions {
  /** How many to return (default 10). */
  k?: number;
  /** Words never returned (besides the query words themselves). */
  exclude?: Iterable<string>;
  /** Search only the first N words (the most frequent in a frequency-sorted vocabulary). */
  restrict?: number;
}

/** A string is iterable too, but `exclude: 'king'` would exclude letters: refuse it. */
const WORDS = { test: (v: unknown) => typeof v === 'object' && v !== null && Symbol.iterator in v, expected: 'an iterable of words (an array or a Set)' };
const MOST_SIMILAR_OPTIONS: OptionSpec<MostSimilarOptions> = { k: POSITIVE_INTEGER, exclude: WORDS, restrict: POSITIVE_INTEGER };
/** gensim's most_similar keywords, for the unknown-option error's did-you-mean. */
const GENSIM_NAMES = { topn: 'k', restrict_vocab: 'restrict' };

function checkWords(where: string, name: string, words: unknown): void {
  if (!Array.isArray(words) || !words.every((w) => typeof w === 'string')) {
    throw new TypeError(`${where}: ${name} must be an array of words, got ${describeValue(words)}`);
  }
}

/** Word vectors by word (as gensim's KeyedVectors): lookups, nearest neighbours, analogies. */
export class KeyedVectors {
  readonly words: readonly string[];
  /** Row-major [words.length, dim]. */
  readonly vectors: Float32Array;
  readonly dim: number;
  /** Counts per word where known (a trained vocabulary's), else empty. */
  readonly counts: readonly number[];
  private readonly index = new Map<string, number>();
  private unit: Float32Array | null = null;

  constructor(words: readonly string[], vectors: Float32Array, dim: number, counts: readonly number[] = []) {
    if (!Number.isInteger(dim) || dim < 1) throw new Error(`KeyedVectors: dim must be a positive integer, got ${dim}`);
    if (vectors.length !== words.length * dim) {
      throw new Error(`KeyedVectors: ${words.length} words of dim ${dim} need ${words.length * dim} values, got ${vectors.length}`);
    }
    this.words = words;
    this.vectors = vectors;
    this.dim = dim;
    this.counts = counts;
    words.forEach((w, i) => {
      if (!this.index.has(w)) this.index.set(w, i); // the first of a repeated word wins, as gensim keeps the first
    });
  }

  /** From a [V, dim] tensor and its words. */
  static fromTensor(words: readonly string[], table: Tensor, counts: readonly number[] = []): KeyedVectors {
    if (table.ndim !== 2) throw new Error(`KeyedVectors.fromTensor: expected a [V, dim] tensor, got ${table.ndim} dimensions`);
    return new KeyedVectors(words, Float32Array.from(table.contiguousData() as Float32Array), table.shape[1], counts);
  }

  get size(): number {
    return this.words.length;
  }

  has(word: string): boolean {
    return this.index.has(word);
  }

  indexOf(word: string): number | undefined {
    return this.index.get(word);
  }

  /** The vector of a word (a view into `vectors`); throws for an unknown word. */
  get(word: string): Float32Array {
    const i = this.index.get(word);
    if (i === undefined) throw new Error(`word ${JSON.stringify(word)} is not in the vocabulary (${this.size} words)`);
    return this.vectors.subarray(i * this.dim, (i + 1) * this.dim);
  }

  /** The table as a [V, dim] tensor (sharing `vectors`). */
  toTensor(): Tensor {
    return Tensor.fromData(this.vectors, [this.size, this.dim], 'float32');
  }

  /** Unit-length rows (zero rows stay zero), computed once. */
  unitVectors(): Float32Array {
    if (this.unit) return this.unit;
    const { dim } = this;
    const out = new Float32Array(this.vectors.length);
    for (let i = 0; i < this.size; i++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += this.vectors[i * dim + j] ** 2;
      const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
      for (let j = 0; j < dim; j++) out[i * dim + j] = this.vectors[i * dim + j] * inv;
    }
    this.unit = out;
    return out;
  }

  /** Cosine similarity of two words. */
  similarity(a: string, b: string): number {
    const u = this.unitVectors();
    const i = this.requireIndex(a), j = this.requireIndex(b);
    let s = 0;
    for (let d = 0; d < this.dim; d++) s += u[i * this.dim + d] * u[j * this.dim + d];
    return s;
  }

  /**
   * Cosine nearest neighbours of `positive` words (summed as unit vectors) minus `negative` ones,
   * gensim's most_similar; the query words themselves are left out.
   */
  mostSimilar(positive: readonly string[], negative: readonly string[] = [], options: MostSimilarOptions = {}): Neighbour[] {
    checkWords('mostSimilar', 'positive', positive);
    checkWords('mostSimilar', 'negative', negative);
    checkOptions('mostSimilar', options, MOST_SIMILAR_OPTIONS, GENSIM_NAMES);
    const query = this.combine([...positive.map((w): [string, number] => [w, 1]), ...negative.map((w): [string, number] => [w, -1])]);
    const exclude = new Set<number>([...positive, ...negative].map((w) => this.requireIndex(w)));
    for (const w of options.exclude ?? []) {
      const i = this.index.get(w);
      if (i !== undefined) exclude.add(i);
    }
    return this.topK([query], [exclude], options.k ?? 10, options.restrict)[0];
  }

  /** 3CosAdd: the word d (not a, b or c) for "a is to b as c is to d", i.e. nearest to b - a + c. */
  analogy(a: string, b: string, c: string, options: MostSimilarOptions = {}): Neighbour[] {
    checkOptions('analogy', options, MOST_SIMILAR_OPTIONS, GENSIM_NAMES);
    return this.mostSimilar([b, c], [a], options);
  }

  /**
   * Batched 3CosAdd: for each [a, b, c] (word indices), the best index d ∉ {a, b, c} by cosine to
   * unit(b) - unit(a) + unit(c), searching the first `restrict` words (default all).
   */
  analogyBatch(questions: readonly (readonly [number, number, number])[], restrict?: number): Int32Array {
    const out = new Int32Array(questions.length);
    const chunk = 256;
    for (let s = 0; s < questions.length; s += chunk) {
      const part = questions.slice(s, s + chunk);
      const queries = part.map(([a, b, c]) => this.combineIndices([[b, 1], [c, 1], [a, -1]]));
      const best = this.topK(queries, part.map((q) => new Set(q)), 1, restrict);
      best.forEach((r, i) => { out[s + i] = r.length ? this.index.get(r[0].word)! : -1; });
    }
    return out;
  }

  /** The k best rows (by dot product with the unit table) for each query vector, skipping excluded rows. */
  topK(queries: readonly Float32Array[], exclude: readonly Set<number>[], k: number, restrict?: number): Neighbour[][] {
    const V = Math.min(this.size, restrict ?? this.size);
    const { dim } = this;
    const unit = this.unitVectors();
    const table = Tensor.fromData(unit.subarray(0, V * dim), [V, dim], 'float32');
    const results: Neighbour[][] = [];
    // keep each [chunk, block] score matrix near 16 MB
    const block = Math.max(1024, Math.min(V, Math.floor(4_000_000 / Math.max(1, queries.length))));
    const best = queries.map(() => [] as { i: number; s: number }[]);
    noGrad(() => {
      const q = new Float32Array(queries.length * dim);
      queries.forEach((v, i) => q.set(v, i * dim));
      const qt = Tensor.fromData(q, [queries.length, dim], 'float32');
      for (let start = 0; start < V; start += block) {
        const n = Math.min(block, V - start);
        const scores = matmul(qt, table.narrow(0, start, n).t()).contiguousData() as Float32Array;
        for (let r = 0; r < queries.length; r++) {
          const list = best[r];
          const ex = exclude[r];
          const row = r * n;
          for (let j = 0; j < n; j++) {
            const sc = scores[row + j];
            if (list.length === k && sc <= list[k - 1].s) continue;
            const id = start + j;
            if (ex.has(id)) continue;
            let p = list.length < k ? list.length : k - 1;
            if (list.length < k) list.push({ i: id, s: sc });
            while (p > 0 && list[p - 1].s < sc) { list[p] = list[p - 1]; p--; }
            list[p] = { i: id, s: sc };
          }
        }
      }
    });
    for (const list of best) results.push(list.map(({ i, s }) => ({ word: this.words[i], similarity: s })));
    return results;
  }

  /** A copy restricted to the first n words. */
  head(n: number): KeyedVectors {
    const m = Math.min(n, this.size);
    return new KeyedVectors(this.words.slice(0, m), this.vectors.slice(0, m * this.dim), this.dim, this.counts.slice(0, m));
  }

  private requireIndex(word: string): number {
    const i = this.index.get(word);
    if (i === undefined) throw new Error(`word ${JSON.stringify(word)} is not in the vocabulary (${this.size} words)`);
    return i;
  }

  private combine(terms: readonly (readonly [string, number])[]): Float32Array {
    if (terms.length === 0) throw new Error('mostSimilar: give at least one word');
    return this.combineIndices(terms.map(([w, s]) => [this.requireIndex(w), s] as const));
  }

  private combineIndices(terms: readonly (readonly [number, number])[]): Float32Array {
    const unit = this.unitVectors();
    const { dim } = this;
    const q = new Float32Array(dim);
    for (const [i, s] of terms) for (let d = 0; d < dim; d++) q[d] += s * unit[i * dim + d];
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += q[d] * q[d];
    if (norm > 0) for (let d = 0; d < dim; d++) q[d] /= Math.sqrt(norm);
    return q;
  }
}
