/** Embedding: a lookup table of learned vectors (PyTorch's nn.Embedding). */
import { checkOptions } from '../util/options.js';
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { noGrad } from '../autograd/grad-mode.js';
import { record } from '../autograd/node.js';
import { RowSparseTensor } from '../autograd/sparse.js';
import { embedding as embeddingOp } from '../ops/indexing.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { embedding, embeddingRenorm_, resolvePaddingIdx, scaleGradByFrequency } from './functional.js';
import { normal_ } from './init.js';
import { pyFloat } from './repr.js';

/** Options of nn.Embedding: padding index, max norm, sparse gradients. */
export interface EmbeddingOptions {
  /** This row is initialised to zeros and gets no gradient (negative counts from the end). */
  paddingIdx?: number | null;
  /** Rows looked up whose norm exceeds maxNorm are rescaled in place to norm maxNorm. */
  maxNorm?: number | null;
  /** The p of the p-norm for maxNorm (default 2). */
  normType?: number;
  /** Divide each row's gradient by how many times the mini-batch looks that row up (PyTorch's scale_grad_by_freq). */
  scaleGradByFreq?: boolean;
  /** Use this [numEmbeddings, embeddingDim] tensor as the weight (shared, not copied). */
  weight?: Tensor;
  /**
   * The weight's gradient is a RowSparseTensor holding only the rows looked up (PyTorch's
   * sparse=True), which optim.SGD, optim.Adagrad and optim.SparseAdam apply to those rows alone.
   */
  sparse?: boolean;
}

/**
 * `embedding` whose weight gradient is row-sparse: the rows of `weight` at `indices`
 * ([...indices.shape, embeddingDim]); backward gives `weight` a RowSparseTensor with one row per
 * lookup (repeats are summed by whoever reads it), leaving out lookups of `paddingIdx` as PyTorch does.
 */
export function sparseEmbedding(indices: Tensor, weight: Tensor, options: { paddingIdx?: number | null; maxNorm?: number | null; normType?: number; scaleGradByFreq?: boolean } = {}): Tensor {
  checkOptions('sparseEmbedding', options, { paddingIdx: 'integer|null', maxNorm: 'number|null', normType: 'number', scaleGradByFreq: 'boolean' });
  if (!(weight instanceof Tensor) || weight.ndim !== 2) {
    throw new Error(`sparseEmbedding: weight must be a 2-D Tensor [numEmbeddings, embeddingDim], got ${weight instanceof Tensor ? formatShape(weight.shape) : typeof weight}`);
  }
  const paddingIdx = resolvePaddingIdx('sparseEmbedding', options.paddingIdx, weight.shape[0]);
  if (options.maxNorm !== null && options.maxNorm !== undefined && indices instanceof Tensor && indices.dtype === 'int32') {
    embeddingRenorm_(weight, indices, options.maxNorm, options.normType ?? 2);
  }
  const out = noGrad(() => embeddingOp(indices, weight.detach()));
  const recorded = record(out, 'sparseEmbedding', [weight], (g) => {
    const ids = indices.contiguousData() as Int32Array;
    const gd = g.contiguousData() as Float32Array;
    const dim = weight.shape[1];
    // the gradient's data is not written again by backward, so the sparse values may share it
    if (paddingIdx === null) return [new RowSparseTensor(weight.shape, ids.slice(), gd)];
    let kept = 0;
    for (let i = 0; i < ids.length; i++) if (ids[i] !== paddingIdx) kept++;
    const rows = new Int32Array(kept);
    const values = new Float32Array(kept * dim);
    for (let i = 0, k = 0; i < ids.length; i++) {
      if (ids[i] === paddingIdx) continue;
      rows[k] = ids[i];
      values.set(gd.subarray(i * dim, (i + 1) * dim), k * dim);
      k++;
    }
    return [new RowSparseTensor(weight.shape, rows, values)];
  }, [indices]);
  return options.scaleGradByFreq ? scaleGradByFrequency(recorded, indices) : recorded;
}

