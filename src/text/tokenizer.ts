/**
 * `Tokenizer`: the pipeline shared by BPE and WordPiece (browser-safe), shaped like Hugging Face `tokenizers`:
 *
 *   text → split out added (special) tokens → normalizer → pre-tokenizer → model (per word) → post-processor
 *
 * and back: ids → tokens → decoder → text. Every stage is a JSON spec in `tokenizer.json` form, so `toJSON()` writes a
 * file HF `tokenizers` / `transformers` (`PreTrainedTokenizerFast(tokenizer_file=...)`) can load, and `fromJSON` in
 * `bpe.ts` / `wordpiece.ts` (or `tokenizerFromJSON` in `index.ts`) reads one back.
 */

import { checkOptions } from '../util/options.js';
import { applyNormalizer, checkNormalizerSpec, normalizeAligned, type NormalizerSpec } from './normalize.js';
import {
  applyDecoder,
  applyPreTokenizer,
  checkDecoderSpec,
  checkPreTokenizerSpec,
  preTokenizeWithSpans,
  type DecoderSpec,
  type PreTokenizerSpec,
} from './pretokenize.js';

import type { Vocab } from './vocab.js';
import { jsonStructureProblem } from '../io/json-check.js';

/** An entry of `tokenizer.json`'s `added_tokens`. */
export interface AddedToken {
  id: number;
  content: string;
  single_word?: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
  normalized?: boolean;
  special?: boolean;
}

/** One item of a TemplateProcessing template. */
export type TemplatePiece = { SpecialToken: { id: string; type_id: number } } | { Sequence: { id: 'A' | 'B'; type_id: number } };

/** A Hugging Face post-processor, as `tokenizer.json` describes it. */
export type PostProcessorSpec =
  | {
      type: 'TemplateProcessing';
      single: TemplatePiece[];
      pair: TemplatePiece[];
      special_tokens: Record<string, { id: string; ids: number[]; tokens: string[] }>;
    }
  | { type: 'BertProcessing'; sep: [string, number]; cls: [string, number] }
  | { type: 'ByteLevel'; add_prefix_space?: boolean; trim_offsets?: boolean; use_regex?: boolean };

/** The subword model inside a tokenizer. */
export interface TokenizerModel {
  readonly type: 'BPE' | 'WordPiece';
  readonly vocab: Vocab;
  /** Ids for one pre-tokenized word. */
  tokenizeWord(word: string): number[];
  /** Ids with each piece's span `[start, end)` in the word (models that support offset mappings). */
  tokenizeWordWithSpans?(word: string): { ids: number[]; spans: [number, number][] };
  /** The `model` field of tokenizer.json. */
  toJSON(): Record<string, unknown>;
}

/** The parts of a tokenizer pipeline: normaliser, pre-tokenizer, model, post-processor, decoder. */
export interface TokenizerParts {
  normalizer?: NormalizerSpec | null;
  preTokenizer?: PreTokenizerSpec | null;
  decoder?: DecoderSpec | null;
  postProcessor?: PostProcessorSpec | null;
  /** Added tokens; ids must be those of the model's vocab. Special tokens listed here are matched in raw text. */
  addedTokens?: AddedToken[];
}

/** How to truncate a pair of inputs that is too long (Hugging Face's strategies). */
export type TruncationStrategy = 'longest_first' | 'only_first' | 'only_second' | false;

/** Options of encoding: special tokens, truncation, padding. */
export interface EncodeInputsOptions {
  /** Length to truncate to (and pad to, with padding 'max_length'), special tokens included. */
  maxLength?: number;
  /** Default 'longest_first' when maxLength is set. */
  truncation?: TruncationStrategy;
  /** 'max_length' pads to maxLength; false (default) does not pad. */
  padding?: 'max_length' | false;
  /** Add the post-processor's special tokens (default true). */
  addSpecialTokens?: boolean;
  /** Also return each token's character span in the original text ([0, 0] for special and pad tokens). */
  returnOffsetsMapping?: boolean;
}

