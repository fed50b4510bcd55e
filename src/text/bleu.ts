import { checkOptions, POSITIVE_INTEGER } from '../util/options.js';
/**
 * BLEU as sacreBLEU computes it (browser-safe): same tokenizers (`13a` by default, ported regex for regex; `zh`
 * and `char` for Chinese, Japanese and Korean, whose words 13a cannot split), same
 * n-gram clipping against several references, same closest-reference length, same smoothing methods (`exp` by
 * default) and brevity penalty, same floor of log(0). `corpusBleu` matches `sacrebleu.corpus_bleu` and
 * `sentenceBleu` matches `sacrebleu.sentence_bleu` (effective order on) for the options implemented.
 */

export type BleuTokenizer = '13a' | 'zh' | 'char' | 'none' | ((line: string) => string);
/** The smoothing of BLEU's n-gram precisions. */
export type SmoothMethod = 'exp' | 'none' | 'floor' | 'add-k';

/** Options of BLEU: maximum n-gram order, smoothing, tokenisation. */
export interface BleuOptions {
  /** Lowercase hypotheses and references first (default false). */
  lowercase?: boolean;
  /**
   * Default '13a' (mteval-v13a, as WMT uses); 'zh' (each CJK character a token, 13a's rules on the rest); 'char'
   * (every character a token); 'none' splits on whitespace only; or a function. `chooseBleuTokenizer` picks one for a text.
   */
  tokenize?: BleuTokenizer;
  /** Default 'exp'. */
  smoothMethod?: SmoothMethod;
  /** For 'floor' (default 0.1) and 'add-k' (default 1). */
  smoothValue?: number;
  /** Default 4. */
  maxNgramOrder?: number;
  /** Average only over n-gram orders that have any hypothesis n-grams (default false for corpus BLEU). */
  effectiveOrder?: boolean;
}

/** A BLEU score with its precisions, brevity penalty and lengths. */
export interface BleuScore {
  /** 0–100. */
  score: number;
  /** Clipped n-gram matches per order. */
  counts: number[];
  /** Hypothesis n-grams per order. */
  totals: number[];
  /** Precisions per order, in percent. */
  precisions: number[];
  /** Brevity penalty. */
  bp: number;
  sysLen: number;
  refLen: number;
}

/** Python's `str.isspace` set (what `str.split()` and `str.rstrip()` use). */
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_SPACE_RUN = new RegExp(`[${PY_SPACE}]+`, 'u');
const PY_TRAILING_SPACE = new RegExp(`[${PY_SPACE}]+$`, 'u');

/** Python's `s.split()`: split on whitespace runs, no empty strings. */
function pySplit(s: string): string[] {
  return s.split(PY_SPACE_RUN).filter((x) => x.length > 0);
}

