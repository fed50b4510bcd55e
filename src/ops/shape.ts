/** Views and reshaping: O(1) where the layout allows it, each with its gradient. */
import { Tensor } from '../tensor/tensor.js';
import { contiguousStrides, formatShape, normalizeDim, numel, opError, checkShape } from '../tensor/shape.js';
import { getBackend } from '../backend/registry.js';
import { record } from '../autograd/node.js';
import { defaultGenerator } from '../tensor/random.js';
import { emptyTensor, expandedView, requireTensor } from './util.js';
import { sumToShape } from './reduce.js';

/** Accepts shapes written as varargs `view(2, 3)` or as one array `view([2, 3])`. */
export function shapeArgs(args: (number | readonly number[])[]): number[] {
  if (args.length === 1 && Array.isArray(args[0])) return [...args[0]];
  return args as number[];
}

function viewOf(x: Tensor, shape: readonly number[], strides: readonly number[], offset: number): Tensor {
  return new Tensor(x.storage, shape, strides, offset, x.dtype);
}

/** Resolves a single -1 and checks the element count. */
function inferShape(op: string, x: Tensor, shape: readonly number[]): number[] {
  const out = [...shape];
  const unknown = out.indexOf(-1);
  if (out.filter((d) => d === -1).length > 1) throw opError(op, `only one dimension can be inferred, got ${formatShape(shape)}`);
  if (unknown >= 0) {
    const known = numel(out.filter((_, i) => i !== unknown));
    if (known === 0 || x.numel() % known !== 0) {
      throw opError(op, `shape ${formatShape(shape)} is invalid for input of size ${x.numel()} (input shape ${formatShape(x.shape)})`);
    }
    out[unknown] = x.numel() / known;
  }
  checkShape(out, op);
  if (numel(out) !== x.numel()) {
    throw opError(op, `shape ${formatShape(shape)} is invalid for input of size ${x.numel()} (input shape ${formatShape(x.shape)})`);
  }
  return out;
}

