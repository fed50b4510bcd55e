/**
 * Word2Vec (Mikolov et al. 2013) as the original C tool trains it, built from nabla parts:
 * an nn.Module with two sparse nn.Embedding tables (`in_embed`: the word vectors, the C tool's syn0;
 * `out_embed`: the output vectors, syn1neg for negative sampling or syn1 for the Huffman tree's inner
 * nodes), a loss written with nabla ops, backward giving row-sparse gradients, and optim.SGD applying
 * them to the touched rows, its lr decayed linearly by an optim.LambdaLR.
 *
 * What follows word2vec.c: CBOW and skip-gram; negative sampling from the unigram^0.75 table (a
 * negative equal to the positive word is skipped) and hierarchical softmax over the Huffman tree;
 * subsampling of frequent words as sentences are read, with the C formula and `sample`; the dynamic
 * window (a random shrink b in [0, window) per centre word); alpha from 0.025 (skip-gram) / 0.05
 * (CBOW) decaying linearly with words read to alpha * 1e-4; min-count; sentences of at most 1000
 * words; init uniform(-0.5, 0.5) / dim for the word vectors and zeros for the output vectors; in
 * skip-gram the context word's vector predicts the centre word; in CBOW the mean of the context
 * vectors predicts it and each context word receives the full error (not divided by the count).
 *
 * Two engines train it. `engine: 'kernel'` (the default with negative sampling) runs the C tool's own
 * loop on the backend's fused word2vec kernel (Backend.word2vecTrain: wasm SIMD, or its pure-TS twin on
 * the js backend): one SGD update per skip-gram pair or CBOW window, output rows updated in place,
 * alpha recomputed per sentence. It draws the same samples from the same Generator as the batcher
 * below, and gives the same vectors on both backends. `engine: 'autograd'` (hierarchical softmax
 * always) is the formulation with nabla parts: a step takes a batch of pairs (default 2048 skip-gram
 * pairs or CBOW windows) whose gradients are computed at the same parameters and summed (reduction
 * 'sum', so the lr means what it means in C). Both use the exact sigmoid (no 6-wide EXP_TABLE, whose
 * clipping only drops gradients below ~0.0025). Like the C tool's threads, `workers` > 1 runs the kernel
 * Hogwild: runs of sentences on the backend's threads at once, each updating the shared tables without locks.
 */
import { checkOptions, NON_NEGATIVE_INTEGER, NON_NEGATIVE_NUMBER, POSITIVE_INTEGER, POSITIVE_NUMBER } from '../util/options.js';
import { getBackend } from '../backend/registry.js';
import { Tensor } from '../tensor/tensor.js';
import { Generator, GENERATOR_OPTION } from '../tensor/random.js';
import { noGrad } from '../autograd/grad-mode.js';
import { softplus } from '../ops/elementwise.js';
import { Module } from '../nn/module.js';
import { Embedding } from '../nn/embedding.js';
import { SGD } from '../optim/sgd.js';
import { LambdaLR } from '../optim/lr-scheduler/lambda-lr.js';
import type { Vocab } from '../text/vocab.js';
import type { EncodedCorpus } from './corpus.js';
import { huffmanTree, keepProbabilities, unigramTable, type HuffmanTree } from './sampling.js';
import { KeyedVectors } from './keyed-vectors.js';
import { gatheredRowDot } from './fused.js';

/** Skip-gram (the centre word predicts its context) or CBOW (the context predicts the centre word). */
export type Word2VecArchitecture = 'skipgram' | 'cbow';
/** Negative sampling (`'ns'`) or hierarchical softmax (`'hs'`). */
export type Word2VecLoss = 'ns' | 'hs';

/** How Word2Vec trains: the backend's fused per-pair kernel, or the nn.Module with batched autograd steps. */
export type Word2VecEngine = 'kernel' | 'autograd';