/** Model inputs, BERT-style. */
export interface EncodedInputs {
  inputIds: number[];
  tokenTypeIds: number[];
  attentionMask: number[];
  /** `[start, end)` of each token in the original text, `[0, 0]` for special tokens and padding (when asked for). */
  offsetMapping?: [number, number][];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A tokenizer pipeline in the shape of Hugging Face `tokenizers`: text to ids and back. */
export class Tokenizer {
  readonly model: TokenizerModel;
  readonly normalizer: NormalizerSpec | null;
  readonly preTokenizer: PreTokenizerSpec | null;
  readonly decoder: DecoderSpec | null;
  readonly postProcessor: PostProcessorSpec | null;
  readonly addedTokens: readonly AddedToken[];
  private readonly addedPattern: RegExp | null;
  private readonly addedByContent = new Map<string, AddedToken>();
  private readonly specialIds = new Set<number>();

  constructor(model: TokenizerModel, parts: TokenizerParts = {}) {
    this.model = model;
    this.normalizer = checkNormalizerSpec(parts.normalizer ?? null);
    this.preTokenizer = checkPreTokenizerSpec(parts.preTokenizer ?? null);
    this.decoder = checkDecoderSpec(parts.decoder ?? null);
    this.postProcessor = checkPostProcessorSpec(parts.postProcessor ?? null, model.vocab.size);
    this.addedTokens = (parts.addedTokens ?? []).map((t) => ({ ...t }));
    for (const t of this.addedTokens) {
      const id = model.vocab.get(t.content);
      if (id !== t.id) throw new Error(`added token ${JSON.stringify(t.content)} has id ${t.id} but the vocabulary gives ${id}`);
      this.addedByContent.set(t.content, t);
      if (t.special ?? true) this.specialIds.add(t.id);
    }
    const contents = this.addedTokens.map((t) => t.content).filter((c) => c.length > 0);
    contents.sort((a, b) => b.length - a.length);
    this.addedPattern = contents.length ? new RegExp(contents.map(escapeRegExp).join('|'), 'g') : null;
  }

  get vocab(): Vocab {
    return this.model.vocab;
  }
  get vocabSize(): number {
    return this.model.vocab.size;
  }
  tokenToId(token: string): number | undefined {
    return this.model.vocab.get(token);
  }
  idToToken(id: number): string {
    return this.model.vocab.token(id);
  }
  isSpecialId(id: number): boolean {
    return this.specialIds.has(id);
  }

  /** Normalize and pre-tokenize (no added-token splitting): the words the model sees. */
  preTokenize(text: string): string[] {
    return applyPreTokenizer(this.preTokenizer, applyNormalizer(this.normalizer, text));
  }

  /** Ids of a text, without post-processing (no [CLS]/[SEP]); added tokens in the text map to their ids. */
  encode(text: string): number[] {
    const ids: number[] = [];
    const plain = (s: string) => {
      for (const word of this.preTokenize(s)) for (const id of this.model.tokenizeWord(word)) ids.push(id);
    };
    if (!this.addedPattern) {
      plain(text);
      return ids;
    }
    let last = 0;
    for (const m of text.matchAll(this.addedPattern)) {
      const added = this.addedByContent.get(m[0])!;
      let before = text.slice(last, m.index);
      if (added.lstrip) before = before.replace(/\s+$/u, '');
      plain(before);
      ids.push(added.id);
      last = m.index! + m[0].length;
      if (added.rstrip) while (last < text.length && /\s/u.test(text[last]!)) last++;
    }
    plain(text.slice(last));
    return ids;
  }

