import { checkOptions } from '../util/options.js';
/**
 * `Vocab`: a token ↔ id table with special tokens and token counts (browser-safe).
 *
 * Ids are positions in the token list. `Vocab.fromCounts` lays out the special tokens first, in the fixed order
 * pad, unk, bos (= cls), eos (= sep), mask, then extra specials, so with the defaults `[PAD]` is 0, `[UNK]` 1, `[CLS]` 2,
 * `[SEP]` 3 and `[MASK]` 4, followed by the ordinary tokens sorted by count (descending; ties by code point order, so
 * the result never depends on the input's order). That frequency-sorted layout with kept counts is what word2vec and
 * GloVe want (negative-sampling tables, subsampling); `frequencySorted` tells whether a vocab has it.
 */

/** Names of the special tokens; `null` leaves one out. `bos`/`eos` are BERT's `[CLS]`/`[SEP]` under other names. */
export interface SpecialTokens {
  pad?: string | null;
  unk?: string | null;
  /** Beginning of sequence; BERT's `[CLS]`. */
  bos?: string | null;
  /** End of sequence / separator; BERT's `[SEP]`. */
  eos?: string | null;
  mask?: string | null;
  /** Further special tokens, placed after the named ones. */
  extra?: readonly string[];
}

/** BERT's names, the default. */
export const BERT_SPECIAL_TOKENS: Readonly<SpecialTokens> = Object.freeze({
  pad: '[PAD]',
  unk: '[UNK]',
  bos: '[CLS]',
  eos: '[SEP]',
  mask: '[MASK]',
});

/** Names common in translation models (fairseq / Marian style). */
export const SEQ2SEQ_SPECIAL_TOKENS: Readonly<SpecialTokens> = Object.freeze({
  pad: '<pad>',
  unk: '<unk>',
  bos: '<s>',
  eos: '</s>',
  mask: null,
});

/** Options of `Vocab.fromCounts`: minimum count, size limit, specials. */
export interface VocabFromCountsOptions {
  /** Keep tokens seen at least this often (default 1). */
  minFreq?: number;
  /** Largest vocabulary size, special tokens included (default unlimited). */
  maxSize?: number;
  /** Special tokens (default BERT's); `null` for none. */
  specials?: SpecialTokens | null;
}

/** A vocabulary as JSON: tokens in id order and the special tokens. */
export interface VocabJSON {
  tokens: string[];
  counts?: number[];
  specials?: SpecialTokens;
}

const SPECIAL_ORDER = ['pad', 'unk', 'bos', 'eos', 'mask'] as const;
type SpecialName = (typeof SPECIAL_ORDER)[number];

function specialList(specials: SpecialTokens | null | undefined): string[] {
  if (!specials) return [];
  const list: string[] = [];
  for (const name of SPECIAL_ORDER) {
    const t = specials[name];
    if (t !== null && t !== undefined && !list.includes(t)) list.push(t);
  }
  for (const t of specials.extra ?? []) if (!list.includes(t)) list.push(t);
  return list;
}

/** Code point order comparison (the same order Python and Rust sort strings in). */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/** Tokens and their ids, with special tokens ([PAD], [UNK], ...). */
export class Vocab {
  /** Tokens by id. */
  readonly tokens: readonly string[];
  /** Count of each token by id (0 for special tokens and tokens added without one). */
  readonly counts: readonly number[];
  readonly specials: Readonly<SpecialTokens>;
  readonly padId: number;
  readonly unkId: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly maskId: number;
  private readonly index = new Map<string, number>();
  private readonly specialIds: Set<number>;