/** Options of Word2Vec training, with the word2vec C tool's defaults. */
export interface Word2VecOptions {
  /** 'skipgram' (default) or 'cbow'. */
  model?: Word2VecArchitecture;
  /**
   * 'kernel' (default with loss 'ns'): the C tool's per-pair updates on the backend's fused kernel;
   * 'autograd' (default with 'hs', which the kernel does not do): the nn.Module, backward and optim.SGD
   * over batches of `batchSize` examples.
   */
  engine?: Word2VecEngine;
  /** 'ns': negative sampling (default); 'hs': hierarchical softmax. */
  loss?: Word2VecLoss;
  /** Vector size (default 100). */
  dim?: number;
  /** Largest distance between centre and context word (default 5). */
  window?: number;
  /** Negative samples per positive (default 5; ns only). */
  negative?: number;
  /** Subsampling threshold (default 1e-3; 0 turns it off). */
  sample?: number;
  /** Passes over the corpus (default 5). */
  epochs?: number;
  /** Starting lr (default 0.025 for skip-gram, 0.05 for CBOW); decays linearly to alpha * 1e-4. */
  alpha?: number;
  /** Skip-gram pairs (or CBOW windows) per optimiser step (default 2048; engine 'autograd'). */
  batchSize?: number;
  /** Random seed (init, subsampling, windows, negatives). */
  seed?: number;
  /** Slots in the unigram table (default 1e7). */
  tableSize?: number;
  /**
   * Compute the output scores with the fused gatheredRowDot (one pass, no gathered copy) instead of
   * out_embed.forward + mul + sum (default false: the composition of primitives; same numbers; engine 'autograd').
   */
  fused?: boolean;
  /**
   * Hogwild workers of engine 'kernel' (default 1), as word2vec.c's -threads and gensim's workers: the
   * sentences of each kernel call are cut into runs (4 per worker), each with its own random stream,
   * that update the shared tables without locks, on the backend's threads (`setNumThreads`). One
   * worker repeats itself exactly for a seed; with more, results differ from run to run (the threads
   * race on the same rows), with the same quality.
   */
  workers?: number;
  /**
   * Sum the loss for `epochLoss` and the progress reports (default true). Engine 'kernel' runs about 15%
   * faster without it (gensim's compute_loss=False); the losses are then NaN, and a diverging run is still
   * caught. Engine 'autograd' always computes it.
   */
  computeLoss?: boolean;
}

/** Word2Vec options with every default filled in. */
export type ResolvedWord2VecOptions = Required<Word2VecOptions>;

const ARCHITECTURES: readonly Word2VecArchitecture[] = ['skipgram', 'cbow'];
const LOSSES: readonly Word2VecLoss[] = ['ns', 'hs'];
const ENGINES: readonly Word2VecEngine[] = ['kernel', 'autograd'];
/** gensim's Word2Vec keywords that nabla names differently, for the unknown-option error's did-you-mean. */
const GENSIM_NAMES = { vector_size: 'dim', size: 'dim', iter: 'epochs', sg: 'model', hs: 'loss', batch_words: 'batchSize', compute_loss: 'computeLoss' };

/** Fills in Word2Vec's defaults and checks the options. */
export function resolveWord2VecOptions(options: Word2VecOptions = {}): ResolvedWord2VecOptions {
  checkOptions('trainWord2Vec', options, {
    model: ARCHITECTURES, engine: ENGINES, loss: LOSSES, dim: POSITIVE_INTEGER, window: POSITIVE_INTEGER, negative: NON_NEGATIVE_INTEGER,
    sample: NON_NEGATIVE_NUMBER, epochs: POSITIVE_INTEGER, alpha: POSITIVE_NUMBER, batchSize: POSITIVE_INTEGER, seed: 'number',
    tableSize: POSITIVE_INTEGER, fused: 'boolean', workers: POSITIVE_INTEGER, computeLoss: 'boolean',
  }, GENSIM_NAMES);
  const model = options.model ?? 'skipgram';
  const loss = options.loss ?? 'ns';
  const engine = options.engine ?? (loss === 'ns' ? 'kernel' : 'autograd');
  if (engine === 'kernel' && loss !== 'ns') throw new Error(`Word2Vec: engine 'kernel' trains with negative sampling only (loss 'ns'), got loss '${loss}'; use engine 'autograd'`);
  const resolved: ResolvedWord2VecOptions = {
    model,
    engine,
    loss,
    dim: options.dim ?? 100,
    window: options.window ?? 5,
    negative: options.negative ?? 5,
    sample: options.sample ?? 1e-3,
    epochs: options.epochs ?? 5,
    alpha: options.alpha ?? (model === 'cbow' ? 0.05 : 0.025),
    batchSize: options.batchSize ?? 2048,
    seed: options.seed ?? 1,
    tableSize: options.tableSize ?? 10_000_000,
    fused: options.fused ?? false,
    workers: options.workers ?? 1,
    computeLoss: options.computeLoss ?? true,
  };
  if (engine === 'autograd' && resolved.workers > 1) throw new Error(`trainWord2Vec: workers (${resolved.workers}) applies to engine 'kernel' only; engine 'autograd' takes batchSize and the threads of setNumThreads`);
  if (loss === 'ns' && resolved.negative < 1) throw new Error(`trainWord2Vec: negative must be a positive integer with loss 'ns', got ${resolved.negative}`);
  return resolved;
}

