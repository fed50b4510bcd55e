/**
 * SQuAD v1.1's official scores (browser-safe): exact match and token F1 after the evaluation script's
 * normalisation (lower case, ASCII punctuation removed, the articles a/an/the removed, whitespace collapsed), each
 * question scored against its best gold answer, averaged over the questions and given in percent as the script
 * prints them. A question with no prediction scores 0.
 */
import type { SquadExample } from './finetune-data.js';

/** Python's `string.punctuation`. */
const PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');
/** `\b(a|an|the)\b` with Python's Unicode word characters. */
const ARTICLES = /(?<![\p{L}\p{N}\p{M}_])(?:a|an|the)(?![\p{L}\p{N}\p{M}_])/gu;

/** The evaluation script's `normalize_answer`. */
export function normalizeAnswer(s: string): string {
  const lower = s.toLowerCase();
  const noPunct = Array.from(lower, (ch) => (PUNCTUATION.has(ch) ? '' : ch)).join('');
  return noPunct.replace(ARTICLES, ' ').split(/\s+/u).filter(Boolean).join(' ');
}

export function exactMatchScore(prediction: string, truth: string): number {
  return normalizeAnswer(prediction) === normalizeAnswer(truth) ? 1 : 0;
}

/** Token F1 between a prediction and one gold answer (bag of normalised tokens). */
export function f1Score(prediction: string, truth: string): number {
  const p = normalizeAnswer(prediction).split(' ').filter(Boolean);
  const t = normalizeAnswer(truth).split(' ').filter(Boolean);
  const counts = new Map<string, number>();
  for (const w of t) counts.set(w, (counts.get(w) ?? 0) + 1);
  let same = 0;
  for (const w of p) {
    const c = counts.get(w) ?? 0;
    if (c > 0) {
      same++;
      counts.set(w, c - 1);
    }
  }
  if (same === 0) return 0;
  const precision = same / p.length;
  const recall = same / t.length;
  return (2 * precision * recall) / (precision + recall);
}

/** Exact match and F1 in percent over the examples (predictions by example id). */
export function squadScores(predictions: ReadonlyMap<string, string> | Readonly<Record<string, string>>, examples: readonly SquadExample[]): { exactMatch: number; f1: number } {
  if (examples.length === 0) throw new Error('squadScores: no examples');
  const get = (id: string) => (predictions instanceof Map ? predictions.get(id) : (predictions as Record<string, string>)[id]);
  let em = 0;
  let f1 = 0;
  for (const ex of examples) {
    if (ex.answers.length === 0) throw new Error(`squadScores: example ${JSON.stringify(ex.id)} has no gold answers`);
    const pred = get(ex.id);
    if (pred === undefined) continue;
    em += Math.max(...ex.answers.map((a) => exactMatchScore(pred, a.text)));
    f1 += Math.max(...ex.answers.map((a) => f1Score(pred, a.text)));
  }
  return { exactMatch: (100 * em) / examples.length, f1: (100 * f1) / examples.length };
}
