/**
 * GloVe (Pennington, Socher & Manning 2014) built from nabla parts: the word-word co-occurrence counts
 * of a corpus (a symmetric window, each pair weighted 1/distance, as glove's cooccur.c), then the
 * weighted least-squares model
 *   J = 1/2 Σ_ij f(X_ij) (w_i · w̃_j + b_i + b̃_j - log X_ij)^2,   f(x) = min(1, (x / x_max)^0.75)
 * as an nn.Module of four sparse nn.Embedding tables (word vectors `in_embed`, context vectors
 * `out_embed`, biases `in_bias`, `out_bias`), trained with optim.Adagrad (lr 0.05) applying the
 * row-sparse gradients of each batch of co-occurrence entries; the saved vectors are W + W̃.
 *
 * As glove.c: windows do not cross sentence (line) boundaries, out-of-vocabulary words are dropped
 * before distances are counted, a word co-occurring with itself adds to X_ii from both sides, the
 * 1/2 is glove.c's (the gradient is f · diff), vectors and biases start uniform in [-0.5, 0.5) / dim,
 * and entries are visited in a new random order each epoch.
 *
 * Two engines train it. `engine: 'kernel'` (the default) runs glove.c's loop on the backend's fused
 * GloVe kernel (Backend.gloveTrain: wasm SIMD, or its pure-TS twin on the js backend): one AdaGrad
 * update per entry, accumulators starting at 1 (PyTorch's AdaGrad rule, as optim.Adagrad), and with
 * `workers` > 1 Hogwild over the threads as glove.c's -threads. `engine: 'autograd'` is the formulation
 * with nabla parts: a step sums the gradients of a batch of entries and optim.Adagrad applies them; with
 * batchSize 1 it makes the kernel's updates.
 */
import { checkOptions, describeValue, FINITE_NUMBER, NON_NEGATIVE_NUMBER, POSITIVE_INTEGER, POSITIVE_NUMBER, type OptionSpec } from '../util/options.js';
import { Tensor } from '../tensor/tensor.js';
import { Generator } from '../tensor/random.js';
import { noGrad } from '../autograd/grad-mode.js';
import { Module } from '../nn/module.js';
import { Embedding } from '../nn/embedding.js';
import { Adagrad } from '../optim/adagrad.js';
import { getBackend } from '../backend/registry.js';
import type { Vocab } from '../text/vocab.js';
import type { EncodedCorpus } from './corpus.js';
import { KeyedVectors } from './keyed-vectors.js';

/** The co-occurrence matrix as coordinate lists, both (i, j) and (j, i) present. */
export interface Cooccurrences {
  rows: Int32Array;
  cols: Int32Array;
  values: Float32Array;
  vocabSize: number;
}

/**
 * Accumulates weights of unordered word pairs in an open-addressing hash table over typed arrays
 * (a Map of packed (i, j) keys without a JS object per entry).
 */
export class PairCounter {
  private keys: Float64Array;
  private vals: Float64Array;
  private used = 0;

  constructor(private readonly vocabSize: number, initialCapacity = 1 << 16) {
    let cap = 1;
    while (cap < initialCapacity) cap <<= 1;
    this.keys = new Float64Array(cap).fill(-1);
    this.vals = new Float64Array(cap);
  }

  get size(): number {
    return this.used;
  }

