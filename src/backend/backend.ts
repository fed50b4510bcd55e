/**
 * The one interface every backend implements: a small set of primitives (copy, elementwise,
 * reduce, gemm, gather/scatter) plus fused fast paths (conv, pooling, softmax, norms).
 * Kernels see typed arrays and layouts only, never a Tensor or a Module.
 */
import type { TypedArray } from '../tensor/dtype.js';
import type { StridedView } from '../tensor/strided.js';

export type { StridedView };

export type UnaryOp =
  | 'neg' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'abs' | 'sin' | 'cos' | 'tanh' | 'sigmoid'
  | 'relu' | 'gelu' | 'geluTanh' | 'silu' | 'sign' | 'reciprocal' | 'square' | 'leakyRelu' | 'powScalar' | 'clamp'
  | 'log1p' | 'expm1' | 'floor' | 'ceil' | 'round' | 'logicalNot' | 'softplus' | 'elu';

export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'atan2' | 'remainder'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'logicalAnd' | 'logicalOr' | 'logicalXor'
  /** Gradients of unary ops, fused so backward is one pass: a = incoming grad, b = saved input or output. */
  | 'reluBackward' | 'leakyReluBackward' | 'sigmoidBackward' | 'tanhBackward' | 'geluBackward' | 'geluTanhBackward'
  | 'siluBackward' | 'softplusBackward' | 'eluBackward';

export type ReduceOp = 'sum' | 'prod' | 'max' | 'min' | 'argmax' | 'argmin';

export interface Conv2dParams {
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
}

/** Shapes of a conv2d call: input [N, C, H, W], weight [OC, C/groups, KH, KW], output [N, OC, OH, OW]. */
export interface Conv2dShapes extends Conv2dParams {
  n: number; c: number; h: number; w: number;
  oc: number; kh: number; kw: number; oh: number; ow: number;
}

export interface Pool2dShapes {
  n: number; c: number; h: number; w: number; oh: number; ow: number;
  kernel: [number, number]; stride: [number, number]; padding: [number, number]; dilation: [number, number];
  countIncludePad: boolean; divisorOverride?: number;
}

/**
 * Operands of conv2dReluMaxPoolBackward: the gradient of maxPool2d(relu(conv2d(x, weight, bias)))
 * taken back through all three at once, from what the pooling kept (pooled values, argmax).
 */
export interface ConvReluPoolBackward {
  /** The pooled output's gradient and values, [N, OC, pool.oh, pool.ow]; argmax as maxPool2d wrote it. */
  gradPooled: Float32Array; pooled: Float32Array; argmax: Int32Array;
  /** The pooling's shapes: its input is the convolution's output (pool.h = conv.oh, pool.w = conv.ow). */
  pool: Pool2dShapes;
  x: Float32Array; weight: Float32Array; conv: Conv2dShapes;
  /** Overwritten where not null. */
  gradInput: Float32Array | null; gradWeight: Float32Array | null; gradBias: Float32Array | null;
}

/**
 * One fused scaled-dot-product attention call over `batch` independent problems (batch x heads):
 * query [L, E], key [S, E], value [S, Ev] matrices read in place from strided storage (columns
 * contiguous, rows `*RowStride` apart, problem b starting at `*Offsets[b]`).
 */
export interface AttentionShapes {
  batch: number; l: number; s: number; e: number; ev: number;
  /** Multiplies q·kᵀ before the mask is added (PyTorch: 1/sqrt(E) unless given). */
  scale: number;
  qOffsets: Int32Array; qRowStride: number;
  kOffsets: Int32Array; kRowStride: number;
  vOffsets: Int32Array; vRowStride: number;
  /** Additive float mask: problem b reads the contiguous [L, S] block at mask[maskOffsets[b]]. -inf excludes a key. */
  mask: Float32Array | null;
  maskOffsets: Int32Array | null;
  /** Mask out keys j > i (top-left aligned lower triangle, PyTorch 2's is_causal). */
  causal: boolean;
  /** Dropout multipliers (0 or 1/(1-p)) for the probabilities, contiguous [batch, L, S]; null without dropout. */
  dropMask: Float32Array | null;
  /**
   * Where problem b's output rows (and its gradient's) lie: from outOffsets[b], outRowStride apart, in
   * an array of batch·L·Ev they cover (e.g. the heads side by side, [B, L, H·Ev]). Default: contiguous [batch, L, Ev].
   */
  outOffsets?: Int32Array; outRowStride?: number;
  /**
   * gradQ, gradK and gradV are laid out like q, k and v (their offsets and row strides; one array
   * where the inputs share one, e.g. a packed [.., 3·E] projection); the elements between them that
   * no input reads are set to 0. Default: contiguous [batch, L, E], [batch, S, E], [batch, S, Ev].
   */
  gradsLikeInputs?: boolean;
}