  /**
   * A vocab from tokens in id order. Every named special token must be among them. Duplicates are an error.
   * `counts`, when given, is aligned with `tokens`.
   */
  constructor(tokens: readonly string[], options: { specials?: SpecialTokens | null; counts?: readonly number[] } = {}) {
    checkOptions('Vocab', options, { specials: 'object|null', counts: 'numbers' });
    const specials = options.specials === undefined ? {} : (options.specials ?? {});
    this.tokens = tokens.slice();
    this.tokens.forEach((t, i) => {
      if (this.index.has(t)) throw new Error(`duplicate token ${JSON.stringify(t)} at ids ${this.index.get(t)} and ${i}`);
      this.index.set(t, i);
    });
    if (options.counts && options.counts.length !== tokens.length) {
      throw new Error(`counts has ${options.counts.length} entries for ${tokens.length} tokens`);
    }
    this.counts = options.counts ? options.counts.slice() : new Array<number>(tokens.length).fill(0);
    this.specials = Object.freeze({ ...specials, extra: specials.extra ? [...specials.extra] : undefined });
    const idOf = (name: SpecialName): number => {
      const t = specials[name];
      if (t === null || t === undefined) return -1;
      const id = this.index.get(t);
      if (id === undefined) throw new Error(`special token ${name}=${JSON.stringify(t)} is not in the vocabulary`);
      return id;
    };
    this.padId = idOf('pad');
    this.unkId = idOf('unk');
    this.bosId = idOf('bos');
    this.eosId = idOf('eos');
    this.maskId = idOf('mask');
    this.specialIds = new Set(
      specialList(specials).map((t) => {
        const id = this.index.get(t);
        if (id === undefined) throw new Error(`special token ${JSON.stringify(t)} is not in the vocabulary`);
        return id;
      }),
    );
  }

  /** BERT's name for `bosId`. */
  get clsId(): number {
    return this.bosId;
  }
  /** BERT's name for `eosId`. */
  get sepId(): number {
    return this.eosId;
  }
  get size(): number {
    return this.tokens.length;
  }

  /**
   * Build from token counts: special tokens first, then tokens with count ≥ minFreq by count (descending, ties in
   * code point order), cut to maxSize. A special token's own count is kept if it appears in `counts`.
   */
  static fromCounts(counts: Map<string, number> | Iterable<readonly [string, number]>, options: VocabFromCountsOptions = {}): Vocab {
    checkOptions('Vocab.fromCounts', options, { minFreq: 'number', maxSize: 'number', specials: 'any' });
    const specials = options.specials === undefined ? BERT_SPECIAL_TOKENS : options.specials;
    const minFreq = options.minFreq ?? 1;
    const maxSize = options.maxSize ?? Infinity;
    const merged = new Map<string, number>();
    for (const [t, c] of counts) merged.set(t, (merged.get(t) ?? 0) + c);
    const special = specialList(specials);
    if (maxSize < special.length) throw new Error(`maxSize ${maxSize} is smaller than the ${special.length} special tokens`);
    const specialSet = new Set(special);
    const entries = [...merged].filter(([t, c]) => c >= minFreq && !specialSet.has(t));
    entries.sort((a, b) => b[1] - a[1] || compareCodePoints(a[0], b[0]));
    const kept = entries.slice(0, Math.max(0, maxSize - special.length));
    return new Vocab([...special, ...kept.map((e) => e[0])], {
      specials,
      counts: [...special.map((t) => merged.get(t) ?? 0), ...kept.map((e) => e[1])],
    });
  }

  /** Count tokens over tokenized sentences. */
  static countTokens(sentences: Iterable<Iterable<string>>, into: Map<string, number> = new Map()): Map<string, number> {
    for (const sentence of sentences) for (const t of sentence) into.set(t, (into.get(t) ?? 0) + 1);
    return into;
  }

  /** `fromCounts(countTokens(sentences), options)`. */
  static fromSentences(sentences: Iterable<Iterable<string>>, options: VocabFromCountsOptions = {}): Vocab {
    checkOptions('Vocab.fromSentences', options, { minFreq: 'number', maxSize: 'number', specials: 'any' });
    return Vocab.fromCounts(Vocab.countTokens(sentences), options);
  }

