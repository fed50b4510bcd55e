/**
 * Tensor: a typed-array storage read through a layout (shape, strides, offset), so transpose,
 * permute, expand, narrow and view are O(1). Ops live in src/ops; ops/tensor-methods.ts installs
 * the methods that forward to them (x.add(y), x.sum(), x.backward(), ...).
 */
import { allocate, type DType, type TypedArray } from './dtype.js';
import { contiguousStrides, formatShape, isContiguous, numel, opError } from './shape.js';
import { copyStrided, type StridedView } from './strided.js';
import type { GradNode } from '../autograd/node.js';
import { formatTensor } from './print.js';
import { profileHooks } from '../util/profile-hooks.js';
import { cameFromPool, releaseStorage } from './pool.js';

let storagesCreated = 0;

/** How many storages have been created so far: a storage whose serial is at least this value is newer. */
export function storageCount(): number {
  return storagesCreated;
}

/** The bytes behind one or more tensors. `version` counts in-place writes, for autograd's check. */
export class Storage {
  version = 0;
  /** Creation order (see storageCount): autograd hands a gradient made by a rule to a leaf instead of copying it. */
  readonly serial = storagesCreated++;
  constructor(public data: TypedArray) {
    if (profileHooks && !cameFromPool(data)) profileHooks.tensorAllocated(data.byteLength);
  }
}

/** Nested arrays of numbers or booleans, as `tensor()` takes and `toArray()` gives. */
export type NestedArray = number | boolean | NestedArray[];

/**
 * An n-dimensional array with autograd, as `torch.Tensor`: a view (shape, strides, offset) of a storage.
 *
 * @example
 * ```ts
 * const x = nb.tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * const y = x.mul(x).sum(); // 30
 * y.backward();
 * x.grad!.toArray(); // [[2, 4], [6, 8]]
 * x.view(-1).shape; // [4]
 * ```
 */
export class Tensor {
  private gradValue: Tensor | null = null;
  /** Whether user code may hold the gradient: it went through the `grad` accessor since autograd set it. */
  private gradSeen = false;
  gradFn: GradNode | null = null;
  /** Set by the autograd recorder on op outputs; users set requiresGrad on leaves. */
  requiresGradInternal = false;

  constructor(
    readonly storage: Storage,
    readonly shape: readonly number[],
    readonly strides: readonly number[],
    readonly offset: number,
    readonly dtype: DType,
  ) {}

  /** A new contiguous tensor that owns `data`. */
  static fromData(data: TypedArray, shape: readonly number[], dtype: DType): Tensor {
    if (data.length !== numel(shape)) throw opError('tensor', `${data.length} values do not fill shape ${formatShape(shape)}`);
    return new Tensor(new Storage(data), [...shape], contiguousStrides(shape), 0, dtype);
  }

  static empty(shape: readonly number[], dtype: DType = 'float32'): Tensor {
    return Tensor.fromData(allocate(dtype, numel(shape)), shape, dtype);
  }

  /** The gradient backward accumulated (null until then), as `torch.Tensor.grad`. */
  get grad(): Tensor | null {
    this.gradSeen = true;
    return this.gradValue;
  }

  set grad(value: Tensor | null) {
    this.gradSeen = true;
    this.gradValue = value;
  }

  /** Autograd's write of a gradient it made, which nothing but this tensor holds. */
  setGradFromBackward(value: Tensor): void {
    this.gradValue = value;
    this.gradSeen = false;
  }

  /**
   * The gradient, for library code that reads it and keeps no reference to it (autograd's
   * accumulation, an optimizer's update, gradient clipping): unlike `grad` it does not count as a
   * reference user code may hold.
   */
  gradForUpdate(): Tensor | null {
    return this.gradValue;
  }

  /**
   * Sets the gradient to null, as `zeroGrad()` does. When no user code read or set `grad` since
   * backward made it, nothing else can reach its storage, which goes back to the storage pool.
   */
  clearGrad(): void {
    const g = this.gradValue;
    this.gradValue = null;
    if (g && !this.gradSeen && g.offset === 0 && g.storage.data.length === g.numel() && g.isContiguous()) releaseStorage(g.storage, g.dtype);
  }

  get requiresGrad(): boolean {
    return this.requiresGradInternal;
  }

  set requiresGrad(value: boolean) {
    if (this.gradFn && !value) {
      throw new Error('requiresGrad: you can only change requiresGrad of leaf tensors; use detach() to get a tensor that does not require grad');
    }
    if (value && this.dtype !== 'float32') {
      throw new Error(`requiresGrad: only tensors of floating point dtype can require gradients, got ${this.dtype}`);
    }
    this.requiresGradInternal = value;
  }