/**
 * One direction of one recurrent layer over a whole sequence (see Backend.recurrenceForward). Batch
 * rows are in length order (longest first): at step t the active sequences are rows 0..batchSizes[t]-1.
 * State buffers hold steps+1 slots of [batch, *]; the state before time t is slot t, or t+1 in reverse.
 */
export interface RecurrenceShapes {
  mode: 'rnnTanh' | 'rnnRelu' | 'lstm' | 'gru';
  steps: number; batch: number; input: number; hidden: number;
  /** Width of h: hidden, or the LSTM projection size when weightHr is given. */
  state: number;
  batchSizes: Int32Array;
  reverse: boolean;
  /**
   * The caller's row of step t, batch row j (a permutation of steps*batch) in x, out and their
   * gradients: rows[t * batch + j]. Its columns of out are [outOffset, outOffset + state) of outStride.
   */
  rows: Int32Array;
  outStride: number; outOffset: number;
}

/**
 * Whether some step runs fewer rows than the batch (shorter sequences). Only then do padded rows of
 * the state and gradient buffers stay unwritten: the layer and the backends zero them only then.
 */
export function hasShorterSequences(s: Pick<RecurrenceShapes, 'batchSizes' | 'batch'>): boolean {
  return s.batchSizes.some((bt) => bt !== s.batch);
}

/** Operands of recurrenceForward, PyTorch's weight shapes; the outputs are what backward needs. */
export interface RecurrenceForward extends RecurrenceShapes {
  /** Inputs [steps*batch, input], rows in the caller's order. */
  x: Float32Array;
  wIh: Float32Array; wHh: Float32Array; wHr: Float32Array | null;
  /** b_ih + b_hh folded ([G*hidden]; GRU: b_hn stays out, in biasHn [hidden]), or null. */
  bias: Float32Array | null; biasHn: Float32Array | null;
  /**
   * Out: LSTM and GRU, the activated gates [steps, batch, G*hidden] of the active rows, for this call's
   * backward pass, which alone reads them: a backend may keep them in its own memory and write them
   * here only when another forward pass needs that memory. Elman's backward needs only h, so what its
   * gates hold afterwards is up to the backend.
   */
  gates: Float32Array;
  /** In: zero in this direction's columns of padded rows (the others are overwritten); out: there, the state after each active step. */
  out: Float32Array;
  /**
   * In: initial states in each sequence's first slot, zeros in padded rows of the others (the rest is
   * overwritten). Out: every step's state; or, when no sequence is shorter than steps, possibly only
   * the final states' slot: like the gates, a backend may keep the others in its own memory for this
   * call's backward pass, writing them here only when another forward pass needs that memory.
   */
  h: Float32Array; c: Float32Array | null;
  /** Out, LSTM with projection: o*tanh(c) before W_hr [steps, batch, hidden]; GRU: W_hn·h + b_hn. */
  r: Float32Array | null; hn: Float32Array | null;
}

/** Operands of recurrenceBackward: the forward's, its outputs, and the gradients. */
export interface RecurrenceBackward extends Omit<RecurrenceForward, 'bias' | 'biasHn' | 'out'> {
  /** Gradient of out. */
  gOut: Float32Array;
  /** In: the final states' gradients (row order); out: the initial states'. */
  dh: Float32Array; dc: Float32Array | null;
  /** Out where not null (overwritten; dx, laid out like x, added to when accumulateDx). Bias gradients are of b_ih and b_hh. */
  dx: Float32Array | null; accumulateDx: boolean;
  gWih: Float32Array | null; gWhh: Float32Array | null; gWhr: Float32Array | null;
  gBiasIh: Float32Array | null; gBiasHh: Float32Array | null;
}

