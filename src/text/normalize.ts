import { checkOptions } from '../util/options.js';
/**
 * Text normalization (browser-safe).
 *
 * Two layers:
 * - character predicates and helpers that follow BERT's `BasicTokenizer` exactly (`isWhitespace`, `isControl`,
 *   `isPunctuation`, `isChineseChar`, `cleanText`, `padChineseChars`, `stripAccents`);
 * - normalizer *specs*: plain JSON objects in the form Hugging Face `tokenizer.json` uses for its `normalizer` field
 *   (`{type: 'NFC'}`, `{type: 'Lowercase'}`, `{type: 'BertNormalizer', ...}`, `{type: 'Sequence', normalizers: [...]}`…),
 *   so a tokenizer saved here loads in `tokenizers` and vice versa. `applyNormalizer(spec, text)` runs one.
 */

/** Unicode normalization forms, as `String.prototype.normalize` takes them. */
export type UnicodeForm = 'NFC' | 'NFD' | 'NFKC' | 'NFKD';

/** A normalizer in Hugging Face `tokenizer.json` form (the subset implemented here). */
export type NormalizerSpec =
  | { type: UnicodeForm }
  | { type: 'Lowercase' }
  | { type: 'StripAccents' }
  | { type: 'Strip'; strip_left?: boolean; strip_right?: boolean }
  | {
      type: 'BertNormalizer';
      clean_text?: boolean;
      handle_chinese_chars?: boolean;
      /** `null` (the default) means: strip accents exactly when lowercasing, as BERT's uncased models do. */
      strip_accents?: boolean | null;
      lowercase?: boolean;
    }
  | { type: 'Sequence'; normalizers: NormalizerSpec[] };

/** Friendly options that `normalizerSpec` turns into a spec. Applied in this order: unicode form, lowercase, accents. */
export interface NormalizeOptions {
  /** Unicode normalization form applied first (default none). */
  unicode?: UnicodeForm | null;
  lowercase?: boolean;
  /** Remove combining marks (category Mn) after canonical decomposition: "Café" → "Cafe". */
  stripAccents?: boolean;
}

/** BERT's `_is_whitespace`: space, tab, newline, carriage return, and category Zs. */
export function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || /^\p{Zs}$/u.test(ch);
}

/** BERT's `_is_control`: categories C* except tab, newline and carriage return (which count as whitespace). */
export function isControl(ch: string): boolean {
  if (ch === '\t' || ch === '\n' || ch === '\r') return false;
  return /^\p{C}$/u.test(ch);
}

/** BERT's `_is_punctuation`: every non-alphanumeric ASCII printable (e.g. `$`, `^`, `` ` ``) and Unicode category P*. */
export function isPunctuation(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
  return /^\p{P}$/u.test(ch);
}

/** BERT's `_is_chinese_char`: the CJK Unified Ideographs blocks (not Hiragana, Katakana or Hangul). */
export function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

const DROPPED_CHARS = /[\0\uFFFD]|(?![\t\n\r])\p{C}/gu;
const WHITESPACE_CHARS = /[\t\n\r\p{Zs}]/gu;
const CJK_CHARS =
  /[\u{4E00}-\u{9FFF}\u{3400}-\u{4DBF}\u{20000}-\u{2A6DF}\u{2A700}-\u{2B73F}\u{2B740}-\u{2B81F}\u{2B820}-\u{2CEAF}\u{F900}-\u{FAFF}\u{2F800}-\u{2FA1F}]/gu;

/** BERT's `_clean_text`: drop NUL, U+FFFD and control characters; turn every whitespace character into a space. */
export function cleanText(text: string): string {
  return text.replace(DROPPED_CHARS, '').replace(WHITESPACE_CHARS, ' ');
}

/** BERT's `_tokenize_chinese_chars`: surround every CJK ideograph with spaces so it becomes its own word. */
export function padChineseChars(text: string): string {
  return text.replace(CJK_CHARS, ' $& ');
}

const COMBINING_MARK = /\p{Mn}/gu;

