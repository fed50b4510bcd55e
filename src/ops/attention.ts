/**
 * Scaled dot-product attention as ONE fused op over every batch x head problem:
 *   weights = dropout(softmax(q·kᵀ·scale + mask)),  out = weights·v
 * The forward is two gemms per problem with the mask, softmax and dropout between them; the single
 * autograd node's backward is the softmax backward and three gemms (backend.attention /
 * attentionBackward).
 *
 * q, k, v are read in place through their strides whenever their last dim is contiguous (so the
 * head-split views that multi-head attention makes cost no copy).
 *
 * Masks follow PyTorch 2's F.scaled_dot_product_attention: a bool mask marks the keys that TAKE
 * PART (true = attend), a float mask is added to the scores. A query row whose keys are all masked
 * gives NaN (softmax of an all -inf row), as in PyTorch.
 */
import { checkOptions } from '../util/options.js';
import { Tensor } from '../tensor/tensor.js';
import { broadcastShapes, contiguousStrides, formatShape, numel, opError } from '../tensor/shape.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import type { AttentionShapes } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { record } from '../autograd/node.js';
import { emptyTensor, requireDtype, requireTensor } from './util.js';
import { where } from './elementwise.js';
import { sumToShape } from './reduce.js';
import { copyRaw, expand } from './shape.js';

/** Options of scaledDotProductAttention: mask, dropout, causal, scale. */
export interface ScaledDotProductAttentionOptions {
  /** Bool (true = take part) or float (added to the scores), broadcastable to [..., L, S]. Treated as a constant. */
  attnMask?: Tensor | null;
  /** Dropout probability on the attention weights (applied whenever > 0, like PyTorch's F.scaled_dot_product_attention). */
  dropoutP?: number;
  /** Lets query i see keys 0..i only (top-left lower triangle); do not combine with attnMask. */
  isCausal?: boolean;
  /** Multiplies q·kᵀ; default 1/sqrt(E). */
  scale?: number | null;
  /** Random source for dropout. */
  generator?: Generator;
}

/** The attention output and its weights. */
export interface AttentionWithWeights {
  /** [..., L, Ev] */
  output: Tensor;
  /** Shape [..., L, S]; the attention probabilities after dropout (differentiable). */
  weights: Tensor;
}

/** A [rows, cols] matrix per batch problem, read in place: offsets per problem, row stride, contiguous columns. */
interface MatrixOperand {
  data: Float32Array;
  offsets: Int32Array;
  rowStride: number;
}

/** Element offsets of each problem's matrix for a tensor whose batch dims broadcast to `batch`. */
function problemOffsets(shape: readonly number[], strides: readonly number[], offset: number, batch: readonly number[]): Int32Array {
  const count = numel(batch);
  const out = new Int32Array(count);
  const tb = shape.length - 2;
  const lead = batch.length - tb;
  for (let flat = 0; flat < count; flat++) {
    let o = offset, rest = flat;
    for (let i = batch.length - 1; i >= 0; i--) {
      const idx = rest % batch[i];
      rest = Math.floor(rest / batch[i]);
      const ti = i - lead;
      if (ti >= 0 && shape[ti] !== 1) o += idx * strides[ti];
    }
    out[flat] = o;
  }
  return out;
}

function matrixOperand(t: Tensor, batch: readonly number[]): MatrixOperand {
  const n = t.ndim;
  const rows = t.shape[n - 2], cols = t.shape[n - 1];
  if (t.strides[n - 1] === 1 || cols <= 1) {
    const rowStride = rows <= 1 ? Math.max(cols, 1) : t.strides[n - 2];
    return { data: t.storage.data as Float32Array, offsets: problemOffsets(t.shape, t.strides, t.offset, batch), rowStride };
  }
  const copy = copyRaw(t);
  return { data: copy.storage.data as Float32Array, offsets: problemOffsets(copy.shape, copy.strides, 0, batch), rowStride: Math.max(cols, 1) };
}

