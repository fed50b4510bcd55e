/**
 * Map-style datasets, as in `torch.utils.data`: `Dataset` (length + getItem), `TensorDataset`, `Subset`,
 * `ConcatDataset` and `randomSplit`.
 *
 * Batched fast path: a dataset may also have `getBatch(indices)`, which must return exactly what
 * `defaultCollate(indices.map((i) => getItem(i)))` returns, but gathered in one go (one typed array per
 * field, no per-item tensors). DataLoader uses it when no custom collate function is given.
 */
import { Tensor } from '../tensor/tensor.js';
import { allocate } from '../tensor/dtype.js';
import { formatShape, numel } from '../tensor/shape.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import { randperm } from '../tensor/creation.js';
import { indexSelect } from '../ops/indexing.js';
import { defaultCollate, type Collated } from './collate.js';

/** What DataLoader, Subset and friends accept: anything with a length and getItem (a Dataset, or a plain object). */
export interface DatasetLike<T> {
  readonly length: number;
  getItem(index: number): T;
  /** Optional fast path; see the module comment. */
  getBatch?(indices: Int32Array): Collated<T>;
}

/**
 * A map-style dataset: subclass it and implement `length` (a getter or a readonly property) and
 * `getItem(index)`, like `__len__` and `__getitem__` in PyTorch. Datasets are iterable (item by item).
 */
export abstract class Dataset<T> implements DatasetLike<T>, Iterable<T> {
  abstract readonly length: number;
  abstract getItem(index: number): T;

  *[Symbol.iterator](): IterableIterator<T> {
    const n = this.length;
    for (let i = 0; i < n; i++) yield this.getItem(i);
  }
}

/** Resolves a possibly negative item index, like Python sequences do; throws a RangeError when out of range. */
export function checkIndex(index: number, length: number, what: string): number {
  if (!Number.isInteger(index)) throw new TypeError(`${what}: index must be an integer, got ${index}`);
  const i = index < 0 ? index + length : index;
  if (i < 0 || i >= length) throw new RangeError(`${what}: index ${index} is out of range for a dataset of ${length} item${length === 1 ? '' : 's'}`);
  return i;
}

/** Checks a batch of indices for getBatch (0 <= i < length; no negative indices on this path). */
export function checkBatchIndices(indices: Int32Array, length: number, what: string): void {
  if (!(indices instanceof Int32Array)) throw new TypeError(`${what}.getBatch: indices must be an Int32Array`);
  for (let j = 0; j < indices.length; j++) {
    const i = indices[j];
    if (i < 0 || i >= length) throw new RangeError(`${what}.getBatch: index ${i} (position ${j}) is out of range for a dataset of ${length} items`);
  }
}

function ownerOf(obj: object, name: string): object | null {
  let p: object | null = obj;
  while (p !== null && !Object.prototype.hasOwnProperty.call(p, name)) p = Object.getPrototypeOf(p);
  return p;
}

/**
 * Whether `dataset.getBatch` can stand in for collating `getItem`s: it must exist, and `getItem` must not be
 * overridden below the class that provides `getBatch` (a subclass of TensorDataset that changes getItem,
 * say, to add noise, must go through its own getItem).
 */
export function canGetBatch<T>(dataset: DatasetLike<T>): dataset is DatasetLike<T> & { getBatch(indices: Int32Array): Collated<T> } {
  if (typeof dataset.getBatch !== 'function') return false;
  const batchOwner = ownerOf(dataset, 'getBatch');
  const itemOwner = ownerOf(dataset, 'getItem');
  if (batchOwner === null || itemOwner === null) return false;
  return batchOwner === itemOwner || Object.prototype.isPrototypeOf.call(itemOwner, batchOwner);
}

/** Gathers items through getBatch when it may be used, otherwise collates getItem's results. */
export function gatherBatch<T>(dataset: DatasetLike<T>, indices: Int32Array): Collated<T> {
  if (canGetBatch(dataset)) return dataset.getBatch(indices);
  const items = new Array<T>(indices.length);
  for (let j = 0; j < indices.length; j++) items[j] = dataset.getItem(indices[j]);
  return defaultCollate(items);
}

/** Wraps an array as a dataset (a plain array works anywhere a dataset does). */
export function asDataset<T>(source: DatasetLike<T> | readonly T[], what = 'DataLoader'): DatasetLike<T> {
  if (Array.isArray(source)) {
    const arr = source as readonly T[];
    return {
      get length() { return arr.length; },
      getItem: (i: number) => arr[checkIndex(i, arr.length, 'array dataset')],
    };
  }
  const ds = source as DatasetLike<T>;
  if (ds === null || typeof ds !== 'object' || typeof ds.getItem !== 'function' || typeof ds.length !== 'number') {
    throw new TypeError(`${what}: expected a dataset (an object with length and getItem(index), e.g. a Dataset subclass) or an array`);
  }
  return ds;
}

