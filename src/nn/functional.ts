/**
 * nb.F (PyTorch's torch.nn.functional): the stateless ops the layers are built from, plus the
 * loss functions. Most are the op front-ends re-exported; linear, embedding (with paddingIdx and
 * maxNorm), pad (with PyTorch's mode argument) and oneHot are defined here.
 */
import { checkOptions } from '../util/options.js';
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { noGrad } from '../autograd/grad-mode.js';
import { where, eq, mul } from '../ops/elementwise.js';
import { addBiasInPlace, matmul } from '../ops/linalg.js';
import { transpose, unsqueeze, pad as padOp } from '../ops/shape.js';
import { embedding as embeddingOp } from '../ops/indexing.js';
import { padByMode, type PadMode } from '../ops/pad-modes.js';
import { record } from '../autograd/node.js';

export {
  relu, leakyRelu, elu, gelu, silu, softplus, sigmoid, tanh,
} from '../ops/elementwise.js';
export { softmax, logSoftmax } from '../ops/activation.js';
export { conv1d, conv2d, type ConvOptions } from '../ops/conv.js';
export { maxPool2d, maxPool2dWithIndices, avgPool2d, maxPool1d, maxPool1dWithIndices, avgPool1d, adaptiveAvgPool2d, type Pool2dOptions, type AvgPool2dOptions } from '../ops/pool.js';
export { layerNorm, batchNorm, type BatchNormOptions } from '../ops/norm.js';
export { dropout } from '../ops/dropout.js';
export {
  crossEntropy, nllLoss, mseLoss, l1Loss, smoothL1Loss, huberLoss, binaryCrossEntropy, binaryCrossEntropyWithLogits,
  type Reduction, type CrossEntropyOptions, type NLLLossOptions, type BCEOptions, type BCEWithLogitsOptions,
} from './loss.js';

/** y = x W^T + b, with x [..., inFeatures], weight [outFeatures, inFeatures], bias [outFeatures]. */
export function linear(input: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  if (!(input instanceof Tensor)) throw new Error(`linear: expected input to be a Tensor, got ${input === null ? 'null' : typeof input}`);
  if (!(weight instanceof Tensor) || weight.ndim !== 2) {
    throw new Error(`linear: expected weight to be a 2-D Tensor [outFeatures, inFeatures], got ${weight instanceof Tensor ? formatShape(weight.shape) : typeof weight}`);
  }
  const inFeatures = weight.shape[1];
  const last = input.ndim === 0 ? undefined : input.shape[input.ndim - 1];
  if (last !== inFeatures) {
    const rows = input.ndim <= 1 ? 1 : input.numel() / (last || 1);
    throw new Error(`linear: input of shape ${formatShape(input.shape)} has ${last ?? 'no'} features in its last dimension, but the weight ${formatShape(weight.shape)} expects ${inFeatures} (mat1 and mat2 shapes cannot be multiplied (${rows}x${last} and ${inFeatures}x${weight.shape[0]}))`);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== weight.shape[0])) {
    throw new Error(`linear: expected bias of shape [${weight.shape[0]}], got ${formatShape(bias.shape)}`);
  }
  const out = matmul(input, transpose(weight, 0, 1));
  return bias ? addBiasInPlace(out, bias) : out;
}

/** Options of F.embedding. */
export interface EmbeddingOptions {
  /** Rows looked up at this index get no gradient (the row's value is returned as it is). */
  paddingIdx?: number | null;
  /** Rows looked up whose norm exceeds maxNorm are rescaled in place in `weight` to norm maxNorm. */
  maxNorm?: number | null;
  /** The p of the p-norm for maxNorm (default 2). */
  normType?: number;
  /** Divide each row's gradient by how many times the batch looks that row up (PyTorch's scale_grad_by_freq). */
  scaleGradByFreq?: boolean;
}

/**
 * The lookup's output unchanged, its gradient at each position divided by the number of positions
 * in `indices` that looked up the same row, so a row's gradient is the mean of its lookups' rather
 * than their sum (frequent words do not get larger steps).
 */
export function scaleGradByFrequency(out: Tensor, indices: Tensor): Tensor {
  if (!out.requiresGrad) return out;
  const ids = indices.contiguousData() as Int32Array;
  const counts = new Map<number, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  const scale = Tensor.fromData(Float32Array.from(ids, (id) => 1 / counts.get(id)!), [...indices.shape, 1], 'float32');
  return record(out.detach(), 'embeddingScaleGradByFreq', [out], (g) => [mul(g, scale)]);
}

/** Resolves a (possibly negative) padding index against the number of embeddings. */
export function resolvePaddingIdx(op: string, paddingIdx: number | null | undefined, numEmbeddings: number): number | null {
  if (paddingIdx === null || paddingIdx === undefined) return null;
  if (!Number.isInteger(paddingIdx) || paddingIdx < -numEmbeddings || paddingIdx >= numEmbeddings) {
    throw new Error(`${op}: paddingIdx ${paddingIdx} must be within [-${numEmbeddings}, ${numEmbeddings - 1}] (numEmbeddings = ${numEmbeddings})`);
  }
  return paddingIdx < 0 ? paddingIdx + numEmbeddings : paddingIdx;
}

