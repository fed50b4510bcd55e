/**
 * WordPiece (browser-safe): BERT's greedy longest-match-first subword model, its training, `vocab.txt` and
 * `tokenizer.json` I/O, and `BertTokenizer`, which turns one text or a pair into BERT's model inputs.
 *
 * Encoding a word follows BERT's `WordpieceTokenizer` exactly: a word longer than `maxInputCharsPerWord` (100)
 * characters is `[UNK]`; otherwise take the longest vocabulary entry that starts the word, then the longest
 * `##`-prefixed entry that continues it, and so on; if some position has no match, the whole word is `[UNK]`.
 *
 * Training does what HF's `WordPieceTrainer` does: BPE merges over the words, with every non-initial symbol carrying
 * the `##` prefix (`trainBpe` with `continuingSubwordPrefix`); the vocabulary is the resulting token set.
 */

import type { NormalizerSpec } from './normalize.js';
import type { PreTokenizerSpec } from './pretokenize.js';
import { specialsFromAdded, specialTokenList, trainBpe, vocabFromMap, withAddedTokens } from './bpe.js';
import {
  bosEosTemplate,
  describeJSONValue,
  parseTokenizerJSON,
  partsFromJSON,
  Tokenizer,
  type AddedToken,
  type EncodedInputs,
  type EncodeInputsOptions,
  type TokenizerModel,
  type TokenizerParts,
  type TruncationStrategy,
} from './tokenizer.js';
import { BERT_SPECIAL_TOKENS, presentSpecials, Vocab, type SpecialTokens } from './vocab.js';

export interface WordPieceModelOptions {
  /** Default '[UNK]'. */
  unkToken?: string;
  /** Default '##'. */
  continuingSubwordPrefix?: string;
  /** Longer words become the unknown token (default 100). */
  maxInputCharsPerWord?: number;
  /** Words cached by `tokenizeWord` (default 10 000; 0 disables). */
  cacheCapacity?: number;
}

const isPositiveInteger = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

export class WordPieceModel implements TokenizerModel {
  readonly type = 'WordPiece' as const;
  readonly vocab: Vocab;
  readonly unkToken: string;
  readonly continuingSubwordPrefix: string;
  readonly maxInputCharsPerWord: number;
  private readonly unkId: number;
  /** Longest token, in UTF-16 units, without the prefix: bounds the match search. */
  private readonly maxPieceLength: number;
  private readonly cache = new Map<string, number[]>();
  private readonly cacheCapacity: number;

  constructor(vocab: Vocab, options: WordPieceModelOptions = {}) {
    this.vocab = vocab;
    this.unkToken = options.unkToken ?? '[UNK]';
    this.continuingSubwordPrefix = options.continuingSubwordPrefix ?? '##';
    this.maxInputCharsPerWord = options.maxInputCharsPerWord ?? 100;
    this.cacheCapacity = options.cacheCapacity ?? 10_000;
    if (!isPositiveInteger(this.maxInputCharsPerWord)) {
      throw new Error(`WordPiece: max_input_chars_per_word must be a positive integer, got ${this.maxInputCharsPerWord}`);
    }
    const unk = vocab.get(this.unkToken);
    if (unk === undefined) throw new Error(`unk token ${JSON.stringify(this.unkToken)} is not in the vocabulary`);
    this.unkId = unk;
    let longest = 0;
    for (const t of vocab.tokens) {
      const n = t.startsWith(this.continuingSubwordPrefix) ? t.length - this.continuingSubwordPrefix.length : t.length;
      if (n > longest) longest = n;
    }
    this.maxPieceLength = longest;
  }

  /** Greedy longest-match-first pieces of one word (as BERT's WordpieceTokenizer). */
  tokenizeWord(word: string): number[] {
    const cached = this.cache.get(word);
    if (cached) return cached;
    const result = this.split(word);
    if (this.cacheCapacity > 0) {
      if (this.cache.size >= this.cacheCapacity) this.cache.clear();
      this.cache.set(word, result);
    }
    return result;
  }

  private split(word: string): number[] {
    const chars = Array.from(word);
    if (chars.length > this.maxInputCharsPerWord) return [this.unkId];
    // UTF-16 offsets of each code point boundary, so substrings never split a surrogate pair.
    const offsets = new Array<number>(chars.length + 1);
    offsets[0] = 0;
    chars.forEach((c, i) => (offsets[i + 1] = offsets[i]! + c.length));
    const pieces: number[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      while (end > start && offsets[end]! - offsets[start]! > this.maxPieceLength) end--;
      let found = -1;
      while (end > start) {
        let sub = word.slice(offsets[start], offsets[end]);
        if (start > 0) sub = this.continuingSubwordPrefix + sub;
        const id = this.vocab.get(sub);
        if (id !== undefined) {
          found = id;
          break;
        }
        end--;
      }
      if (found < 0) return [this.unkId];
      pieces.push(found);
      start = end;
    }
    return pieces;
  }