  /** Id of a token, or `undefined`. */
  get(token: string): number | undefined {
    return this.index.get(token);
  }
  has(token: string): boolean {
    return this.index.has(token);
  }
  /** Id of a token, falling back to the unknown token (an error if there is none). */
  id(token: string): number {
    const id = this.index.get(token);
    if (id !== undefined) return id;
    if (this.unkId < 0) throw new Error(`token ${JSON.stringify(token)} is not in the vocabulary, which has no unknown token`);
    return this.unkId;
  }
  /** Token of an id (a RangeError outside [0, size)). */
  token(id: number): string {
    const t = this.tokens[id];
    if (t === undefined) throw new RangeError(`id ${id} is outside the vocabulary [0, ${this.size})`);
    return t;
  }
  /** Count of a token (by token or id); 0 when unknown. */
  count(tokenOrId: string | number): number {
    const id = typeof tokenOrId === 'number' ? tokenOrId : this.index.get(tokenOrId);
    return id === undefined ? 0 : (this.counts[id] ?? 0);
  }
  isSpecial(id: number): boolean {
    return this.specialIds.has(id);
  }
  /** Ids of all special tokens, ascending. */
  specialTokenIds(): number[] {
    return [...this.specialIds].sort((a, b) => a - b);
  }
  /** True when the non-special tokens are in non-increasing count order (as `fromCounts` lays them out). */
  get frequencySorted(): boolean {
    let prev = Infinity;
    for (let i = 0; i < this.size; i++) {
      if (this.specialIds.has(i)) continue;
      if (this.counts[i]! > prev) return false;
      prev = this.counts[i]!;
    }
    return true;
  }

  /** Tokens → ids (unknown → unk), optionally wrapped in bos/eos. */
  encode(tokens: Iterable<string>, options: { addBos?: boolean; addEos?: boolean } = {}): number[] {
    checkOptions('Vocab.encode', options, { addBos: 'boolean', addEos: 'boolean' });
    const ids: number[] = [];
    if (options.addBos) ids.push(this.required('bos', this.bosId));
    for (const t of tokens) ids.push(this.id(t));
    if (options.addEos) ids.push(this.required('eos', this.eosId));
    return ids;
  }

  /** Ids → tokens; `skipSpecial` drops special tokens (pad, bos, …). */
  decode(ids: Iterable<number>, options: { skipSpecial?: boolean } = {}): string[] {
    checkOptions('Vocab.decode', options, { skipSpecial: 'boolean' });
    const out: string[] = [];
    for (const id of ids) {
      if (options.skipSpecial && this.specialIds.has(id)) continue;
      out.push(this.token(id));
    }
    return out;
  }

  /** A copy with a token appended (or this vocab unchanged if it is there already). */
  withToken(token: string, count = 0): Vocab {
    if (this.has(token)) return this;
    return new Vocab([...this.tokens, token], { specials: this.specials, counts: [...this.counts, count] });
  }

  /** `vocab.txt` text: one token per line, id = line number (BERT's format). */
  toText(): string {
    for (const t of this.tokens) if (/[\n\r]/.test(t)) throw new Error(`token ${JSON.stringify(t)} holds a line break and cannot go in vocab.txt`);
    return this.tokens.join('\n') + '\n';
  }

  /**
   * Read `vocab.txt` text (one token per line; a final newline is optional; `\r\n` is accepted). Special tokens
   * named in `specials` (default BERT's) that are missing from the file are left out rather than an error.
   */
  static fromText(text: string, options: { specials?: SpecialTokens | null } = {}): Vocab {
    checkOptions('Vocab.fromText', options, { specials: 'object|null' });
    const lines = text.split(/\r?\n/);
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return new Vocab(lines, { specials: presentSpecials(lines, options.specials === undefined ? BERT_SPECIAL_TOKENS : options.specials) });
  }

  toJSON(): VocabJSON {
    return { tokens: [...this.tokens], counts: [...this.counts], specials: { ...this.specials } };
  }

  static fromJSON(json: VocabJSON): Vocab {
    return new Vocab(json.tokens, { specials: json.specials ?? null, counts: json.counts });
  }

  private required(name: string, id: number): number {
    if (id < 0) throw new Error(`the vocabulary has no ${name} token`);
    return id;
  }
}

/** The named specials that occur in `tokens` (others set to null). */
export function presentSpecials(tokens: readonly string[], specials: SpecialTokens | null | undefined): SpecialTokens {
  if (!specials) return {};
  const set = new Set(tokens);
  const out: SpecialTokens = {};
  for (const name of SPECIAL_ORDER) {
    const t = specials[name];
    out[name] = t !== null && t !== undefined && set.has(t) ? t : null;
  }
  const extra = (specials.extra ?? []).filter((t) => set.has(t));
  if (extra.length) out.extra = extra;
  return out;
}