  /** X[min(i,j), max(i,j)] += w. */
  add(i: number, j: number, w: number): void {
    const a = i < j ? i : j, b = i < j ? j : i;
    const key = a * this.vocabSize + b;
    const mask = this.keys.length - 1;
    let h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b)) >>> 0;
    h ^= h >>> 15;
    let slot = h & mask;
    for (;;) {
      const k = this.keys[slot];
      if (k === key) { this.vals[slot] += w; return; }
      if (k === -1) break;
      slot = (slot + 1) & mask;
    }
    this.keys[slot] = key;
    this.vals[slot] = w;
    if (++this.used * 2 > this.keys.length) this.grow();
  }

  private grow(): void {
    const oldKeys = this.keys, oldVals = this.vals;
    this.keys = new Float64Array(oldKeys.length * 2).fill(-1);
    this.vals = new Float64Array(oldKeys.length * 2);
    this.used = 0;
    const V = this.vocabSize;
    for (let s = 0; s < oldKeys.length; s++) {
      const k = oldKeys[s];
      if (k === -1) continue;
      const a = Math.floor(k / V);
      this.add(a, k - a * V, oldVals[s]);
    }
  }

  /** Every stored pair as (i, j, value) and its mirror (j, i, value); X_ii counted from both sides (table order). */
  toCooccurrences(): Cooccurrences {
    const V = this.vocabSize;
    let total = 0;
    for (let s = 0; s < this.keys.length; s++) {
      const k = this.keys[s];
      if (k === -1) continue;
      const a = Math.floor(k / V);
      total += a === k - a * V ? 1 : 2;
    }
    const rows = new Int32Array(total), cols = new Int32Array(total), values = new Float32Array(total);
    let o = 0;
    for (let s = 0; s < this.keys.length; s++) {
      const k = this.keys[s];
      if (k === -1) continue;
      const a = Math.floor(k / V), b = k - a * V, v = this.vals[s];
      if (a === b) { rows[o] = a; cols[o] = a; values[o] = 2 * v; o++; continue; }
      rows[o] = a; cols[o] = b; values[o] = v; o++;
      rows[o] = b; cols[o] = a; values[o] = v; o++;
    }
    return { rows, cols, values, vocabSize: V };
  }
}

/** Co-occurrence counts over a corpus: pairs within `window` words in a sentence, each adding 1/distance. */
export function cooccurrences(corpus: EncodedCorpus, vocabSize: number, window = 10): Cooccurrences {
  if (!Number.isInteger(window) || window < 1) throw new Error(`cooccurrences: window must be a positive integer, got ${window}`);
  const counter = new PairCounter(vocabSize, 1 << 20);
  const { ids, starts } = corpus;
  for (let s = 0; s + 1 < starts.length; s++) {
    const from = starts[s], to = starts[s + 1];
    for (let p = from; p < to; p++) {
      const w2 = ids[p];
      const lo = Math.max(from, p - window);
      for (let q = p - 1; q >= lo; q--) counter.add(ids[q], w2, 1 / (p - q));
    }
  }
  return counter.toCooccurrences();
}

/** How GloVe trains: the backend's fused per-entry kernel, or the nn.Module with batched autograd steps. */
export type GloVeEngine = 'kernel' | 'autograd';

/** Options of `trainGloVe`. */
export interface GloVeOptions {
  /** 'kernel' (default): glove.c's per-entry AdaGrad on the backend's fused kernel; 'autograd': the nn.Module, backward and optim.Adagrad over batches of `batchSize` entries. */
  engine?: GloVeEngine;
  /**
   * Hogwild workers of engine 'kernel' (default 1), as glove.c's -threads: each epoch's entries are cut
   * into runs (4 per worker) trained on the backend's threads (`setNumThreads`), sharing the tables
   * without locks. One worker repeats itself exactly; with more, results differ from run to run.
   */
  workers?: number;
  dim?: number;
  /** Context window for the co-occurrence counts (default 10, the paper's). */
  window?: number;
  /** f's cutoff (default 100, the paper's; glove's demo uses 10 for small corpora). */
  xMax?: number;
  /** f's exponent (default 0.75). */
  alpha?: number;
  /** Adagrad's lr (default 0.05). */
  lr?: number;
  /** Adagrad's starting accumulator (default 1, glove.c's gradsq init). */
  initialAccumulator?: number;
  epochs?: number;
  /** Co-occurrence entries per step (default 8192; engine 'autograd'). */
  batchSize?: number;
  seed?: number;
}

/** GloVe options with every default filled in. */
export type ResolvedGloVeOptions = Required<GloVeOptions>;