/**
 * One optimiser step's worth of training examples, as tensors.
 * Skip-gram: `inputs` [B] are the context words. CBOW: `context` [B, 2 * window] (padded), `contextMask`
 * [B, 2 * window, 1] and `inverseCount` [B, 1]. Negative sampling: `targets` [B, 1 + negative]
 * (the positive word first), `signs` (-1 for the positive, +1 for negatives: the loss is
 * softplus(sign * score)) and `mask` (0 where a negative drew the positive word, which the C tool skips).
 * Hierarchical softmax: one entry per (example, node of the centre word's path): `owner` [N] (the
 * example), `nodes` [N] (inner-node ids), `signs` [N] (2 * code - 1).
 */
export interface Word2VecBatch {
  size: number;
  inputs?: Tensor;
  context?: Tensor;
  contextMask?: Tensor;
  inverseCount?: Tensor;
  targets?: Tensor;
  owner?: Tensor;
  nodes?: Tensor;
  signs: Tensor;
  mask?: Tensor;
}

/** The model: input vectors `in_embed` and output vectors `out_embed`, both sparse nn.Embedding tables. */
export class Word2Vec extends Module {
  readonly architecture: Word2VecArchitecture;
  readonly lossKind: Word2VecLoss;
  /** Scores through the fused gatheredRowDot instead of out_embed.forward + mul + sum. */
  fused: boolean;
  // PyTorch-style field names: the state-dict keys are in_embed.weight and out_embed.weight.
  in_embed: Embedding;
  out_embed: Embedding;

  constructor(vocabSize: number, dim: number, options: { model?: Word2VecArchitecture; loss?: Word2VecLoss; generator?: Generator; fused?: boolean } = {}) {
    super();
    checkOptions('Word2Vec', options, { model: ARCHITECTURES, loss: LOSSES, generator: GENERATOR_OPTION, fused: 'boolean' }, GENSIM_NAMES);
    this.architecture = options.model ?? 'skipgram';
    this.lossKind = options.loss ?? 'ns';
    this.fused = options.fused ?? false;
    this.in_embed = new Embedding(vocabSize, dim, { sparse: true });
    // hierarchical softmax has one output vector per inner node of the Huffman tree: V - 1 of them
    this.out_embed = new Embedding(this.lossKind === 'hs' ? Math.max(1, vocabSize - 1) : vocabSize, dim, { sparse: true });
    this.resetParameters(options.generator ?? new Generator(1));
  }

  /** The C tool's init: word vectors uniform in [-0.5, 0.5) / dim, output vectors zero. */
  resetParameters(generator: Generator): void {
    noGrad(() => {
      const w = this.in_embed.weight.storage.data as Float32Array;
      const dim = this.in_embed.embeddingDim;
      for (let i = 0; i < w.length; i++) w[i] = (generator.random() - 0.5) / dim;
      this.in_embed.weight.bumpVersion();
      this.out_embed.weight.zero_();
    });
  }

  /** The hidden vector of each example [B, dim]: the context word's vector (skip-gram) or the context mean (CBOW). */
  hidden(batch: Word2VecBatch): Tensor {
    if (this.architecture === 'skipgram') {
      if (!batch.inputs) throw new Error('Word2Vec.hidden: a skip-gram batch needs inputs');
      return this.in_embed.forward(batch.inputs);
    }
    if (!batch.context || !batch.contextMask || !batch.inverseCount) throw new Error('Word2Vec.hidden: a CBOW batch needs context, contextMask and inverseCount');
    const summed = this.in_embed.forward(batch.context).mul(batch.contextMask).sum(1);
    const mean = summed.mul(batch.inverseCount);
    // the value is the mean, but each context vector receives the full gradient, as in word2vec.c
    return summed.add(mean.sub(summed).detach());
  }