/** Strides for viewing x as `shape` without a copy, or null when its layout does not allow it (PyTorch's computeStride). */
function viewStrides(x: Tensor, shape: readonly number[]): number[] | null {
  if (x.isContiguous()) return contiguousStrides(shape);
  const oldShape = x.shape, oldStrides = x.strides;
  const newStrides = new Array<number>(shape.length);
  let viewD = shape.length - 1;
  let chunkBase = oldStrides[oldStrides.length - 1];
  let tensorNumel = 1, viewNumel = 1;
  for (let d = oldShape.length - 1; d >= 0; d--) {
    tensorNumel *= oldShape[d];
    if (d === 0 || (oldShape[d - 1] !== 1 && oldStrides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || shape[viewD] === 1)) {
        newStrides[viewD] = viewNumel * chunkBase;
        viewNumel *= shape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = oldStrides[d - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  return viewD === -1 ? newStrides : null;
}

/** The same data with another shape (no copy; the tensor must be contiguous enough). */
export function view(x: Tensor, shape: readonly number[]): Tensor {
  requireTensor('view', 'input', x);
  const target = inferShape('view', x, shape);
  const strides = viewStrides(x, target);
  if (!strides) {
    throw opError('view', `size ${formatShape(target)} is not compatible with input of shape ${formatShape(x.shape)} and strides ${formatShape(x.strides)} (at least one dimension spans across two contiguous subspaces); use reshape() instead`);
  }
  return record(viewOf(x, target, strides, x.offset), 'view', [x], (g) => [reshape(g, x.shape)]);
}

/** The data with another shape: a view where possible, else a copy. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  requireTensor('reshape', 'input', x);
  const target = inferShape('reshape', x, shape);
  return viewStrides(x, target) ? view(x, target) : view(contiguous(x), target);
}

/** Merges dimensions `startDim`..`endDim` into one. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeDim(startDim, x.ndim, 'flatten', 'startDim');
  const e = normalizeDim(endDim, x.ndim, 'flatten', 'endDim');
  if (s > e) throw opError('flatten', `startDim ${startDim} comes after endDim ${endDim}`);
  return reshape(x, [...x.shape.slice(0, s), numel(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)]);
}

/** Splits dimension `dim` into `sizes`. */
export function unflatten(x: Tensor, dim: number, sizes: readonly number[]): Tensor {
  const d = normalizeDim(dim, x.ndim, 'unflatten');
  const known = numel(sizes.filter((s) => s !== -1));
  if (sizes.includes(-1) ? known === 0 || x.shape[d] % known !== 0 : known !== x.shape[d]) {
    throw opError('unflatten', `sizes ${formatShape(sizes)} do not multiply to the size ${x.shape[d]} of dim ${dim} (input shape ${formatShape(x.shape)})`);
  }
  return reshape(x, [...x.shape.slice(0, d), ...sizes, ...x.shape.slice(d + 1)]);
}

/** Removes dimensions of size 1 (all, or `dim`). */
export function squeeze(x: Tensor, dim?: number): Tensor {
  requireTensor('squeeze', 'input', x);
  let keep: number[];
  if (dim === undefined) keep = x.shape.map((_, i) => i).filter((i) => x.shape[i] !== 1);
  else {
    if (x.ndim === 0) return x;
    const d = normalizeDim(dim, x.ndim, 'squeeze');
    keep = x.shape.map((_, i) => i).filter((i) => i !== d || x.shape[i] !== 1);
  }
  const out = viewOf(x, keep.map((i) => x.shape[i]), keep.map((i) => x.strides[i]), x.offset);
  return record(out, 'squeeze', [x], (g) => [reshape(g, x.shape)]);
}

/** Inserts a dimension of size 1 at `dim`. */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  requireTensor('unsqueeze', 'input', x);
  const d = normalizeDim(dim, x.ndim + 1, 'unsqueeze');
  const shape = [...x.shape], strides = [...x.strides];
  shape.splice(d, 0, 1);
  strides.splice(d, 0, d < x.ndim ? x.strides[d] * x.shape[d] : 1);
  return record(viewOf(x, shape, strides, x.offset), 'unsqueeze', [x], (g) => [reshape(g, x.shape)]);
}

/** Reorders the dimensions (a view). */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  requireTensor('permute', 'input', x);
  if (dims.length !== x.ndim) throw opError('permute', `number of dims don't match: input has ${x.ndim} dims (shape ${formatShape(x.shape)}) but dims is ${formatShape(dims)}`);
  const order = dims.map((d) => normalizeDim(d, x.ndim, 'permute'));
  if (new Set(order).size !== order.length) throw opError('permute', `dims ${formatShape(dims)} repeat a dimension`);
  const out = viewOf(x, order.map((d) => x.shape[d]), order.map((d) => x.strides[d]), x.offset);
  const inverse = new Array<number>(order.length);
  order.forEach((d, i) => { inverse[d] = i; });
  return record(out, 'permute', [x], (g) => [permute(g, inverse)]);
}

/** Swaps two dimensions (a view). */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const order = x.shape.map((_, i) => i);
  const a = normalizeDim(dim0, x.ndim, 'transpose', 'dim0'), b = normalizeDim(dim1, x.ndim, 'transpose', 'dim1');
  [order[a], order[b]] = [order[b], order[a]];
  return permute(x, order);
}

/** Transposes a matrix (a view). */
export function t(x: Tensor): Tensor {
  if (x.ndim > 2) throw opError('t', `expects a tensor with <= 2 dimensions, but got ${x.ndim} (shape ${formatShape(x.shape)}); use transpose(dim0, dim1)`);
  return x.ndim < 2 ? x : transpose(x, 0, 1);
}

/** Broadcasts size-1 dimensions to `shape` without copying (-1 keeps a size). */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  requireTensor('expand', 'input', x);
  if (shape.length < x.ndim) {
    throw opError('expand', `the number of sizes provided (${shape.length}) must be greater or equal to the number of dimensions in the tensor (${x.ndim})`);
  }
  const lead = shape.length - x.ndim;
  const target = shape.map((d, i) => (d === -1 && i >= lead ? x.shape[i - lead] : d));
  const strides = target.map((d, i) => {
    if (i < lead) return 0;
    const own = x.shape[i - lead];
    if (own === d) return x.strides[i - lead];
    if (own === 1) return 0;
    throw opError('expand', `the expanded size of the tensor (${d}) must match the existing size (${own}) at non-singleton dimension ${i}: target ${formatShape(shape)}, tensor ${formatShape(x.shape)}`);
  });
  checkShape(target, 'expand');
  if (target.every((d, i) => d === x.shape[i]) && lead === 0) return x;
  return record(viewOf(x, target, strides, x.offset), 'expand', [x], (g) => [sumToShape(g, x.shape)]);
}