  toJSON(): Record<string, unknown> {
    return {
      type: 'WordPiece',
      unk_token: this.unkToken,
      continuing_subword_prefix: this.continuingSubwordPrefix,
      max_input_chars_per_word: this.maxInputCharsPerWord,
      vocab: Object.fromEntries(this.vocab.tokens.map((t, i) => [t, i])),
    };
  }

  static fromJSON(model: Record<string, unknown>, specials: SpecialTokens | null = null, added: readonly AddedToken[] = []): WordPieceModel {
    if (model.type !== undefined && model.type !== 'WordPiece') throw new Error(`expected a WordPiece model, got ${JSON.stringify(model.type)}`);
    const tokens = withAddedTokens(vocabFromMap(model.vocab), added);
    const field = <T>(name: string, fallback: T, valid: (v: unknown) => boolean, expected: string): T => {
      const v = model[name];
      if (v === undefined) return fallback;
      if (!valid(v)) throw new Error(`WordPiece: ${name} must be ${expected}, got ${describeJSONValue(v)}`);
      return v as T;
    };
    const isString = (v: unknown) => typeof v === 'string';
    return new WordPieceModel(new Vocab(tokens, { specials: presentSpecials(tokens, specials) }), {
      unkToken: field('unk_token', '[UNK]', isString, 'a string'),
      continuingSubwordPrefix: field('continuing_subword_prefix', '##', isString, 'a string'),
      maxInputCharsPerWord: field('max_input_chars_per_word', 100, isPositiveInteger, 'a positive integer'),
    });
  }
}

export interface BertTextOptions {
  /** Lowercase (uncased models; default true). Accents are stripped too unless `stripAccents` says otherwise. */
  lowercase?: boolean;
  /** Default: same as lowercase (BERT's rule). */
  stripAccents?: boolean | null;
  /** Put spaces around CJK ideographs (default true). */
  handleChineseChars?: boolean;
  /** Drop control characters and map whitespace to spaces (default true). */
  cleanText?: boolean;
}

export interface WordPieceTrainOptions extends BertTextOptions {
  vocabSize: number;
  /** Default 2. */
  minFrequency?: number;
  /** Special tokens (default BERT's: [PAD]=0, [UNK]=1, [CLS]=2, [SEP]=3, [MASK]=4). Must include unk. */
  specials?: SpecialTokens;
  /** Keep only this many most frequent characters in the alphabet (HF's limit_alphabet; default 1000). */
  limitAlphabet?: number;
  /** Default '##'. */
  continuingSubwordPrefix?: string;
  maxTokenLength?: number;
}

/** BERT's normalizer spec for the given text options. */
export function bertNormalizerSpec(options: BertTextOptions = {}): NormalizerSpec {
  return {
    type: 'BertNormalizer',
    clean_text: options.cleanText ?? true,
    handle_chinese_chars: options.handleChineseChars ?? true,
    strip_accents: options.stripAccents ?? null,
    lowercase: options.lowercase ?? true,
  };
}

const BERT_PRE_TOKENIZER: PreTokenizerSpec = { type: 'BertPreTokenizer' };

export class WordPieceTokenizer extends Tokenizer {
  declare readonly model: WordPieceModel;

  constructor(model: WordPieceModel, parts: TokenizerParts = {}) {
    super(model, parts);
  }

  /** BERT's pipeline (BertNormalizer, BertPreTokenizer, WordPiece decoder, `[CLS] A [SEP] B [SEP]`) around a vocab. */
  static fromVocab(vocab: Vocab, options: BertTextOptions & { unkToken?: string; continuingSubwordPrefix?: string; maxInputCharsPerWord?: number } = {}): WordPieceTokenizer {
    const unkToken = options.unkToken ?? (vocab.unkId >= 0 ? vocab.token(vocab.unkId) : '[UNK]');
    const prefix = options.continuingSubwordPrefix ?? '##';
    const model = new WordPieceModel(vocab, { unkToken, continuingSubwordPrefix: prefix, maxInputCharsPerWord: options.maxInputCharsPerWord });
    const cls = vocab.clsId >= 0 ? { token: vocab.token(vocab.clsId), id: vocab.clsId } : null;
    const sep = vocab.sepId >= 0 ? { token: vocab.token(vocab.sepId), id: vocab.sepId } : null;
    return new WordPieceTokenizer(model, {
      normalizer: bertNormalizerSpec(options),
      preTokenizer: BERT_PRE_TOKENIZER,
      decoder: { type: 'WordPiece', prefix, cleanup: true },
      postProcessor: cls || sep ? bosEosTemplate(cls, sep) : null,
      addedTokens: vocab.specialTokenIds().map((id) => ({ id, content: vocab.token(id), special: true })),
    });
  }

