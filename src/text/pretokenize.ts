/**
 * Pre-tokenizers and decoders (browser-safe).
 *
 * A pre-tokenizer cuts normalized text into words; the subword model (BPE, WordPiece) then works inside each word,
 * and a decoder glues the model's tokens back into text. Like the normalizers, both are plain specs in Hugging Face
 * `tokenizer.json` form, so what is saved here loads in `tokenizers` and the other way round:
 * - `{type: 'WhitespaceSplit'}`: split on Unicode whitespace;
 * - `{type: 'Whitespace'}`: `\w+|[^\w\s]+`;
 * - `{type: 'BertPreTokenizer'}`: split on whitespace and make each punctuation character its own word (BERT's rules);
 * - `{type: 'ByteLevel'}`: GPT-2's byte-level scheme: split with GPT-2's regex, then spell each word's UTF-8 bytes
 *   with 256 printable stand-in characters (space is `Ġ`), so every string is representable without an unknown token;
 * - `{type: 'Sequence', pretokenizers: [...]}`.
 * Decoders: `ByteLevel`, `BPEDecoder` (end-of-word suffix such as `</w>`), `WordPiece` (`##` continuation prefix).
 */

import { checkOptions } from '../util/options.js';
import { isPunctuation } from './normalize.js';

/** A Hugging Face pre-tokenizer, as `tokenizer.json` describes it. */
export type PreTokenizerSpec =
  | { type: 'WhitespaceSplit' }
  | { type: 'Whitespace' }
  | { type: 'BertPreTokenizer' }
  | { type: 'ByteLevel'; add_prefix_space?: boolean; trim_offsets?: boolean; use_regex?: boolean }
  | { type: 'Sequence'; pretokenizers: PreTokenizerSpec[] };

/** A Hugging Face decoder, as `tokenizer.json` describes it. */
export type DecoderSpec =
  | { type: 'ByteLevel'; add_prefix_space?: boolean; trim_offsets?: boolean; use_regex?: boolean }
  | { type: 'BPEDecoder'; suffix?: string }
  | { type: 'WordPiece'; prefix?: string; cleanup?: boolean };

/** Unicode White_Space (what Rust's `char::is_whitespace` and so HF's whitespace splitting use). */
const WHITE_SPACE = '\\t\\n\\v\\f\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const WHITESPACE_RUN = new RegExp(`[${WHITE_SPACE}]+`, 'u');
/** Rust regex's Unicode `\w`. */
const WORD = '\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}';
const WHITESPACE_PATTERN = new RegExp(`[${WORD}]+|[^${WORD}${WHITE_SPACE}]+`, 'gu');
/** GPT-2's pre-tokenization pattern (as in HF's ByteLevel pre-tokenizer). */
const GPT2_PATTERN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** Split on runs of Unicode whitespace, dropping empty pieces. */
export function whitespaceSplit(text: string): string[] {
  return text.split(WHITESPACE_RUN).filter((w) => w.length > 0);
}

/** HF's `Whitespace` pre-tokenizer: runs of word characters, and runs of other non-space characters. */
export function whitespacePunctSplit(text: string): string[] {
  return text.match(WHITESPACE_PATTERN) ?? [];
}

/** BERT's split: on whitespace, and around every punctuation character (each one becomes a word). */
export function bertPreTokenize(text: string): string[] {
  const out: string[] = [];
  for (const piece of whitespaceSplit(text)) {
    let current = '';
    for (const ch of piece) {
      if (isPunctuation(ch)) {
        if (current) out.push(current);
        out.push(ch);
        current = '';
      } else current += ch;
    }
    if (current) out.push(current);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Byte level

let byteToChar: string[] | null = null;
let charToByte: Map<string, number> | null = null;

/** GPT-2's `bytes_to_unicode`: byte value → printable stand-in character (index = byte). */
export function byteLevelAlphabet(): readonly string[] {
  if (!byteToChar) {
    const bs: number[] = [];
    for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
    for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
    for (let b = 0xae; b <= 0xff; b++) bs.push(b);
    const table = new Array<string>(256);
    for (const b of bs) table[b] = String.fromCodePoint(b);
    let n = 0;
    for (let b = 0; b < 256; b++) if (!bs.includes(b)) table[b] = String.fromCodePoint(256 + n++);
    byteToChar = table;
    charToByte = new Map(table.map((c, b) => [c, b]));
  }
  return byteToChar;
}

const utf8 = new TextEncoder();
// ignoreBOM: a U+FEFF at the start of the bytes is text the user encoded, not a byte order mark to drop.
const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** Spell a string's UTF-8 bytes with the byte-level alphabet ("héllo wörld" → "hÃ©lloĠwÃ¶rld"). */
export function bytesToByteLevel(text: string): string {
  const table = byteLevelAlphabet();
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) out += table[c]!;
    else {
      // Not ASCII: spell the rest through the UTF-8 encoder.
      for (const b of utf8.encode(text.slice(i))) out += table[b]!;
      break;
    }
  }
  return out;
}