/** Canonical decomposition, then drop nonspacing marks (category Mn), as BERT's `_run_strip_accents` does. */
export function stripAccents(text: string): string {
  return text.normalize('NFD').replace(COMBINING_MARK, '');
}

/** Build a spec from options: `[unicode form] [Lowercase] [NFD StripAccents [unicode form again]]`; null when it would do nothing. */
export function normalizerSpec(options: NormalizeOptions = {}): NormalizerSpec | null {
  checkOptions('normalizerSpec', options, { unicode: 'any', lowercase: 'boolean', stripAccents: 'boolean' });
  const steps: NormalizerSpec[] = [];
  if (options.unicode) steps.push({ type: options.unicode });
  if (options.lowercase) steps.push({ type: 'Lowercase' });
  if (options.stripAccents) {
    // HF's StripAccents only removes marks that are already decomposed, so decompose first; recompose if asked for a composed form.
    steps.push({ type: 'NFD' }, { type: 'StripAccents' });
    if (options.unicode === 'NFC' || options.unicode === 'NFKC') steps.push({ type: options.unicode });
  }
  if (steps.length === 0) return null;
  return steps.length === 1 ? steps[0]! : { type: 'Sequence', normalizers: steps };
}

/** Normalize text with options (see `NormalizeOptions`). */
export function normalize(text: string, options: NormalizeOptions = {}): string {
  return applyNormalizer(normalizerSpec(options), text);
}

/** BERT's normalizer (as HF `BertNormalizer`): clean text, pad CJK chars, strip accents, lowercase. */
export function bertNormalize(
  text: string,
  options: { cleanText?: boolean; handleChineseChars?: boolean; stripAccents?: boolean | null; lowercase?: boolean } = {},
): string {
  return applyNormalizer(
    {
      type: 'BertNormalizer',
      clean_text: options.cleanText ?? true,
      handle_chinese_chars: options.handleChineseChars ?? true,
      strip_accents: options.stripAccents ?? null,
      lowercase: options.lowercase ?? true,
    },
    text,
  );
}

/** Run a normalizer spec (null: identity). Throws on a type not implemented here. */
export function applyNormalizer(spec: NormalizerSpec | null | undefined, text: string): string {
  if (!spec) return text;
  switch (spec.type) {
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD':
      return text.normalize(spec.type);
    case 'Lowercase':
      return text.toLowerCase();
    case 'StripAccents':
      return text.replace(COMBINING_MARK, '');
    case 'Strip': {
      let out = text;
      if (spec.strip_left ?? true) out = out.replace(/^\s+/u, '');
      if (spec.strip_right ?? true) out = out.replace(/\s+$/u, '');
      return out;
    }
    case 'BertNormalizer': {
      let out = text;
      if (spec.clean_text ?? true) out = cleanText(out);
      if (spec.handle_chinese_chars ?? true) out = padChineseChars(out);
      const lowercase = spec.lowercase ?? true;
      if (spec.strip_accents ?? lowercase) out = stripAccents(out);
      if (lowercase) out = out.toLowerCase();
      return out;
    }
    case 'Sequence':
      for (const s of spec.normalizers) text = applyNormalizer(s, text);
      return text;
    default:
      throw new Error(`unsupported normalizer type ${JSON.stringify((spec as { type: unknown }).type)}`);
  }
}

/** Check that a spec (e.g. from a tokenizer.json) only uses implemented types; returns it typed. */
export function checkNormalizerSpec(spec: unknown): NormalizerSpec | null {
  if (spec === null || spec === undefined) return null;
  const s = spec as { type?: unknown; normalizers?: unknown };
  const known = ['NFC', 'NFD', 'NFKC', 'NFKD', 'Lowercase', 'StripAccents', 'Strip', 'BertNormalizer', 'Sequence'];
  if (typeof s.type !== 'string' || !known.includes(s.type)) throw new Error(`unsupported normalizer type ${JSON.stringify(s.type)}`);
  if (s.type === 'Sequence') {
    if (!Array.isArray(s.normalizers)) throw new Error('Sequence normalizer needs a normalizers array');
    s.normalizers.forEach(checkNormalizerSpec);
  }
  return spec as NormalizerSpec;
}