  /**
   * `encode` with each token's span `[start, end)` in `text`, the original (before lowercasing, accent stripping and
   * the like): `text.slice(start, end)` is what the token stands for. Needs a model with `tokenizeWordWithSpans`
   * (WordPiece) and a pre-tokenizer other than ByteLevel.
   */
  encodeWithOffsets(text: string): { ids: number[]; offsets: [number, number][] } {
    const model = this.model;
    if (!model.tokenizeWordWithSpans) throw new Error(`encodeWithOffsets: the ${model.type} model does not give offsets`);
    const ids: number[] = [];
    const offsets: [number, number][] = [];
    const plain = (from: number, to: number) => {
      const aligned = normalizeAligned(this.normalizer, text.slice(from, to));
      for (const w of preTokenizeWithSpans(this.preTokenizer, aligned.text)) {
        const pieces = model.tokenizeWordWithSpans!(w.word);
        pieces.ids.forEach((id, k) => {
          const [a, b] = pieces.spans[k]!;
          ids.push(id);
          offsets.push([from + aligned.starts[w.start + a]!, from + aligned.ends[w.start + b - 1]!]);
        });
      }
    };
    if (!this.addedPattern) {
      plain(0, text.length);
      return { ids, offsets };
    }
    let last = 0;
    for (const m of text.matchAll(this.addedPattern)) {
      const added = this.addedByContent.get(m[0])!;
      plain(last, m.index!);
      ids.push(added.id);
      offsets.push([m.index!, m.index! + m[0].length]);
      last = m.index! + m[0].length;
      if (added.rstrip) while (last < text.length && /\s/u.test(text[last]!)) last++;
    }
    plain(last, text.length);
    return { ids, offsets };
  }

  /** Tokens (strings) of a text. */
  tokenize(text: string): string[] {
    return this.encode(text).map((id) => this.model.vocab.token(id));
  }

  /** Text of ids; special tokens are skipped unless `skipSpecialTokens` is false. */
  decode(ids: Iterable<number>, options: { skipSpecialTokens?: boolean } = {}): string {
    checkOptions('decode', options, { skipSpecialTokens: 'boolean' });
    const skip = options.skipSpecialTokens ?? true;
    const tokens: string[] = [];
    const out: string[] = [];
    const flush = () => {
      if (tokens.length) out.push(applyDecoder(this.decoder, tokens.splice(0)));
    };
    for (const id of ids) {
      if (this.specialIds.has(id)) {
        if (skip) continue;
        // Added tokens are not run through the decoder (a byte-level decoder would mangle them).
        flush();
        out.push(this.model.vocab.token(id));
        continue;
      }
      tokens.push(this.model.vocab.token(id));
    }
    flush();
    return this.decoder?.type === 'ByteLevel' ? out.join('') : out.join(' ');
  }

  /** Special tokens the post-processor adds for one sequence (`pair` false) or two. */
  numSpecialTokensToAdd(pair: boolean): number {
    const { ids } = this.postProcess([], pair ? [] : null);
    return ids.length;
  }

  /**
   * Add the post-processor's special tokens: returns ids, token type ids, and for each output token its index in
   * `a`, or `a.length +` its index in `b`, or -1 for an added special token.
   */
  postProcess(a: readonly number[], b: readonly number[] | null = null): { ids: number[]; typeIds: number[]; sources: number[] } {
    const pp = this.postProcessor;
    const ids: number[] = [];
    const typeIds: number[] = [];
    const sources: number[] = [];
    const push = (xs: readonly number[], type: number) => {
      const base = xs === a ? 0 : xs === b ? a.length : -1;
      xs.forEach((x, i) => {
        ids.push(x);
        typeIds.push(type);
        sources.push(base < 0 ? -1 : base + i);
      });
    };
    if (!pp || pp.type === 'ByteLevel') {
      push(a, 0);
      if (b) push(b, 1);
    } else if (pp.type === 'BertProcessing') {
      push([pp.cls[1]], 0);
      push(a, 0);
      push([pp.sep[1]], 0);
      if (b) {
        push(b, 1);
        push([pp.sep[1]], 1);
      }
    } else {
      for (const piece of b ? pp.pair : pp.single) {
        if ('SpecialToken' in piece) {
          const st = pp.special_tokens[piece.SpecialToken.id];
          if (!st) throw new Error(`TemplateProcessing names unknown special token ${piece.SpecialToken.id}`);
          push(st.ids, piece.SpecialToken.type_id);
        } else if (piece.Sequence.id === 'A') push(a, piece.Sequence.type_id);
        else if (b) push(b, piece.Sequence.type_id);
      }
    }
    return { ids, typeIds, sources };
  }

