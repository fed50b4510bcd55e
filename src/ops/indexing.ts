/** Index-based ops: indexSelect, gather, scatter, scatterAdd, maskedFill, embedding lookup. */
import { Tensor } from '../tensor/tensor.js';
import { broadcastShapes, formatShape, normalizeDim, numel, opError, shapesEqual } from '../tensor/shape.js';
import { getBackend } from '../backend/registry.js';
import { record } from '../autograd/node.js';
import { emptyTensor, requireDtype, requireTensor } from './util.js';
import { toDtype, where } from './elementwise.js';
import { copyRaw, reshape, expand } from './shape.js';

/**
 * Index values as int32, every one checked against the size it indexes. Negative values are refused
 * as PyTorch refuses them here (a -1 that silently read the last row would hide an off-by-one).
 */
function checkedIndices(op: string, index: Tensor, size: number, dim: number): Int32Array {
  requireTensor(op, 'index', index);
  requireDtype(op, 'index', index, ['int32']);
  const values = index.contiguousData() as Int32Array;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < 0 || v >= size) throw opError(op, `index ${v} is out of bounds for dimension ${dim} with size ${size}${v < 0 ? ' (negative indices are not allowed here)' : ''}`);
  }
  return values;
}

/** The entries of `x` at `index` (int32) along `dim`. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  requireTensor('indexSelect', 'input', x);
  const d = normalizeDim(dim, x.ndim, 'indexSelect');
  if (index.ndim > 1) throw opError('indexSelect', `index must be a 0-D or 1-D tensor, got shape ${formatShape(index.shape)}`);
  const size = x.ndim === 0 ? 1 : x.shape[d];
  const ids = checkedIndices('indexSelect', index, size, d);
  const outer = numel(x.shape.slice(0, d)), inner = numel(x.shape.slice(d + 1));
  const shape = [...x.shape];
  if (x.ndim > 0) shape[d] = ids.length;
  const out = emptyTensor(shape, x.dtype);
  getBackend().indexSelect(x.contiguousData(), outer, size, inner, ids, out.storage.data);
  return record(out, 'indexSelect', [x], (g) => {
    const gx = emptyTensor(x.shape);
    getBackend().indexAdd(g.contiguousData() as Float32Array, outer, size, inner, ids, gx.storage.data as Float32Array);
    return [gx];
  });
}

function checkGatherShapes(op: string, x: Tensor, d: number, index: Tensor, other?: Tensor): void {
  if (index.ndim !== x.ndim) throw opError(op, `index tensor must have the same number of dimensions as input tensor: index ${formatShape(index.shape)}, input ${formatShape(x.shape)}`);
  for (let i = 0; i < x.ndim; i++) {
    if (i !== d && index.shape[i] > x.shape[i]) {
      throw opError(op, `size of index ${formatShape(index.shape)} does not match input ${formatShape(x.shape)} at dimension ${i} (index can be no larger than the input outside dim ${d})`);
    }
    if (other && index.shape[i] > other.shape[i]) {
      throw opError(op, `index ${formatShape(index.shape)} is larger than src ${formatShape(other.shape)} at dimension ${i}`);
    }
  }
}

/** The part of src that index addresses: src[:index.shape[0], :index.shape[1], ...] made contiguous. */
function cropTo(src: Tensor, shape: readonly number[]): Tensor {
  let out = src;
  shape.forEach((n, i) => { if (out.shape[i] !== n) out = out.narrow(i, 0, n); });
  return out;
}

/** Picks values along `dim` by an index tensor of the output's shape (`torch.gather`). */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  requireTensor('gather', 'input', x);
  const d = normalizeDim(dim, x.ndim, 'gather');
  checkGatherShapes('gather', x, d, index);
  const ids = checkedIndices('gather', index, x.shape[d], d);
  const out = emptyTensor(index.shape, x.dtype);
  getBackend().gather(x.contiguousData(), x.shape, d, ids, index.shape, out.storage.data);
  return record(out, 'gather', [x], (g) => [scatterImpl('scatterAdd', emptyTensor(x.shape), d, index, g, true, true)], [index]);
}

