/**
 * Byte-pair encoding (browser-safe): training, encoding, decoding, and Hugging Face `tokenizer.json` save/load.
 *
 * Training (`trainBpe`) follows HF's `BpeTrainer`: count words, start from their characters (plus any initial alphabet,
 * e.g. the 256 byte stand-ins for byte-level BPE), then repeatedly merge the most frequent adjacent pair. Pair counts
 * are kept up to date incrementally: a merge only revisits the words that contain the merged pair (an index from
 * pair to words), and a max-heap with lazy invalidation picks the next pair, so there is no full recount per merge.
 * Ties go to the pair with the smaller (left id, right id); ids follow the alphabet's code point order, so training
 * is deterministic.
 *
 * Two ready-made set-ups (`BpeTokenizer.train`):
 * - 'byteLevel' (default): GPT-2/RoBERTa style. ByteLevel pre-tokenizer and decoder, every string encodable,
 *   `decode(encode(s)) === s` for any s (with the identity normalizer).
 * - 'whitespace': original subword-nmt style. Words split on whitespace, the last symbol of each word carries an
 *   end-of-word suffix (`</w>`), unseen characters become the unknown token; decoding restores single spaces.
 */

import { checkOptions } from '../util/options.js';
import { normalizerSpec, type NormalizeOptions, type NormalizerSpec } from './normalize.js';
import { byteLevelAlphabet, type DecoderSpec, type PreTokenizerSpec } from './pretokenize.js';
import { bosEosTemplate, describeJSONValue, parseTokenizerJSON, partsFromJSON, Tokenizer, type AddedToken, type PostProcessorSpec, type TokenizerModel } from './tokenizer.js';
import { BERT_SPECIAL_TOKENS, compareCodePoints, presentSpecials, Vocab, type SpecialTokens } from './vocab.js';

// ---------------------------------------------------------------------------------------------------------------
// Training core (shared with WordPiece)

/** Options of BPE training: vocabulary size, minimum frequency, specials. */
export interface BpeTrainerOptions {
  /** Target vocabulary size, special tokens and alphabet included. */
  vocabSize: number;
  /** Stop when the best pair occurs fewer times than this (default 2). */
  minFrequency?: number;
  /** Tokens placed first, in this order (ids 0, 1, …). */
  specialTokens?: readonly string[];
  /** Characters always in the alphabet, seen or not (byte-level BPE passes its 256 stand-ins). */
  initialAlphabet?: readonly string[];
  /** Keep only this many most frequent characters (plus the initial alphabet); others are dropped from words. */
  limitAlphabet?: number;
  /** Prefix of non-initial symbols (WordPiece's `##`). */
  continuingSubwordPrefix?: string | null;
  /** Suffix of word-final symbols (subword-nmt's `</w>`). */
  endOfWordSuffix?: string | null;
  /** Skip merges that would make a token longer than this many characters (prefix/suffix not counted). */
  maxTokenLength?: number;
}

/** A trained BPE vocabulary and its merges. */
export interface BpeTrainResult {
  /** Tokens in id order: specials, alphabet, prefixed/suffixed alphabet forms, then merge results. */
  tokens: string[];
  /** Merges in rank order. */
  merges: [string, string][];
}

const KEY_SHIFT = 0x200000; // pair key = left * 2^21 + right; ids must stay below 2^21