/** The mask as an additive float array of [L, S] blocks, with each problem's block offset. */
function additiveMask(mask: Tensor, batch: readonly number[], l: number, s: number): { data: Float32Array; offsets: Int32Array } {
  const op = 'scaledDotProductAttention';
  if (mask.requiresGrad) throw opError(op, 'attnMask that requires grad is not supported (the mask is treated as a constant); pass attnMask.detach()');
  let full: readonly number[];
  try {
    full = broadcastShapes(mask.shape, [...batch, l, s], op);
  } catch {
    throw opError(op, `attnMask of shape ${formatShape(mask.shape)} does not broadcast to the scores' shape ${formatShape([...batch, l, s])}`);
  }
  if (full.join() !== [...batch, l, s].join()) {
    throw opError(op, `attnMask of shape ${formatShape(mask.shape)} does not broadcast to the scores' shape ${formatShape([...batch, l, s])}`);
  }
  let additive: Tensor;
  if (mask.dtype === 'bool') additive = where(mask, 0, -Infinity);
  else if (mask.dtype === 'float32') additive = mask;
  else throw opError(op, `expected attnMask to have dtype bool or float32, got ${mask.dtype}`);
  // keep the mask's own batch dims (left-padded with 1s), broadcast its last two to [L, S] and make it contiguous
  const maskBatch = [...new Array<number>(batch.length - Math.max(0, mask.ndim - 2)).fill(1), ...mask.shape.slice(0, Math.max(0, mask.ndim - 2))];
  const blocks = copyRaw(expand(additive.detach(), [...maskBatch, l, s]));
  return {
    data: blocks.storage.data as Float32Array,
    offsets: problemOffsets(blocks.shape, contiguousStrides(blocks.shape), 0, batch),
  };
}

