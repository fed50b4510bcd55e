/**
 * Tensor's op methods (x.add(y), x.sum(), x.backward(), x.add_(y), ...): the Tensor class
 * (tensor/tensor.ts) holds storage and layout only and imports nothing above tensor/, and this file
 * declares the methods on it (declaration merging) and installs them on its prototype, each
 * forwarding to its op, as TensorFlow.js chains its ops. The entries import this file, and so do
 * ./util.ts (every op) and the bases above ops that call methods without running an op first
 * (Module, Parameter, Optimizer, init, transforms, serialization), so a Tensor has its methods
 * wherever nabla's modules are loaded.
 */
import { Tensor } from '../tensor/tensor.js';
import { checkInt32Range, type DType } from '../tensor/dtype.js';
import { formatShape } from '../tensor/shape.js';
import { runBackward, type BackwardOptions } from '../autograd/backward.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import * as ew from './elementwise.js';
import * as red from './reduce.js';
import * as sh from './shape.js';
import * as idx from './indexing.js';
import * as la from './linalg.js';
import * as act from './activation.js';

type Scalar = Tensor | number;

declare module '../tensor/tensor.js' {
  interface Tensor {
    // ---- autograd ----
    /** Computes the gradients of this tensor (a scalar, or given `gradient` of its shape) with respect to the graph's leaves. */
    backward(gradient?: Tensor, options?: BackwardOptions): void;

    // ---- in-place writes (no graph; bump the version so saved-tensor checks fire) ----
    /** Writes values (broadcast to this shape) into this tensor's elements. */
    copy_(src: Tensor | number): this;
    fill_(value: number): this;
    zero_(): this;
    /** In-place arithmetic: computes out of place (outside the graph), then writes into this tensor's storage. */
    add_(other: Scalar, alpha?: number): this;
    sub_(other: Scalar): this;
    mul_(other: Scalar): this;
    div_(other: Scalar): this;
    clamp_(min?: number, max?: number): this;
    maskedFill_(mask: Tensor, value: number): this;
    uniform_(low?: number, high?: number): this;
    normal_(mean?: number, std?: number): this;
    /** grad += g without touching the graph: used by backward to accumulate into leaves. */
    addInPlaceRaw(g: Tensor): void;

    // ---- elementwise ----
    add(other: Scalar, alpha?: number): Tensor;
    sub(other: Scalar, alpha?: number): Tensor;
    mul(other: Scalar): Tensor;
    div(other: Scalar): Tensor;
    pow(exponent: Scalar): Tensor;
    maximum(other: Tensor): Tensor;
    minimum(other: Tensor): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    log1p(): Tensor;
    sqrt(): Tensor;
    rsqrt(): Tensor;
    abs(): Tensor;
    sin(): Tensor;
    cos(): Tensor;
    tanh(): Tensor;
    sigmoid(): Tensor;
    relu(): Tensor;
    leakyRelu(negativeSlope?: number): Tensor;
    gelu(approximate?: 'none' | 'tanh'): Tensor;
    silu(): Tensor;
    square(): Tensor;
    reciprocal(): Tensor;
    sign(): Tensor;
    clamp(min?: number, max?: number): Tensor;
    floor(): Tensor;
    ceil(): Tensor;
    round(): Tensor;
    eq(other: Scalar): Tensor;
    ne(other: Scalar): Tensor;
    lt(other: Scalar): Tensor;
    le(other: Scalar): Tensor;
    gt(other: Scalar): Tensor;
    ge(other: Scalar): Tensor;
    logicalNot(): Tensor;
    logicalAnd(other: Tensor): Tensor;
    logicalOr(other: Tensor): Tensor;
    isnan(): Tensor;
    to(dtype: DType): Tensor;
    float(): Tensor;
    int(): Tensor;
    /** PyTorch's int64 is nabla's int32 (its index dtype): values that do not fit are refused, not wrapped. */
    long(): Tensor;
    bool(): Tensor;

    // ---- reductions ----
    sum(dim?: number | number[], keepdim?: boolean): Tensor;
    mean(dim?: number | number[], keepdim?: boolean): Tensor;
    amax(dim?: number | number[], keepdim?: boolean): Tensor;
    amin(dim?: number | number[], keepdim?: boolean): Tensor;
    argmax(dim?: number, keepdim?: boolean): Tensor;
    argmin(dim?: number, keepdim?: boolean): Tensor;
    var(dim?: number | number[], options?: red.VarianceOptions): Tensor;
    std(dim?: number | number[], options?: red.VarianceOptions): Tensor;
    logsumexp(dim: number | number[], keepdim?: boolean): Tensor;
    all(): Tensor;
    any(): Tensor;

