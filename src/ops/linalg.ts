/** Matrix products: matmul with PyTorch's 1-D, 2-D, batched and broadcast rules, mm, bmm. */
import { Tensor } from '../tensor/tensor.js';
import { broadcastShapes, formatShape, numel, opError } from '../tensor/shape.js';
import { getBackend } from '../backend/registry.js';
import { record } from '../autograd/node.js';
import { emptyTensor, expandedView, requireDtype, requireTensor } from './util.js';
import { add } from './elementwise.js';
import { sumToShape } from './reduce.js';
import { reshape, squeeze, transpose, unsqueeze, contiguous } from './shape.js';

/** How a matrix view is laid out for gemm: row-major (trans=false) or column-major (trans=true), with its leading dimension. */
function matrixLayout(t: Tensor): { trans: boolean; ld: number } | null {
  const n = t.ndim;
  const rows = t.shape[n - 2], cols = t.shape[n - 1];
  const rs = t.strides[n - 2], cs = t.strides[n - 1];
  if (cs === 1 || cols === 1) return { trans: false, ld: rows === 1 ? Math.max(cols, 1) : rs };
  if (rs === 1 || rows === 1) return { trans: true, ld: cs };
  return null;
}

/** Batched a[..., m, k] @ b[..., k, n] with broadcast batch dims, no graph. */
function batchedMatmulRaw(aIn: Tensor, bIn: Tensor): Tensor {
  let a = aIn, b = bIn;
  let la = matrixLayout(a);
  if (!la) { a = contiguous(a); la = { trans: false, ld: a.shape[a.ndim - 1] }; }
  let lb = matrixLayout(b);
  if (!lb) { b = contiguous(b); lb = { trans: false, ld: b.shape[b.ndim - 1] }; }
  const m = a.shape[a.ndim - 2], k = a.shape[a.ndim - 1], n = b.shape[b.ndim - 1];
  const batchA = a.shape.slice(0, -2), batchB = b.shape.slice(0, -2);
  const batch = broadcastShapes(batchA, batchB, 'matmul');
  const out = emptyTensor([...batch, m, n]);
  const backend = getBackend();
  const count = numel(batch);
  const offsetIn = (t: Tensor, tb: readonly number[], flat: number): number => {
    let offset = t.offset, rest = flat;
    for (let i = batch.length - 1; i >= 0; i--) {
      const idx = rest % batch[i];
      rest = Math.floor(rest / batch[i]);
      const ti = i - (batch.length - tb.length);
      if (ti >= 0 && tb[ti] !== 1) offset += idx * t.strides[ti];
    }
    return offset;
  };
  for (let i = 0; i < count; i++) {
    backend.gemm(la.trans, lb.trans, m, n, k,
      a.storage.data as Float32Array, offsetIn(a, batchA, i), la.ld,
      b.storage.data as Float32Array, offsetIn(b, batchB, i), lb.ld,
      0, out.storage.data as Float32Array, i * m * n, n);
  }
  return out;
}

function checkInner(op: string, a: Tensor, b: Tensor, ka: number, kb: number): void {
  if (ka !== kb) throw opError(op, `${formatShape(a.shape)} @ ${formatShape(b.shape)}: inner dimensions differ (${ka} vs ${kb})`);
}

function checkBatch(op: string, a: Tensor, b: Tensor): void {
  const batchA = a.shape.slice(0, Math.max(a.ndim - 2, 0)), batchB = b.shape.slice(0, Math.max(b.ndim - 2, 0));
  const n = Math.max(batchA.length, batchB.length);
  for (let i = 1; i <= n; i++) {
    const da = batchA[batchA.length - i] ?? 1, db = batchB[batchB.length - i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw opError(op, `${formatShape(a.shape)} @ ${formatShape(b.shape)}: batch dimensions ${formatShape(batchA)} and ${formatShape(batchB)} do not broadcast (${da} vs ${db})`);
    }
  }
}