  /** Train a WordPiece vocabulary on texts with BERT's normalization and pre-tokenization. */
  static train(texts: Iterable<string>, options: WordPieceTrainOptions): WordPieceTokenizer {
    const specials = options.specials ?? BERT_SPECIAL_TOKENS;
    if (!specials.unk) throw new Error('WordPiece needs an unk token');
    const prefix = options.continuingSubwordPrefix ?? '##';
    const probe = new Tokenizer(new WordPieceModel(new Vocab([specials.unk]), { unkToken: specials.unk }), {
      normalizer: bertNormalizerSpec(options),
      preTokenizer: BERT_PRE_TOKENIZER,
    });
    const counts = new Map<string, number>();
    for (const text of texts) for (const w of probe.preTokenize(text)) counts.set(w, (counts.get(w) ?? 0) + 1);
    const { tokens } = trainBpe(counts, {
      vocabSize: options.vocabSize,
      minFrequency: options.minFrequency ?? 2,
      specialTokens: specialTokenList(specials),
      limitAlphabet: options.limitAlphabet ?? 1000,
      continuingSubwordPrefix: prefix,
      maxTokenLength: options.maxTokenLength,
    });
    return WordPieceTokenizer.fromVocab(new Vocab(tokens, { specials }), { ...options, continuingSubwordPrefix: prefix });
  }

  /** Read BERT's `vocab.txt` (one token per line, id = line number) into BERT's pipeline. */
  static fromVocabText(text: string, options: BertTextOptions & { specials?: SpecialTokens } = {}): WordPieceTokenizer {
    return WordPieceTokenizer.fromVocab(Vocab.fromText(text, { specials: options.specials ?? BERT_SPECIAL_TOKENS }), options);
  }

  /** `vocab.txt` text of this tokenizer's vocabulary. */
  toVocabText(): string {
    return this.model.vocab.toText();
  }

  /** Load a tokenizer.json (text or parsed object) whose model type is "WordPiece". */
  static fromJSON(json: string | Record<string, unknown>): WordPieceTokenizer {
    const obj = parseTokenizerJSON(json);
    const parts = partsFromJSON(obj);
    const added = parts.addedTokens ?? [];
    const model = WordPieceModel.fromJSON(obj.model as Record<string, unknown>, specialsFromAdded(added), added);
    return new WordPieceTokenizer(model, parts);
  }
}

export interface BertEncodeOptions {
  /** Default 512 (BERT's position limit). */
  maxLength?: number;
  /** Default 'longest_first'. */
  truncation?: TruncationStrategy;
  /** Pad to maxLength (default true), with [PAD] ids, type id 0 and attention 0. */
  padding?: boolean;
}

/**
 * BERT's input builder: `encode(a, b?)` gives `[CLS] A [SEP]` or `[CLS] A [SEP] B [SEP]` ids, token type ids
 * (0 for the first segment with its [CLS] and [SEP], 1 for the second), and the attention mask, truncated and
 * padded to `maxLength`.
 */
export class BertTokenizer {
  readonly tokenizer: Tokenizer;
  readonly maxLength: number;
  readonly truncation: TruncationStrategy;
  readonly padding: boolean;

  constructor(tokenizer: Tokenizer, options: BertEncodeOptions = {}) {
    this.tokenizer = tokenizer;
    this.maxLength = options.maxLength ?? 512;
    this.truncation = options.truncation ?? 'longest_first';
    this.padding = options.padding ?? true;
    if (tokenizer.numSpecialTokensToAdd(true) > this.maxLength) throw new Error(`maxLength ${this.maxLength} cannot hold the special tokens`);
  }

  /** From BERT's vocab.txt text. */
  static fromVocabText(text: string, options: BertEncodeOptions & BertTextOptions = {}): BertTokenizer {
    return new BertTokenizer(WordPieceTokenizer.fromVocabText(text, options), options);
  }

  get vocab(): Vocab {
    return this.tokenizer.vocab;
  }

  /** WordPiece tokens of a text (no special tokens). */
  tokenize(text: string): string[] {
    return this.tokenizer.tokenize(text);
  }

  encode(textA: string, textB?: string | null, options: BertEncodeOptions = {}): EncodedInputs {
    const opts: EncodeInputsOptions = {
      maxLength: options.maxLength ?? this.maxLength,
      truncation: options.truncation ?? this.truncation,
      padding: (options.padding ?? this.padding) ? 'max_length' : false,
    };
    return this.tokenizer.encodeInputs(textA, textB, opts);
  }

  /** Encode many texts or pairs; with padding off, pads to the longest in the batch instead. */
  encodeBatch(items: readonly (string | readonly [string, string])[], options: BertEncodeOptions = {}): EncodedInputs[] {
    const out = items.map((it) => (typeof it === 'string' ? this.encode(it, null, options) : this.encode(it[0], it[1], options)));
    if (!(options.padding ?? this.padding)) {
      const longest = Math.max(0, ...out.map((e) => e.inputIds.length));
      const pad = this.vocab.padId;
      if (pad < 0 && out.some((e) => e.inputIds.length < longest)) throw new Error('padding needs a pad token in the vocabulary');
      for (const e of out) {
        while (e.inputIds.length < longest) {
          e.inputIds.push(pad);
          e.tokenTypeIds.push(0);
          e.attentionMask.push(0);
        }
      }
    }
    return out;
  }

  decode(ids: Iterable<number>, options: { skipSpecialTokens?: boolean } = {}): string {
    return this.tokenizer.decode(ids, options);
  }
}