function rowGather(t: Tensor, indices: Int32Array): Tensor {
  const b = indices.length;
  const rowShape = t.shape.slice(1);
  if (t.requiresGrad || !t.isContiguous()) {
    // Keeps the autograd graph (and handles strided layouts) through the indexing op.
    return indexSelect(t, 0, Tensor.fromData(new Int32Array(indices), [b], 'int32'));
  }
  const row = numel(rowShape);
  const src = t.storage.data;
  const off = t.offset;
  const out = allocate(t.dtype, b * row);
  if (row === 1) {
    for (let j = 0; j < b; j++) out[j] = src[off + indices[j]];
  } else if (row < 16) {
    for (let j = 0; j < b; j++) {
      const s = off + indices[j] * row;
      const d = j * row;
      for (let k = 0; k < row; k++) out[d + k] = src[s + k];
    }
  } else {
    // Same dtype, so same typed-array class: set() is a memcpy.
    const dst = out as Float32Array;
    const from = src as Float32Array;
    for (let j = 0; j < b; j++) {
      const s = off + indices[j] * row;
      dst.set(from.subarray(s, s + row), j * row);
    }
  }
  return Tensor.fromData(out, [b, ...rowShape], t.dtype);
}

/**
 * Items are tuples of rows: item i of `new TensorDataset(x, y)` is `[x[i], y[i]]` (views of the rows).
 * Every tensor must have the same size in its first dimension.
 */
export class TensorDataset<T extends Tensor[] = Tensor[]> extends Dataset<T> {
  readonly tensors: Readonly<T>;

  constructor(...tensors: T) {
    super();
    if (tensors.length === 0) throw new Error('TensorDataset: needs at least one tensor');
    tensors.forEach((t, k) => {
      if (!(t instanceof Tensor)) throw new TypeError(`TensorDataset: argument ${k} is not a Tensor`);
      if (t.ndim === 0) throw new Error(`TensorDataset: tensors[${k}] is 0-dimensional; every tensor needs a first dimension that indexes the samples`);
    });
    const n = tensors[0].shape[0];
    const bad = tensors.findIndex((t) => t.shape[0] !== n);
    if (bad >= 0) {
      throw new Error(
        `TensorDataset: size mismatch between tensors: all tensors must have the same size in the first dimension (the samples), ` +
          `but tensors[0] has shape ${formatShape(tensors[0].shape)} and tensors[${bad}] has shape ${formatShape(tensors[bad].shape)}`,
      );
    }
    this.tensors = tensors;
  }

  get length(): number {
    return this.tensors[0].shape[0];
  }

  getItem(index: number): T {
    const i = checkIndex(index, this.length, 'TensorDataset');
    return this.tensors.map((t) => t.select(0, i)) as T;
  }

  /** The rows at `indices`, one new tensor per field: `[x[indices], y[indices], ...]`. */
  getBatch(indices: Int32Array): Collated<T> {
    checkBatchIndices(indices, this.length, 'TensorDataset');
    return this.tensors.map((t) => rowGather(t, indices)) as unknown as Collated<T>;
  }
}

function toIndexArray(indices: ArrayLike<number> | Tensor, what: string): Int32Array {
  if (indices instanceof Tensor) {
    if (indices.ndim !== 1 || indices.dtype === 'float32') throw new TypeError(`${what}: indices must be a 1-D integer tensor, got ${indices.dtype} of shape ${formatShape(indices.shape)}`);
    return Int32Array.from(indices.contiguousData());
  }
  const out = new Int32Array(indices.length);
  for (let j = 0; j < indices.length; j++) {
    const v = indices[j];
    if (!Number.isInteger(v)) throw new TypeError(`${what}: indices must be integers, got ${v} at position ${j}`);
    out[j] = v;
  }
  return out;
}

/** The items of `dataset` at `indices`, in that order. */
export class Subset<T> extends Dataset<T> {
  readonly dataset: DatasetLike<T>;
  readonly indices: Int32Array;

  constructor(dataset: DatasetLike<T> | readonly T[], indices: ArrayLike<number> | Tensor) {
    super();
    this.dataset = asDataset(dataset, 'Subset');
    this.indices = toIndexArray(indices, 'Subset');
    const n = this.dataset.length;
    for (let j = 0; j < this.indices.length; j++) {
      const i = this.indices[j];
      if (i < -n || i >= n) throw new RangeError(`Subset: index ${i} (position ${j}) is out of range for a dataset of ${n} items`);
      if (i < 0) this.indices[j] = i + n;
    }
  }

  get length(): number {
    return this.indices.length;
  }

  getItem(index: number): T {
    return this.dataset.getItem(this.indices[checkIndex(index, this.indices.length, 'Subset')]);
  }