/** Fills in GloVe's defaults and checks the options. */
export function resolveGloVeOptions(options: GloVeOptions = {}): ResolvedGloVeOptions {
  checkOptions('trainGloVe', options, {
    dim: POSITIVE_INTEGER, window: POSITIVE_INTEGER, xMax: POSITIVE_NUMBER, alpha: FINITE_NUMBER, lr: POSITIVE_NUMBER,
    initialAccumulator: NON_NEGATIVE_NUMBER, epochs: POSITIVE_INTEGER, batchSize: POSITIVE_INTEGER, seed: 'number',
    engine: ENGINES, workers: POSITIVE_INTEGER,
  }, { vector_size: 'dim', x_max: 'xMax', learning_rate: 'lr', iter: 'epochs', threads: 'workers' });
  const o: ResolvedGloVeOptions = {
    engine: options.engine ?? 'kernel',
    workers: options.workers ?? 1,
    dim: options.dim ?? 100,
    window: options.window ?? 10,
    xMax: options.xMax ?? 100,
    alpha: options.alpha ?? 0.75,
    lr: options.lr ?? 0.05,
    initialAccumulator: options.initialAccumulator ?? 1,
    epochs: options.epochs ?? 15,
    batchSize: options.batchSize ?? 8192,
    seed: options.seed ?? 1,
  };
  if (o.engine === 'autograd' && o.workers > 1) throw new Error(`trainGloVe: workers (${o.workers}) applies to engine 'kernel' only; engine 'autograd' takes batchSize and the threads of setNumThreads`);
  return o;
}

const ENGINES: readonly GloVeEngine[] = ['kernel', 'autograd'];

/** The GloVe model: word and context vectors and biases, all sparse nn.Embedding tables. */
export class GloVe extends Module {
  in_embed: Embedding;
  out_embed: Embedding;
  in_bias: Embedding;
  out_bias: Embedding;

  constructor(vocabSize: number, dim: number, generator: Generator = new Generator(1)) {
    super();
    if (!(generator instanceof Generator)) throw new TypeError(`GloVe: the third argument must be a Generator, got ${describeValue(generator)}`);
    this.in_embed = new Embedding(vocabSize, dim, { sparse: true });
    this.out_embed = new Embedding(vocabSize, dim, { sparse: true });
    this.in_bias = new Embedding(vocabSize, 1, { sparse: true });
    this.out_bias = new Embedding(vocabSize, 1, { sparse: true });
    noGrad(() => {
      for (const table of [this.in_embed, this.out_embed, this.in_bias, this.out_bias]) {
        const w = table.weight.storage.data as Float32Array;
        for (let i = 0; i < w.length; i++) w[i] = (generator.random() - 0.5) / dim;
        table.weight.bumpVersion();
      }
    });
  }

  /**
   * The batch's loss 1/2 Σ f(x) (w_i · w̃_j + b_i + b̃_j - log x)^2, with `weights` = f(x) and
   * `logCounts` = log x given per entry ([B] each), `rows`/`cols` the entries' word ids.
   */
  override forward(rows: Tensor, cols: Tensor, logCounts: Tensor, weights: Tensor): Tensor {
    const dot = this.in_embed.forward(rows).mul(this.out_embed.forward(cols)).sum(-1);
    const bias = this.in_bias.forward(rows).add(this.out_bias.forward(cols)).squeeze(-1);
    const diff = dot.add(bias).sub(logCounts);
    return diff.square().mul(weights).sum().mul(0.5);
  }

  /** The word vectors GloVe reports: W + W̃. */
  vectors(): Tensor {
    return noGrad(() => this.in_embed.weight.add(this.out_embed.weight));
  }
}

/** A progress report of `trainGloVe`. */
export interface GloVeProgress {
  epoch: number;
  entriesDone: number;
  entries: number;
  /** Mean loss per entry over the last report interval. */
  loss: number;
  entriesPerSecond: number;
}

/** What `trainGloVe` returns: the model, the vectors and the training statistics. */
export interface GloVeResult {
  model: GloVe;
  vectors: KeyedVectors;
  options: ResolvedGloVeOptions;
  entries: number;
  cooccurSeconds: number;
  seconds: number;
  epochSeconds: number[];
  epochLoss: number[];
}

/** Callbacks of `trainGloVe`. */
export interface TrainGloVeHooks {
  onCooccurrences?: (c: Cooccurrences, seconds: number) => void;
  onProgress?: (p: GloVeProgress) => void;
  onEpochEnd?: (epoch: number, stats: { loss: number; seconds: number }) => void;
  reportEvery?: number;
}

const HOOKS: OptionSpec<TrainGloVeHooks> = { onCooccurrences: 'function', onProgress: 'function', onEpochEnd: 'function', reportEvery: POSITIVE_INTEGER };

