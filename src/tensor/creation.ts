/** Tensor creation: from nested arrays or typed arrays, constants, ranges, and seeded random draws. */
import { Tensor, type NestedArray } from './tensor.js';
import { allocate, checkInt32Range, dtypeOfArray, type DType, type TypedArray } from './dtype.js';
import { checkShape, formatShape, numel, opError } from './shape.js';
import { defaultGenerator, type Generator } from './random.js';
import { checkOptions, type OptionSpec } from '../util/options.js';

/** Options of the creation functions: dtype and requiresGrad. */
export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

/** Options of the random creation functions: those of every creation function and a generator. */
export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

const TENSOR_OPTIONS: OptionSpec<TensorOptions> = { dtype: 'any', requiresGrad: 'boolean' };
const RANDOM_OPTIONS: OptionSpec<RandomOptions> = { ...TENSOR_OPTIONS, generator: 'object' };

/**
 * Refuses a dtype nabla lacks with the way to get there: a PyTorch habit such as dtype 'int64' or
 * 'float64' would otherwise fail deep inside as a TypeError.
 */
export function checkDtype(op: string, dtype: unknown): void {
  if (dtype === undefined || dtype === 'float32' || dtype === 'int32' || dtype === 'bool') return;
  const hint = typeof dtype === 'string' && /^u?int(8|16|64)$|^long$/.test(dtype)
    ? "nabla's integers (indices, labels) are int32: pass dtype 'int32', or convert with x.int() / x.long()"
    : typeof dtype === 'string' && /^float(16|64)$|^double$|^half$|^bfloat16$/.test(dtype)
      ? "nabla computes in float32: pass dtype 'float32' (the default), or convert with x.float()"
      : 'nabla has float32, int32 and bool';
  throw new TypeError(`${op}: dtype ${JSON.stringify(dtype)} is not supported; ${hint}`);
}

function checkTensorOptions(op: string, options: object, spec: OptionSpec<object> = TENSOR_OPTIONS): void {
  checkOptions(op, options, spec);
  checkDtype(op, (options as TensorOptions).dtype);
}

function finish(t: Tensor, options: TensorOptions): Tensor {
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

/** Shape of a nested array, refusing ragged input. */
function nestedShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let level: NestedArray = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  return shape;
}

function flattenInto(data: NestedArray, shape: number[], depth: number, out: number[], flags: { bool: boolean }): void {
  if (depth === shape.length) {
    if (Array.isArray(data)) throw opError('tensor', `ragged nested array: expected a number at depth ${depth} for shape ${formatShape(shape)}`);
    if (typeof data === 'boolean') flags.bool = true;
    else if (typeof data !== 'number') throw opError('tensor', `expected numbers or booleans, got ${typeof data}`);
    out.push(Number(data));
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[depth]) {
    throw opError('tensor', `ragged nested array: expected length ${shape[depth]} at depth ${depth} (shape ${formatShape(shape)}), got ${Array.isArray(data) ? data.length : typeof data}`);
  }
  for (const item of data) flattenInto(item, shape, depth + 1, out, flags);
}

/**
 * `tensor([[1, 2], [3, 4]])`. Numbers become float32 unless a dtype is given (JS has no separate
 * integer literal); booleans become bool; an Int32Array becomes int32, a Uint8Array bool.
 */
export function tensor(data: NestedArray | TypedArray | Tensor, options: TensorOptions & { shape?: number[] } = {}): Tensor {
  checkTensorOptions('tensor', options, { ...TENSOR_OPTIONS, shape: 'integers' });
  if (data instanceof Tensor) return finish(data.detach().to(options.dtype ?? data.dtype).cloneContiguous(), options);
  let values: ArrayLike<number>;
  let shape: number[];
  let inferred: DType;
  if (ArrayBuffer.isView(data)) {
    values = data as TypedArray;
    shape = options.shape ?? [values.length];
    inferred = dtypeOfArray(data as TypedArray);
  } else {
    shape = nestedShape(data);
    const flat: number[] = [];
    const flags = { bool: false };
    flattenInto(data, shape, 0, flat, flags);
    values = flat;
    inferred = flags.bool ? 'bool' : 'float32';
    if (options.shape) shape = options.shape;
  }
  const dtype = options.dtype ?? inferred;
  checkShape(shape, 'tensor');
  if (numel(shape) !== values.length) throw opError('tensor', `${values.length} values do not fill shape ${formatShape(shape)}`);
  if (dtype === 'int32' && !(values instanceof Int32Array)) checkInt32Range('tensor', values);
  const out = allocate(dtype, values.length);
  if (dtype === 'bool') for (let i = 0; i < values.length; i++) out[i] = values[i] ? 1 : 0;
  else out.set(values as ArrayLike<number>);
  return finish(Tensor.fromData(out, shape, dtype), options);
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: readonly number[], value: number, options: TensorOptions = {}): Tensor {
  checkTensorOptions('full', options);
  const dtype = options.dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32');
  if (dtype === 'int32') checkInt32Range('full', [value]);
  const data = allocate(dtype, numel(checkShape(shape, 'full')));
  if (value !== 0) data.fill(value);
  return finish(Tensor.fromData(data, shape, dtype), options);
}