  /** Maps the indices into the underlying dataset and gathers there (its fast path when it has one). */
  getBatch(indices: Int32Array): Collated<T> {
    checkBatchIndices(indices, this.indices.length, 'Subset');
    const inner = new Int32Array(indices.length);
    for (let j = 0; j < indices.length; j++) inner[j] = this.indices[indices[j]];
    return gatherBatch(this.dataset, inner);
  }
}

/** Datasets one after the other, like `torch.utils.data.ConcatDataset` (or `ds1 + ds2`). */
export class ConcatDataset<T> extends Dataset<T> {
  readonly datasets: readonly DatasetLike<T>[];
  /** End offset of each dataset: `cumulativeSizes[k]` = total length of datasets 0..k. */
  readonly cumulativeSizes: readonly number[];

  constructor(datasets: readonly (DatasetLike<T> | readonly T[])[]) {
    super();
    if (!Array.isArray(datasets) || datasets.length === 0) throw new Error('ConcatDataset: datasets should not be an empty list');
    this.datasets = datasets.map((d, k) => asDataset(d, `ConcatDataset (datasets[${k}])`));
    const sizes: number[] = [];
    let total = 0;
    for (const d of this.datasets) sizes.push((total += d.length));
    this.cumulativeSizes = sizes;
  }

  get length(): number {
    return this.cumulativeSizes[this.cumulativeSizes.length - 1];
  }

  /** Which dataset holds item `i` (already non-negative and in range), and its index there. */
  private locate(i: number): [number, number] {
    const sizes = this.cumulativeSizes;
    let lo = 0;
    let hi = sizes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sizes[mid] > i) hi = mid;
      else lo = mid + 1;
    }
    return [lo, lo === 0 ? i : i - sizes[lo - 1]];
  }

  getItem(index: number): T {
    const [k, i] = this.locate(checkIndex(index, this.length, 'ConcatDataset'));
    return this.datasets[k].getItem(i);
  }

  /** Batches that fall inside one dataset go through its fast path; mixed ones are collated item by item. */
  getBatch(indices: Int32Array): Collated<T> {
    checkBatchIndices(indices, this.length, 'ConcatDataset');
    if (indices.length > 0) {
      const [k0] = this.locate(indices[0]);
      const start = k0 === 0 ? 0 : this.cumulativeSizes[k0 - 1];
      const end = this.cumulativeSizes[k0];
      let same = true;
      for (let j = 1; j < indices.length && same; j++) same = indices[j] >= start && indices[j] < end;
      if (same) return gatherBatch(this.datasets[k0], indices.map((i) => i - start));
    }
    const items = new Array<T>(indices.length);
    for (let j = 0; j < indices.length; j++) items[j] = this.getItem(indices[j]);
    return defaultCollate(items);
  }
}

/**
 * Splits a dataset into non-overlapping random subsets, like `torch.utils.data.random_split`. `lengths` are
 * counts summing to the dataset's length, or fractions summing to 1 (each gets floor(n * fraction) items,
 * and the remainder is dealt out one by one from the first subset on, as PyTorch does). The permutation
 * comes from `generator`, or from the default generator (`manualSeed`) when none is given.
 */
export function randomSplit<T>(dataset: DatasetLike<T> | readonly T[], lengths: readonly number[], generator: Generator = defaultGenerator): Subset<T>[] {
  const ds = asDataset(dataset, 'randomSplit');
  const n = ds.length;
  if (!Array.isArray(lengths) || lengths.length === 0) throw new Error('randomSplit: lengths must be a non-empty array of counts or fractions');
  for (const l of lengths) {
    if (typeof l !== 'number' || !Number.isFinite(l) || l < 0) throw new Error(`randomSplit: lengths must be non-negative numbers, got ${l}`);
  }
  let counts = [...lengths];
  const total = lengths.reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) <= 1e-9 && total <= n) {
    counts = lengths.map((f) => {
      if (f > 1) throw new Error(`randomSplit: fraction ${f} is not between 0 and 1`);
      return Math.floor(n * f);
    });
    let remainder = n - counts.reduce((a, b) => a + b, 0);
    for (let k = 0; remainder > 0; k = (k + 1) % counts.length, remainder--) counts[k]++;
  } else {
    const notInt = lengths.find((l) => !Number.isInteger(l));
    if (notInt !== undefined) {
      throw new Error(`randomSplit: lengths must be whole counts, or fractions summing to 1; got [${lengths.join(', ')}] (sum ${total})`);
    }
  }
  const sum = counts.reduce((a, b) => a + b, 0);
  if (sum !== n) {
    throw new Error(`randomSplit: sum of input lengths (${sum}) does not equal the length of the input dataset (${n}); lengths were [${lengths.join(', ')}]`);
  }
  const perm = randperm(n, { generator }).storage.data as Int32Array;
  const out: Subset<T>[] = [];
  let at = 0;
  for (const c of counts) {
    out.push(new Subset(ds, perm.subarray(at, at + c)));
    at += c;
  }
  return out;
}