  /** The summed loss of a batch: -log σ(score) for positives / tree branches taken, -log σ(-score) for the others. */
  override forward(batch: Word2VecBatch): Tensor {
    const h = this.hidden(batch);
    if (this.lossKind === 'ns') {
      if (!batch.targets || !batch.mask) throw new Error('Word2Vec.forward: a negative-sampling batch needs targets and mask');
      const scores = this.fused
        ? gatheredRowDot(h, null, this.out_embed.weight, batch.targets)
        : this.out_embed.forward(batch.targets).mul(h.unsqueeze(1)).sum(-1);
      return softplus(scores.mul(batch.signs)).mul(batch.mask).sum();
    }
    if (!batch.owner || !batch.nodes) throw new Error('Word2Vec.forward: a hierarchical-softmax batch needs owner and nodes');
    const scores = this.fused
      ? gatheredRowDot(h, batch.owner, this.out_embed.weight, batch.nodes)
      : this.out_embed.forward(batch.nodes).mul(h.indexSelect(0, batch.owner)).sum(-1);
    return softplus(scores.mul(batch.signs)).sum();
  }
}

/**
 * Reads a corpus the way the C tool's training thread does, and cuts it into batches: sentences are
 * subsampled as they are read, each centre word draws its window shrink b, and skip-gram pairs (or
 * CBOW windows) are drawn with their negatives or tree paths.
 */
export class Word2VecBatcher {
  /** In-vocabulary words read so far (before subsampling), across epochs: the C tool's word_count_actual. */
  wordsRead = 0;
  /** Examples (skip-gram pairs or CBOW windows) produced so far. */
  examples = 0;
  private readonly opts: ResolvedWord2VecOptions;
  private readonly keep: Float64Array;
  private readonly table: Int32Array | null;
  private readonly tree: HuffmanTree | null;
  private readonly rng: Generator;
  private readonly sentence: Int32Array;
  private sentenceLength = 0;
  private position = 0;
  private nextSentence = 0;
  // reusable buffers, sized for one batch plus one centre word's examples
  private readonly capacity: number;
  private inputs: Int32Array;
  private context: Int32Array;
  private contextMask: Float32Array;
  private inverseCount: Float32Array;
  private targets: Int32Array;
  private negSigns: Float32Array;
  private mask: Float32Array;
  private owner: Int32Array;
  private nodes: Int32Array;
  private nodeSigns: Float32Array;

  constructor(private readonly corpus: EncodedCorpus, private readonly vocab: Vocab, options: ResolvedWord2VecOptions, generator: Generator) {
    this.opts = options;
    this.rng = generator;
    this.keep = keepProbabilities(vocab.counts, options.sample);
    this.table = options.loss === 'ns' ? unigramTable(vocab.counts, options.tableSize) : null;
    this.tree = options.loss === 'hs' ? huffmanTree(vocab.counts) : null;
    let longest = 0;
    for (let s = 0; s + 1 < corpus.starts.length; s++) longest = Math.max(longest, corpus.starts[s + 1] - corpus.starts[s]);
    this.sentence = new Int32Array(Math.max(1, longest));
    const W = options.window;
    this.capacity = options.batchSize + 2 * W;
    const K1 = options.negative + 1;
    const maxCode = this.tree ? this.tree.maxLength : 0;
    this.inputs = new Int32Array(this.capacity);
    this.context = new Int32Array(options.model === 'cbow' ? this.capacity * 2 * W : 0);
    this.contextMask = new Float32Array(this.context.length);
    this.inverseCount = new Float32Array(options.model === 'cbow' ? this.capacity : 0);
    this.targets = new Int32Array(this.table ? this.capacity * K1 : 0);
    this.negSigns = new Float32Array(this.targets.length);
    this.mask = new Float32Array(this.targets.length);
    for (let i = 0; i < this.negSigns.length; i++) this.negSigns[i] = i % K1 === 0 ? -1 : 1;
    this.owner = new Int32Array(this.tree ? this.capacity * maxCode : 0);
    this.nodes = new Int32Array(this.owner.length);
    this.nodeSigns = new Float32Array(this.owner.length);
  }

  /** Total in-vocabulary words of one pass (the C tool's train_words). */
  get wordsPerEpoch(): number {
    return this.corpus.ids.length;
  }

  /** Starts a new pass over the corpus. */
  rewind(): void {
    this.nextSentence = 0;
    this.sentenceLength = 0;
    this.position = 0;
  }

