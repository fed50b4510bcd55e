/**
 * BLEU of translations for `nabla train translate` and `nabla translate --eval`: the tokenizer chosen
 * from the target language or text (13a's word split leaves Chinese, Japanese and Korean sentences
 * one "word" each, so a good model can score below copying the source), with 13a next to it.
 */
import { chooseBleuTokenizer, corpusBleu } from '../../text/bleu.js';
import type { FlagSpecs } from '../args.js';

/** The flags both commands add: the BLEU tokenizer and the target language. */
export const bleuFlags = {
  bleuTokenize: { type: 'string', default: 'auto', choices: ['auto', '13a', 'zh', 'char', 'none'], help: "BLEU tokenizer (sacreBLEU's): auto picks zh for Chinese, char for Japanese and Korean, 13a otherwise" },
  targetLang: { type: 'string', value: 'CODE', help: 'language code of the target (zh, ja, ko, ...) for --bleu-tokenize auto; else the target text decides' },
} satisfies FlagSpecs;

const DESCRIPTION: Record<string, string> = { '13a': '13a', zh: 'zh: CJK characters one by one', char: 'char: every character', none: 'whitespace' };

/** The tokenizer to use for these references. */
export function resolveBleuTokenizer(setting: string, references: readonly string[], lang?: string): '13a' | 'zh' | 'char' | 'none' {
  return setting === 'auto' ? chooseBleuTokenizer(references, lang) : (setting as '13a' | 'zh' | 'char' | 'none');
}

/** A line naming the tokenizer, e.g. "sacreBLEU zh: CJK characters one by one". */
export function describeBleuTokenizer(tokenize: string): string {
  return `sacreBLEU ${DESCRIPTION[tokenize] ?? tokenize}`;
}

/** Corpus BLEU with `tokenize`, and with 13a (NaN without pairs). */
export function scoreWith(tokenize: '13a' | 'zh' | 'char' | 'none', hypotheses: readonly string[], references: readonly string[]): { bleu: number; bleu13a: number } {
  if (references.length === 0) return { bleu: NaN, bleu13a: NaN };
  const bleu13a = corpusBleu(hypotheses, references).score;
  return { bleu: tokenize === '13a' ? bleu13a : corpusBleu(hypotheses, references, { tokenize }).score, bleu13a };
}