/** A lookup table of `numEmbeddings` vectors of size `embeddingDim`, indexed by int32 ids. */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  maxNorm: number | null;
  normType: number;
  /** Whether the weight's gradient is row-sparse (see EmbeddingOptions.sparse). */
  sparse: boolean;
  scaleGradByFreq: boolean;
  weight: Parameter;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    checkOptions('Embedding', options, { paddingIdx: 'integer|null', maxNorm: 'number|null', normType: 'number', scaleGradByFreq: 'boolean', sparse: 'boolean', weight: 'object' });
    if (!Number.isInteger(numEmbeddings) || numEmbeddings < 0) throw new Error(`Embedding: numEmbeddings must be a non-negative integer, got ${numEmbeddings}`);
    if (!Number.isInteger(embeddingDim) || embeddingDim < 0) throw new Error(`Embedding: embeddingDim must be a non-negative integer, got ${embeddingDim}`);
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = resolvePaddingIdx('Embedding', options.paddingIdx, numEmbeddings);
    this.maxNorm = options.maxNorm ?? null;
    this.normType = options.normType ?? 2;
    this.sparse = options.sparse ?? false;
    this.scaleGradByFreq = options.scaleGradByFreq ?? false;
    if (options.weight) {
      if (formatShape(options.weight.shape) !== formatShape([numEmbeddings, embeddingDim])) {
        throw new Error(`Embedding: weight has shape ${formatShape(options.weight.shape)}, expected [${numEmbeddings}, ${embeddingDim}]`);
      }
      this.weight = options.weight instanceof Parameter ? options.weight : new Parameter(options.weight);
    } else {
      this.weight = new Parameter(Tensor.empty([numEmbeddings, embeddingDim]));
      this.resetParameters();
    }
  }

  /** A table from pretrained vectors [numEmbeddings, embeddingDim], frozen unless freeze is false. */
  static fromPretrained(embeddings: Tensor, options: { freeze?: boolean; paddingIdx?: number | null; maxNorm?: number | null; normType?: number; scaleGradByFreq?: boolean; sparse?: boolean } = {}): Embedding {
    if (!(embeddings instanceof Tensor) || embeddings.ndim !== 2) {
      throw new Error(`Embedding.fromPretrained: embeddings must be a 2-D Tensor [numEmbeddings, embeddingDim], got ${embeddings instanceof Tensor ? formatShape(embeddings.shape) : typeof embeddings}`);
    }
    checkOptions('Embedding.fromPretrained', options, { freeze: 'boolean', paddingIdx: 'integer|null', maxNorm: 'number|null', normType: 'number', scaleGradByFreq: 'boolean', sparse: 'boolean' });
    const [rows, dim] = embeddings.shape;
    const { freeze = true, ...layerOptions } = options;
    return new Embedding(rows, dim, { ...layerOptions, weight: new Parameter(embeddings, !freeze) });
  }

  /** PyTorch's init: N(0, 1), with the padding row zeroed. */
  resetParameters(): void {
    normal_(this.weight);
    if (this.paddingIdx !== null) {
      const row = this.paddingIdx;
      noGrad(() => this.weight.select(0, row).fill_(0));
    }
  }

  override forward(input: Tensor): Tensor {
    const options = { paddingIdx: this.paddingIdx, maxNorm: this.maxNorm, normType: this.normType, scaleGradByFreq: this.scaleGradByFreq };
    return this.sparse ? sparseEmbedding(input, this.weight, options) : embedding(input, this.weight, options);
  }

  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.paddingIdx !== null) s += `, padding_idx=${this.paddingIdx}`;
    if (this.maxNorm !== null) s += `, max_norm=${pyFloat(this.maxNorm)}`;
    if (this.normType !== 2) s += `, norm_type=${pyFloat(this.normType)}`;
    if (this.scaleGradByFreq) s += ', scale_grad_by_freq=True';
    if (this.sparse) s += ', sparse=True';
    return s;
  }
}