/** Max-heap entries: [count, left, right]; larger count first, then smaller left, then smaller right. */
class PairHeap {
  private readonly counts: number[] = [];
  private readonly lefts: number[] = [];
  private readonly rights: number[] = [];
  get size(): number {
    return this.counts.length;
  }
  private above(i: number, j: number): boolean {
    const c = this.counts;
    if (c[i] !== c[j]) return c[i]! > c[j]!;
    if (this.lefts[i] !== this.lefts[j]) return this.lefts[i]! < this.lefts[j]!;
    return this.rights[i]! < this.rights[j]!;
  }
  private swap(i: number, j: number): void {
    for (const a of [this.counts, this.lefts, this.rights]) {
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
  }
  push(count: number, left: number, right: number): void {
    this.counts.push(count);
    this.lefts.push(left);
    this.rights.push(right);
    let i = this.counts.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.above(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }
  pop(): [number, number, number] {
    const top: [number, number, number] = [this.counts[0]!, this.lefts[0]!, this.rights[0]!];
    const last = this.counts.length - 1;
    this.swap(0, last);
    this.counts.pop();
    this.lefts.pop();
    this.rights.pop();
    let i = 0;
    const n = this.counts.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.above(l, m)) m = l;
      if (r < n && this.above(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    return top;
  }
}

/** Learn BPE merges from word counts (words as the pre-tokenizer produced them). */
export function trainBpe(wordCounts: Map<string, number> | Iterable<readonly [string, number]>, options: BpeTrainerOptions): BpeTrainResult {
  checkOptions('trainBpe', options, { vocabSize: 'number', minFrequency: 'number', specialTokens: 'any', initialAlphabet: 'any', limitAlphabet: 'number', continuingSubwordPrefix: 'string|null', endOfWordSuffix: 'string|null', maxTokenLength: 'number' });
  const minFrequency = options.minFrequency ?? 2;
  const prefix = options.continuingSubwordPrefix ?? null;
  const suffix = options.endOfWordSuffix ?? null;
  const maxTokenLength = options.maxTokenLength ?? Infinity;
  const tokens: string[] = [];
  const ids = new Map<string, number>();
  const addToken = (t: string): number => {
    let id = ids.get(t);
    if (id === undefined) {
      id = tokens.length;
      tokens.push(t);
      ids.set(t, id);
    }
    return id;
  };
  for (const t of options.specialTokens ?? []) addToken(t);

  // Words and the alphabet.
  const words: string[][] = [];
  const freqs: number[] = [];
  const charCounts = new Map<string, number>();
  const merged = new Map<string, number>();
  for (const [w, c] of wordCounts) if (w.length > 0 && c > 0) merged.set(w, (merged.get(w) ?? 0) + c);
  for (const [w, c] of merged) {
    const chars = Array.from(w);
    words.push(chars);
    freqs.push(c);
    for (const ch of chars) charCounts.set(ch, (charCounts.get(ch) ?? 0) + c);
  }
  let alphabet = [...charCounts.keys()];
  const initial = new Set(options.initialAlphabet ?? []);
  if (options.limitAlphabet !== undefined && alphabet.length > options.limitAlphabet) {
    alphabet.sort((a, b) => charCounts.get(b)! - charCounts.get(a)! || compareCodePoints(a, b));
    alphabet = alphabet.slice(0, options.limitAlphabet);
  }
  const kept = new Set([...alphabet, ...initial]);
  for (const ch of [...kept].sort(compareCodePoints)) addToken(ch);

  // Initial symbols of each word (with prefix/suffix forms), new forms added in code point order.
  const symbolOf = (ch: string, first: boolean, last: boolean) => (first || !prefix ? '' : prefix) + ch + (last && suffix ? suffix : '');
  const forms = new Set<string>();
  for (const chars of words) {
    chars.forEach((ch, i) => {
      if (kept.has(ch)) forms.add(symbolOf(ch, i === 0, i === chars.length - 1));
    });
  }
  for (const f of [...forms].sort(compareCodePoints)) addToken(f);
  const wordSymbols: number[][] = words.map((chars) => {
    const out: number[] = [];
    chars.forEach((ch, i) => {
      if (kept.has(ch)) out.push(ids.get(symbolOf(ch, i === 0, i === chars.length - 1))!);
    });
    return out;
  });

  // Pair counts and where each pair occurs.
  const pairCounts = new Map<number, number>();
  const where = new Map<number, number[]>();
  for (let wi = 0; wi < wordSymbols.length; wi++) {
    const s = wordSymbols[wi]!;
    const f = freqs[wi]!;
    for (let i = 0; i + 1 < s.length; i++) {
      const key = s[i]! * KEY_SHIFT + s[i + 1]!;
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + f);
      const list = where.get(key);
      if (list === undefined) where.set(key, [wi]);
      else if (list[list.length - 1] !== wi) list.push(wi);
    }
  }
  const heap = new PairHeap();
  for (const [key, c] of pairCounts) heap.push(c, Math.floor(key / KEY_SHIFT), key % KEY_SHIFT);

  const merges: [string, string][] = [];
  const seen = new Int32Array(wordSymbols.length).fill(-1);
  const banned = new Set<number>();
  const charLength = (t: string) => {
    let s = t;
    if (prefix && s.startsWith(prefix)) s = s.slice(prefix.length);
    if (suffix && s.endsWith(suffix)) s = s.slice(0, s.length - suffix.length);
    let n = 0;
    for (const _ of s) n++;
    return n;
  };
  while (tokens.length < options.vocabSize && heap.size > 0) {
    const [count, a, b] = heap.pop();
    const key = a * KEY_SHIFT + b;
    const current = pairCounts.get(key) ?? 0;
    if (current !== count) {
      if (current > 0) heap.push(current, a, b);
      continue;
    }
    if (count < minFrequency) break;
    const left = tokens[a]!;
    const rightRaw = tokens[b]!;
    const right = prefix && rightRaw.startsWith(prefix) ? rightRaw.slice(prefix.length) : rightRaw;
    const newToken = left + right;
    if (banned.has(key)) continue;
    if (charLength(newToken) > maxTokenLength) {
      banned.add(key); // never merge it (its count stays, since words still hold it)
      continue;
    }
    const newId = addToken(newToken);
    if (newId >= KEY_SHIFT) throw new Error(`vocabulary too large for the trainer (${newId} ≥ ${KEY_SHIFT})`);
    merges.push([left, rightRaw]);
    const iteration = merges.length;
    const touched = new Set<number>();
    for (const wi of where.get(key) ?? []) {
      if (seen[wi] === iteration) continue;
      seen[wi] = iteration;
      const s = wordSymbols[wi]!;
      let has = false;
      for (let i = 0; i + 1 < s.length; i++) if (s[i] === a && s[i + 1] === b) has = true;
      if (!has) continue;
      const f = freqs[wi]!;
      // Merge left to right; update only the pairs around each merge site.
      const out: number[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
          const prev = out.length ? out[out.length - 1]! : -1;
          const next = i + 2 < s.length ? s[i + 2]! : -1;
          if (prev >= 0) {
            const k = prev * KEY_SHIFT + a;
            pairCounts.set(k, (pairCounts.get(k) ?? 0) - f);
            const nk = prev * KEY_SHIFT + newId;
            pairCounts.set(nk, (pairCounts.get(nk) ?? 0) + f);
            touched.add(nk);
          }
          if (next >= 0) {
            const k = b * KEY_SHIFT + next;
            pairCounts.set(k, (pairCounts.get(k) ?? 0) - f);
            // If the next pair is merged too, this one (new, a) is fixed up when that merge subtracts (prev=new, a).
            const nk = newId * KEY_SHIFT + next;
            pairCounts.set(nk, (pairCounts.get(nk) ?? 0) + f);
            touched.add(nk);
          }
          pairCounts.set(key, pairCounts.get(key)! - f);
          out.push(newId);
          i++;
        } else out.push(s[i]!);
      }
      wordSymbols[wi] = out;
      for (let i = 0; i + 1 < out.length; i++) {
        if (out[i] === newId || out[i + 1] === newId) {
          const k = out[i]! * KEY_SHIFT + out[i + 1]!;
          const list = where.get(k);
          if (list === undefined) where.set(k, [wi]);
          else if (list[list.length - 1] !== wi) list.push(wi);
        }
      }
    }
    pairCounts.delete(key);
    where.delete(key);
    for (const k of touched) {
      const c = pairCounts.get(k)!;
      if (c > 0) heap.push(c, Math.floor(k / KEY_SHIFT), k % KEY_SHIFT);
      else pairCounts.delete(k);
    }
  }
  return { tokens, merges };
}

// ---------------------------------------------------------------------------------------------------------------
// Model

/** Heap key of a merge candidate = rank * 2^31 + position; ranks stay below KEY_SHIFT (2^21), so keys stay exact. */
const POS_SHIFT = 0x80000000;
/** Longer words are not cached (HF tokenizers' limit too): a few pathological words would hold the cache's memory. */
const MAX_CACHED_WORD = 256;

/** A binary min-heap of numbers. */
class MinHeap {
  private readonly items: number[] = [];
  get size(): number {
    return this.items.length;
  }
  push(x: number): void {
    const a = this.items;
    let i = a.length;
    a.push(x);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]! <= x) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = x;
  }
  pop(): number {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    const n = a.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && a[c + 1]! < a[c]!) c++;
        if (a[c]! >= last) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