// sacrebleu/tokenizers/tokenizer_re.py, in order, character for character. No `u` flag: the escapes are only legal
// without it, and on these patterns UTF-16 matching gives the same strings as Python's code point matching.
const RE_PUNCT = /([\{-\~\[-\` -\&\(-\+\:-\@\/])/g;
const RE_PERIOD_COMMA_AFTER_NONDIGIT = /([^0-9])([\.,])/g;
const RE_PERIOD_COMMA_BEFORE_NONDIGIT = /([\.,])([^0-9])/g;
const RE_DASH_AFTER_DIGIT = /([0-9])(-)/g;

/** sacreBLEU's `TokenizerRegexp` (the language-dependent part of 13a). */
export function tokenizeRegexp(line: string): string {
  line = line
    .replace(RE_PUNCT, ' $1 ')
    .replace(RE_PERIOD_COMMA_AFTER_NONDIGIT, '$1 $2 ')
    .replace(RE_PERIOD_COMMA_BEFORE_NONDIGIT, ' $1 $2')
    .replace(RE_DASH_AFTER_DIGIT, '$1 $2 ');
  return pySplit(line).join(' ');
}

/** sacreBLEU's `Tokenizer13a`: mteval-v13a's tokenization. */
export function tokenize13a(line: string): string {
  line = line.replaceAll('<skipped>', '').replaceAll('-\n', '').replaceAll('\n', ' ');
  if (line.includes('&')) {
    line = line.replaceAll('&quot;', '"').replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>');
  }
  return tokenizeRegexp(` ${line} `);
}

// sacrebleu/tokenizers/tokenizer_zh.py's _UCODE_RANGES as the code points Python compares them by. Two of its
// bounds are written '\u20000'/'\u2a6d6' and '\u2f800'/'\u2fa1d': Python reads a 4-digit escape and a digit, so
// single characters match U+2001..U+2A6D and U+2F81..U+2FA1 (general punctuation such as — and “ included) and the
// supplementary-plane ideographs those lines meant never do. Reproduced as sacreBLEU scores.
const ZH_RANGES: readonly (readonly [number, number])[] = [
  [0x3400, 0x4db5], [0x4e00, 0x9fa5], [0x9fa6, 0x9fbb], [0xf900, 0xfa2d], [0xfa30, 0xfa6a], [0xfa70, 0xfad9],
  [0x2001, 0x2a6d], [0x2f81, 0x2fa1], [0xff00, 0xffef], [0x2e80, 0x2eff], [0x3000, 0x303f], [0x31c0, 0x31ef],
  [0x2f00, 0x2fdf], [0x2ff0, 0x2fff], [0x3100, 0x312f], [0x31a0, 0x31bf], [0xfe10, 0xfe1f], [0xfe30, 0xfe4f],
  [0x2600, 0x26ff], [0x2700, 0x27bf], [0x3200, 0x32ff], [0x3300, 0x33ff],
];
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'gu');

function isZhChar(codePoint: number): boolean {
  return ZH_RANGES.some(([lo, hi]) => codePoint >= lo && codePoint <= hi);
}

/** sacreBLEU's `TokenizerZh`: every Chinese character (and CJK punctuation, full-width form) its own token, 13a's regexp rules on the rest. */
export function tokenizeZh(line: string): string {
  let spaced = '';
  for (const ch of line.replace(PY_STRIP, '')) spaced += isZhChar(ch.codePointAt(0)!) ? ` ${ch} ` : ch;
  return tokenizeRegexp(spaced);
}

/** sacreBLEU's `TokenizerChar`: every character (code point) its own token. */
export function tokenizeChar(line: string): string {
  return Array.from(line).join(' ');
}

/** The tokenizer for a language code (zh, ja, ko, ...; a region or script suffix is ignored). */
function languageTokenizer(lang: string): '13a' | 'zh' | 'char' {
  const base = lang.toLowerCase().split(/[-_]/)[0];
  if (base === 'zh') return 'zh';
  // sacreBLEU scores ja and ko with MeCab segmenters (ja-mecab, ko-mecab), which need native dictionaries; characters need none.
  if (base === 'ja' || base === 'ko') return 'char';
  return '13a';
}

/**
 * The tokenizer to score text in a language with: 'zh' for Chinese, 'char' for Japanese (kana) and Korean
 * (Hangul), '13a' otherwise. From the language code when given, else from the scripts of the letters in `texts`.
 */
export function chooseBleuTokenizer(texts: readonly string[], lang?: string | null): '13a' | 'zh' | 'char' {
  if (lang) return languageTokenizer(lang);
  let letters = 0, han = 0, kana = 0, hangul = 0;
  for (const text of texts) {
    for (const ch of text) {
      if (!/\p{L}/u.test(ch)) continue;
      letters++;
      if (/\p{Script=Han}/u.test(ch)) han++;
      else if (/[\p{Script=Hiragana}\p{Script=Katakana}]/u.test(ch)) kana++;
      else if (/\p{Script=Hangul}/u.test(ch)) hangul++;
    }
  }
  if (letters === 0) return '13a';
  if (kana >= 0.05 * letters || hangul >= 0.3 * letters) return 'char';
  if (han >= 0.3 * letters) return 'zh';
  return '13a';
}

function tokenizerOf(t: BleuTokenizer | undefined): (line: string) => string {
  if (t === undefined || t === '13a') return tokenize13a;
  if (t === 'zh') return tokenizeZh;
  if (t === 'char') return tokenizeChar;
  if (t === 'none') return (s) => s;
  if (typeof t === 'function') return t;
  throw new Error(`BLEU: unknown tokenizer ${JSON.stringify(t)} (expected '13a', 'zh', 'char', 'none' or a function)`);
}

/** n-grams of orders 1..maxOrder as "a b c" keys (tokens never hold spaces after splitting) with counts. */
function ngramCounts(tokens: readonly string[], maxOrder: number): Map<string, number> {
  const out = new Map<string, number>();
  for (let n = 1; n <= maxOrder; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      const key = n + '\u0000' + tokens.slice(i, i + n).join(' ');
      out.set(key, (out.get(key) ?? 0) + 1);
    }
  }
  return out;
}

/** sacreBLEU's `my_log`: log with log(0) floored to -9999999999. */
function myLog(x: number): number {
  return x === 0 ? -9999999999 : Math.log(x);
}

/** BLEU from sufficient statistics (sacreBLEU's `BLEU.compute_bleu`). */
export function computeBleu(
  correct: readonly number[],
  total: readonly number[],
  sysLen: number,
  refLen: number,
  options: { smoothMethod?: SmoothMethod; smoothValue?: number; effectiveOrder?: boolean; maxNgramOrder?: number } = {},
): BleuScore {
  checkOptions('computeBleu', options, { smoothMethod: ['exp', 'none', 'floor', 'add-k'], smoothValue: 'number', effectiveOrder: 'boolean', maxNgramOrder: POSITIVE_INTEGER });
  const method = options.smoothMethod ?? 'none';
  const maxOrder = options.maxNgramOrder ?? 4;
  const smoothValue = options.smoothValue ?? (method === 'floor' ? 0.1 : method === 'add-k' ? 1 : 0);
  const counts = correct.slice(0, maxOrder);
  const totals = total.slice(0, maxOrder);
  let bp = 1.0;
  if (sysLen < refLen) bp = sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0.0;
  const precisions = new Array<number>(maxOrder).fill(0);
  if (!counts.some((c) => c !== 0)) return { score: 0, counts, totals, precisions, bp, sysLen, refLen };
  let smoothMteval = 1.0;
  let effOrder = maxOrder;
  const c = counts.slice();
  const t = totals.slice();
  for (let n = 1; n <= maxOrder; n++) {
    if (method === 'add-k' && n > 1) {
      c[n - 1]! += smoothValue;
      t[n - 1]! += smoothValue;
    }
    if (t[n - 1] === 0) break;
    if (options.effectiveOrder) effOrder = n;
    if (c[n - 1] === 0) {
      if (method === 'exp') {
        smoothMteval *= 2;
        precisions[n - 1] = 100 / (smoothMteval * t[n - 1]!);
      } else if (method === 'floor') {
        precisions[n - 1] = (100 * smoothValue) / t[n - 1]!;
      }
    } else precisions[n - 1] = (100 * c[n - 1]!) / t[n - 1]!;
  }
  let sum = 0;
  for (let i = 0; i < effOrder; i++) sum += myLog(precisions[i]!);
  const score = bp * Math.exp(sum / effOrder);
  // sacreBLEU reports the add-k adjusted counts too (it updates its lists in place).
  return { score, counts: c, totals: t, precisions, bp, sysLen, refLen };
}

/** Of several reference lengths, the closest to the hypothesis length (the shorter on ties). */
function closestRefLen(hypLen: number, refLens: readonly number[]): number {
  let closestDiff = -1;
  let closestLen = -1;
  for (const len of refLens) {
    const diff = Math.abs(hypLen - len);
    if (closestDiff === -1 || diff < closestDiff) {
      closestDiff = diff;
      closestLen = len;
    } else if (diff === closestDiff && len < closestLen) closestLen = len;
  }
  return closestLen;
}

/** Per-segment statistics: [hypLen, refLen, correct_1..N, total_1..N]. */
function segmentStats(hyp: string, refs: readonly string[], maxOrder: number, prep: (s: string) => string): number[] {
  const refNgrams = new Map<string, number>();
  const refLens: number[] = [];
  for (const ref of refs) {
    const tokens = pySplit(prep(ref));
    refLens.push(tokens.length);
    for (const [g, c] of ngramCounts(tokens, maxOrder)) if (c > (refNgrams.get(g) ?? 0)) refNgrams.set(g, c);
  }
  const hypTokens = pySplit(prep(hyp));
  const correct = new Array<number>(maxOrder).fill(0);
  const total = new Array<number>(maxOrder).fill(0);
  for (const [g, c] of ngramCounts(hypTokens, maxOrder)) {
    const n = Number(g.slice(0, g.indexOf('\u0000'))) - 1;
    total[n]! += c;
    const r = refNgrams.get(g);
    if (r !== undefined) correct[n]! += Math.min(c, r);
  }
  return [hypTokens.length, closestRefLen(hypTokens.length, refLens), ...correct, ...total];
}

function preprocessor(options: BleuOptions): (s: string) => string {
  const tok = tokenizerOf(options.tokenize);
  const lower = options.lowercase ?? false;
  return (s) => tok((lower ? s.toLowerCase() : s).replace(PY_TRAILING_SPACE, ''));
}

/**
 * Corpus BLEU, as `sacrebleu.corpus_bleu(hypotheses, references)`. `references` is a list of reference *streams*,
 * each as long as `hypotheses` (sacreBLEU's layout: `references[k][i]` is the k-th reference of sentence i); a single
 * stream may be passed as a plain string array. A `null` reference means "this sentence has fewer references".
 */
export function corpusBleu(
  hypotheses: readonly string[],
  references: readonly (readonly (string | null)[])[] | readonly string[],
  options: BleuOptions = {},
): BleuScore {
  checkOptions('corpusBleu', options, { lowercase: 'boolean', tokenize: 'any', smoothMethod: 'any', smoothValue: 'number', maxNgramOrder: 'number', effectiveOrder: 'boolean' });
  const streams: readonly (readonly (string | null)[])[] =
    references.length > 0 && typeof references[0] === 'string' ? [references as readonly string[]] : (references as readonly (readonly (string | null)[])[]);
  for (const [k, s] of streams.entries()) {
    if (s.length !== hypotheses.length) throw new Error(`reference stream ${k} has ${s.length} lines for ${hypotheses.length} hypotheses`);
  }
  const maxOrder = options.maxNgramOrder ?? 4;
  const prep = preprocessor(options);
  const sums = new Array<number>(2 + 2 * maxOrder).fill(0);
  hypotheses.forEach((hyp, i) => {
    const refs = streams.map((s) => s[i]).filter((r): r is string => r !== null && r !== undefined);
    const stats = segmentStats(hyp, refs, maxOrder, prep);
    for (let j = 0; j < stats.length; j++) sums[j]! += stats[j]!;
  });
  return computeBleu(sums.slice(2, 2 + maxOrder), sums.slice(2 + maxOrder), sums[0]!, sums[1]!, {
    smoothMethod: options.smoothMethod ?? 'exp',
    smoothValue: options.smoothValue,
    effectiveOrder: options.effectiveOrder ?? false,
    maxNgramOrder: maxOrder,
  });
}

/** Sentence BLEU, as `sacrebleu.sentence_bleu(hypothesis, references)`: 'exp' smoothing, effective order on. */
export function sentenceBleu(hypothesis: string, references: readonly string[], options: BleuOptions = {}): BleuScore {
  checkOptions('sentenceBleu', options, { lowercase: 'boolean', tokenize: 'any', smoothMethod: 'any', smoothValue: 'number', maxNgramOrder: 'number', effectiveOrder: 'boolean' });
  const maxOrder = options.maxNgramOrder ?? 4;
  const stats = segmentStats(hypothesis, references, maxOrder, preprocessor(options));
  return computeBleu(stats.slice(2, 2 + maxOrder), stats.slice(2 + maxOrder), stats[0]!, stats[1]!, {
    smoothMethod: options.smoothMethod ?? 'exp',
    smoothValue: options.smoothValue,
    effectiveOrder: options.effectiveOrder ?? true,
    maxNgramOrder: maxOrder,
  });
}
