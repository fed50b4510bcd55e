/** Reductions over one or several dims, with keepdim, and their gradients. */
import { checkOptions, type OptionSpec } from '../util/options.js';
import { Tensor } from '../tensor/tensor.js';
import { type DType } from '../tensor/dtype.js';
import { formatShape, normalizeDim, normalizeDims, numel, opError } from '../tensor/shape.js';
import type { ReduceOp } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { record } from '../autograd/node.js';
import { emptyTensor, requireTensor } from './util.js';
import { add, div, eq, exp, log, mul, sqrt, sub, toDtype } from './elementwise.js';
import { clone, expand, permute, reshape, squeeze } from './shape.js';

/** The values and their int32 indices (what `max(x, dim)` returns). */
export interface ValuesIndices { values: Tensor; indices: Tensor }
/** Options of var/std: Bessel's correction and keepdim. */
export interface VarianceOptions { correction?: number; unbiased?: boolean; keepdim?: boolean }
const VARIANCE_OPTIONS: OptionSpec<VarianceOptions> = { correction: 'number', unbiased: 'boolean', keepdim: 'boolean' };

function reducedShape(shape: readonly number[], dims: number[], keepdim: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!dims.includes(i)) out.push(d);
    else if (keepdim) out.push(1);
  });
  return out;
}

/** Runs a reduction kernel without recording: permutes the reduced dims to the end unless they are one block already. */
export function reduceRaw(op: ReduceOp, x: Tensor, dims: number[], keepdim: boolean, dtype: DType): Tensor {
  const shape = x.shape;
  const outShape = reducedShape(shape, dims, keepdim);
  const isBlock = dims.length > 0 && dims[dims.length - 1] - dims[0] === dims.length - 1;
  // Separate runs of dims on a contiguous tensor (e.g. [0, 2, 3] for a conv bias gradient): reduce the
  // last run in place first, which avoids permuting and copying the whole input.
  if (!isBlock && dims.length > 1 && x.isContiguous() && op !== 'argmax' && op !== 'argmin' && numel(shape) > 0) {
    let start = dims.length - 1;
    while (start > 0 && dims[start - 1] === dims[start] - 1) start--;
    const partial = reduceRaw(op, x, dims.slice(start), true, dtype);
    const rest = reduceRaw(op, partial, dims.slice(0, start), true, dtype);
    return keepdim ? rest : reshape(rest, outShape);
  }
  const out = emptyTensor(outShape, dtype);
  let outer: number, size: number, inner: number, data;
  if (isBlock && x.isContiguous()) {
    outer = numel(shape.slice(0, dims[0]));
    size = numel(dims.map((d) => shape[d]));
    inner = numel(shape.slice(dims[dims.length - 1] + 1));
    data = x.offset === 0 ? x.storage.data : x.storage.data.subarray(x.offset, x.offset + x.numel());
  } else {
    const kept = shape.map((_, i) => i).filter((i) => !dims.includes(i));
    const moved = permute(x, [...kept, ...dims]);
    outer = numel(kept.map((d) => shape[d]));
    size = numel(dims.map((d) => shape[d]));
    inner = 1;
    data = moved.contiguousData();
  }
  if (size === 0 && op !== 'sum' && op !== 'prod') {
    throw opError(op, `cannot reduce over a dimension of size 0 (input shape ${formatShape(shape)})`);
  }
  getBackend().reduce(op, data, outer, size, inner, out.storage.data);
  return out;
}

/** Sums a broadcast gradient back down to `shape` (the adjoint of broadcasting). */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.shape.length - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.shape.length; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  }
  let out = dims.length ? reduceRaw('sum', g, dims, true, 'float32') : g;
  if (lead > 0) out = reshape(out, shape);
  return out;
}

/** The gradient of a reduction, reshaped to keepdim form and broadcast back over the input. */
function expandBack(g: Tensor, inputShape: readonly number[], dims: number[]): Tensor {
  return expand(reshape(g, reducedShape(inputShape, dims, true)), inputShape);
}

function sumType(dtype: DType): DType {
  return dtype === 'float32' ? 'float32' : 'int32';
}

/** The sum of all elements, or along `dim`. */
export function sum(x: Tensor, dim?: number | number[], keepdim = false): Tensor {
  requireTensor('sum', 'input', x);
  const dims = normalizeDims(dim, x.ndim, 'sum');
  const out = reduceRaw('sum', x, dims, keepdim, sumType(x.dtype));
  return record(out, 'sum', [x], (g) => [expandBack(g, x.shape, dims)]);
}

/** The mean of all elements, or along `dim`. */
export function mean(x: Tensor, dim?: number | number[], keepdim = false): Tensor {
  requireTensor('mean', 'input', x);
  if (x.dtype !== 'float32') throw opError('mean', `could not infer output dtype: input dtype must be float32, got ${x.dtype}; call .float() first`);
  const dims = normalizeDims(dim, x.ndim, 'mean');
  const count = numel(dims.map((d) => x.shape[d]));
  const total = reduceRaw('sum', x, dims, keepdim, 'float32');
  const data = total.storage.data;
  for (let i = 0; i < data.length; i++) data[i] /= count;
  return record(total, 'mean', [x], (g) => [div(expandBack(g, x.shape, dims), count)]);
}