/** Hyper-parameters of one SGD update (see Backend.sgdStep and optim/sgd.ts). */
export interface SgdUpdate {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

/**
 * The constants of one Adam/AdamW update (see Backend.adamStep; optim/adam.ts derives them from the
 * hyper-parameters and the step count).
 */
export interface AdamUpdate {
  beta1: number;
  beta2: number;
  /** lr / (1 - beta1^step) */
  stepSize: number;
  /** sqrt(1 - beta2^step) */
  biasCorrection2Sqrt: number;
  eps: number;
  /** Adam's L2 penalty: l2 * p is added to the gradient (0 for AdamW). */
  l2: number;
  /** AdamW's decoupled decay: p is multiplied by this first (1 - lr * weightDecay; 1 for Adam). */
  decay: number;
  maximize: boolean;
}

/**
 * One call of word2vec training with negative sampling (see Backend.word2vecTrain): sentence s is
 * `ids[starts[s] .. starts[s + 1])` for s < starts.length - 1; the tables are [V, dim], updated in place.
 */
export interface Word2VecJob {
  /** CBOW (the mean of the context predicts the centre word) instead of skip-gram. */
  cbow: boolean;
  dim: number;
  window: number;
  negative: number;
  /** Input vectors (word2vec.c's syn0) and output vectors (syn1neg), [V, dim]. */
  syn0: Float32Array;
  syn1neg: Float32Array;
  ids: Int32Array;
  starts: Int32Array;
  /** Probability that each word is kept as a sentence is read (subsampling of frequent words). */
  keep: Float64Array;
  /** The unigram^0.75 table negatives are drawn from. */
  table: Int32Array;
  /** Starting alpha: a sentence trains at alpha * max(1e-4, 1 - wordsRead / (totalWords + 1)). */
  alpha: number;
  /** Words read (before subsampling) by earlier calls, and by the whole training. */
  wordsDone: number;
  totalWords: number;
  /** The xoshiro128** state of tensor/random.ts's Generator (4 words), advanced in place. */
  state: Uint32Array;
  /**
   * Hogwild workers (default 1): with more than one, the sentences are cut into 4 runs per worker of
   * about equal words, each trained with its own random stream, all updating the tables without locks,
   * claimed by the backend's threads as they come free (word2vec.c's threads, gensim's workers and job
   * queue). One worker repeats itself exactly; with several, threads racing on the same rows make
   * results differ from run to run.
   */
  workers?: number;
  /** Sum the loss (default true); without it, `loss` in the result is 0 unless a score was not finite (then NaN). */
  computeLoss?: boolean;
}

/**
 * One call of GloVe training (see Backend.gloveTrain): entry e is (rows[e], cols[e]) with log X and
 * f(X) in logCounts[e] and weights[e], trained in order; every table is updated in place.
 */
export interface GloVeJob {
  dim: number;
  /** Word and context vectors [V, dim], their biases [V]. */
  w: Float32Array;
  c: Float32Array;
  bw: Float32Array;
  bc: Float32Array;
  /** AdaGrad's sums of squared gradients, one table per parameter table, the same shapes. */
  sumW: Float32Array;
  sumC: Float32Array;
  sumBw: Float32Array;
  sumBc: Float32Array;
  rows: Int32Array;
  cols: Int32Array;
  logCounts: Float32Array;
  weights: Float32Array;
  lr: number;
  eps: number;
  /** Hogwild workers (default 1), as Word2VecJob.workers: 4 runs of the entries per worker, trained on the backend's threads on the shared tables. */
  workers?: number;
}

/** What a word2vecTrain call did: the summed loss, the examples (skip-gram pairs or CBOW windows), words read. */
export interface Word2VecJobResult {
  loss: number;
  examples: number;
  words: number;
}

/** The kernels a backend provides (`js` reference kernels, `wasm` SIMD kernels); models never see it. */
export interface Backend {
  readonly name: string;

  /** Gathers a strided view into contiguous `out` (converting dtype to out's element type). */
  copy(x: StridedView, out: TypedArray): void;
  /** Writes src (a view already expanded to dst's shape) into the strided destination. */
  assign(dst: StridedView, src: StridedView): void;
  /** Elementwise op over contiguous float data; p0/p1 carry the op's scalars (slope, exponent, bounds). */
  unary(op: UnaryOp, x: TypedArray, out: TypedArray, p0: number, p1: number): void;
  /** Elementwise op with broadcasting: a and b are read through views already expanded to outShape. */
  binary(op: BinaryOp, a: StridedView, b: StridedView, out: TypedArray, param: number): void;
  /** out[i] = cond[i] ? a[i] : b[i], all views expanded to the output shape. */
  where(cond: StridedView, a: StridedView, b: StridedView, out: TypedArray): void;
  /** Reduces the middle axis of contiguous data laid out as [outer, size, inner]. */
  reduce(op: ReduceOp, x: TypedArray, outer: number, size: number, inner: number, out: TypedArray): void;