  /** Reads the next sentence, subsampling it; false at the end of the corpus. */
  private readSentence(): boolean {
    const { starts, ids } = this.corpus;
    while (this.nextSentence + 1 < starts.length) {
      const from = starts[this.nextSentence], to = starts[this.nextSentence + 1];
      this.nextSentence++;
      this.wordsRead += to - from;
      let n = 0;
      for (let i = from; i < to; i++) {
        const w = ids[i];
        const keep = this.keep[w];
        if (keep < 1 && keep < (this.rng.nextUint32() & 0xffff) / 65536) continue;
        this.sentence[n++] = w;
      }
      if (n > 0) {
        this.sentenceLength = n;
        this.position = 0;
        return true;
      }
    }
    return false;
  }

  /** The next batch of about batchSize examples, or null at the end of the pass. */
  next(): Word2VecBatch | null {
    const { window: W, batchSize, model } = this.opts;
    const K = this.opts.negative;
    const rng = this.rng;
    const sen = this.sentence;
    let n = 0; // examples
    let m = 0; // hierarchical-softmax entries
    while (n < batchSize) {
      if (this.position >= this.sentenceLength && !this.readSentence()) break;
      const pos = this.position++;
      const centre = sen[pos];
      const b = rng.nextUint32() % W;
      const len = this.sentenceLength;
      if (model === 'skipgram') {
        for (let a = b; a < 2 * W + 1 - b; a++) {
          if (a === W) continue;
          const c = pos - W + a;
          if (c < 0 || c >= len) continue;
          this.inputs[n] = sen[c];
          m = this.addOutputs(n, centre, m, K);
          n++;
        }
      } else {
        const row = n * 2 * W;
        let cw = 0;
        for (let a = b; a < 2 * W + 1 - b; a++) {
          if (a === W) continue;
          const c = pos - W + a;
          if (c < 0 || c >= len) continue;
          this.context[row + cw] = sen[c];
          this.contextMask[row + cw] = 1;
          cw++;
        }
        if (cw === 0) continue;
        for (let j = cw; j < 2 * W; j++) {
          this.context[row + j] = 0;
          this.contextMask[row + j] = 0;
        }
        this.inverseCount[n] = 1 / cw;
        m = this.addOutputs(n, centre, m, K);
        n++;
      }
    }
    if (n === 0) return null;
    this.examples += n;
    const batch: Word2VecBatch = { size: n, signs: undefined as unknown as Tensor };
    // tensors over fresh copies: the buffers are refilled by the next call
    if (model === 'skipgram') batch.inputs = Tensor.fromData(this.inputs.slice(0, n), [n], 'int32');
    else {
      batch.context = Tensor.fromData(this.context.slice(0, n * 2 * W), [n, 2 * W], 'int32');
      batch.contextMask = Tensor.fromData(this.contextMask.slice(0, n * 2 * W), [n, 2 * W, 1], 'float32');
      batch.inverseCount = Tensor.fromData(this.inverseCount.slice(0, n), [n, 1], 'float32');
    }
    if (this.table) {
      const K1 = K + 1;
      batch.targets = Tensor.fromData(this.targets.slice(0, n * K1), [n, K1], 'int32');
      batch.signs = Tensor.fromData(this.negSigns.slice(0, n * K1), [n, K1], 'float32');
      batch.mask = Tensor.fromData(this.mask.slice(0, n * K1), [n, K1], 'float32');
    } else {
      batch.owner = Tensor.fromData(this.owner.slice(0, m), [m], 'int32');
      batch.nodes = Tensor.fromData(this.nodes.slice(0, m), [m], 'int32');
      batch.signs = Tensor.fromData(this.nodeSigns.slice(0, m), [m], 'float32');
    }
    return batch;
  }

  /** Fills example n's outputs: the positive word and its negatives, or its tree path. Returns the new entry count. */
  private addOutputs(n: number, centre: number, m: number, K: number): number {
    if (this.table) {
      const K1 = K + 1;
      const row = n * K1;
      const table = this.table;
      this.targets[row] = centre;
      this.mask[row] = 1;
      for (let d = 1; d < K1; d++) {
        const t = table[this.rng.nextUint32() % table.length];
        this.targets[row + d] = t;
        this.mask[row + d] = t === centre ? 0 : 1;
      }
      return m;
    }
    const tree = this.tree!;
    for (let d = tree.offsets[centre]; d < tree.offsets[centre + 1]; d++) {
      this.owner[m] = n;
      this.nodes[m] = tree.points[d];
      this.nodeSigns[m] = 2 * tree.codes[d] - 1;
      m++;
    }
    return m;
  }
}