/** Options of a BPE model: unknown token, dropout, byte fallback. */
export interface BpeModelOptions {
  unkToken?: string | null;
  continuingSubwordPrefix?: string | null;
  endOfWordSuffix?: string | null;
  /** Several unknown characters in a row become one unknown token. */
  fuseUnk?: boolean;
  /** Words cached by `tokenizeWord` (default 10 000; 0 disables). */
  cacheCapacity?: number;
}

/** A BPE model: vocabulary + ranked merges; encodes a word by applying merges lowest rank first. */
export class BpeModel implements TokenizerModel {
  readonly type = 'BPE' as const;
  readonly vocab: Vocab;
  readonly merges: readonly (readonly [string, string])[];
  readonly unkToken: string | null;
  readonly continuingSubwordPrefix: string | null;
  readonly endOfWordSuffix: string | null;
  readonly fuseUnk: boolean;
  private readonly mergeTable = new Map<number, { rank: number; id: number }>();
  private readonly cache = new Map<string, number[]>();
  private readonly cacheCapacity: number;

  constructor(vocab: Vocab, merges: readonly (readonly [string, string])[], options: BpeModelOptions = {}) {
    checkOptions('BpeModel', options, { unkToken: 'string|null', continuingSubwordPrefix: 'string|null', endOfWordSuffix: 'string|null', fuseUnk: 'boolean', cacheCapacity: 'number' });
    this.vocab = vocab;
    this.merges = merges.map(([a, b]) => [a, b] as const);
    this.unkToken = options.unkToken ?? null;
    this.continuingSubwordPrefix = options.continuingSubwordPrefix ?? null;
    this.endOfWordSuffix = options.endOfWordSuffix ?? null;
    this.fuseUnk = options.fuseUnk ?? false;
    this.cacheCapacity = options.cacheCapacity ?? 10_000;
    if (this.unkToken !== null && !vocab.has(this.unkToken)) throw new Error(`unk token ${JSON.stringify(this.unkToken)} is not in the vocabulary`);
    if (vocab.size >= KEY_SHIFT) throw new Error(`vocabulary of ${vocab.size} tokens is too large`);
    const prefix = this.continuingSubwordPrefix;
    this.merges.forEach(([a, b], rank) => {
      const ia = vocab.get(a);
      const ib = vocab.get(b);
      if (ia === undefined || ib === undefined) throw new Error(`merge ${rank} (${JSON.stringify(a)} ${JSON.stringify(b)}) uses a token not in the vocabulary`);
      const merged = a + (prefix && b.startsWith(prefix) ? b.slice(prefix.length) : b);
      const id = vocab.get(merged);
      if (id === undefined) throw new Error(`merge ${rank} makes ${JSON.stringify(merged)}, which is not in the vocabulary`);
      const key = ia * KEY_SHIFT + ib;
      if (!this.mergeTable.has(key)) this.mergeTable.set(key, { rank, id });
    });
  }