  /** C = A·B + beta·C, row-major, with optional transposes and leading dimensions (BLAS sgemm). */
  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number,
    a: Float32Array, aOffset: number, lda: number,
    b: Float32Array, bOffset: number, ldb: number,
    beta: number, c: Float32Array, cOffset: number, ldc: number): void;

  /** Along `dim` of contiguous [outer, dimSize, inner] data: out[o, j, i] = x[o, index[j], i]. */
  indexSelect(x: TypedArray, outer: number, dimSize: number, inner: number, index: Int32Array, out: TypedArray): void;
  /** The adjoint of indexSelect: out[o, index[j], i] += src[o, j, i]. */
  indexAdd(src: Float32Array, outer: number, dimSize: number, inner: number, index: Int32Array, out: Float32Array): void;
  /** gather/scatter along `dim` for contiguous tensors; index has the shape of out (gather) or src (scatter). */
  gather(x: TypedArray, xShape: readonly number[], dim: number, index: Int32Array, indexShape: readonly number[], out: TypedArray): void;
  scatter(src: TypedArray, index: Int32Array, indexShape: readonly number[], dim: number, out: TypedArray, outShape: readonly number[], accumulate: boolean): void;

  /** out = conv(x, weight) + bias, all NCHW. */
  conv2d(x: Float32Array, weight: Float32Array, bias: Float32Array | null, s: Conv2dShapes, out: Float32Array): void;
  conv2dBackwardInput(gradOut: Float32Array, weight: Float32Array, s: Conv2dShapes, gradInput: Float32Array): void;
  conv2dBackwardWeight(gradOut: Float32Array, x: Float32Array, s: Conv2dShapes, gradWeight: Float32Array): void;

  /**
   * The gradients of x, weight and bias through maxPool2d(relu(conv2d(...))) in one call, so the
   * gradients of the convolution's and relu's outputs are never handed back (relu's mask is the
   * pooled value at each argmax). The reference (backend/js/conv.ts) is the unfused composition.
   */
  conv2dReluMaxPoolBackward(a: ConvReluPoolBackward): void;

  /** argmax gets each window's winner (its h·W + w in the input plane); null when no one will read it (inference). */
  maxPool2d(x: Float32Array, s: Pool2dShapes, out: Float32Array, argmax: Int32Array | null): void;
  maxPool2dBackward(gradOut: Float32Array, argmax: Int32Array, s: Pool2dShapes, gradInput: Float32Array): void;
  avgPool2d(x: Float32Array, s: Pool2dShapes, out: Float32Array): void;
  avgPool2dBackward(gradOut: Float32Array, s: Pool2dShapes, gradInput: Float32Array): void;

  /** Row-wise softmax (or log-softmax) of contiguous [rows, cols]. */
  softmax(x: Float32Array, rows: number, cols: number, log: boolean, out: Float32Array): void;
  softmaxBackward(y: Float32Array, gradOut: Float32Array, rows: number, cols: number, log: boolean, gradInput: Float32Array): void;
  /** log(sum(exp(x[i, :]))) of each row of contiguous [rows, cols], as float32: x - out[i] is the row's log-softmax. */
  logSumExp(x: Float32Array, rows: number, cols: number, out: Float32Array): void;
  /**
   * Cross-entropy's gradient with respect to the scores x [rows, cols], from their logSumExp:
   * gradInput[i, j] = coef[i] * (exp(x[i, j] - logSum[i]) - (j == target[i] ? 1 : 0)), i.e.
   * log-softmax's backward of a gradient that is -coef[i] at row i's target class and 0 elsewhere,
   * without materialising that gradient or the log-probabilities. With label smoothing ε the
   * target's 1 becomes 1 - ε and every class loses ε / cols:
   * gradInput[i, j] = coef[i] * (exp(x[i, j] - logSum[i]) - ε / cols - (j == target[i] ? 1 - ε : 0)).
   */
  crossEntropyBackward(x: Float32Array, logSum: Float32Array, rows: number, cols: number, target: Int32Array, coef: Float32Array, gradInput: Float32Array, labelSmoothing?: number): void;