function extremeAlongDim(op: 'max' | 'min', x: Tensor, dim: number, keepdim: boolean): ValuesIndices {
  const d = normalizeDim(dim, x.ndim, op);
  if (x.ndim === 0) return { values: clone(x), indices: emptyTensor([], 'int32') };
  const values = reduceRaw(op, x, [d], keepdim, x.dtype);
  const indices = reduceRaw(op === 'max' ? 'argmax' : 'argmin', x, [d], keepdim, 'int32');
  record(values, op, [x], (g) => {
    const gk = keepdim ? g : g.unsqueeze(d);
    const ik = keepdim ? indices : indices.unsqueeze(d);
    return [emptyTensor(x.shape).scatter(d, ik, gk)];
  }, [indices]);
  return { values, indices };
}

/** Full reduction: PyTorch spreads the gradient evenly over tied extremes. */
function extremeOverDims(op: 'max' | 'min', name: string, x: Tensor, dims: number[], keepdim: boolean): Tensor {
  const out = reduceRaw(op, x, dims, keepdim, x.dtype);
  return record(out, name, [x], (g) => {
    const outK = reshape(out, reducedShape(x.shape, dims, true));
    const mask = toDtype(eq(x, outK), 'float32');
    const count = reduceRaw('sum', mask, dims, true, 'float32');
    return [div(mul(expandBack(g, x.shape, dims), mask), count)];
  }, [x, out]);
}

/** The largest element, or `{ values, indices }` along `dim`. */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function max(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  requireTensor('max', 'input', x);
  if (dim === undefined) return extremeOverDims('max', 'max', x, normalizeDims(undefined, x.ndim, 'max'), false);
  return extremeAlongDim('max', x, dim, keepdim);
}

/** The smallest element, or `{ values, indices }` along `dim`. */
export function min(x: Tensor): Tensor;
export function min(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function min(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  requireTensor('min', 'input', x);
  if (dim === undefined) return extremeOverDims('min', 'min', x, normalizeDims(undefined, x.ndim, 'min'), false);
  return extremeAlongDim('min', x, dim, keepdim);
}

/** The largest values along `dim` (no indices). */
export function amax(x: Tensor, dim?: number | number[], keepdim = false): Tensor {
  requireTensor('amax', 'input', x);
  return extremeOverDims('max', 'amax', x, normalizeDims(dim, x.ndim, 'amax'), keepdim);
}

/** The smallest values along `dim` (no indices). */
export function amin(x: Tensor, dim?: number | number[], keepdim = false): Tensor {
  requireTensor('amin', 'input', x);
  return extremeOverDims('min', 'amin', x, normalizeDims(dim, x.ndim, 'amin'), keepdim);
}

function argExtreme(op: 'argmax' | 'argmin', x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  requireTensor(op, 'input', x);
  if (dim === undefined) {
    const flat = reshape(x, [x.numel()]);
    const out = reduceRaw(op, flat, [0], false, 'int32');
    return keepdim ? reshape(out, x.shape.map(() => 1)) : out;
  }
  return reduceRaw(op, x, normalizeDims(dim, x.ndim, op), keepdim, 'int32');
}

/** The index of the largest element, overall or along `dim`. */
export const argmax = (x: Tensor, dim?: number, keepdim = false): Tensor => argExtreme('argmax', x, dim, keepdim);
/** The index of the smallest element, overall or along `dim`. */
export const argmin = (x: Tensor, dim?: number, keepdim = false): Tensor => argExtreme('argmin', x, dim, keepdim);

/** Variance with Bessel's correction by default, composed from differentiable ops. */
export function variance(x: Tensor, dim?: number | number[], options: VarianceOptions = {}): Tensor {
  requireTensor('var', 'input', x);
  checkOptions('var', options, VARIANCE_OPTIONS);
  const dims = normalizeDims(dim, x.ndim, 'var');
  const correction = options.correction ?? (options.unbiased === false ? 0 : 1);
  const count = numel(dims.map((d) => x.shape[d]));
  const centered = sub(x, mean(x, dims, true));
  return div(sum(mul(centered, centered), dims, options.keepdim ?? false), Math.max(count - correction, 0));
}

/** The standard deviation, overall or along `dim`. */
export function std(x: Tensor, dim?: number | number[], options: VarianceOptions = {}): Tensor {
  return sqrt(variance(x, dim, options));
}

/** log(sum(exp(x))) computed stably: the max is subtracted first (and treated as a constant). */
export function logsumexp(x: Tensor, dim: number | number[], keepdim = false): Tensor {
  requireTensor('logsumexp', 'input', x);
  const dims = normalizeDims(dim, x.ndim, 'logsumexp');
  const m = reduceRaw('max', x, dims, true, 'float32');
  const md = m.storage.data;
  for (let i = 0; i < md.length; i++) if (!Number.isFinite(md[i])) md[i] = 0;
  const out = add(log(sum(exp(sub(x, m)), dims, true)), m);
  return keepdim ? out : squeezeDims(out, dims);
}

function squeezeDims(t: Tensor, dims: number[]): Tensor {
  let out = t;
  for (let i = dims.length - 1; i >= 0; i--) out = squeeze(out, dims[i]);
  return out;
}

/** True if every element is nonzero. */
export function all(x: Tensor): Tensor {
  requireTensor('all', 'input', x);
  if (x.numel() === 0) return toDtype(emptyTensor([]).add(1), 'bool');
  return reduceRaw('min', toDtype(x, 'bool'), normalizeDims(undefined, x.ndim, 'all'), false, 'bool');
}

/** True if any element is nonzero. */
export function any(x: Tensor): Tensor {
  requireTensor('any', 'input', x);
  if (x.numel() === 0) return emptyTensor([], 'bool');
  return reduceRaw('max', toDtype(x, 'bool'), normalizeDims(undefined, x.ndim, 'any'), false, 'bool');
}
