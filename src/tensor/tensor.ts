/**
 * Tensor: a typed-array storage read through a layout (shape, strides, offset), so transpose,
 * permute, expand, narrow and view are O(1). Ops live in src/ops; the methods here forward to them.
 */
import { allocate, type DType, type TypedArray } from './dtype.js';
import { contiguousStrides, formatShape, isContiguous, numel, opError } from './shape.js';
import type { StridedView } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import type { GradNode } from '../autograd/node.js';
import { runBackward, type BackwardOptions } from '../autograd/backward.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { formatTensor } from './print.js';
import * as ew from '../ops/elementwise.js';
import * as red from '../ops/reduce.js';
import * as sh from '../ops/shape.js';
import * as idx from '../ops/indexing.js';
import * as la from '../ops/linalg.js';
import * as act from '../ops/activation.js';

/** The bytes behind one or more tensors. `version` counts in-place writes, for autograd's check. */
export class Storage {
  version = 0;
  constructor(public data: TypedArray) {}
}

/** Nested arrays of numbers or booleans, as `tensor()` takes and `toArray()` gives. */
export type NestedArray = number | boolean | NestedArray[];
type Scalar = Tensor | number;

const detached = (x: Scalar): Scalar => (typeof x === 'number' ? x : x.detach());

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
  grad: Tensor | null = null;
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

  /** The layout kernels read. */
  strided(): StridedView {
    return this;
  }

  get data(): TypedArray {
    return this.storage.data;
  }

  /** Contiguous data of this tensor: the storage itself when it already is, a copy otherwise. Read only. */
  contiguousData(): TypedArray {
    const n = this.numel();
    if (this.isContiguous() && this.offset === 0 && this.storage.data.length === n) return this.storage.data;
    const out = allocate(this.dtype, n);
    getBackend().copy(this, out);
    return out;
  }

  /** A flat copy of the values in row-major order. */
  dataSync(): TypedArray {
    const d = this.contiguousData();
    return d === this.storage.data ? d.slice() : d;
  }

  item(): number {
    if (this.numel() !== 1) throw opError('item', `a tensor with ${this.numel()} elements cannot be converted to a number (shape ${formatShape(this.shape)})`);
    return this.storage.data[this.offset];
  }

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

  toString(): string {
    return formatTensor(this);
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // ---- autograd ----
  backward(gradient?: Tensor, options: BackwardOptions = {}): void {
    if (!this.requiresGrad) {
      throw new Error('backward: element 0 of tensors does not require grad and does not have a gradFn');
    }
    if (!gradient) {
      if (this.numel() !== 1) {
        throw new Error(`backward: grad can be implicitly created only for scalar outputs; this tensor has shape ${formatShape(this.shape)}: pass a gradient of the same shape`);
      }
      gradient = Tensor.fromData(new Float32Array([1]), this.shape, 'float32');
    } else if (gradient.shape.join() !== this.shape.join()) {
      throw new Error(`backward: gradient has shape ${formatShape(gradient.shape)} but the tensor has shape ${formatShape(this.shape)}`);
    }
    runBackward(this, gradient, options);
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

  /** A copy with its own contiguous storage, outside the graph (used for gradient buffers). */
  cloneContiguous(): Tensor {
    const data = this.contiguousData();
    return Tensor.fromData(data === this.storage.data ? data.slice() : data, this.shape, this.dtype);
  }

  // ---- in-place writes (no graph; bump the version so saved-tensor checks fire) ----
  /**
   * In-place writes are not recorded by autograd, so with grad mode on they are refused wherever a
   * gradient would silently be lost or wrong: on a tensor that requires grad (leaf or not), and
   * from a source that requires grad. Inside noGrad (optimisers, initialisers) they are allowed.
   */
  private checkInPlace(op: string, source?: Scalar): void {
    if (!isGradEnabled()) return;
    if (this.requiresGrad && this.isLeaf) {
      throw new Error(`${op}: a leaf tensor that requires grad is being used in an in-place operation; wrap it in noGrad(() => ...) (as optimisers do)`);
    }
    if (this.requiresGrad) {
      throw new Error(`${op}: in-place operations on a tensor that requires grad (shape ${formatShape(this.shape)}, produced by ${this.gradFn?.name}) are not recorded by autograd; use the out-of-place op instead (y = y.${op.slice(0, -1)}(...)) or wrap it in noGrad(() => ...)`);
    }
    if (source instanceof Tensor && source.requiresGrad) {
      throw new Error(`${op}: the source (shape ${formatShape(source.shape)}) requires grad, but in-place writes are not recorded by autograd; use an out-of-place op, or detach() the source if no gradient should flow`);
    }
  }

  /** Marks a write made directly to the storage. */
  bumpVersion(): void {
    this.storage.version++;
  }

  /** Writes values (broadcast to this shape) into this tensor's elements. */
  copy_(src: Tensor | number): this {
    this.checkInPlace('copy_', src);
    return this.writeInPlace(src);
  }

  private writeInPlace(value: Tensor | number): this {
    // a source that shares this storage (x.copy_(x.t())) is read in full before anything is written
    const source = typeof value === 'number' ? value : value.storage === this.storage ? sh.copyRaw(value) : value;
    sh.writeInto(this, typeof source === 'number' ? source : source.expand(this.shape));
    this.bumpVersion();
    return this;
  }

  fill_(value: number): this {
    this.checkInPlace('fill_');
    return this.writeInPlace(value);
  }

  zero_(): this {
    this.checkInPlace('zero_');
    return this.writeInPlace(0);
  }

  /** In-place arithmetic: computes out of place (outside the graph), then writes into this tensor's storage. */
  add_(other: Scalar, alpha = 1): this {
    this.checkInPlace('add_', other);
    const scaled = typeof other === 'number' ? other * alpha : alpha === 1 ? other.detach() : ew.mul(other.detach(), alpha);
    return this.writeInPlace(ew.add(this.detach(), scaled));
  }
  sub_(other: Scalar): this { this.checkInPlace('sub_', other); return this.writeInPlace(ew.sub(this.detach(), detached(other))); }
  mul_(other: Scalar): this { this.checkInPlace('mul_', other); return this.writeInPlace(ew.mul(this.detach(), detached(other))); }
  div_(other: Scalar): this { this.checkInPlace('div_', other); return this.writeInPlace(ew.div(this.detach(), detached(other))); }
  clamp_(min?: number, max?: number): this { this.checkInPlace('clamp_'); return this.writeInPlace(ew.clamp(this.detach(), min, max)); }
  maskedFill_(mask: Tensor, value: number): this { this.checkInPlace('maskedFill_'); return this.writeInPlace(idx.maskedFill(this.detach(), mask, value)); }
  uniform_(low = 0, high = 1): this { this.checkInPlace('uniform_'); return this.writeInPlace(sh.randomLike(this, 'uniform', low, high)); }
  normal_(mean = 0, std = 1): this { this.checkInPlace('normal_'); return this.writeInPlace(sh.randomLike(this, 'normal', mean, std)); }

  /** grad += g without touching the graph: used by backward to accumulate into leaves. */
  addInPlaceRaw(g: Tensor): void {
    const dst = this.storage.data as Float32Array;
    const src = g.contiguousData();
    if (this.isContiguous() && this.offset === 0 && dst.length === src.length) {
      for (let i = 0; i < src.length; i++) dst[i] += src[i];
    } else sh.writeInto(this, ew.add(this.detach(), g));
    this.bumpVersion();
  }

  // ---- elementwise ----
  add(other: Scalar, alpha?: number): Tensor { return ew.add(this, alpha === undefined ? other : (typeof other === 'number' ? other * alpha : ew.mul(other, alpha))); }
  sub(other: Scalar, alpha?: number): Tensor { return ew.sub(this, alpha === undefined ? other : (typeof other === 'number' ? other * alpha : ew.mul(other, alpha))); }
  mul(other: Scalar): Tensor { return ew.mul(this, other); }
  div(other: Scalar): Tensor { return ew.div(this, other); }
  pow(exponent: Scalar): Tensor { return ew.pow(this, exponent); }
  maximum(other: Tensor): Tensor { return ew.maximum(this, other); }
  minimum(other: Tensor): Tensor { return ew.minimum(this, other); }
  neg(): Tensor { return ew.neg(this); }
  exp(): Tensor { return ew.exp(this); }
  log(): Tensor { return ew.log(this); }
  log1p(): Tensor { return ew.log1p(this); }
  sqrt(): Tensor { return ew.sqrt(this); }
  rsqrt(): Tensor { return ew.rsqrt(this); }
  abs(): Tensor { return ew.abs(this); }
  sin(): Tensor { return ew.sin(this); }
  cos(): Tensor { return ew.cos(this); }
  tanh(): Tensor { return ew.tanh(this); }
  sigmoid(): Tensor { return ew.sigmoid(this); }
  relu(): Tensor { return ew.relu(this); }
  leakyRelu(negativeSlope?: number): Tensor { return ew.leakyRelu(this, negativeSlope); }
  gelu(approximate?: 'none' | 'tanh'): Tensor { return ew.gelu(this, approximate); }
  silu(): Tensor { return ew.silu(this); }
  square(): Tensor { return ew.square(this); }
  reciprocal(): Tensor { return ew.reciprocal(this); }
  sign(): Tensor { return ew.sign(this); }
  clamp(min?: number, max?: number): Tensor { return ew.clamp(this, min, max); }
  floor(): Tensor { return ew.floor(this); }
  ceil(): Tensor { return ew.ceil(this); }
  round(): Tensor { return ew.round(this); }
  eq(other: Scalar): Tensor { return ew.eq(this, other); }
  ne(other: Scalar): Tensor { return ew.ne(this, other); }
  lt(other: Scalar): Tensor { return ew.lt(this, other); }
  le(other: Scalar): Tensor { return ew.le(this, other); }
  gt(other: Scalar): Tensor { return ew.gt(this, other); }
  ge(other: Scalar): Tensor { return ew.ge(this, other); }
  logicalNot(): Tensor { return ew.logicalNot(this); }
  logicalAnd(other: Tensor): Tensor { return ew.logicalAnd(this, other); }
  logicalOr(other: Tensor): Tensor { return ew.logicalOr(this, other); }
  isnan(): Tensor { return ew.isnan(this); }
  to(dtype: DType): Tensor { return ew.toDtype(this, dtype); }
  float(): Tensor { return ew.toDtype(this, 'float32'); }
  int(): Tensor { return ew.toDtype(this, 'int32'); }
  bool(): Tensor { return ew.toDtype(this, 'bool'); }

  // ---- reductions ----
  sum(dim?: number | number[], keepdim?: boolean): Tensor { return red.sum(this, dim, keepdim); }
  mean(dim?: number | number[], keepdim?: boolean): Tensor { return red.mean(this, dim, keepdim); }
  max(): Tensor;
  max(dim: number, keepdim?: boolean): red.ValuesIndices;
  max(dim?: number, keepdim?: boolean): Tensor | red.ValuesIndices { return dim === undefined ? red.max(this) : red.max(this, dim, keepdim); }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): red.ValuesIndices;
  min(dim?: number, keepdim?: boolean): Tensor | red.ValuesIndices { return dim === undefined ? red.min(this) : red.min(this, dim, keepdim); }
  amax(dim?: number | number[], keepdim?: boolean): Tensor { return red.amax(this, dim, keepdim); }
  amin(dim?: number | number[], keepdim?: boolean): Tensor { return red.amin(this, dim, keepdim); }
  argmax(dim?: number, keepdim?: boolean): Tensor { return red.argmax(this, dim, keepdim); }
  argmin(dim?: number, keepdim?: boolean): Tensor { return red.argmin(this, dim, keepdim); }
  var(dim?: number | number[], options?: red.VarianceOptions): Tensor { return red.variance(this, dim, options); }
  std(dim?: number | number[], options?: red.VarianceOptions): Tensor { return red.std(this, dim, options); }
  logsumexp(dim: number | number[], keepdim?: boolean): Tensor { return red.logsumexp(this, dim, keepdim); }
  all(): Tensor { return red.all(this); }
  any(): Tensor { return red.any(this); }

  // ---- shape ----
  reshape(...shape: (number | readonly number[])[]): Tensor { return sh.reshape(this, sh.shapeArgs(shape)); }
  view(...shape: (number | readonly number[])[]): Tensor { return sh.view(this, sh.shapeArgs(shape)); }
  flatten(startDim?: number, endDim?: number): Tensor { return sh.flatten(this, startDim, endDim); }
  unflatten(dim: number, sizes: readonly number[]): Tensor { return sh.unflatten(this, dim, sizes); }
  squeeze(dim?: number): Tensor { return sh.squeeze(this, dim); }
  unsqueeze(dim: number): Tensor { return sh.unsqueeze(this, dim); }
  permute(...dims: (number | readonly number[])[]): Tensor { return sh.permute(this, sh.shapeArgs(dims)); }
  transpose(dim0: number, dim1: number): Tensor { return sh.transpose(this, dim0, dim1); }
  t(): Tensor { return sh.t(this); }
  get T(): Tensor { return sh.permute(this, this.shape.map((_, i) => this.ndim - 1 - i)); }
  expand(...shape: (number | readonly number[])[]): Tensor { return sh.expand(this, sh.shapeArgs(shape)); }
  expandAs(other: Tensor): Tensor { return sh.expand(this, other.shape); }
  repeat(...repeats: (number | readonly number[])[]): Tensor { return sh.repeat(this, sh.shapeArgs(repeats)); }
  narrow(dim: number, start: number, length: number): Tensor { return sh.narrow(this, dim, start, length); }
  slice(dim: number, start?: number, end?: number, step?: number): Tensor { return sh.slice(this, dim, start, end, step); }
  select(dim: number, index: number): Tensor { return sh.select(this, dim, index); }
  split(sizeOrSections: number | number[], dim?: number): Tensor[] { return sh.split(this, sizeOrSections, dim); }
  chunk(chunks: number, dim?: number): Tensor[] { return sh.chunk(this, chunks, dim); }
  flip(dims: number | number[]): Tensor { return sh.flip(this, dims); }
  contiguous(): Tensor { return sh.contiguous(this); }
  clone(): Tensor { return sh.clone(this); }

  // ---- indexing ----
  indexSelect(dim: number, index: Tensor): Tensor { return idx.indexSelect(this, dim, index); }
  gather(dim: number, index: Tensor): Tensor { return idx.gather(this, dim, index); }
  scatter(dim: number, index: Tensor, src: Tensor | number): Tensor { return idx.scatter(this, dim, index, src); }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor { return idx.scatterAdd(this, dim, index, src); }
  maskedFill(mask: Tensor, value: number): Tensor { return idx.maskedFill(this, mask, value); }
  where(condition: Tensor, other: Scalar): Tensor { return ew.where(condition, this, other); }

  // ---- linear algebra and softmax ----
  matmul(other: Tensor): Tensor { return la.matmul(this, other); }
  mm(other: Tensor): Tensor { return la.mm(this, other); }
  bmm(other: Tensor): Tensor { return la.bmm(this, other); }
  softmax(dim: number): Tensor { return act.softmax(this, dim); }
  logSoftmax(dim: number): Tensor { return act.logSoftmax(this, dim); }
}