/** Undo `bytesToByteLevel` (invalid UTF-8 becomes U+FFFD; characters outside the alphabet are kept as they are). */
export function byteLevelToText(text: string): string {
  byteLevelAlphabet();
  const bytes: number[] = [];
  let out = '';
  for (const ch of text) {
    const b = charToByte!.get(ch);
    if (b === undefined) {
      if (bytes.length) out += utf8Decoder.decode(Uint8Array.from(bytes.splice(0)));
      out += ch;
    } else bytes.push(b);
  }
  if (bytes.length) out += utf8Decoder.decode(Uint8Array.from(bytes));
  return out;
}

/** GPT-2's byte-level pre-tokenization: optional prefix space, GPT-2 regex split, bytes spelled with the alphabet. */
export function byteLevelPreTokenize(text: string, options: { addPrefixSpace?: boolean; useRegex?: boolean } = {}): string[] {
  checkOptions('byteLevelPreTokenize', options, { addPrefixSpace: 'boolean', useRegex: 'boolean' });
  if (options.addPrefixSpace && !text.startsWith(' ')) text = ' ' + text;
  const pieces = (options.useRegex ?? true) ? (text.match(GPT2_PATTERN) ?? []) : text ? [text] : [];
  return pieces.map(bytesToByteLevel);
}

/** Run a pre-tokenizer spec (null: the whole text is one word, if not empty). */
export function applyPreTokenizer(spec: PreTokenizerSpec | null | undefined, text: string): string[] {
  if (!spec) return text ? [text] : [];
  switch (spec.type) {
    case 'WhitespaceSplit':
      return whitespaceSplit(text);
    case 'Whitespace':
      return whitespacePunctSplit(text);
    case 'BertPreTokenizer':
      return bertPreTokenize(text);
    case 'ByteLevel':
      return byteLevelPreTokenize(text, { addPrefixSpace: spec.add_prefix_space ?? false, useRegex: spec.use_regex ?? true });
    case 'Sequence': {
      let words = [text];
      for (const s of spec.pretokenizers) words = words.flatMap((w) => applyPreTokenizer(s, w));
      return words;
    }
    default:
      throw new Error(`unsupported pre_tokenizer type ${JSON.stringify((spec as { type: unknown }).type)}`);
  }
}

/** A pre-tokenized word with its span `[start, end)` in the text it was cut from. */
export interface WordSpan {
  word: string;
  start: number;
  end: number;
}

const WHITESPACE_RUN_GLOBAL = new RegExp(`[^${WHITE_SPACE}]+`, 'gu');

/**
 * `applyPreTokenizer` with each word's span in the text (for offset mappings). ByteLevel is not supported: its words
 * are spelled in stand-in characters whose spans are bytes, not characters.
 */