function attentionImpl(q: Tensor, k: Tensor, v: Tensor, options: ScaledDotProductAttentionOptions, needWeights: boolean): { output: Tensor; weights: Tensor | null } {
  const op = 'scaledDotProductAttention';
  checkOptions(op, options, { attnMask: 'object|null', dropoutP: 'number', isCausal: 'boolean', scale: 'number|null', generator: 'object' });
  requireTensor(op, 'query', q);
  requireTensor(op, 'key', k);
  requireTensor(op, 'value', v);
  for (const [name, t] of [['query', q], ['key', k], ['value', v]] as const) {
    requireDtype(op, name, t, ['float32']);
    if (t.ndim < 2) throw opError(op, `expected ${name} to have at least 2 dims [..., seq, features], got ${formatShape(t.shape)}`);
  }
  const l = q.shape[q.ndim - 2], e = q.shape[q.ndim - 1];
  const s = k.shape[k.ndim - 2], ev = v.shape[v.ndim - 1];
  if (k.shape[k.ndim - 1] !== e) throw opError(op, `query ${formatShape(q.shape)} and key ${formatShape(k.shape)} must have the same last dim (E)`);
  if (v.shape[v.ndim - 2] !== s) throw opError(op, `key ${formatShape(k.shape)} and value ${formatShape(v.shape)} must have the same sequence length (S)`);
  let batch: number[];
  try {
    batch = broadcastShapes(broadcastShapes(q.shape.slice(0, -2), k.shape.slice(0, -2), op), v.shape.slice(0, -2), op);
  } catch {
    throw opError(op, `batch dims of query ${formatShape(q.shape)}, key ${formatShape(k.shape)} and value ${formatShape(v.shape)} do not broadcast`);
  }
  const dropoutP = options.dropoutP ?? 0;
  if (!(dropoutP >= 0 && dropoutP <= 1)) throw opError(op, `dropoutP has to be between 0 and 1, but got ${dropoutP}`);
  const causal = options.isCausal ?? false;
  const maskIn = options.attnMask ?? null;
  if (causal && maskIn) throw opError(op, 'explicit attnMask should not be set when isCausal is true');
  const scale = options.scale ?? 1 / Math.sqrt(e);

  const count = numel(batch);
  const qm = matrixOperand(q, batch), km = matrixOperand(k, batch), vm = matrixOperand(v, batch);
  const mask = maskIn ? additiveMask(maskIn, batch, l, s) : null;
  let dropMask: Float32Array | null = null;
  if (dropoutP > 0) {
    dropMask = new Float32Array(count * l * s);
    (options.generator ?? defaultGenerator).fillDropoutMask(dropMask, dropoutP, dropoutP === 1 ? 0 : 1 / (1 - dropoutP));
  }
  const shapes: AttentionShapes = {
    batch: count, l, s, e, ev, scale,
    qOffsets: qm.offsets, qRowStride: qm.rowStride,
    kOffsets: km.offsets, kRowStride: km.rowStride,
    vOffsets: vm.offsets, vRowStride: vm.rowStride,
    mask: mask?.data ?? null, maskOffsets: mask?.offsets ?? null,
    causal, dropMask,
  };
  const backend = getBackend();
  const output = emptyTensor([...batch, l, ev]);
  const probs = emptyTensor([...batch, l, s]);
  const probsData = probs.storage.data as Float32Array;
  backend.attention(qm.data, km.data, vm.data, shapes, output.storage.data as Float32Array, probsData);

  let weights: Tensor | null = null;
  if (needWeights) {
    if (dropMask) {
      weights = emptyTensor(probs.shape);
      const w = weights.storage.data as Float32Array;
      for (let i = 0; i < w.length; i++) w[i] = probsData[i] * dropMask[i];
    } else weights = probs;
  }

  const runBackward = (gOut: Tensor | null, gWeights: Tensor | null, wantV: boolean): (Tensor | null)[] => {
    const gq = q.requiresGrad ? emptyTensor([...batch, l, e]) : null;
    const gk = k.requiresGrad ? emptyTensor([...batch, s, e]) : null;
    const gv = wantV && v.requiresGrad ? emptyTensor([...batch, s, ev]) : null;
    const args = [gOut ? gOut.contiguousData() as Float32Array : null, gWeights ? gWeights.contiguousData() as Float32Array : null,
      qm.data, km.data, vm.data, probsData, shapes,
      (gq?.storage.data ?? null) as Float32Array | null, (gk?.storage.data ?? null) as Float32Array | null, (gv?.storage.data ?? null) as Float32Array | null] as const;
    getBackend().attentionBackward(...args);
    return [gq && sumToShape(gq, q.shape), gk && sumToShape(gk, k.shape), gv && sumToShape(gv, v.shape)];
  };
  const saved = [q, k, v, ...(weights && weights === probs ? [weights] : [])];
  record(output, op, [q, k, v], (g) => runBackward(g, null, true), saved);
  if (weights) record(weights, `${op}Weights`, [q, k, v], (g) => runBackward(null, g, false), saved);
  return { output, weights };
}

/**
 * F.scaled_dot_product_attention: query [..., L, E], key [..., S, E], value [..., S, Ev] (batch
 * dims broadcast) -> [..., L, Ev]. One fused op for all batch x head problems.
 */
export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, options: ScaledDotProductAttentionOptions = {}): Tensor {
  return attentionImpl(query, key, value, options, false).output;
}

/** The same, also returning the attention weights [..., L, S] (after dropout), as nn.MultiheadAttention needs. */
export function scaledDotProductAttentionWithWeights(query: Tensor, key: Tensor, value: Tensor, options: ScaledDotProductAttentionOptions = {}): AttentionWithWeights {
  const { output, weights } = attentionImpl(query, key, value, options, true);
  return { output, weights: weights! };
}

/** Options of packedSelfAttention: the additive or bool mask over [B, H, T, T] (broadcastable), dropout on the weights. */
export interface PackedSelfAttentionOptions {
  attnMask?: Tensor | null;
  dropoutP?: number;
  generator?: Generator;
}