    // ---- shape ----
    reshape(...shape: (number | readonly number[])[]): Tensor;
    view(...shape: (number | readonly number[])[]): Tensor;
    flatten(startDim?: number, endDim?: number): Tensor;
    unflatten(dim: number, sizes: readonly number[]): Tensor;
    squeeze(dim?: number): Tensor;
    unsqueeze(dim: number): Tensor;
    permute(...dims: (number | readonly number[])[]): Tensor;
    transpose(dim0: number, dim1: number): Tensor;
    t(): Tensor;
    expand(...shape: (number | readonly number[])[]): Tensor;
    expandAs(other: Tensor): Tensor;
    repeat(...repeats: (number | readonly number[])[]): Tensor;
    narrow(dim: number, start: number, length: number): Tensor;
    slice(dim: number, start?: number, end?: number, step?: number): Tensor;
    select(dim: number, index: number): Tensor;
    split(sizeOrSections: number | number[], dim?: number): Tensor[];
    chunk(chunks: number, dim?: number): Tensor[];
    flip(dims: number | number[]): Tensor;
    contiguous(): Tensor;
    clone(): Tensor;

    // ---- indexing ----
    indexSelect(dim: number, index: Tensor): Tensor;
    gather(dim: number, index: Tensor): Tensor;
    scatter(dim: number, index: Tensor, src: Tensor | number): Tensor;
    scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor;
    maskedFill(mask: Tensor, value: number): Tensor;
    where(condition: Tensor, other: Scalar): Tensor;

    // ---- linear algebra and softmax ----
    matmul(other: Tensor): Tensor;
    mm(other: Tensor): Tensor;
    bmm(other: Tensor): Tensor;
    softmax(dim: number): Tensor;
    logSoftmax(dim: number): Tensor;
    max(): Tensor;
    max(dim: number, keepdim?: boolean): red.ValuesIndices;
    min(): Tensor;
    min(dim: number, keepdim?: boolean): red.ValuesIndices;
    /** The dimensions reversed (PyTorch's x.T). */
    readonly T: Tensor;
  }
}

const detached = (x: Scalar): Scalar => (typeof x === 'number' ? x : x.detach());

/**
 * In-place writes are not recorded by autograd, so with grad mode on they are refused wherever a
 * gradient would silently be lost or wrong: on a tensor that requires grad (leaf or not), and
 * from a source that requires grad. Inside noGrad (optimisers, initialisers) they are allowed.
 */
function checkInPlace(t: Tensor, op: string, source?: Scalar): void {
  if (!isGradEnabled()) return;
  if (t.requiresGrad && t.isLeaf) {
    throw new Error(`${op}: a leaf tensor that requires grad is being used in an in-place operation; wrap it in noGrad(() => ...) (as optimisers do)`);
  }
  if (t.requiresGrad) {
    throw new Error(`${op}: in-place operations on a tensor that requires grad (shape ${formatShape(t.shape)}, produced by ${t.gradFn?.name}) are not recorded by autograd; use the out-of-place op instead (y = y.${op.slice(0, -1)}(...)) or wrap it in noGrad(() => ...)`);
  }
  if (source instanceof Tensor && source.requiresGrad) {
    throw new Error(`${op}: the source (shape ${formatShape(source.shape)}) requires grad, but in-place writes are not recorded by autograd; use an out-of-place op, or detach() the source if no gradient should flow`);
  }
}

function writeInPlace<T extends Tensor>(t: T, value: Tensor | number): T {
  // a source that shares this storage (x.copy_(x.t())) is read in full before anything is written
  const source = typeof value === 'number' ? value : value.storage === t.storage ? sh.copyRaw(value) : value;
  sh.writeInto(t, typeof source === 'number' ? source : source.expand(t.shape));
  t.bumpVersion();
  return t;
}

function install(methods: Partial<Tensor> & ThisType<Tensor>): void {
  for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(methods))) {
    Object.defineProperty(Tensor.prototype, name, { ...descriptor, enumerable: false });
  }
}

