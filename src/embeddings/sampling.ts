/**
 * The word2vec C tool's sampling machinery (browser-safe): subsampling of frequent words, the
 * unigram^0.75 table that negative samples are drawn from, and the Huffman tree of hierarchical softmax.
 * Each follows word2vec.c (InitUnigramTable, CreateBinaryTree, the `sample` test in TrainModelThread).
 */

/**
 * The probability that each word is kept when a sentence is read, the C tool's formula:
 * `(sqrt(c / (sample * total)) + 1) * (sample * total) / c` (c the word's count, total the corpus's
 * in-vocabulary words), capped at 1; all ones when `sample` is 0.
 */
export function keepProbabilities(counts: ArrayLike<number>, sample: number): Float64Array {
  const n = counts.length;
  const out = new Float64Array(n).fill(1);
  if (!(sample > 0)) return out;
  let total = 0;
  for (let i = 0; i < n; i++) total += counts[i];
  const threshold = sample * total;
  for (let i = 0; i < n; i++) {
    const c = counts[i];
    if (c > 0) out[i] = Math.min(1, (Math.sqrt(c / threshold) + 1) * (threshold / c));
  }
  return out;
}

/**
 * The table negatives are drawn from: word i fills a share of the slots proportional to count^power
 * (the C tool's InitUnigramTable, power 0.75, 1e8 slots; here `size` defaults to 1e7, which gives
 * every word with a share above 1e-7 a slot).
 */
export function unigramTable(counts: ArrayLike<number>, size = 10_000_000, power = 0.75): Int32Array {
  const n = counts.length;
  if (n === 0) throw new Error('unigramTable: the vocabulary is empty');
  const table = new Int32Array(size);
  let totalPow = 0;
  for (let i = 0; i < n; i++) totalPow += Math.pow(counts[i], power);
  let i = 0;
  let d1 = Math.pow(counts[0], power) / totalPow;
  for (let a = 0; a < size; a++) {
    table[a] = i;
    if (a / size > d1) {
      i++;
      d1 += Math.pow(counts[Math.min(i, n - 1)], power) / totalPow;
    }
    if (i >= n) i = n - 1;
  }
  return table;
}

/** The C tool's MAX_CODE_LENGTH. */
export const MAX_CODE_LENGTH = 40;

/**
 * The Huffman tree over word counts (the C tool's CreateBinaryTree): word w's path from the root is
 * `points[offsets[w] .. offsets[w + 1])` (inner-node ids in [0, V - 1), the root being V - 2) with
 * the branch taken at each node in `codes` (0 or 1). Frequent words get short codes.
 * `counts` must be in non-increasing order (as a frequency-sorted Vocab lays them out).
 */
export interface HuffmanTree {
  offsets: Int32Array;
  points: Int32Array;
  codes: Uint8Array;
  /** The longest code. */
  maxLength: number;
}

/** The Huffman tree of word counts that hierarchical softmax walks (the word2vec C tool's CreateBinaryTree). */
export function huffmanTree(counts: ArrayLike<number>): HuffmanTree {
  const V = counts.length;
  if (V < 2) throw new Error(`huffmanTree: hierarchical softmax needs at least 2 words, got ${V}`);
  for (let i = 1; i < V; i++) {
    if (counts[i] > counts[i - 1]) throw new Error('huffmanTree: counts must be sorted most frequent first (build the vocabulary with buildVocab)');
  }
  const count = new Float64Array(2 * V - 1);
  for (let i = 0; i < V; i++) count[i] = counts[i];
  for (let i = V; i < 2 * V - 1; i++) count[i] = 1e15;
  const binary = new Uint8Array(2 * V - 1);
  const parent = new Int32Array(2 * V - 1);
  let pos1 = V - 1, pos2 = V;
  for (let a = 0; a < V - 1; a++) {
    let min1: number, min2: number;
    if (pos1 >= 0 && count[pos1] < count[pos2]) min1 = pos1--;
    else min1 = pos2++;
    if (pos1 >= 0 && count[pos1] < count[pos2]) min2 = pos1--;
    else min2 = pos2++;
    count[V + a] = count[min1] + count[min2];
    parent[min1] = V + a;
    parent[min2] = V + a;
    binary[min2] = 1;
  }
  const lengths = new Int32Array(V);
  const root = 2 * V - 2;
  for (let w = 0; w < V; w++) {
    let len = 0;
    for (let b = w; b !== root; b = parent[b]) len++;
    lengths[w] = len;
  }
  const offsets = new Int32Array(V + 1);
  for (let w = 0; w < V; w++) offsets[w + 1] = offsets[w] + lengths[w];
  const points = new Int32Array(offsets[V]);
  const codes = new Uint8Array(offsets[V]);
  let maxLength = 0;
  for (let w = 0; w < V; w++) {
    const len = lengths[w];
    maxLength = Math.max(maxLength, len);
    // walk leaf → root, filling the path from its end: node i of the path (from the root) is written at len - 1 - depth
    let b = w;
    for (let i = 0; i < len; i++) {
      codes[offsets[w] + len - 1 - i] = binary[b];
      b = parent[b];
      points[offsets[w] + len - 1 - i] = b - V;
    }
  }
  return { offsets, points, codes, maxLength };
}