  /** Row-wise normalisation of [rows, cols]; writes mean and 1/std per row for backward. */
  layerNorm(x: Float32Array, rows: number, cols: number, weight: Float32Array | null, bias: Float32Array | null,
    eps: number, out: Float32Array, mean: Float32Array, rstd: Float32Array): void;
  layerNormBackward(gradOut: Float32Array, x: Float32Array, mean: Float32Array, rstd: Float32Array,
    weight: Float32Array | null, rows: number, cols: number,
    gradInput: Float32Array, gradWeight: Float32Array | null, gradBias: Float32Array | null): void;

  /** Per-channel mean and biased variance of [n, c, spatial] data. */
  channelMoments(x: Float32Array, n: number, c: number, spatial: number, mean: Float32Array, variance: Float32Array): void;
  /** out = (x - mean[c]) * invstd[c] * weight[c] + bias[c] over [n, c, spatial]. */
  channelNormalize(x: Float32Array, n: number, c: number, spatial: number, mean: Float32Array, invstd: Float32Array,
    weight: Float32Array | null, bias: Float32Array | null, out: Float32Array): void;
  /** Backward of training-mode batch norm (statistics from the batch itself). */
  batchNormBackward(gradOut: Float32Array, x: Float32Array, n: number, c: number, spatial: number,
    mean: Float32Array, invstd: Float32Array, weight: Float32Array | null,
    gradInput: Float32Array, gradWeight: Float32Array | null, gradBias: Float32Array | null): void;

  /**
   * Fused attention: out [batch, L, Ev] = dropout(softmax(scale·Q·Kᵀ + mask)) · V; probs [batch, L, S]
   * gets the softmax before dropout. The reference (backend/js/attention.ts) runs on a backend's gemm.
   */
  attention(q: Float32Array, k: Float32Array, v: Float32Array, s: AttentionShapes, out: Float32Array, probs: Float32Array): void;
  /**
   * Its gradients: gradOut [batch, L, Ev] and/or gradWeights [batch, L, S] (of the probabilities after dropout) in;
   * gradQ [batch, L, E], gradK [batch, S, E], gradV [batch, S, Ev] overwritten when not null.
   */
  attentionBackward(gradOut: Float32Array | null, gradWeights: Float32Array | null,
    q: Float32Array, k: Float32Array, v: Float32Array, probs: Float32Array, s: AttentionShapes,
    gradQ: Float32Array | null, gradK: Float32Array | null, gradV: Float32Array | null): void;

  /**
   * A whole direction of a recurrent layer: the input projection, every step, and in backward the
   * weight, bias and input gradients. The reference (backend/js/recurrence.ts) runs step by step on
   * a backend's gemm.
   */
  recurrenceForward(a: RecurrenceForward): void;
  recurrenceBackward(a: RecurrenceBackward): void;
  /**
   * The backward passes of the recurrenceForward call that was given `h` are over and its arrays may
   * be reused for other calls: a backend that kept that call's buffers in its own memory forgets them.
   */
  recurrenceDone(h: Float32Array): void;

  /**
   * One torch.optim.SGD update of n parameters p[po..] in place from the gradient g[go..]: buf is
   * the momentum buffer (null when momentum is 0); `first` is its first update (buf = direction).
   */
  sgdStep(p: Float32Array, po: number, g: Float32Array, go: number, n: number, buf: Float32Array | null, first: boolean, h: SgdUpdate): void;

  /**
   * One torch.optim.Adam / AdamW update of n parameters p[po..] in place from the gradient g[go..]
   * (PyTorch's _single_tensor_adam): m and v are the moment estimates, vmax the running maximum of v
   * with amsgrad (else null).
   */
  adamStep(p: Float32Array, po: number, g: Float32Array, go: number, n: number,
    m: Float32Array, v: Float32Array, vmax: Float32Array | null, h: AdamUpdate): void;

  /**
   * word2vec training over a run of sentences as word2vec.c does it: subsampling as each sentence is
   * read, a window shrink per centre word, then one SGD update per skip-gram pair or CBOW window with
   * the positive word and `negative` draws from the table (all draws from `state`, in the order of
   * embeddings/word2vec.ts's batcher), Hogwild over runs of the sentences. The reference is
   * backend/js/word2vec.ts, which trains the runs one after another.
   */
  word2vecTrain(job: Word2VecJob): Word2VecJobResult;
  /**
   * GloVe training as glove.c does it: per entry the error w_i · w̃_j + b_i + b̃_j - log X and one AdaGrad
   * update (PyTorch's rule) of the four rows it touches. Returns Σ 1/2 f(X) error^2. The reference is
   * backend/js/glove.ts.
   */
  gloveTrain(job: GloVeJob): { loss: number };
}