  /**
   * Model inputs for one text or a pair: post-processed (e.g. `[CLS] A [SEP] B [SEP]`), truncated and padded to
   * `maxLength` if asked. Truncation follows transformers: 'longest_first' removes one token at a time from the end
   * of the longer sequence (the second one on ties).
   */
  encodeInputs(textA: string, textB?: string | null, options: EncodeInputsOptions = {}): EncodedInputs {
    checkOptions('encodeInputs', options, { maxLength: 'number', truncation: 'any', padding: 'any', addSpecialTokens: 'boolean', returnOffsetsMapping: 'boolean' });
    const withOffsets = options.returnOffsetsMapping ?? false;
    const hasB = textB !== undefined && textB !== null;
    const encA = withOffsets ? this.encodeWithOffsets(textA) : { ids: this.encode(textA), offsets: [] };
    const encB = hasB ? (withOffsets ? this.encodeWithOffsets(textB) : { ids: this.encode(textB), offsets: [] }) : null;
    let a = encA.ids;
    let b = encB ? encB.ids : null;
    const addSpecial = options.addSpecialTokens ?? true;
    const maxLength = options.maxLength;
    if (maxLength !== undefined) {
      const strategy = options.truncation ?? 'longest_first';
      const extra = addSpecial ? this.numSpecialTokensToAdd(b !== null) : 0;
      let excess = a.length + (b?.length ?? 0) + extra - maxLength;
      if (excess > 0 && strategy !== false) {
        if (strategy === 'longest_first') {
          a = a.slice();
          b = b?.slice() ?? null;
          for (; excess > 0; excess--) {
            if (b === null || a.length > b.length) a.pop();
            else b.pop();
          }
        } else {
          const which = strategy === 'only_first' ? a : b;
          if (which === null || which.length < excess) {
            throw new Error(`cannot truncate ${strategy === 'only_first' ? 'the first' : 'the second'} sequence by ${excess} tokens`);
          }
          if (strategy === 'only_first') a = a.slice(0, a.length - excess);
          else b = b!.slice(0, b!.length - excess);
        }
      }
    }
    const { ids, typeIds, sources } = addSpecial
      ? this.postProcess(a, b)
      : {
          ids: [...a, ...(b ?? [])],
          typeIds: [...a.map(() => 0), ...(b ?? []).map(() => 1)],
          sources: [...a.map((_, i) => i), ...(b ?? []).map((_, i) => a.length + i)],
        };
    const attentionMask = ids.map(() => 1);
    const offsetMapping = withOffsets
      ? sources.map((k): [number, number] => (k < 0 ? [0, 0] : k < a.length ? encA.offsets[k]! : encB!.offsets[k - a.length]!))
      : null;
    if (options.padding === 'max_length' && maxLength !== undefined && ids.length < maxLength) {
      const pad = this.model.vocab.padId;
      if (pad < 0) throw new Error('padding needs a pad token in the vocabulary');
      while (ids.length < maxLength) {
        ids.push(pad);
        typeIds.push(0);
        attentionMask.push(0);
        offsetMapping?.push([0, 0]);
      }
    }
    return offsetMapping
      ? { inputIds: ids, tokenTypeIds: typeIds, attentionMask, offsetMapping }
      : { inputIds: ids, tokenTypeIds: typeIds, attentionMask };
  }