  /** Ids of one word. */
  tokenizeWord(word: string): number[] {
    const cached = this.cache.get(word);
    if (cached) return cached;
    const prefix = this.continuingSubwordPrefix;
    const suffix = this.endOfWordSuffix;
    const unk = this.unkToken === null ? -1 : this.vocab.get(this.unkToken)!;
    const chars = Array.from(word);
    const symbols: number[] = [];
    chars.forEach((ch, i) => {
      const s = prefix || suffix ? (i > 0 && prefix ? prefix : '') + ch + (i === chars.length - 1 && suffix ? suffix : '') : ch;
      const id = this.vocab.get(s);
      if (id !== undefined) symbols.push(id);
      else if (unk >= 0 && !(this.fuseUnk && symbols[symbols.length - 1] === unk)) symbols.push(unk);
    });
    const merged = this.applyMerges(symbols);
    if (this.cacheCapacity > 0 && word.length <= MAX_CACHED_WORD) {
      if (this.cache.size >= this.cacheCapacity) this.cache.clear();
      this.cache.set(word, merged);
    }
    return merged;
  }

  /**
   * Apply merges lowest rank first, leftmost first among equal ranks, in O(n log n) as HF tokenizers does: the
   * symbols form a linked list, and a min-heap holds (rank, position) of every adjacent pair that has a merge.
   * An entry is stale when its left symbol was merged away or its pair changed; stale entries are skipped.
   * Positions keep their left-to-right order, so ties go to the leftmost pair, as when rescanning the word.
   */
  private applyMerges(symbols: number[]): number[] {
    const n = symbols.length;
    if (n < 2) return symbols;
    const next = new Int32Array(n);
    const prev = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      prev[i] = i - 1;
      next[i] = i + 1 < n ? i + 1 : -1;
    }
    const heap = new MinHeap();
    const rankAt = (pos: number): number => {
      const m = this.mergeTable.get(symbols[pos]! * KEY_SHIFT + symbols[next[pos]!]!);
      return m === undefined ? -1 : m.rank;
    };
    const push = (pos: number) => {
      const rank = rankAt(pos);
      if (rank >= 0) heap.push(rank * POS_SHIFT + pos);
    };
    for (let i = 0; i + 1 < n; i++) push(i);
    while (heap.size > 0) {
      const key = heap.pop();
      const rank = Math.floor(key / POS_SHIFT);
      const pos = key - rank * POS_SHIFT;
      const right = next[pos]!;
      if (symbols[pos]! < 0 || right < 0 || rankAt(pos) !== rank) continue;
      symbols[pos] = this.mergeTable.get(symbols[pos]! * KEY_SHIFT + symbols[right]!)!.id;
      symbols[right] = -1;
      const after = next[right]!;
      next[pos] = after;
      if (after >= 0) {
        prev[after] = pos;
        push(pos);
      }
      if (prev[pos]! >= 0) push(prev[pos]!);
    }
    return symbols.filter((s) => s >= 0);
  }

  toJSON(): Record<string, unknown> {
    const ambiguous = this.merges.some(([a, b]) => a.includes(' ') || b.includes(' '));
    return {
      type: 'BPE',
      dropout: null,
      unk_token: this.unkToken,
      continuing_subword_prefix: this.continuingSubwordPrefix,
      end_of_word_suffix: this.endOfWordSuffix,
      fuse_unk: this.fuseUnk,
      byte_fallback: false,
      ignore_merges: false,
      vocab: Object.fromEntries(this.vocab.tokens.map((t, i) => [t, i])),
      // "a b" strings load in every tokenizers version; pairs (tokenizers ≥ 0.20) only when a token holds a space.
      merges: ambiguous ? this.merges.map(([a, b]) => [a, b]) : this.merges.map(([a, b]) => `${a} ${b}`),
    };
  }

  /** Read the `model` object of a tokenizer.json (type "BPE"). */
  static fromJSON(model: Record<string, unknown>, specials: SpecialTokens | null = null, added: readonly AddedToken[] = []): BpeModel {
    if (model.type !== undefined && model.type !== 'BPE') throw new Error(`expected a BPE model, got ${JSON.stringify(model.type)}`);
    if (model.byte_fallback === true) throw new Error('BPE byte_fallback is not supported');
    if (model.ignore_merges === true) throw new Error('BPE ignore_merges is not supported');
    if (model.dropout !== undefined && model.dropout !== null && model.dropout !== 0) throw new Error('BPE dropout is not supported');
    const tokens = withAddedTokens(vocabFromMap(model.vocab), added);
    const rawMerges = model.merges;
    if (!Array.isArray(rawMerges)) throw new Error('BPE model needs a merges array');
    const merges = rawMerges.map((m, i): [string, string] => {
      if (Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string') return [m[0], m[1]];
      if (typeof m === 'string') {
        const parts = m.split(' ');
        if (parts.length === 2) return [parts[0]!, parts[1]!];
      }
      throw new Error(`merge ${i} is malformed: ${JSON.stringify(m)}`);
    });
    const optionalString = (field: string): string | null => {
      const v = model[field];
      if (v !== undefined && v !== null && typeof v !== 'string') throw new Error(`BPE: ${field} must be a string or null, got ${describeJSONValue(v)}`);
      return v ?? null;
    };
    const fuseUnk = model.fuse_unk ?? false;
    if (typeof fuseUnk !== 'boolean') throw new Error(`BPE: fuse_unk must be a boolean, got ${describeJSONValue(fuseUnk)}`);
    return new BpeModel(new Vocab(tokens, { specials: presentSpecials(tokens, specials) }), merges, {
      unkToken: optionalString('unk_token'),
      continuingSubwordPrefix: optionalString('continuing_subword_prefix'),
      endOfWordSuffix: optionalString('end_of_word_suffix'),
      fuseUnk,
    });
  }
}

