/**
 * `nabla translate`: translate with a model from `nabla train translate` (greedy or beam search),
 * optionally drawing the encoder-decoder attention of the sentence as a PNG heatmap, or scoring a
 * whole pairs file with BLEU.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as nb from '../../node.js';
import { readPairsTsv } from '../../text/node.js';
import { writeFileAtomic } from '../../util/files.js';
import { Translator, type AttentionMap } from '../../models/translator.js';
import { heatmap, type RgbaImage } from '../../plot/plot.js';
import { savePng } from '../../plot/png.js';
import { textWidth } from '../../plot/font.js';
import { UsageError, type FlagSpecs } from '../args.js';
import { defineCommand } from '../command.js';
import { resolveOutput } from '../outputs.js';
import { DEFAULT_TRANSLATOR_PATH } from './train-translate.js';
import { bleuFlags, describeBleuTokenizer, resolveBleuTokenizer, scoreWith } from './translate-bleu.js';

/** Load a translator written by `nabla train translate` (or `Translator.toSafetensors` + nb.save). */
export function loadTranslator(path: string): { translator: Translator; metadata: Record<string, string> } {
  if (!existsSync(path)) throw new UsageError(`--weights: no such file '${path}' (train one with \`nabla train translate --pairs FILE.tsv --out ${path}\`)`);
  const { tensors, metadata } = nb.loadWithMetadata(path);
  return { translator: Translator.fromSafetensors(tensors, metadata, `'${path}'`), metadata };
}

const SPECIAL_LETTERS: Record<string, string> = { '¡': '!', '¿': '?', 'ß': 'ss', 'æ': 'ae', 'Æ': 'AE', 'ø': 'o', 'Ø': 'O', 'œ': 'oe', 'Œ': 'OE', 'ł': 'l', 'Ł': 'L', '’': "'", '‘': "'", '“': '"', '”': '"', '–': '-', '—': '-', '…': '...' };

const RR_INITIAL = ['g', 'kk', 'n', 'd', 'tt', 'r', 'm', 'b', 'pp', 's', 'ss', '', 'j', 'jj', 'ch', 'k', 't', 'p', 'h'];
const RR_MEDIAL = ['a', 'ae', 'ya', 'yae', 'eo', 'e', 'yeo', 'ye', 'o', 'wa', 'wae', 'oe', 'yo', 'u', 'wo', 'we', 'wi', 'yu', 'eu', 'ui', 'i'];
const RR_FINAL = ['', 'k', 'k', 'k', 'n', 'n', 'n', 't', 'l', 'k', 'm', 'l', 'l', 'l', 'p', 'l', 'm', 'p', 'p', 't', 't', 'ng', 't', 't', 'k', 't', 'p', 't'];

/** Hangul syllables in the Revised Romanization (syllable by syllable, no sound changes): 시작 → sijak. */
export function romanizeHangul(s: string): string {
  return s.replace(/[가-힣]/g, (c) => {
    const i = c.charCodeAt(0) - 0xac00;
    return RR_INITIAL[Math.floor(i / 588)]! + RR_MEDIAL[Math.floor((i % 588) / 28)]! + RR_FINAL[i % 28]!;
  });
}

/** A label the plot's ASCII font can draw: accents dropped (é → e, ñ → n), Hangul romanized, other characters as '?'. */
export function asciiLabel(s: string): string {
  return romanizeHangul(s)
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]/g, (c) => SPECIAL_LETTERS[c] ?? '?');
}

/** Heatmap labels for token texts: trimmed, word-internal pieces marked with a leading "##". */
export function tokenLabels(tokens: readonly string[]): string[] {
  return tokens.map((t, i) => {
    if (/^\[[A-Z]+\]$/.test(t)) return t;
    const trimmed = t.trim();
    const continues = i > 0 && !/^\s/.test(t) && /^[\p{L}\p{N}]/u.test(t) && /[\p{L}\p{N}]$/u.test(tokens[i - 1]!);
    return (continues ? '##' : '') + asciiLabel(trimmed || t);
  });
}

/** The attention heatmap image: rows = produced target tokens, columns = source tokens. */
export function attentionImage(map: AttentionMap, options: { title?: string } = {}): RgbaImage {
  const rows = map.targetTokens.length, cols = map.sourceTokens.length;
  const small = rows <= 14 && cols <= 12;
  // The y-axis title runs along the grid: the longest that fits its height (the font is 2x 6 px per character).
  const gridHeight = rows * (small ? 32 : 22);
  const yLabel = ['produced target tokens', 'target'].find((l) => textWidth(l, 2) <= gridHeight);
  return heatmap({
    matrix: map.weights,
    rowLabels: tokenLabels(map.targetTokens),
    colLabels: tokenLabels(map.sourceTokens),
    title: options.title ?? 'Encoder-decoder attention (last decoder layer, mean over heads)',
    xLabel: 'source tokens',
    yLabel,
    formatValue: (v) => v.toFixed(2),
    ...(small ? {} : { cellWidth: 26, cellHeight: 22, showValues: false }),
  });
}