  /** The whole tokenizer in HF `tokenizer.json` form. */
  toJSON(): Record<string, unknown> {
    return {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: this.addedTokens.map((t) => ({
        id: t.id,
        content: t.content,
        single_word: t.single_word ?? false,
        lstrip: t.lstrip ?? false,
        rstrip: t.rstrip ?? false,
        normalized: t.normalized ?? false,
        special: t.special ?? true,
      })),
      normalizer: this.normalizer,
      pre_tokenizer: this.preTokenizer,
      post_processor: this.postProcessor,
      decoder: this.decoder,
      model: this.model.toJSON(),
    };
  }

  /** `tokenizer.json` text. */
  toJSONString(): string {
    return JSON.stringify(this.toJSON(), null, 2);
  }
}

/** The parts of a parsed tokenizer.json other than the model, checked. */
export function partsFromJSON(json: Record<string, unknown>): TokenizerParts {
  const added = json.added_tokens ?? [];
  if (!Array.isArray(added)) throw new Error(`tokenizer.json: added_tokens must be an array, got ${describeJSONValue(added)}`);
  return {
    normalizer: checkNormalizerSpec(json.normalizer),
    preTokenizer: checkPreTokenizerSpec(json.pre_tokenizer),
    decoder: checkDecoderSpec(json.decoder),
    postProcessor: checkPostProcessorSpec(json.post_processor ?? null),
    addedTokens: added.map(checkAddedToken),
  };
}

/** A JSON value for an error message, shortened. */
export function describeJSONValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value); // undefined and functions have no JSON form
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkAddedToken(token: unknown, index: number): AddedToken {
  const where = `tokenizer.json: added_tokens[${index}]`;
  if (!isPlainObject(token) || !isId(token.id) || token.id < 0 || typeof token.content !== 'string') {
    throw new Error(`${where} must be an object with an integer "id" and a string "content", got ${describeJSONValue(token)}`);
  }
  for (const flag of ['single_word', 'lstrip', 'rstrip', 'normalized', 'special']) {
    const v = token[flag];
    if (v !== undefined && typeof v !== 'boolean') throw new Error(`${where}: "${flag}" must be a boolean, got ${describeJSONValue(v)}`);
  }
  return token as unknown as AddedToken;
}

/**
 * Check a post-processor spec's fields, and with `vocabSize` that its ids are in the vocabulary, so that a bad
 * tokenizer.json fails when it is loaded, not at its first encode.
 */
export function checkPostProcessorSpec(spec: unknown, vocabSize?: number): PostProcessorSpec | null {
  if (spec === null || spec === undefined) return null;
  if (!isPlainObject(spec)) throw new Error(`post_processor must be an object, got ${describeJSONValue(spec)}`);
  const where = `post_processor (${String(spec.type)})`;
  const checkId = (id: number, what: string) => {
    if (vocabSize !== undefined && (id < 0 || id >= vocabSize)) {
      throw new Error(`${where}: ${what} has id ${id}, outside the vocabulary (ids 0…${vocabSize - 1})`);
    }
  };
  if (spec.type === 'TemplateProcessing') {
    const specials = spec.special_tokens;
    if (!isPlainObject(specials)) throw new Error(`${where}: "special_tokens" must be an object, got ${describeJSONValue(specials)}`);
    for (const [name, st] of Object.entries(specials)) {
      const ids = isPlainObject(st) ? st.ids : undefined;
      if (!Array.isArray(ids) || !ids.every(isId)) {
        throw new Error(`${where}: special token ${JSON.stringify(name)} must have "ids", an array of integers, got ${describeJSONValue(ids)}`);
      }
      for (const id of ids) checkId(id, `special token ${JSON.stringify(name)}`);
    }
    for (const field of ['single', 'pair'] as const) {
      const pieces = spec[field];
      if (!Array.isArray(pieces)) throw new Error(`${where}: "${field}" must be an array, got ${describeJSONValue(pieces)}`);
      pieces.forEach((piece: unknown, i) => {
        const special = isPlainObject(piece) && isPlainObject(piece.SpecialToken) ? piece.SpecialToken : null;
        const sequence = isPlainObject(piece) && isPlainObject(piece.Sequence) ? piece.Sequence : null;
        const body = special ?? sequence;
        const valid =
          body !== null && isId(body.type_id) && body.type_id >= 0 && (special ? typeof special.id === 'string' : body.id === 'A' || body.id === 'B');
        if (!valid) {
          throw new Error(
            `${where}: "${field}"[${i}] must be {"SpecialToken": {"id": name, "type_id": n}} or ` +
              `{"Sequence": {"id": "A" or "B", "type_id": n}}, got ${describeJSONValue(piece)}`,
          );
        }
        if (special && !Object.hasOwn(specials, special.id as string)) {
          throw new Error(`${where}: "${field}"[${i}] names special token ${JSON.stringify(special.id)}, which "special_tokens" does not define`);
        }
      });
    }
  } else if (spec.type === 'BertProcessing') {
    for (const field of ['sep', 'cls'] as const) {
      const pair = spec[field];
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || !isId(pair[1])) {
        throw new Error(`${where}: "${field}" must be [token, id], got ${describeJSONValue(pair)}`);
      }
      checkId(pair[1], `"${field}"`);
    }
  } else if (spec.type !== 'ByteLevel') {
    throw new Error(`unsupported post_processor type ${JSON.stringify(spec.type)}`);
  }
  return spec as PostProcessorSpec;
}