/** A progress report of `trainWord2Vec`. */
export interface Word2VecProgress {
  epoch: number;
  /** In-vocabulary words read in this epoch so far. */
  epochWords: number;
  wordsPerEpoch: number;
  /** Mean loss per example over the last report interval. */
  loss: number;
  lr: number;
  wordsPerSecond: number;
}

/** Callbacks of `trainWord2Vec`. */
export interface TrainWord2VecHooks {
  /** Called about every `reportEvery` steps and at the end of each epoch. */
  onProgress?: (p: Word2VecProgress) => void;
  onEpochEnd?: (epoch: number, stats: { loss: number; seconds: number; words: number }) => void;
  reportEvery?: number;
}

/** What `trainWord2Vec` returns: the model, the vectors and the training statistics. */
export interface Word2VecResult {
  model: Word2Vec;
  vectors: KeyedVectors;
  options: ResolvedWord2VecOptions;
  /** Seconds of training (batching + steps), all epochs. */
  seconds: number;
  /** In-vocabulary words read per second (before subsampling, as the C tool counts). */
  wordsPerSecond: number;
  epochSeconds: number[];
  epochLoss: number[];
  examples: number;
}

/** Trains word vectors on an encoded corpus with the vocabulary it was encoded with (frequency-sorted, with counts). */
export function trainWord2Vec(corpus: EncodedCorpus, vocab: Vocab, options: Word2VecOptions = {}, hooks: TrainWord2VecHooks = {}): Word2VecResult {
  const opts = resolveWord2VecOptions(options);
  checkOptions('trainWord2Vec (hooks)', hooks, { onProgress: 'function', onEpochEnd: 'function', reportEvery: POSITIVE_INTEGER });
  if (vocab.size < 2) throw new Error(`trainWord2Vec: the vocabulary has ${vocab.size} word(s); lower minCount or give more text`);
  if (corpus.ids.length === 0) throw new Error('trainWord2Vec: the corpus has no in-vocabulary words');
  const generator = new Generator(opts.seed);
  const model = new Word2Vec(vocab.size, opts.dim, { model: opts.model, loss: opts.loss, generator, fused: opts.fused });
  if (opts.engine === 'kernel') return trainOnKernel(model, corpus, vocab, opts, generator, hooks);
  const batcher = new Word2VecBatcher(corpus, vocab, opts, generator);
  const optimizer = new SGD(model.parameters(), { lr: opts.alpha });
  const totalWords = opts.epochs * batcher.wordsPerEpoch;
  // alpha = starting_alpha * (1 - word_count_actual / (iter * train_words + 1)), floored at starting_alpha * 1e-4
  const scheduler = new LambdaLR(optimizer, { lrLambda: () => Math.max(1e-4, 1 - batcher.wordsRead / (totalWords + 1)) });
  const reportEvery = hooks.reportEvery ?? 50;
  const epochSeconds: number[] = [], epochLoss: number[] = [];
  let seconds = 0;
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    batcher.rewind();
    const epochStart = performance.now();
    const wordsAtStart = batcher.wordsRead;
    let lossSum = 0, lossCount = 0, windowLoss = 0, windowCount = 0, steps = 0;
    for (;;) {
      const batch = batcher.next();
      if (batch === null) break;
      optimizer.zeroGrad();
      const loss = model.forward(batch);
      loss.backward();
      optimizer.step();
      scheduler.step();
      const value = loss.item();
      if (!Number.isFinite(value)) throw new Error(`trainWord2Vec: the loss became ${value} at epoch ${epoch + 1}; lower alpha or batchSize`);
      lossSum += value; lossCount += batch.size;
      windowLoss += value; windowCount += batch.size;
      steps++;
      if (hooks.onProgress && steps % reportEvery === 0) {
        const elapsed = (performance.now() - epochStart) / 1000;
        hooks.onProgress({
          epoch, epochWords: batcher.wordsRead - wordsAtStart, wordsPerEpoch: batcher.wordsPerEpoch,
          loss: windowLoss / windowCount, lr: optimizer.paramGroups[0].lr, wordsPerSecond: (batcher.wordsRead - wordsAtStart) / elapsed,
        });
        windowLoss = 0; windowCount = 0;
      }
    }
    const s = (performance.now() - epochStart) / 1000;
    seconds += s;
    epochSeconds.push(s);
    epochLoss.push(lossCount ? lossSum / lossCount : NaN);
    hooks.onProgress?.({
      epoch, epochWords: batcher.wordsPerEpoch, wordsPerEpoch: batcher.wordsPerEpoch, loss: lossCount ? lossSum / lossCount : NaN,
      lr: optimizer.paramGroups[0].lr, wordsPerSecond: batcher.wordsPerEpoch / s,
    });
    hooks.onEpochEnd?.(epoch, { loss: epochLoss[epoch], seconds: s, words: batcher.wordsPerEpoch });
  }
  const vectors = KeyedVectors.fromTensor(vocab.tokens, model.in_embed.weight, vocab.counts);
  return { model, vectors, options: opts, seconds, wordsPerSecond: totalWords / seconds, epochSeconds, epochLoss, examples: batcher.examples };
}