/** Tokens in id order from a tokenizer.json `vocab` object; ids must be 0…n-1. */
export function vocabFromMap(vocab: unknown): string[] {
  if (typeof vocab !== 'object' || vocab === null || Array.isArray(vocab)) throw new Error('model vocab must be an object of token → id');
  const entries = Object.entries(vocab as Record<string, unknown>);
  const tokens = new Array<string>(entries.length);
  for (const [t, id] of entries) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= entries.length || tokens[id] !== undefined) {
      throw new Error(`vocab ids must be 0…${entries.length - 1}, each once; ${JSON.stringify(t)} has ${JSON.stringify(id)}`);
    }
    tokens[id] = t;
  }
  return tokens;
}

/**
 * Model tokens plus added tokens that live outside the model's vocab (tokenizer.json allows ids past its end, e.g.
 * tokens added after training): appended when their ids continue the vocab; any other mismatch is an error.
 */
export function withAddedTokens(tokens: string[], added: readonly AddedToken[]): string[] {
  const out = tokens.slice();
  const present = new Set(out);
  for (const t of [...added].sort((a, b) => a.id - b.id)) {
    if (present.has(t.content)) continue;
    if (t.id !== out.length) throw new Error(`added token ${JSON.stringify(t.content)} has id ${t.id}, but the vocabulary has ${out.length} tokens`);
    out.push(t.content);
    present.add(t.content);
  }
  return out;
}