/** A TemplateProcessing spec for `bos A eos` / `bos A eos B eos` (BERT's `[CLS] A [SEP] B [SEP]`); type ids 0 then 1. */
export function bosEosTemplate(bos: { token: string; id: number } | null, eos: { token: string; id: number } | null): PostProcessorSpec {
  const single: TemplatePiece[] = [];
  const pair: TemplatePiece[] = [];
  const special_tokens: Record<string, { id: string; ids: number[]; tokens: string[] }> = {};
  if (bos) {
    single.push({ SpecialToken: { id: bos.token, type_id: 0 } });
    pair.push({ SpecialToken: { id: bos.token, type_id: 0 } });
    special_tokens[bos.token] = { id: bos.token, ids: [bos.id], tokens: [bos.token] };
  }
  single.push({ Sequence: { id: 'A', type_id: 0 } });
  pair.push({ Sequence: { id: 'A', type_id: 0 } });
  if (eos) {
    single.push({ SpecialToken: { id: eos.token, type_id: 0 } });
    pair.push({ SpecialToken: { id: eos.token, type_id: 0 } });
    special_tokens[eos.token] = { id: eos.token, ids: [eos.id], tokens: [eos.token] };
  }
  pair.push({ Sequence: { id: 'B', type_id: 1 } });
  if (eos) pair.push({ SpecialToken: { id: eos.token, type_id: 1 } });
  return { type: 'TemplateProcessing', single, pair, special_tokens };
}

// tokenizer.json nests a few levels (a Sequence of normalizers holding patterns); deeper is damage or an attack.
const MAX_TOKENIZER_JSON_DEPTH = 64;

/** Parse tokenizer.json text (refusing duplicate keys and deep nesting) or pass an object through; a model object is required. */
export function parseTokenizerJSON(json: string | Record<string, unknown>): Record<string, unknown> {
  let obj: unknown = json;
  if (typeof json === 'string') {
    const problem = jsonStructureProblem(json, MAX_TOKENIZER_JSON_DEPTH);
    if (problem !== null) throw new Error(`tokenizer.json: ${problem}`);
    try {
      obj = JSON.parse(json);
    } catch (err) {
      throw new Error(`tokenizer.json is not valid JSON (${(err as Error).message})`);
    }
  }
  if (!isPlainObject(obj)) throw new Error(`tokenizer.json must hold a JSON object, got ${Array.isArray(obj) ? 'an array' : describeJSONValue(obj)}`);
  if (!isPlainObject(obj.model)) {
    throw new Error(`tokenizer.json: "model" must be an object, got ${Array.isArray(obj.model) ? 'an array' : describeJSONValue(obj.model)}`);
  }
  return obj;
}