/** Matrix product with PyTorch's rules: vectors, matrices and broadcast batches. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  requireTensor('matmul', 'input', a);
  requireTensor('matmul', 'other', b);
  requireDtype('matmul', 'input', a, ['float32']);
  requireDtype('matmul', 'other', b, ['float32']);
  if (a.ndim === 0 || b.ndim === 0) throw opError('matmul', `both arguments need at least 1 dimension, got ${formatShape(a.shape)} @ ${formatShape(b.shape)}`);
  // checked on the shapes as given, before 1-D operands are promoted
  checkInner('matmul', a, b, a.shape[a.ndim - 1], b.shape[b.ndim === 1 ? 0 : b.ndim - 2]);
  checkBatch('matmul', a, b);
  if (a.ndim === 1 && b.ndim === 1) {
    checkInner('matmul', a, b, a.shape[0], b.shape[0]);
    return reshape(matmul(reshape(a, [1, a.shape[0]]), reshape(b, [b.shape[0], 1])), []);
  }
  if (a.ndim === 1) return squeeze(matmul(unsqueeze(a, 0), b), -2);
  if (b.ndim === 1) return squeeze(matmul(a, unsqueeze(b, 1)), -1);
  checkInner('matmul', a, b, a.shape[a.ndim - 1], b.shape[b.ndim - 2]);
  // [..., m, k] @ [k, n] with a contiguous: fold the batch into m and run one gemm.
  if (b.ndim === 2 && a.ndim > 2 && a.isContiguous()) {
    const k = a.shape[a.ndim - 1];
    return reshape(matmul(reshape(a, [-1, k]), b), [...a.shape.slice(0, -1), b.shape[1]]);
  }
  const out = batchedMatmulRaw(a, b);
  return record(out, 'matmul', [a, b], (g) => [
    a.requiresGrad ? sumToShape(productInLayoutOf(a, g, transpose(b, -1, -2)), a.shape) : null,
    b.requiresGrad ? sumToShape(productInLayoutOf(b, transpose(a, -1, -2), g), b.shape) : null,
  ], [a, b]);
}

/**
 * x @ y, laid out in memory like `like`: a gradient for a transposed view (linear's weight.t())
 * is computed as (yᵀ @ xᵀ)ᵀ, so it reaches the weight contiguous instead of through a transposing copy.
 */
function productInLayoutOf(like: Tensor, x: Tensor, y: Tensor): Tensor {
  const n = like.ndim;
  const columnMajor = n >= 2 && like.shape[n - 2] > 1 && like.shape[n - 1] > 1 && like.strides[n - 2] === 1;
  return columnMajor ? transpose(matmul(transpose(y, -1, -2), transpose(x, -1, -2)), -1, -2) : matmul(x, y);
}

/** The product of two matrices. */
export function mm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 2 || b.ndim !== 2) throw opError('mm', `expects 2-D tensors, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  checkInner('mm', a, b, a.shape[1], b.shape[0]);
  return matmul(a, b);
}

/** The batched product of [B, n, k] and [B, k, m]. */
export function bmm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 3 || b.ndim !== 3) throw opError('bmm', `expects 3-D tensors, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  if (a.shape[0] !== b.shape[0]) throw opError('bmm', `batch sizes differ: ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  checkInner('bmm', a, b, a.shape[2], b.shape[1]);
  return matmul(a, b);
}

/** The dot product of two vectors. */
export function dot(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1) throw opError('dot', `expects 1-D tensors, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  if (a.shape[0] !== b.shape[0]) throw opError('dot', `expects tensors with the same number of elements, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  return matmul(a, b);
}

/**
 * product + bias (over the last dimension), written into the product's own storage: F.linear has just
 * made it and nothing else holds it (matmul's backward reads its inputs, not its output), so the sum
 * needs no second [rows, outFeatures] tensor. With a vocabulary-sized output layer that is the
 * largest tensor of a training step, and allocating it costs more than the addition.
 */
export function addBiasInPlace(product: Tensor, bias: Tensor): Tensor {
  if (!product.isContiguous() || product.offset !== 0 || bias.dtype !== 'float32') return add(product, bias);
  getBackend().binary('add', expandedView(product, product.shape), expandedView(bias, product.shape), product.storage.data, 0);
  product.bumpVersion();
  return record(product.detach(), 'linear', [product, bias], (g) => [g, sumToShape(g, bias.shape)]);
}