/**
 * Multi-head self-attention on a packed in-projection, as nn.MultiheadAttention runs it: qkv
 * [B, T, 3·E] (seqDim 1) or [T, B, 3·E] (seqDim 0) holds the [q | k | v] columns of one linear;
 * the result [B, T, E] (or [T, B, E]) has the heads side by side, ready for the out-projection.
 * The same numbers as scaledDotProductAttention over the head views followed by the merge, but the
 * kernels read the heads in place and write the output merged, and the backward writes one packed
 * gradient [.., 3·E] instead of three head-shaped gradients that permutes, slices and additions put
 * back together.
 */
export function packedSelfAttention(qkv: Tensor, numHeads: number, seqDim: 0 | 1, options: PackedSelfAttentionOptions = {}): Tensor {
  const op = 'packedSelfAttention';
  requireTensor(op, 'qkv', qkv);
  requireDtype(op, 'qkv', qkv, ['float32']);
  if (qkv.ndim !== 3 || qkv.shape[2] % (3 * numHeads) !== 0) {
    throw opError(op, `expected qkv [batch, seq, 3·E] or [seq, batch, 3·E] with E divisible by ${numHeads} heads, got ${formatShape(qkv.shape)}`);
  }
  const dropoutP = options.dropoutP ?? 0;
  if (!(dropoutP >= 0 && dropoutP <= 1)) throw opError(op, `dropoutP has to be between 0 and 1, but got ${dropoutP}`);
  // the kernels address q, k, v and their gradient from element 0 of one contiguous array
  const base = qkv.isContiguous() && qkv.offset === 0 ? qkv.detach() : copyRaw(qkv);
  const E = qkv.shape[2] / 3, H = numHeads, hd = E / H;
  const [B, T] = seqDim === 1 ? [qkv.shape[0], qkv.shape[1]] : [qkv.shape[1], qkv.shape[0]];
  const batch = [B, H];
  // [B, H, T, hd] views of the q, k and v columns
  const heads = (i: number): Tensor => (seqDim === 1
    ? base.view(B, T, 3, H, hd).select(2, i).permute(0, 2, 1, 3)
    : base.view(T, B, 3, H, hd).select(2, i).permute(1, 2, 0, 3));
  const qm = matrixOperand(heads(0), batch), km = matrixOperand(heads(1), batch), vm = matrixOperand(heads(2), batch);
  const mask = options.attnMask ? additiveMask(options.attnMask, batch, T, T) : null;
  const count = B * H;
  let dropMask: Float32Array | null = null;
  if (dropoutP > 0) {
    dropMask = new Float32Array(count * T * T);
    (options.generator ?? defaultGenerator).fillDropoutMask(dropMask, dropoutP, dropoutP === 1 ? 0 : 1 / (1 - dropoutP));
  }
  const out = emptyTensor(seqDim === 1 ? [B, T, E] : [T, B, E]);
  const outRowStride = seqDim === 1 ? E : B * E;
  const outOffsets = Int32Array.from({ length: count }, (_, p) => (seqDim === 1 ? Math.floor(p / H) * T * E : Math.floor(p / H) * E) + (p % H) * hd);
  const shapes: AttentionShapes = {
    batch: count, l: T, s: T, e: hd, ev: hd, scale: 1 / Math.sqrt(hd),
    qOffsets: qm.offsets, qRowStride: qm.rowStride, kOffsets: km.offsets, kRowStride: km.rowStride, vOffsets: vm.offsets, vRowStride: vm.rowStride,
    mask: mask?.data ?? null, maskOffsets: mask?.offsets ?? null, causal: false, dropMask,
    outOffsets, outRowStride, gradsLikeInputs: true,
  };
  const probs = new Float32Array(count * T * T);
  const data = base.storage.data as Float32Array;
  getBackend().attention(data, data, data, shapes, out.storage.data as Float32Array, probs);
  return record(out, op, [qkv], (g) => {
    const grad = emptyTensor(base.shape);
    const gd = grad.storage.data as Float32Array;
    getBackend().attentionBackward(g.contiguousData() as Float32Array, null, data, data, data, probs, shapes, gd, gd, gd);
    return [grad];
  }, [qkv]);
}