/** Counts co-occurrences of an encoded corpus and trains GloVe on them. */
export function trainGloVe(corpus: EncodedCorpus, vocab: Vocab, options: GloVeOptions = {}, hooks: TrainGloVeHooks = {}): GloVeResult {
  const opts = resolveGloVeOptions(options);
  checkOptions('trainGloVe (hooks)', hooks, HOOKS);
  const t0 = performance.now();
  const cooc = cooccurrences(corpus, vocab.size, opts.window);
  const cooccurSeconds = (performance.now() - t0) / 1000;
  hooks.onCooccurrences?.(cooc, cooccurSeconds);
  return { ...trainGloVeOn(cooc, vocab, opts, hooks), cooccurSeconds };
}

/** Trains GloVe on given co-occurrence counts. */
export function trainGloVeOn(cooc: Cooccurrences, vocab: Vocab, options: GloVeOptions = {}, hooks: TrainGloVeHooks = {}): Omit<GloVeResult, 'cooccurSeconds'> {
  const opts = resolveGloVeOptions(options);
  checkOptions('trainGloVeOn (hooks)', hooks, HOOKS);
  const n = cooc.values.length;
  if (n === 0) throw new Error('trainGloVe: no co-occurrences (the corpus is too small for the vocabulary)');
  const generator = new Generator(opts.seed);
  const model = new GloVe(cooc.vocabSize, opts.dim, generator);
  const logCounts = new Float32Array(n), weights = new Float32Array(n);
  for (let e = 0; e < n; e++) {
    const x = cooc.values[e];
    logCounts[e] = Math.log(x);
    weights[e] = x < opts.xMax ? Math.pow(x / opts.xMax, opts.alpha) : 1;
  }
  const order = new Int32Array(n);
  for (let e = 0; e < n; e++) order[e] = e;
  const shuffle = () => {
    for (let e = n - 1; e > 0; e--) {
      const r = generator.randint(0, e + 1);
      const t = order[e]; order[e] = order[r]; order[r] = t;
    }
  };
  const train = opts.engine === 'kernel' ? trainOnKernel : trainOnAutograd;
  const { seconds, epochSeconds, epochLoss } = train(model, cooc, { logCounts, weights, order, shuffle }, opts, hooks);
  const vectors = KeyedVectors.fromTensor(vocab.tokens.slice(0, cooc.vocabSize), model.vectors(), vocab.counts.slice(0, cooc.vocabSize));
  return { model, vectors, options: opts, entries: n, seconds, epochSeconds, epochLoss };
}

/** The entries' log counts and weights f(x), their visiting order, and the per-epoch reshuffle of it. */
interface GloVeEntries {
  logCounts: Float32Array;
  weights: Float32Array;
  order: Int32Array;
  shuffle: () => void;
}

interface GloVeEpochs {
  seconds: number;
  epochSeconds: number[];
  epochLoss: number[];
}

/** trainGloVe's 'autograd' engine: batches of entries through the Module's loss, backward and optim.Adagrad. */
function trainOnAutograd(model: GloVe, cooc: Cooccurrences, entries: GloVeEntries, opts: ResolvedGloVeOptions, hooks: TrainGloVeHooks): GloVeEpochs {
  const { logCounts, weights, order, shuffle } = entries;
  const n = order.length;
  const optimizer = new Adagrad(model.parameters(), { lr: opts.lr, initialAccumulatorValue: opts.initialAccumulator });
  const B = opts.batchSize;
  const bRows = new Int32Array(B), bCols = new Int32Array(B), bLog = new Float32Array(B), bW = new Float32Array(B);
  const reportEvery = hooks.reportEvery ?? 50;
  const epochSeconds: number[] = [], epochLoss: number[] = [];
  let seconds = 0;
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    shuffle();
    const start = performance.now();
    let total = 0, windowLoss = 0, windowCount = 0, steps = 0;
    for (let s = 0; s < n; s += B) {
      const m = Math.min(B, n - s);
      for (let k = 0; k < m; k++) {
        const e = order[s + k];
        bRows[k] = cooc.rows[e]; bCols[k] = cooc.cols[e]; bLog[k] = logCounts[e]; bW[k] = weights[e];
      }
      optimizer.zeroGrad();
      const loss = model.forward(
        Tensor.fromData(bRows.slice(0, m), [m], 'int32'), Tensor.fromData(bCols.slice(0, m), [m], 'int32'),
        Tensor.fromData(bLog.slice(0, m), [m], 'float32'), Tensor.fromData(bW.slice(0, m), [m], 'float32'),
      );
      loss.backward();
      optimizer.step();
      const value = loss.item();
      if (!Number.isFinite(value)) throw new Error(`trainGloVe: the loss became ${value} at epoch ${epoch + 1}; lower lr`);
      total += value; windowLoss += value; windowCount += m; steps++;
      if (hooks.onProgress && steps % reportEvery === 0) {
        hooks.onProgress({ epoch, entriesDone: s + m, entries: n, loss: windowLoss / windowCount, entriesPerSecond: (s + m) / ((performance.now() - start) / 1000) });
        windowLoss = 0; windowCount = 0;
      }
    }
    const sec = (performance.now() - start) / 1000;
    seconds += sec;
    epochSeconds.push(sec);
    epochLoss.push(total / n);
    hooks.onProgress?.({ epoch, entriesDone: n, entries: n, loss: total / n, entriesPerSecond: n / sec });
    hooks.onEpochEnd?.(epoch, { loss: total / n, seconds: sec });
  }
  return { seconds, epochSeconds, epochLoss };
}