/** A tensor of zeros. */
export const zeros = (shape: readonly number[], options: TensorOptions = {}) => full(shape, 0, options);
/** A tensor of ones. */
export const ones = (shape: readonly number[], options: TensorOptions = {}) => full(shape, 1, options);
/** A new tensor of `shape` (zero-filled: the memory is never left uninitialised). */
export const empty = zeros;
/** Zeros of the shape (and, by default, dtype) of `t`. */
export const zerosLike = (t: Tensor, options: TensorOptions = {}) => full(t.shape, 0, { dtype: t.dtype, ...options });
/** Ones of the shape (and, by default, dtype) of `t`. */
export const onesLike = (t: Tensor, options: TensorOptions = {}) => full(t.shape, 1, { dtype: t.dtype, ...options });
/** `value` in the shape (and, by default, dtype) of `t`. */
export const fullLike = (t: Tensor, value: number, options: TensorOptions = {}) => full(t.shape, value, { dtype: t.dtype, ...options });

/** arange(end), arange(start, end), arange(start, end, step); integer arguments give int32, like PyTorch's int64. */
export function arange(startOrEnd: number, end?: number, step = 1, options: TensorOptions = {}): Tensor {
  checkTensorOptions('arange', options);
  const start = end === undefined ? 0 : startOrEnd;
  const stop = end === undefined ? startOrEnd : end;
  if (step === 0) throw opError('arange', 'step must be nonzero');
  if ((stop - start) / step < 0) throw opError('arange', `upper bound and larger bound inconsistent with step sign (start ${start}, end ${stop}, step ${step})`);
  const count = Math.ceil((stop - start) / step);
  const dtype = options.dtype ?? ([start, stop, step].every(Number.isInteger) ? 'int32' : 'float32');
  const data = allocate(dtype, count);
  for (let i = 0; i < count; i++) data[i] = start + i * step;
  return finish(Tensor.fromData(data, [count], dtype), options);
}

/** Evenly spaced values; computed from both ends like PyTorch so the last value is exactly `end`. */
export function linspace(start: number, end: number, steps: number, options: TensorOptions = {}): Tensor {
  checkTensorOptions('linspace', options);
  if (!Number.isInteger(steps) || steps < 0) throw opError('linspace', `number of steps must be a non-negative integer, got ${steps}`);
  const data = allocate(options.dtype ?? 'float32', steps);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) data[i] = i < half ? start + step * i : end - step * (steps - 1 - i);
  return finish(Tensor.fromData(data, [steps], options.dtype ?? 'float32'), options);
}

/** An n x m matrix with ones on the diagonal. */
export function eye(n: number, m = n, options: TensorOptions = {}): Tensor {
  checkTensorOptions('eye', options);
  const dtype = options.dtype ?? 'float32';
  const data = allocate(dtype, n * m);
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return finish(Tensor.fromData(data, [n, m], dtype), options);
}

function randomTensor(shape: readonly number[], options: RandomOptions, draw: (g: Generator) => number): Tensor {
  checkTensorOptions('random', options, RANDOM_OPTIONS);
  const g = options.generator ?? defaultGenerator;
  const dtype = options.dtype ?? 'float32';
  const data = allocate(dtype, numel(checkShape(shape, 'random')));
  for (let i = 0; i < data.length; i++) data[i] = draw(g);
  return finish(Tensor.fromData(data, shape, dtype), options);
}

/** Uniform random values in [0, 1). */
export const rand = (shape: readonly number[], options: RandomOptions = {}) => randomTensor(shape, options, (g) => g.random());
/** Standard normal random values. */
export const randn = (shape: readonly number[], options: RandomOptions = {}) => randomTensor(shape, options, (g) => g.normal());
/** Uniform random values in [0, 1) of the shape of `t`. */
export const randLike = (t: Tensor, options: RandomOptions = {}) => rand(t.shape, options);
/** Standard normal random values of the shape of `t`. */
export const randnLike = (t: Tensor, options: RandomOptions = {}) => randn(t.shape, options);

/** Random integers in [low, high) (int32). */
export function randint(low: number, high: number, shape: readonly number[], options: RandomOptions = {}): Tensor {
  if (!(high > low)) throw opError('randint', `expects low < high, got low=${low}, high=${high}`);
  return randomTensor(shape, { dtype: 'int32', ...options }, (g) => g.randint(low, high));
}

/** A random permutation of 0..n-1 (Fisher-Yates). */
export function randperm(n: number, options: RandomOptions = {}): Tensor {
  checkTensorOptions('randperm', options, RANDOM_OPTIONS);
  const g = options.generator ?? defaultGenerator;
  const data = new Int32Array(n);
  for (let i = 0; i < n; i++) data[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = g.randint(0, i + 1);
    const tmp = data[i]; data[i] = data[j]; data[j] = tmp;
  }
  return Tensor.fromData(data, [n], 'int32');
}