/**
 * PyTorch's embedding_renorm_: each distinct row looked up whose p-norm exceeds maxNorm is scaled
 * by maxNorm / (norm + 1e-7), in place and outside the graph.
 */
export function embeddingRenorm_(weight: Tensor, indices: Tensor, maxNorm: number, normType = 2): void {
  const [rows, dim] = weight.shape;
  const ids = new Set(indices.contiguousData() as Int32Array);
  const data = weight.contiguousData() as Float32Array;
  const inPlace = data === weight.storage.data;
  const out = inPlace ? data : data.slice();
  let changed = false;
  for (const raw of ids) {
    const r = raw < 0 ? raw + rows : raw;
    if (r < 0 || r >= rows) continue; // the lookup reports it
    const base = r * dim;
    let norm = 0;
    if (normType === Infinity) for (let j = 0; j < dim; j++) norm = Math.max(norm, Math.abs(out[base + j]));
    else {
      for (let j = 0; j < dim; j++) norm += Math.abs(out[base + j]) ** normType;
      norm **= 1 / normType;
    }
    if (norm > maxNorm) {
      const scale = maxNorm / (norm + 1e-7);
      for (let j = 0; j < dim; j++) out[base + j] *= scale;
      changed = true;
    }
  }
  if (!changed) return;
  if (inPlace) weight.bumpVersion();
  else noGrad(() => weight.copy_(Tensor.fromData(out, weight.shape, 'float32')));
}

/** Rows of weight at indices: [...indices.shape, embeddingDim]. */
export function embedding(indices: Tensor, weight: Tensor, options: EmbeddingOptions = {}): Tensor {
  checkOptions('embedding', options, { paddingIdx: 'integer|null', maxNorm: 'number|null', normType: 'number', scaleGradByFreq: 'boolean' });
  if (!(weight instanceof Tensor) || weight.ndim !== 2) {
    throw new Error(`embedding: weight must be a 2-D Tensor [numEmbeddings, embeddingDim], got ${weight instanceof Tensor ? formatShape(weight.shape) : typeof weight}`);
  }
  const paddingIdx = resolvePaddingIdx('embedding', options.paddingIdx, weight.shape[0]);
  if (options.maxNorm !== null && options.maxNorm !== undefined) {
    if (!(indices instanceof Tensor) || indices.dtype !== 'int32') return embeddingOp(indices, weight); // the op names the problem
    embeddingRenorm_(weight, indices, options.maxNorm, options.normType ?? 2);
  }
  const lookup = embeddingOp(indices, weight);
  const out = options.scaleGradByFreq ? scaleGradByFrequency(lookup, indices) : lookup;
  if (paddingIdx === null || !out.requiresGrad) return out;
  // Same values, but positions that looked up the padding row pass no gradient to it.
  const isPadding = unsqueeze(eq(indices, paddingIdx), -1);
  return where(isPadding, out.detach(), out);
}

/**
 * Pads the last dims: `padding` lists (before, after) pairs starting from the last dim, as F.pad
 * does. Modes 'constant' (with `value`), 'reflect', 'replicate' and 'circular'; `pad(x, p, value)`
 * is accepted as well.
 */
export function pad(input: Tensor, padding: readonly number[], mode: 'constant' | PadMode | number = 'constant', value = 0): Tensor {
  if (typeof mode === 'number') return padOp(input, padding, mode);
  if (mode === 'constant') return padOp(input, padding, value);
  return padByMode(input, padding, mode);
}

/** Class indices (int32) to one-hot rows: [...indices.shape, numClasses] of int32, like F.one_hot. */
export function oneHot(indices: Tensor, numClasses = -1): Tensor {
  if (!(indices instanceof Tensor) || indices.dtype !== 'int32') {
    throw new Error(`oneHot: expected an int32 Tensor of class indices, got ${indices instanceof Tensor ? indices.dtype : typeof indices}`);
  }
  const ids = indices.contiguousData() as Int32Array;
  let classes = numClasses;
  if (classes === -1) {
    classes = 0;
    for (const c of ids) classes = Math.max(classes, c + 1);
  }
  const out = new Int32Array(ids.length * classes);
  ids.forEach((c, i) => {
    if (c < 0 || c >= classes) throw new Error(`oneHot: class index ${c} is out of range for ${classes} classes`);
    out[i * classes + c] = 1;
  });
  return Tensor.fromData(out, [...indices.shape, classes], 'int32');
}
export { scaledDotProductAttention, scaledDotProductAttentionWithWeights, type ScaledDotProductAttentionOptions, type AttentionWithWeights } from '../ops/attention.js';
