// Greedy vs beam search (length penalty, early stopping, repeated n-grams) on a model from `nabla train translate`:
// BLEU with the tokenizer chosen for the references and with 13a, output length in characters over the references'.
//
//   npx tsx tools/compare_decoding.ts runs/translate/model.safetensors runs/translate/model.test.tsv
import { loadTranslator } from '../src/cli/commands/translate.js';
import type { DecodeOptions } from '../src/models/translator.js';
import { readPairsTsv } from '../src/text/node.js';
import { chooseBleuTokenizer, corpusBleu } from '../src/text/bleu.js';
const [weights, testFile] = process.argv.slice(2);
if (!weights || !testFile) throw new Error('usage: npx tsx tools/compare_decoding.ts MODEL.safetensors TEST.tsv');
const { translator } = loadTranslator(weights);
const pairs = readPairsTsv(testFile);
const refs = pairs.map((p) => p.target);
const tok = chooseBleuTokenizer(refs);
const chars = (xs: string[]) => xs.reduce((n, x) => n + [...x].length, 0);
const runs: [string, DecodeOptions][] = [
  ['greedy', { beam: 1 }],
  ['beam 4, α 0.6, early stop (the old rule)', { beam: 4, lengthPenalty: 0.6, earlyStopping: true }],
  ['beam 4, α 0.6', { beam: 4, lengthPenalty: 0.6 }],
  ['beam 4, α 1.0', { beam: 4, lengthPenalty: 1 }],
  ['beam 4, α 1.0, no-repeat 3', { beam: 4, lengthPenalty: 1, noRepeatNgramSize: 3 }],
  ['beam 4, α 1.0, early stop', { beam: 4, lengthPenalty: 1, earlyStopping: true }],
  ['beam 4, α 1.5', { beam: 4, lengthPenalty: 1.5 }],
  ['beam 4, α 2.0', { beam: 4, lengthPenalty: 2 }],
  ['greedy, no-repeat 3', { beam: 1, noRepeatNgramSize: 3 }],
];
console.log(`${pairs.length} pairs; tokenizer ${tok}; copying the source scores ${tok} ${corpusBleu(pairs.map((p) => p.source), refs, { tokenize: tok }).score.toFixed(2)}, 13a ${corpusBleu(pairs.map((p) => p.source), refs).score.toFixed(2)}`);
for (const [name, opts] of runs) {
  const t0 = performance.now();
  const hyps = translator.translateBatch(pairs.map((p) => p.source), opts).map((t) => t.translation);
  const s = (performance.now() - t0) / 1000;
  console.log(`${name.padEnd(36)} ${tok} ${corpusBleu(hyps, refs, { tokenize: tok }).score.toFixed(2)}  13a ${corpusBleu(hyps, refs).score.toFixed(2)}  chars/ref ${(chars(hyps) / chars(refs)).toFixed(3)}  ${s.toFixed(1)} s`);
}