export function preTokenizeWithSpans(spec: PreTokenizerSpec | null | undefined, text: string): WordSpan[] {
  if (!spec) return text ? [{ word: text, start: 0, end: text.length }] : [];
  const matches = (re: RegExp, s: string, offset: number) =>
    Array.from(s.matchAll(re), (m) => ({ word: m[0], start: offset + m.index!, end: offset + m.index! + m[0].length }));
  switch (spec.type) {
    case 'WhitespaceSplit':
      return matches(WHITESPACE_RUN_GLOBAL, text, 0);
    case 'Whitespace':
      return matches(WHITESPACE_PATTERN, text, 0);
    case 'BertPreTokenizer': {
      const out: WordSpan[] = [];
      for (const piece of matches(WHITESPACE_RUN_GLOBAL, text, 0)) {
        let start = piece.start;
        let i = piece.start;
        for (const ch of piece.word) {
          if (isPunctuation(ch)) {
            if (i > start) out.push({ word: text.slice(start, i), start, end: i });
            out.push({ word: ch, start: i, end: i + ch.length });
            start = i + ch.length;
          }
          i += ch.length;
        }
        if (piece.end > start) out.push({ word: text.slice(start, piece.end), start, end: piece.end });
      }
      return out;
    }
    case 'Sequence': {
      let words: WordSpan[] = [{ word: text, start: 0, end: text.length }];
      for (const s of spec.pretokenizers) {
        words = words.flatMap((w) => preTokenizeWithSpans(s, w.word).map((x) => ({ word: x.word, start: w.start + x.start, end: w.start + x.end })));
      }
      return words.filter((w) => w.word.length > 0);
    }
    default:
      throw new Error(`offsets are not supported for the ${JSON.stringify(spec.type)} pre_tokenizer`);
  }
}

/** Check that a spec only uses implemented types. A ByteLevel step inside a Sequence must be the last one. */
export function checkPreTokenizerSpec(spec: unknown): PreTokenizerSpec | null {
  if (spec === null || spec === undefined) return null;
  const s = spec as { type?: unknown; pretokenizers?: unknown };
  const known = ['WhitespaceSplit', 'Whitespace', 'BertPreTokenizer', 'ByteLevel', 'Sequence'];
  if (typeof s.type !== 'string' || !known.includes(s.type)) throw new Error(`unsupported pre_tokenizer type ${JSON.stringify(s.type)}`);
  if (s.type === 'Sequence') {
    if (!Array.isArray(s.pretokenizers)) throw new Error('Sequence pre_tokenizer needs a pretokenizers array');
    s.pretokenizers.forEach(checkPreTokenizerSpec);
  }
  return spec as PreTokenizerSpec;
}

// ---------------------------------------------------------------------------------------------------------------
// Decoders

/** HF's `cleanup` for WordPiece output (transformers' `clean_up_tokenization`). */
export function cleanupTokenization(text: string): string {
  return text
    .replaceAll(' .', '.')
    .replaceAll(' ?', '?')
    .replaceAll(' !', '!')
    .replaceAll(' ,', ',')
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(' do not', " don't")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}

/** Glue tokens back into text with a decoder spec (null: join with single spaces, as HF does without a decoder). */
export function applyDecoder(spec: DecoderSpec | null | undefined, tokens: readonly string[]): string {
  if (!spec) return tokens.join(' ');
  switch (spec.type) {
    case 'ByteLevel':
      return byteLevelToText(tokens.join(''));
    case 'BPEDecoder': {
      const suffix = spec.suffix ?? '</w>';
      return tokens.map((t, i) => t.replaceAll(suffix, i === tokens.length - 1 ? '' : ' ')).join('');
    }
    case 'WordPiece': {
      // As HF: strip the prefix from continuation pieces, space before the others, then clean up each piece.
      const prefix = spec.prefix ?? '##';
      const cleanup = spec.cleanup ?? true;
      let out = '';
      tokens.forEach((t, i) => {
        let piece = i === 0 ? t : t.startsWith(prefix) ? t.slice(prefix.length) : ' ' + t;
        if (cleanup) piece = cleanupTokenization(piece);
        out += piece;
      });
      return out;
    }
    default:
      throw new Error(`unsupported decoder type ${JSON.stringify((spec as { type: unknown }).type)}`);
  }
}

/** The decoder spec if `spec` is one nabla knows, else null. */
export function checkDecoderSpec(spec: unknown): DecoderSpec | null {
  if (spec === null || spec === undefined) return null;
  const s = spec as { type?: unknown };
  if (s.type !== 'ByteLevel' && s.type !== 'BPEDecoder' && s.type !== 'WordPiece') {
    throw new Error(`unsupported decoder type ${JSON.stringify(s.type)}`);
  }
  return spec as DecoderSpec;
}