  requiresGrad_(value = true): this {
    this.requiresGrad = value;
    return this;
  }

  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  get ndim(): number {
    return this.shape.length;
  }

  get version(): number {
    return this.storage.version;
  }

  numel(): number {
    return numel(this.shape);
  }

  dim(): number {
    return this.shape.length;
  }

  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    if (dim === undefined) return [...this.shape];
    return this.shape[dim < 0 ? dim + this.shape.length : dim] ?? (() => { throw opError('size', `dim ${dim} is out of range for a tensor of ${this.ndim} dimensions`); })();
  }

  isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }

  /** The layout kernels read: the raw storage (offset not applied) with this tensor's shape, strides and offset. */
  strided(): StridedView {
    return { data: this.storage.data, shape: this.shape, strides: this.strides, offset: this.offset };
  }

  /** Contiguous data of this tensor: the storage itself when it already is, a copy otherwise. Read only. */
  contiguousData(): TypedArray {
    const n = this.numel();
    if (this.isContiguous() && this.offset === 0 && this.storage.data.length === n) return this.storage.data;
    const out = allocate(this.dtype, n);
    copyStrided(this.strided(), out);
    return out;
  }

  /**
   * The values as a flat typed array in row-major order, a copy the caller owns, as TF.js's
   * `dataSync()`. On a GPU backend it would wait for the device; code meant for every backend reads
   * with `await x.data()`.
   */
  dataSync(): TypedArray {
    const d = this.contiguousData();
    return d === this.storage.data ? d.slice() : d;
  }

  /** The value of a one-element tensor as a number (1 or 0 for bool), as PyTorch's `item()`. */
  item(): number {
    if (this.numel() !== 1) throw opError('item', `a tensor with ${this.numel()} elements cannot be converted to a number (shape ${formatShape(this.shape)})`);
    return this.storage.data[this.offset];
  }

  /** The values as nested arrays (a number, or a boolean for bool tensors, when 0-d), as PyTorch's `tolist()`. */
  toArray(): NestedArray {
    const flat = this.contiguousData();
    const asValue = (v: number): number | boolean => (this.dtype === 'bool' ? v !== 0 : v);
    if (this.shape.length === 0) return asValue(flat[0]);
    let pos = 0;
    const build = (d: number): NestedArray[] => {
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[d]; i++) out.push(d === this.shape.length - 1 ? asValue(flat[pos++]) : build(d + 1));
      return out;
    };
    return build(0);
  }

  /** PyTorch's name for toArray(). */
  tolist(): NestedArray {
    return this.toArray();
  }

  /**
   * The values as a flat typed array in row-major order, a copy the caller owns, as TF.js's `data()`.
   * A GPU backend's values reach the CPU asynchronously, so code written with `await x.data()`
   * runs unchanged on every backend; on the CPU backends (js, wasm) it resolves at once.
   */
  async data(): Promise<TypedArray> {
    return this.dataSync();
  }

  /**
   * The values as nested arrays, as `toArray()` and TF.js's `array()`: the asynchronous read that
   * works on every backend (see `data()`); on the CPU backends it resolves at once.
   */
  async array(): Promise<NestedArray> {
    return this.toArray();
  }

  /** There is no NumPy in JavaScript: the values come out as nested arrays or one flat typed array. */
  numpy(): never {
    throw new Error(`numpy: JavaScript has no NumPy arrays; use toArray() (or its PyTorch name tolist()) for nested arrays, or dataSync() for a flat ${this.dtype === 'float32' ? 'Float32Array' : this.dtype === 'int32' ? 'Int32Array' : 'Uint8Array'} in row-major order`);
  }

  toString(): string {
    return formatTensor(this);
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /** A tensor sharing this storage, cut from the graph. */
  detach(): Tensor {
    return new Tensor(this.storage, this.shape, this.strides, this.offset, this.dtype);
  }

  detach_(): this {
    this.gradFn = null;
    this.requiresGradInternal = false;
    return this;
  }

  /** Marks a write made directly to the storage. */
  bumpVersion(): void {
    this.storage.version++;
  }

  /** A copy with its own contiguous storage, outside the graph (used for gradient buffers). */
  cloneContiguous(): Tensor {
    const data = this.contiguousData();
    return Tensor.fromData(data === this.storage.data ? data.slice() : data, this.shape, this.dtype);
  }

}