/** Tiles the tensor `repeats` times along each dimension (a copy). */
export function repeat(x: Tensor, repeats: readonly number[]): Tensor {
  if (repeats.length < x.ndim) {
    throw opError('repeat', `number of repeat dims (${repeats.length}) can not be smaller than number of dimensions of tensor (${x.ndim})`);
  }
  const lead = repeats.length - x.ndim;
  const base = [...new Array<number>(lead).fill(1), ...x.shape];
  const interleaved: number[] = [], expanded: number[] = [];
  base.forEach((d, i) => { interleaved.push(1, d); expanded.push(repeats[i], d); });
  return reshape(expand(reshape(x, interleaved), expanded), base.map((d, i) => d * repeats[i]));
}

/** Elements `start`..`end` with `step` along `dim` (a view), as Python's x[start:end:step]. */
export function slice(x: Tensor, dim: number, start = 0, end = Number.MAX_SAFE_INTEGER, step = 1): Tensor {
  requireTensor('slice', 'input', x);
  const d = normalizeDim(dim, x.ndim, 'slice');
  if (!Number.isInteger(step) || step <= 0) throw opError('slice', `step must be a positive integer, got ${step}`);
  const size = x.shape[d];
  const clampIndex = (i: number) => Math.min(Math.max(i < 0 ? i + size : i, 0), size);
  const s = clampIndex(start), e = Math.max(clampIndex(end), s);
  const length = Math.ceil((e - s) / step);
  const shape = [...x.shape], strides = [...x.strides];
  shape[d] = length;
  strides[d] *= step;
  const out = viewOf(x, shape, strides, x.offset + s * x.strides[d]);
  return record(out, 'slice', [x], (g) => {
    const gx = emptyTensor(x.shape);
    writeInto(slice(gx, d, s, e, step), g);
    return [gx];
  });
}

/** `length` elements from `start` along `dim` (a view). */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normalizeDim(dim, x.ndim, 'narrow');
  const s = start < 0 ? start + x.shape[d] : start;
  if (s < 0 || length < 0 || s + length > x.shape[d]) {
    throw opError('narrow', `start (${start}) + length (${length}) exceeds dimension size (${x.shape[d]}) of dim ${dim} (shape ${formatShape(x.shape)})`);
  }
  return slice(x, d, s, s + length);
}

/** The slice at `index` of `dim`, without that dimension (a view). */
export function select(x: Tensor, dim: number, index: number): Tensor {
  const d = normalizeDim(dim, x.ndim, 'select');
  const size = x.shape[d];
  if (!Number.isInteger(index) || index < -size || index >= size) {
    throw opError('select', `index ${index} is out of bounds for dimension ${d} with size ${size} (shape ${formatShape(x.shape)})`);
  }
  return squeeze(narrow(x, d, index < 0 ? index + size : index, 1), d);
}

/** Splits into pieces of a size, or of the given sizes, along `dim` (views). */
export function split(x: Tensor, sizeOrSections: number | number[], dim = 0): Tensor[] {
  const d = normalizeDim(dim, x.ndim, 'split');
  const size = x.shape[d];
  let sizes: number[];
  if (typeof sizeOrSections === 'number') {
    if (sizeOrSections <= 0) throw opError('split', `split size must be positive, got ${sizeOrSections}`);
    sizes = [];
    for (let s = 0; s < size; s += sizeOrSections) sizes.push(Math.min(sizeOrSections, size - s));
    if (size === 0) sizes.push(0);
  } else {
    sizes = sizeOrSections;
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== size) throw opError('split', `split sizes ${formatShape(sizes)} sum to ${total} but dimension ${d} has size ${size}`);
  }
  let start = 0;
  return sizes.map((n) => { const part = narrow(x, d, start, n); start += n; return part; });
}

/** Splits into `chunks` nearly equal pieces along `dim` (views). */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  const d = normalizeDim(dim, x.ndim, 'chunk');
  if (!Number.isInteger(chunks) || chunks <= 0) throw opError('chunk', `chunks must be a positive integer, got ${chunks}`);
  return split(x, Math.max(1, Math.ceil(x.shape[d] / chunks)), d);
}