/** Sentences per kernel call: about this many words per worker, so progress is reported a few times a second. */
const KERNEL_CALL_WORDS = 100_000;

/**
 * trainWord2Vec's 'kernel' engine: the model's tables trained in place by Backend.word2vecTrain, sentence
 * run by sentence run, drawing from `generator` (after the model's init) exactly what the batcher would.
 */
function trainOnKernel(model: Word2Vec, corpus: EncodedCorpus, vocab: Vocab, opts: ResolvedWord2VecOptions, generator: Generator, hooks: TrainWord2VecHooks): Word2VecResult {
  const backend = getBackend();
  const syn0 = model.in_embed.weight.storage.data as Float32Array;
  const syn1neg = model.out_embed.weight.storage.data as Float32Array;
  const keep = keepProbabilities(vocab.counts, opts.sample);
  const table = unigramTable(vocab.counts, opts.tableSize);
  const state = Uint32Array.from(generator.getState().slice(0, 4));
  const wordsPerEpoch = corpus.ids.length;
  const totalWords = opts.epochs * wordsPerEpoch;
  const sentences = corpus.starts.length - 1;
  const epochSeconds: number[] = [], epochLoss: number[] = [];
  let seconds = 0, examples = 0, wordsDone = 0;
  const lrAt = (words: number) => opts.alpha * Math.max(1e-4, 1 - words / (totalWords + 1));
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    const epochStart = performance.now();
    let lossSum = 0, lossCount = 0, epochWords = 0;
    for (let s = 0; s < sentences;) {
      let end = s + 1;
      while (end < sentences && corpus.starts[end] - corpus.starts[s] < KERNEL_CALL_WORDS * opts.workers) end++;
      const r = backend.word2vecTrain({
        cbow: opts.model === 'cbow', dim: opts.dim, window: opts.window, negative: opts.negative, syn0, syn1neg,
        ids: corpus.ids, starts: corpus.starts.subarray(s, end + 1), keep, table, alpha: opts.alpha, wordsDone, totalWords, state,
        workers: opts.workers, computeLoss: opts.computeLoss,
      });
      model.in_embed.weight.bumpVersion();
      model.out_embed.weight.bumpVersion();
      s = end;
      wordsDone += r.words; epochWords += r.words;
      if (!Number.isFinite(r.loss)) throw new Error(`trainWord2Vec: the loss became ${r.loss} at epoch ${epoch + 1}; lower alpha`);
      lossSum += r.loss; lossCount += r.examples; examples += r.examples;
      const elapsed = (performance.now() - epochStart) / 1000;
      hooks.onProgress?.({
        epoch, epochWords, wordsPerEpoch, loss: r.examples && opts.computeLoss ? r.loss / r.examples : NaN, lr: lrAt(wordsDone), wordsPerSecond: epochWords / elapsed,
      });
    }
    const sec = (performance.now() - epochStart) / 1000;
    seconds += sec;
    epochSeconds.push(sec);
    epochLoss.push(lossCount && opts.computeLoss ? lossSum / lossCount : NaN);
    hooks.onEpochEnd?.(epoch, { loss: epochLoss[epoch], seconds: sec, words: wordsPerEpoch });
  }
  generator.setState([...state, NaN]);
  const vectors = KeyedVectors.fromTensor(vocab.tokens, model.in_embed.weight, vocab.counts);
  return { model, vectors, options: opts, seconds, wordsPerSecond: totalWords / seconds, epochSeconds, epochLoss, examples };
}