install({
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
  },

  copy_(src: Tensor | number) { checkInPlace(this, 'copy_', src); return writeInPlace(this, src); },
  fill_(value: number) { checkInPlace(this, 'fill_'); return writeInPlace(this, value); },
  zero_() { checkInPlace(this, 'zero_'); return writeInPlace(this, 0); },
  add_(other: Scalar, alpha = 1) {
    checkInPlace(this, 'add_', other);
    const scaled = typeof other === 'number' ? other * alpha : alpha === 1 ? other.detach() : ew.mul(other.detach(), alpha);
    return writeInPlace(this, ew.add(this.detach(), scaled));
  },
  sub_(other: Scalar) { checkInPlace(this, 'sub_', other); return writeInPlace(this, ew.sub(this.detach(), detached(other))); },
  mul_(other: Scalar) { checkInPlace(this, 'mul_', other); return writeInPlace(this, ew.mul(this.detach(), detached(other))); },
  div_(other: Scalar) { checkInPlace(this, 'div_', other); return writeInPlace(this, ew.div(this.detach(), detached(other))); },
  clamp_(min?: number, max?: number) { checkInPlace(this, 'clamp_'); return writeInPlace(this, ew.clamp(this.detach(), min, max)); },
  maskedFill_(mask: Tensor, value: number) { checkInPlace(this, 'maskedFill_'); return writeInPlace(this, idx.maskedFill(this.detach(), mask, value)); },
  uniform_(low = 0, high = 1) { checkInPlace(this, 'uniform_'); return writeInPlace(this, sh.randomLike(this, 'uniform', low, high)); },
  normal_(mean = 0, std = 1) { checkInPlace(this, 'normal_'); return writeInPlace(this, sh.randomLike(this, 'normal', mean, std)); },
  addInPlaceRaw(g: Tensor): void {
    const dst = this.storage.data as Float32Array;
    const src = g.contiguousData();
    if (this.isContiguous() && this.offset === 0 && dst.length === src.length) {
      for (let i = 0; i < src.length; i++) dst[i] += src[i];
    } else sh.writeInto(this, ew.add(this.detach(), g));
    this.bumpVersion();
  },

  // ---- elementwise ----
  add(other: Scalar, alpha?: number): Tensor { return ew.add(this, alpha === undefined ? other : (typeof other === 'number' ? other * alpha : ew.mul(other, alpha))); },
  sub(other: Scalar, alpha?: number): Tensor { return ew.sub(this, alpha === undefined ? other : (typeof other === 'number' ? other * alpha : ew.mul(other, alpha))); },
  mul(other: Scalar): Tensor { return ew.mul(this, other); },
  div(other: Scalar): Tensor { return ew.div(this, other); },
  pow(exponent: Scalar): Tensor { return ew.pow(this, exponent); },
  maximum(other: Tensor): Tensor { return ew.maximum(this, other); },
  minimum(other: Tensor): Tensor { return ew.minimum(this, other); },
  neg(): Tensor { return ew.neg(this); },
  exp(): Tensor { return ew.exp(this); },
  log(): Tensor { return ew.log(this); },
  log1p(): Tensor { return ew.log1p(this); },
  sqrt(): Tensor { return ew.sqrt(this); },
  rsqrt(): Tensor { return ew.rsqrt(this); },
  abs(): Tensor { return ew.abs(this); },
  sin(): Tensor { return ew.sin(this); },
  cos(): Tensor { return ew.cos(this); },
  tanh(): Tensor { return ew.tanh(this); },
  sigmoid(): Tensor { return ew.sigmoid(this); },
  relu(): Tensor { return ew.relu(this); },
  leakyRelu(negativeSlope?: number): Tensor { return ew.leakyRelu(this, negativeSlope); },
  gelu(approximate?: 'none' | 'tanh'): Tensor { return ew.gelu(this, approximate); },
  silu(): Tensor { return ew.silu(this); },
  square(): Tensor { return ew.square(this); },
  reciprocal(): Tensor { return ew.reciprocal(this); },
  sign(): Tensor { return ew.sign(this); },
  clamp(min?: number, max?: number): Tensor { return ew.clamp(this, min, max); },
  floor(): Tensor { return ew.floor(this); },
  ceil(): Tensor { return ew.ceil(this); },
  round(): Tensor { return ew.round(this); },
  eq(other: Scalar): Tensor { return ew.eq(this, other); },
  ne(other: Scalar): Tensor { return ew.ne(this, other); },
  lt(other: Scalar): Tensor { return ew.lt(this, other); },
  le(other: Scalar): Tensor { return ew.le(this, other); },
  gt(other: Scalar): Tensor { return ew.gt(this, other); },
  ge(other: Scalar): Tensor { return ew.ge(this, other); },
  logicalNot(): Tensor { return ew.logicalNot(this); },
  logicalAnd(other: Tensor): Tensor { return ew.logicalAnd(this, other); },
  logicalOr(other: Tensor): Tensor { return ew.logicalOr(this, other); },
  isnan(): Tensor { return ew.isnan(this); },
  to(dtype: DType): Tensor { return ew.toDtype(this, dtype); },
  float(): Tensor { return ew.toDtype(this, 'float32'); },
  int(): Tensor { return ew.toDtype(this, 'int32'); },
  long(): Tensor {
    if (this.dtype === 'float32') checkInt32Range('long', this.contiguousData());
    return ew.toDtype(this, 'int32');
  },
  bool(): Tensor { return ew.toDtype(this, 'bool'); },

  // ---- reductions ----
  sum(dim?: number | number[], keepdim?: boolean): Tensor { return red.sum(this, dim, keepdim); },
  mean(dim?: number | number[], keepdim?: boolean): Tensor { return red.mean(this, dim, keepdim); },
  amax(dim?: number | number[], keepdim?: boolean): Tensor { return red.amax(this, dim, keepdim); },
  amin(dim?: number | number[], keepdim?: boolean): Tensor { return red.amin(this, dim, keepdim); },
  argmax(dim?: number, keepdim?: boolean): Tensor { return red.argmax(this, dim, keepdim); },
  argmin(dim?: number, keepdim?: boolean): Tensor { return red.argmin(this, dim, keepdim); },
  var(dim?: number | number[], options?: red.VarianceOptions): Tensor { return red.variance(this, dim, options); },
  std(dim?: number | number[], options?: red.VarianceOptions): Tensor { return red.std(this, dim, options); },
  logsumexp(dim: number | number[], keepdim?: boolean): Tensor { return red.logsumexp(this, dim, keepdim); },
  all(): Tensor { return red.all(this); },
  any(): Tensor { return red.any(this); },

  // ---- shape ----
  reshape(...shape: (number | readonly number[])[]): Tensor { return sh.reshape(this, sh.shapeArgs(shape)); },
  view(...shape: (number | readonly number[])[]): Tensor { return sh.view(this, sh.shapeArgs(shape)); },
  flatten(startDim?: number, endDim?: number): Tensor { return sh.flatten(this, startDim, endDim); },
  unflatten(dim: number, sizes: readonly number[]): Tensor { return sh.unflatten(this, dim, sizes); },
  squeeze(dim?: number): Tensor { return sh.squeeze(this, dim); },
  unsqueeze(dim: number): Tensor { return sh.unsqueeze(this, dim); },
  permute(...dims: (number | readonly number[])[]): Tensor { return sh.permute(this, sh.shapeArgs(dims)); },
  transpose(dim0: number, dim1: number): Tensor { return sh.transpose(this, dim0, dim1); },
  t(): Tensor { return sh.t(this); },
  expand(...shape: (number | readonly number[])[]): Tensor { return sh.expand(this, sh.shapeArgs(shape)); },
  expandAs(other: Tensor): Tensor { return sh.expand(this, other.shape); },
  repeat(...repeats: (number | readonly number[])[]): Tensor { return sh.repeat(this, sh.shapeArgs(repeats)); },
  narrow(dim: number, start: number, length: number): Tensor { return sh.narrow(this, dim, start, length); },
  slice(dim: number, start?: number, end?: number, step?: number): Tensor { return sh.slice(this, dim, start, end, step); },
  select(dim: number, index: number): Tensor { return sh.select(this, dim, index); },
  split(sizeOrSections: number | number[], dim?: number): Tensor[] { return sh.split(this, sizeOrSections, dim); },
  chunk(chunks: number, dim?: number): Tensor[] { return sh.chunk(this, chunks, dim); },
  flip(dims: number | number[]): Tensor { return sh.flip(this, dims); },
  contiguous(): Tensor { return sh.contiguous(this); },
  clone(): Tensor { return sh.clone(this); },

  // ---- indexing ----
  indexSelect(dim: number, index: Tensor): Tensor { return idx.indexSelect(this, dim, index); },
  gather(dim: number, index: Tensor): Tensor { return idx.gather(this, dim, index); },
  scatter(dim: number, index: Tensor, src: Tensor | number): Tensor { return idx.scatter(this, dim, index, src); },
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor { return idx.scatterAdd(this, dim, index, src); },
  maskedFill(mask: Tensor, value: number): Tensor { return idx.maskedFill(this, mask, value); },
  where(condition: Tensor, other: Scalar): Tensor { return ew.where(condition, this, other); },

  // ---- linear algebra and softmax ----
  matmul(other: Tensor): Tensor { return la.matmul(this, other); },
  mm(other: Tensor): Tensor { return la.mm(this, other); },
  bmm(other: Tensor): Tensor { return la.bmm(this, other); },
  softmax(dim: number): Tensor { return act.softmax(this, dim); },
  logSoftmax(dim: number): Tensor { return act.logSoftmax(this, dim); },
  max: function (this: Tensor, dim?: number, keepdim?: boolean): Tensor | red.ValuesIndices {
    return dim === undefined ? red.max(this) : red.max(this, dim, keepdim);
  } as Tensor['max'],
  min: function (this: Tensor, dim?: number, keepdim?: boolean): Tensor | red.ValuesIndices {
    return dim === undefined ? red.min(this) : red.min(this, dim, keepdim);
  } as Tensor['min'],
  get T(): Tensor { return sh.permute(this, this.shape.map((_, i) => this.ndim - 1 - i)); },
});