/** Reverses the order along the given dimensions (a copy). */
export function flip(x: Tensor, dims: number | number[]): Tensor {
  const list = (typeof dims === 'number' ? [dims] : dims).map((d) => normalizeDim(d, x.ndim, 'flip'));
  const strides = [...x.strides];
  let offset = x.offset;
  for (const d of list) {
    offset += (x.shape[d] - 1) * x.strides[d];
    strides[d] = -strides[d];
  }
  const out = copyRaw(viewOf(x, x.shape, strides, offset));
  return record(out, 'flip', [x], (g) => [flip(g, list)]);
}

/** A contiguous copy of any view, outside the graph. */
export function copyRaw(x: Tensor): Tensor {
  const out = emptyTensor(x.shape, x.dtype);
  getBackend().copy(x.strided(), out.storage.data);
  return out;
}

/** The tensor with its elements in row-major order (the same tensor if already so). */
export function contiguous(x: Tensor): Tensor {
  requireTensor('contiguous', 'input', x);
  if (x.isContiguous()) return x;
  return record(copyRaw(x), 'contiguous', [x], (g) => [g]);
}

/** A copy with its own storage, on the autograd graph. */
export function clone(x: Tensor): Tensor {
  requireTensor('clone', 'input', x);
  return record(copyRaw(x), 'clone', [x], (g) => [g]);
}

/** Writes `src` (broadcast to dst's shape) into dst's elements; used by in-place ops and slice gradients. */
export function writeInto(dst: Tensor, src: Tensor | number): void {
  if (typeof src === 'number') {
    if (dst.isContiguous()) {
      dst.storage.data.fill(src, dst.offset, dst.offset + dst.numel());
      return;
    }
    const value = emptyTensor([], dst.dtype);
    value.storage.data[0] = src;
    src = value;
  }
  getBackend().assign(dst.strided(), expandedView(src, dst.shape));
}

/** Fresh random values shaped like `like` (for uniform_/normal_). */
export function randomLike(like: Tensor, kind: 'uniform' | 'normal', a: number, b: number): Tensor {
  const out = emptyTensor(like.shape, like.dtype);
  const data = out.storage.data;
  for (let i = 0; i < data.length; i++) {
    data[i] = kind === 'uniform' ? a + (b - a) * defaultGenerator.random() : a + b * defaultGenerator.normal();
  }
  return out;
}

/**
 * Constant padding like F.pad: `padding` lists (before, after) pairs starting from the last dim.
 * Negative amounts crop.
 */
export function pad(x: Tensor, padding: readonly number[], value = 0): Tensor {
  requireTensor('pad', 'input', x);
  if (padding.length % 2 !== 0 || padding.length / 2 > x.ndim) {
    throw opError('pad', `padding length must be even and at most twice the number of dims (${x.ndim}), got ${padding.length}`);
  }
  const shape = [...x.shape];
  const before = new Array<number>(x.ndim).fill(0);
  for (let i = 0; i < padding.length / 2; i++) {
    const d = x.ndim - 1 - i;
    before[d] = padding[2 * i];
    shape[d] += padding[2 * i] + padding[2 * i + 1];
    if (shape[d] < 0) throw opError('pad', `padding ${formatShape(padding)} makes dimension ${d} of ${formatShape(x.shape)} negative`);
  }
  const out = emptyTensor(shape, x.dtype);
  if (value !== 0) out.storage.data.fill(value);
  // the region of out that x lands in, and the region of x that survives cropping
  let dst = out, src = x;
  for (let d = 0; d < x.ndim; d++) {
    const b = before[d];
    const keep = Math.min(x.shape[d] + Math.min(b, 0), shape[d] - Math.max(b, 0));
    dst = narrowRaw(dst, d, Math.max(b, 0), Math.max(keep, 0));
    src = narrowRaw(src, d, Math.max(-b, 0), Math.max(keep, 0));
  }
  writeInto(dst, src);
  return record(out, 'pad', [x], (g) => [pad(g, padding.map((p) => -p))]);
}

function narrowRaw(x: Tensor, d: number, start: number, length: number): Tensor {
  const shape = [...x.shape];
  shape[d] = length;
  return new Tensor(x.storage, shape, x.strides, x.offset + start * x.strides[d], x.dtype);
}