/** intoX: x is a fresh tensor no one else holds (gather's zero gradient), written in place instead of copied. */
function scatterImpl(op: string, x: Tensor, dim: number, index: Tensor, src: Tensor | number, accumulate: boolean, intoX = false): Tensor {
  requireTensor(op, 'input', x);
  const d = normalizeDim(dim, x.ndim, op);
  if (typeof src !== 'number') {
    requireTensor(op, 'src', src);
    if (src.dtype !== x.dtype) throw opError(op, `expected src to have the input's dtype ${x.dtype}, got ${src.dtype} (input ${formatShape(x.shape)}, src ${formatShape(src.shape)})`);
  }
  const source = typeof src === 'number' ? expand(reshape(toDtype(emptyTensor([]).add(src), x.dtype), []), index.shape) : src;
  checkGatherShapes(op, x, d, index, source);
  const ids = checkedIndices(op, index, x.shape[d], d);
  const out = intoX ? x : copyRaw(x);
  const values = cropTo(source, index.shape).contiguousData();
  getBackend().scatter(values, ids, index.shape, d, out.storage.data, x.shape, accumulate);
  const srcTensor = typeof src === 'number' ? null : src;
  return record(out, op, [x, srcTensor], (g) => {
    const gx = accumulate ? g : scatter(g, d, index, 0);
    let gsrc: Tensor | null = null;
    if (srcTensor?.requiresGrad) {
      gsrc = gather(g, d, index);
      if (gsrc.shape.join() !== srcTensor.shape.join()) {
        const full = emptyTensor(srcTensor.shape);
        cropTo(full, index.shape).copy_(gsrc);
        gsrc = full;
      }
    }
    return [gx, gsrc];
  }, [index]);
}

/** A copy of `x` with `src` written at `index` along `dim` (`torch.scatter`). */
export const scatter = (x: Tensor, dim: number, index: Tensor, src: Tensor | number): Tensor => scatterImpl('scatter', x, dim, index, src, false);
/** A copy of `x` with `src` added at `index` along `dim` (`torch.scatter_add`). */
export const scatterAdd = (x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor => scatterImpl('scatterAdd', x, dim, index, src, true);

/** A copy of `x` with `value` where `mask` is true. */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  requireTensor('maskedFill', 'input', x);
  requireTensor('maskedFill', 'mask', mask);
  if (mask.dtype !== 'bool') throw opError('maskedFill', `expected mask to have dtype bool, got ${mask.dtype}`);
  // the mask broadcasts to the input, never the other way; the result keeps the input's dtype (as in PyTorch)
  if (!shapesEqual(broadcastShapes(x.shape, mask.shape, 'maskedFill'), x.shape)) {
    throw opError('maskedFill', `mask of shape ${formatShape(mask.shape)} does not broadcast to the input's shape ${formatShape(x.shape)}`);
  }
  const fill = emptyTensor([], x.dtype);
  fill.storage.data[0] = x.dtype === 'bool' ? (value ? 1 : 0) : value;
  return where(mask, fill, x);
}

/** Rows of `weight` at `indices`: output shape [...indices.shape, embeddingDim]. */
export function embedding(indices: Tensor, weight: Tensor): Tensor {
  requireTensor('embedding', 'indices', indices);
  requireTensor('embedding', 'weight', weight);
  if (weight.ndim !== 2) throw opError('embedding', `weight must be 2-D [numEmbeddings, embeddingDim], got ${formatShape(weight.shape)}`);
  if (indices.dtype !== 'int32') throw opError('embedding', `indices must have dtype int32, got ${indices.dtype} (shape ${formatShape(indices.shape)})`);
  requireDtype('embedding', 'weight', weight, ['float32']);
  checkedIndices('embedding', indices, weight.shape[0], 0);
  const rows = indexSelect(weight, 0, reshape(indices, [indices.numel()]));
  return reshape(rows, [...indices.shape, weight.shape[1]]);
}
