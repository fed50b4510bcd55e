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

/**
 * Lowercase character by character, as HF `tokenizers` does: `String.prototype.toLowerCase` turns a word-final `Σ`
 * into `ς` (the one context-dependent rule), per character it is `σ`.
 */
export function lowercaseChars(text: string): string {
  return (text.includes('Σ') ? text.replace(/Σ/g, 'σ') : text).toLowerCase();
}

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
  checkOptions('bertNormalize', options, { cleanText: 'boolean', handleChineseChars: 'boolean', stripAccents: 'boolean|null', lowercase: 'boolean' });
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
      return lowercaseChars(text);
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
      if (lowercase) out = lowercaseChars(out);
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

/**
 * Normalized text with, for each of its UTF-16 units, the span `[starts[i], ends[i])` of the original text it came
 * from: what offset mappings (QA answer spans) need. Lengths may change (accents stripped, `İ` lowercased to two
 * units, CJK padding), so the spans are tracked per piece rather than recomputed.
 */
export interface AlignedText {
  text: string;
  starts: number[];
  ends: number[];
}

/** A base character with the combining marks that follow it: the unit Unicode normalization works within. */
const CLUSTER = /\P{M}\p{M}*|\p{M}+/gsu;

function alignedIdentity(text: string): AlignedText {
  const starts = new Array<number>(text.length);
  const ends = new Array<number>(text.length);
  for (let i = 0; i < text.length; i++) {
    starts[i] = i;
    ends[i] = i + 1;
  }
  return { text, starts, ends };
}

/** Apply `transform` to each cluster of `input`; every unit it outputs maps to the cluster's original span. */
function mapClusters(input: AlignedText, transform: (cluster: string) => string): AlignedText {
  const parts: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  for (const m of input.text.matchAll(CLUSTER)) {
    const out = transform(m[0]);
    if (out.length === 0) continue;
    const s = input.starts[m.index!]!;
    const e = input.ends[m.index! + m[0].length - 1]!;
    parts.push(out);
    for (let k = 0; k < out.length; k++) {
      starts.push(s);
      ends.push(e);
    }
  }
  return { text: parts.join(''), starts, ends };
}

/**
 * `applyNormalizer` with alignment to the original text (see `AlignedText`). Each step works on one base character
 * with its combining marks at a time, as HF `tokenizers` aligns its normalized strings; the text equals
 * `applyNormalizer`'s.
 */
export function normalizeAligned(spec: NormalizerSpec | null | undefined, text: string | AlignedText): AlignedText {
  const input = typeof text === 'string' ? alignedIdentity(text) : text;
  if (!spec) return input;
  switch (spec.type) {
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD':
      return mapClusters(input, (c) => c.normalize(spec.type));
    case 'Lowercase':
      return mapClusters(input, (c) => c.toLowerCase());
    case 'StripAccents':
      return mapClusters(input, (c) => c.replace(COMBINING_MARK, ''));
    case 'Strip': {
      let a = 0;
      let b = input.text.length;
      if (spec.strip_left ?? true) while (a < b && /\s/u.test(input.text[a]!)) a++;
      if (spec.strip_right ?? true) while (b > a && /\s/u.test(input.text[b - 1]!)) b--;
      return { text: input.text.slice(a, b), starts: input.starts.slice(a, b), ends: input.ends.slice(a, b) };
    }
    case 'BertNormalizer': {
      const clean = spec.clean_text ?? true;
      const chinese = spec.handle_chinese_chars ?? true;
      const lowercase = spec.lowercase ?? true;
      const strip = spec.strip_accents ?? lowercase;
      return mapClusters(input, (c) => {
        let out = c;
        if (clean) out = cleanText(out);
        if (chinese) out = padChineseChars(out);
        if (strip) out = stripAccents(out);
        if (lowercase) out = out.toLowerCase();
        return out;
      });
    }
    case 'Sequence': {
      let out = input;
      for (const s of spec.normalizers) out = normalizeAligned(s, out);
      return out;
    }
    default:
      throw new Error(`unsupported normalizer type ${JSON.stringify((spec as { type: unknown }).type)}`);
  }
}