/** Special tokens guessed from added tokens marked special (BERT names first, then common seq2seq ones). */
export function specialsFromAdded(added: readonly AddedToken[]): SpecialTokens {
  const names = new Set(added.filter((t) => t.special ?? true).map((t) => t.content));
  const pick = (...cands: string[]) => cands.find((c) => names.has(c)) ?? null;
  return {
    pad: pick('[PAD]', '<pad>', '<|padding|>'),
    unk: pick('[UNK]', '<unk>'),
    bos: pick('[CLS]', '<s>', '[BOS]', '<bos>', '<|endoftext|>'),
    eos: pick('[SEP]', '</s>', '[EOS]', '<eos>', '<|endoftext|>'),
    mask: pick('[MASK]', '<mask>'),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Tokenizer

/** Options of `BpeTokenizer.train`. */
export interface BpeTrainOptions {
  vocabSize: number;
  /** Default 2. */
  minFrequency?: number;
  /** 'byteLevel' (default) or 'whitespace' (see the module comment). */
  mode?: 'byteLevel' | 'whitespace';
  /** Normalization before pre-tokenization (default: NFC only). */
  normalize?: NormalizeOptions;
  /** Special tokens (default BERT's: [PAD]=0, [UNK]=1, [CLS]=2, [SEP]=3, [MASK]=4); `null` for none. */
  specials?: SpecialTokens | null;
  /** byteLevel: add a space before the text so the first word looks like the others (default false). */
  addPrefixSpace?: boolean;
  /** whitespace mode: the end-of-word suffix (default `</w>`). */
  endOfWordSuffix?: string;
  limitAlphabet?: number;
  maxTokenLength?: number;
  /** Post-processor adding bos … eos around sequences (`[CLS] A [SEP]` with BERT's names); default none. */
  addBosEos?: boolean;
}

/** A byte-level BPE tokenizer (GPT-2 style), trained here or read from a Hugging Face `tokenizer.json`. */
export class BpeTokenizer extends Tokenizer {
  declare readonly model: BpeModel;

  constructor(model: BpeModel, parts: ConstructorParameters<typeof Tokenizer>[1] = {}) {
    super(model, parts);
  }

  /** Train on texts (e.g. lines of a corpus). */
  static train(texts: Iterable<string>, options: BpeTrainOptions): BpeTokenizer {
    checkOptions('BpeTokenizer.train', options, { vocabSize: 'number', minFrequency: 'number', mode: "'byteLevel'|'whitespace'", normalize: 'any', specials: 'any', addPrefixSpace: 'boolean', endOfWordSuffix: 'string', limitAlphabet: 'number', maxTokenLength: 'number', addBosEos: 'boolean' });
    const mode = options.mode ?? 'byteLevel';
    const specials = options.specials === undefined ? BERT_SPECIAL_TOKENS : options.specials;
    const specialList = specialTokenList(specials);
    const normalizer: NormalizerSpec | null = normalizerSpec(options.normalize ?? { unicode: 'NFC' });
    let preTokenizer: PreTokenizerSpec;
    let decoder: DecoderSpec;
    let suffix: string | null = null;
    if (mode === 'byteLevel') {
      preTokenizer = { type: 'ByteLevel', add_prefix_space: options.addPrefixSpace ?? false, trim_offsets: true, use_regex: true };
      decoder = { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true };
    } else {
      suffix = options.endOfWordSuffix ?? '</w>';
      preTokenizer = { type: 'WhitespaceSplit' };
      decoder = { type: 'BPEDecoder', suffix };
    }
    // Count words through the same pipeline encode() uses (minus special-token splitting).
    const probe = new Tokenizer(new BpeModel(new Vocab([]), []), { normalizer, preTokenizer });
    const counts = new Map<string, number>();
    for (const text of texts) for (const w of probe.preTokenize(text)) counts.set(w, (counts.get(w) ?? 0) + 1);
    const { tokens, merges } = trainBpe(counts, {
      vocabSize: options.vocabSize,
      minFrequency: options.minFrequency ?? 2,
      specialTokens: specialList,
      initialAlphabet: mode === 'byteLevel' ? byteLevelAlphabet() : [],
      limitAlphabet: options.limitAlphabet,
      endOfWordSuffix: suffix,
      maxTokenLength: options.maxTokenLength,
    });
    const vocab = new Vocab(tokens, { specials });
    const model = new BpeModel(vocab, merges, {
      unkToken: mode === 'whitespace' && vocab.unkId >= 0 ? vocab.token(vocab.unkId) : null,
      endOfWordSuffix: suffix,
    });
    let postProcessor: PostProcessorSpec | null = null;
    if (options.addBosEos) {
      const bos = vocab.bosId >= 0 ? { token: vocab.token(vocab.bosId), id: vocab.bosId } : null;
      const eos = vocab.eosId >= 0 ? { token: vocab.token(vocab.eosId), id: vocab.eosId } : null;
      postProcessor = bosEosTemplate(bos, eos);
    }
    return new BpeTokenizer(model, {
      normalizer,
      preTokenizer,
      decoder,
      postProcessor,
      addedTokens: specialList.map((content) => ({ id: vocab.get(content)!, content, special: true })),
    });
  }

  /** Load a tokenizer.json (text or parsed object) whose model type is "BPE". */
  static fromJSON(json: string | Record<string, unknown>): BpeTokenizer {
    const obj = parseTokenizerJSON(json);
    const parts = partsFromJSON(obj);
    const added = parts.addedTokens ?? [];
    const model = BpeModel.fromJSON(obj.model as Record<string, unknown>, specialsFromAdded(added), added);
    return new BpeTokenizer(model, parts);
  }
}

/** The special tokens of a SpecialTokens object in id order (pad, unk, bos, eos, mask, extra), without repeats. */
export function specialTokenList(specials: SpecialTokens | null | undefined): string[] {
  if (!specials) return [];
  const out: string[] = [];
  for (const t of [specials.pad, specials.unk, specials.bos, specials.eos, specials.mask, ...(specials.extra ?? [])]) {
    if (t !== null && t !== undefined && !out.includes(t)) out.push(t);
  }
  return out;
}