const flags = {

  weights: { type: 'string', value: 'FILE', default: DEFAULT_TRANSLATOR_PATH, help: 'model from `nabla train translate`' },
  beam: { type: 'int', default: 4, min: 1, max: 64, help: 'beam size (1: greedy decoding)' },
  lengthPenalty: { type: 'number', default: 1, min: 0, max: 10, help: 'GNMT length penalty α of beam search (0: none)' },
  noRepeatNgramSize: { type: 'int', default: 0, min: 0, max: 100, value: 'N', help: 'never repeat an n-gram of N tokens in an output (0: allowed)' },
  attention: { type: 'string', value: 'OUT.png', help: 'write the encoder-decoder attention of the sentence as a heatmap' },
  eval: { type: 'string', value: 'FILE.tsv', help: 'instead of a sentence: translate the source column of a pairs file and report BLEU against the target column' },
  output: { type: 'string', value: 'FILE', help: 'with --eval: write the translations there, one a line' },
  ...bleuFlags,
  json: { type: 'boolean', help: 'print one JSON line instead of the translation' },
} satisfies FlagSpecs;

const usage = 'nabla translate [--weights FILE] [--beam 4] [--length-penalty 1] [--no-repeat-ngram-size N] [--attention out.png] [--json] "sentence" | --eval FILE.tsv [--output FILE] [--bleu-tokenize auto] [--target-lang CODE]';
const summary = 'Translate a sentence (or each line of stdin with "-") with a model trained by `nabla train translate`.';

export const command = defineCommand({
  name: 'translate',
  summary: 'translate a sentence with a trained Transformer; optional attention heatmap',
  description: summary,
  usage,
  positionals: '"sentence" | -',
  flags,
  run(f) {
    if (f.output && !f.eval) throw new UsageError('--output writes the translations of --eval FILE.tsv; give --eval too');
    const { translator } = loadTranslator(f.weights);
    const options = { beam: f.beam, lengthPenalty: f.lengthPenalty, noRepeatNgramSize: f.noRepeatNgramSize };

    if (f.eval) {
      if (f._.length) throw new UsageError('give either --eval FILE.tsv or a sentence, not both');
      if (!existsSync(f.eval)) throw new UsageError(`--eval: no such file '${f.eval}'`);
      const pairs = readPairsTsv(f.eval);
      const t0 = performance.now();
      const hyps = translator.translateBatch(pairs.map((p) => p.source), options).map((t) => t.translation);
      const refs = pairs.map((p) => p.target);
      const tokenize = resolveBleuTokenizer(f.bleuTokenize, refs, f.targetLang);
      const { bleu, bleu13a } = scoreWith(tokenize, hyps, refs);
      const copy = scoreWith(tokenize, pairs.map((p) => p.source), refs).bleu;
      const seconds = (performance.now() - t0) / 1000;
      if (f.output) writeFileAtomic(f.output, new TextEncoder().encode(hyps.map((h) => h.replace(/[\r\n]+/g, ' ') + '\n').join('')));
      const chars = (texts: string[]) => texts.reduce((n, t) => n + [...t].length, 0);
      const lengthRatio = chars(hyps) / Math.max(1, chars(refs));
      if (f.json) console.log(JSON.stringify({ pairs: pairs.length, beam: f.beam, bleu, bleuTokenize: tokenize, bleu13a, copyBaselineBleu: copy, lengthRatio, seconds, output: f.output ?? null }));
      else {
        console.log(`BLEU ${bleu.toFixed(2)} on ${pairs.length} pairs (beam ${f.beam}; ${describeBleuTokenizer(tokenize)}${tokenize === '13a' ? '' : `; 13a ${bleu13a.toFixed(2)}`}); copying the source scores ${copy.toFixed(2)}; output/reference characters ${lengthRatio.toFixed(2)} (${seconds.toFixed(1)} s)`);
        if (f.output) console.error(`wrote ${pairs.length} translations to ${f.output}`);
      }
      return 0;
    }

    let sentences: string[];
    if (f._.length === 1 && f._[0] === '-') sentences = readFileSync(0, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
    else if (f._.length > 0) sentences = [f._.join(' ')];
    else throw new UsageError('give the sentence to translate (quoted), or "-" to translate each line of stdin');
    if (sentences.some((s) => !s.trim())) throw new UsageError('the sentence is empty');
    if (f.attention && sentences.length !== 1) throw new UsageError('--attention draws one sentence; give exactly one');
    const attentionPath = f.attention ? resolveOutput(f.attention, { flag: '--attention', extension: '.png', fileName: 'attention.png' }).path : undefined;

    if (attentionPath) {
      const map = translator.attention(sentences[0]!, options);
      savePng(attentionPath, attentionImage(map));
      if (f.json) console.log(JSON.stringify({ source: sentences[0], translation: map.translation, attention: attentionPath, sourceTokens: map.sourceTokens, targetTokens: map.targetTokens, weights: map.weights }));
      else {
        console.log(map.translation);
        console.error(`wrote ${attentionPath} (${map.targetTokens.length} target x ${map.sourceTokens.length} source tokens)`);
      }
      return 0;
    }
    const results = translator.translateBatch(sentences, options);
    for (const r of results) {
      if (f.json) console.log(JSON.stringify({ source: r.source, translation: r.translation, logProb: r.logProb, truncated: r.truncated, beam: f.beam }));
      else console.log(r.translation);
    }
    return 0;
  },
});