/** Entries per kernel call, so that progress is reported a few times a second. */
const KERNEL_CALL_ENTRIES = 1 << 20;

/** trainGloVe's 'kernel' engine: the model's tables trained in place by Backend.gloveTrain, one AdaGrad update per entry. */
function trainOnKernel(model: GloVe, cooc: Cooccurrences, entries: GloVeEntries, opts: ResolvedGloVeOptions, hooks: TrainGloVeHooks): GloVeEpochs {
  const { logCounts, weights, order, shuffle } = entries;
  const n = order.length;
  const backend = getBackend();
  const params = [model.in_embed.weight, model.out_embed.weight, model.in_bias.weight, model.out_bias.weight];
  const [w, c, bw, bc] = params.map((p) => p.storage.data as Float32Array) as [Float32Array, Float32Array, Float32Array, Float32Array];
  const [sumW, sumC, sumBw, sumBc] = [w, c, bw, bc].map((t) => new Float32Array(t.length).fill(opts.initialAccumulator)) as [Float32Array, Float32Array, Float32Array, Float32Array];
  // optim.Adagrad's default eps
  const eps = 1e-10;
  const rows = new Int32Array(n), cols = new Int32Array(n), logs = new Float32Array(n), fx = new Float32Array(n);
  const epochSeconds: number[] = [], epochLoss: number[] = [];
  let seconds = 0;
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    shuffle();
    const start = performance.now();
    for (let k = 0; k < n; k++) {
      const e = order[k];
      rows[k] = cooc.rows[e]; cols[k] = cooc.cols[e]; logs[k] = logCounts[e]; fx[k] = weights[e];
    }
    let total = 0;
    for (let s = 0; s < n; s += KERNEL_CALL_ENTRIES) {
      const m = Math.min(KERNEL_CALL_ENTRIES, n - s);
      const { loss } = backend.gloveTrain({
        dim: opts.dim, w, c, bw, bc, sumW, sumC, sumBw, sumBc, rows: rows.subarray(s, s + m), cols: cols.subarray(s, s + m),
        logCounts: logs.subarray(s, s + m), weights: fx.subarray(s, s + m), lr: opts.lr, eps, workers: opts.workers,
      });
      for (const p of params) p.bumpVersion();
      if (!Number.isFinite(loss)) throw new Error(`trainGloVe: the loss became ${loss} at epoch ${epoch + 1}; lower lr`);
      total += loss;
      hooks.onProgress?.({ epoch, entriesDone: s + m, entries: n, loss: loss / m, entriesPerSecond: (s + m) / ((performance.now() - start) / 1000) });
    }
    const sec = (performance.now() - start) / 1000;
    seconds += sec;
    epochSeconds.push(sec);
    epochLoss.push(total / n);
    hooks.onEpochEnd?.(epoch, { loss: total / n, seconds: sec });
  }
  return { seconds, epochSeconds, epochLoss };
}
