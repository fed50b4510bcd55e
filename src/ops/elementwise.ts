/** Elementwise ops with PyTorch broadcasting and type promotion, each with its gradient rule. */
import { Tensor } from '../tensor/tensor.js';
import { allocate, promoteTypes, type DType } from '../tensor/dtype.js';
import { checkDtype } from '../tensor/creation.js';
import { broadcastShapes, formatShape } from '../tensor/shape.js';
import type { BinaryOp, UnaryOp } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { record } from '../autograd/node.js';
import { asTensor, emptyTensor, expandedView, requireTensor, type Scalar } from './util.js';
import { sumToShape } from './reduce.js';

// ---------- raw kernels (no graph) ----------

export function unaryRaw(op: UnaryOp, x: Tensor, p0 = 0, p1 = 0, dtype: DType = 'float32'): Tensor {
  const out = emptyTensor(x.shape, dtype);
  getBackend().unary(op, x.contiguousData(), out.storage.data, p0, p1);
  return out;
}

export function binaryRaw(op: BinaryOp, a: Tensor, b: Tensor, dtype: DType, param = 0, name: string = op): Tensor {
  const shape = broadcastShapes(a.shape, b.shape, name);
  const out = emptyTensor(shape, dtype);
  getBackend().binary(op, expandedView(a, shape), expandedView(b, shape), out.storage.data, param);
  return out;
}

function toFloat(x: Tensor): Tensor {
  return x.dtype === 'float32' ? x : toDtype(x, 'float32');
}

function checkInput(op: string, x: unknown): asserts x is Tensor {
  requireTensor(op, 'input', x);
}

// ---------- unary ----------

type UnaryGrad = (g: Tensor, x: Tensor, y: Tensor) => Tensor;

function floatUnary(name: string, op: UnaryOp, x: Tensor, grad: UnaryGrad, p0 = 0, p1 = 0, saveInput = true): Tensor {
  checkInput(name, x);
  const input = toFloat(x);
  const y = unaryRaw(op, input, p0, p1);
  return record(y, name, [x], (g) => [grad(g, input, y)], saveInput ? [input] : [y]);
}

const zerosGrad: UnaryGrad = (g) => emptyTensor(g.shape);

/** e^x, elementwise. */
export const exp = (x: Tensor): Tensor => floatUnary('exp', 'exp', x, (g, _x, y) => mul(g, y), 0, 0, false);
/** The natural logarithm, elementwise. */
export const log = (x: Tensor): Tensor => floatUnary('log', 'log', x, (g, xi) => div(g, xi));
/** log(1 + x), elementwise, accurate for small x. */
export const log1p = (x: Tensor): Tensor => floatUnary('log1p', 'log1p', x, (g, xi) => div(g, add(xi, 1)));
/** The square root, elementwise. */
export const sqrt = (x: Tensor): Tensor => floatUnary('sqrt', 'sqrt', x, (g, _x, y) => div(g, mul(y, 2)), 0, 0, false);
/** 1 / sqrt(x), elementwise. */
export const rsqrt = (x: Tensor): Tensor => floatUnary('rsqrt', 'rsqrt', x, (g, _x, y) => mul(g, mul(pow(y, 3), -0.5)), 0, 0, false);
/** The sine, elementwise. */
export const sin = (x: Tensor): Tensor => floatUnary('sin', 'sin', x, (g, xi) => mul(g, cos(xi)));
/** The cosine, elementwise. */
export const cos = (x: Tensor): Tensor => floatUnary('cos', 'cos', x, (g, xi) => mul(g, neg(sin(xi))));
/** The hyperbolic tangent, elementwise. */
export const tanh = (x: Tensor): Tensor => floatUnary('tanh', 'tanh', x, (g, _x, y) => binaryRaw('tanhBackward', g, y, 'float32'), 0, 0, false);
/** 1 / (1 + e^-x), elementwise. */
export const sigmoid = (x: Tensor): Tensor => floatUnary('sigmoid', 'sigmoid', x, (g, _x, y) => binaryRaw('sigmoidBackward', g, y, 'float32'), 0, 0, false);
/** max(0, x), elementwise. */
export const relu = (x: Tensor): Tensor => floatUnary('relu', 'relu', x, (g, _x, y) => binaryRaw('reluBackward', g, y, 'float32'), 0, 0, false);
/** max(0, x) + negativeSlope * min(0, x), elementwise. */
export const leakyRelu = (x: Tensor, negativeSlope = 0.01): Tensor =>
  floatUnary('leakyRelu', 'leakyRelu', x, (g, xi) => binaryRaw('leakyReluBackward', g, xi, 'float32', negativeSlope), negativeSlope);
/** x for x > 0, alpha * (e^x - 1) otherwise. */
export const elu = (x: Tensor, alpha = 1): Tensor =>
  floatUnary('elu', 'elu', x, (g, xi) => binaryRaw('eluBackward', g, xi, 'float32', alpha), alpha);
/** The Gaussian error linear unit, exact or with the tanh approximation. */
export const gelu = (x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor => {
  if (approximate !== 'none' && approximate !== 'tanh') throw new Error(`gelu: approximate must be 'none' or 'tanh', got ${JSON.stringify(approximate)}`);
  return approximate === 'tanh'
    ? floatUnary('gelu', 'geluTanh', x, (g, xi) => binaryRaw('geluTanhBackward', g, xi, 'float32'))
    : floatUnary('gelu', 'gelu', x, (g, xi) => binaryRaw('geluBackward', g, xi, 'float32'));
};
/** x * sigmoid(x), elementwise. */
export const silu = (x: Tensor): Tensor => floatUnary('silu', 'silu', x, (g, xi) => binaryRaw('siluBackward', g, xi, 'float32'));
/** log(1 + e^(beta x)) / beta, linear above `threshold`. */
export const softplus = (x: Tensor, beta = 1, threshold = 20): Tensor =>
  floatUnary('softplus', 'softplus', x, (g, xi) => where(gt(mul(xi, beta), threshold), g, binaryRaw('softplusBackward', g, xi, 'float32', beta)), beta, threshold);
/** 1 / x, elementwise. */
export const reciprocal = (x: Tensor): Tensor => floatUnary('reciprocal', 'reciprocal', x, (g, _x, y) => mul(g, neg(mul(y, y))), 0, 0, false);
/** Rounds down, elementwise. */
export const floor = (x: Tensor): Tensor => roundingOp('floor', x);
/** Rounds up, elementwise. */
export const ceil = (x: Tensor): Tensor => roundingOp('ceil', x);
/** Rounds to the nearest integer, elementwise. */
export const round = (x: Tensor): Tensor => roundingOp('round', x);

function roundingOp(op: 'floor' | 'ceil' | 'round', x: Tensor): Tensor {
  checkInput(op, x);
  if (x.dtype !== 'float32') return x.clone();
  return floatUnary(op, op, x, zerosGrad, 0, 0, false);
}

/** Ops that keep integer dtypes (neg, abs, sign, square) run on any dtype. */
function sameTypeUnary(name: string, op: UnaryOp, x: Tensor, grad: UnaryGrad): Tensor {
  checkInput(name, x);
  const dtype = x.dtype === 'bool' ? 'int32' : x.dtype;
  const y = unaryRaw(op, x, 0, 0, dtype);
  return record(y, name, [x], (g) => [grad(g, x, y)], [x]);
}

/** -x, elementwise. */
export const neg = (x: Tensor): Tensor => {
  if (x instanceof Tensor && x.dtype === 'bool') throw new Error(`neg: negating a bool tensor (shape ${formatShape(x.shape)}) is not supported; use logicalNot`);
  return sameTypeUnary('neg', 'neg', x, (g) => unaryRaw('neg', g));
};
/** |x|, elementwise. */
export const abs = (x: Tensor): Tensor => sameTypeUnary('abs', 'abs', x, (g, xi) => mul(g, sign(xi)));
/** -1, 0 or 1 by the sign of x, elementwise. */
export const sign = (x: Tensor): Tensor => sameTypeUnary('sign', 'sign', x, zerosGrad);
/** x², elementwise. */
export const square = (x: Tensor): Tensor => sameTypeUnary('square', 'square', x, (g, xi) => mul(g, mul(xi, 2)));

/** Limits each element to [min, max]. */
export function clamp(x: Tensor, min?: number, max?: number): Tensor {
  checkInput('clamp', x);
  if (min === undefined && max === undefined) throw new Error('clamp: at least one of min or max must be given');
  const lo = min ?? -Infinity, hi = max ?? Infinity;
  const dtype = x.dtype === 'int32' && Number.isInteger(lo) && Number.isInteger(hi) ? 'int32' : 'float32';
  const y = unaryRaw('clamp', x, lo, hi, dtype);
  return record(y, 'clamp', [x], (g) => [where(logicalAnd(ge(x, lo), le(x, hi)), g, 0)], [x]);
}

/** Logical not: true where x is zero. */
export function logicalNot(x: Tensor): Tensor {
  checkInput('logicalNot', x);
  return unaryRaw('logicalNot', x, 0, 0, 'bool');
}

/** True where x is NaN. */
export function isnan(x: Tensor): Tensor {
  checkInput('isnan', x);
  return binaryRaw('ne', x, x, 'bool');
}

/** The tensor converted to another dtype (a copy; the same tensor if the dtype matches). */
export function toDtype(x: Tensor, dtype: DType): Tensor {
  checkInput('to', x);
  checkDtype('to', dtype);
  if (x.dtype === dtype) return x;
  const data = allocate(dtype, x.numel());
  const source = x.contiguousData();
  if (dtype === 'bool') for (let i = 0; i < data.length; i++) data[i] = source[i] ? 1 : 0;
  else if (dtype === 'int32') for (let i = 0; i < data.length; i++) data[i] = Math.trunc(source[i]);
  else data.set(source);
  const out = Tensor.fromData(data, x.shape, dtype);
  return dtype === 'float32' ? record(out, 'to', [x], (g) => [g]) : out;
}

// ---------- binary ----------

type BinaryGrad = (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => [Tensor | null, Tensor | null];

function binaryOp(name: string, op: BinaryOp, aIn: Scalar, bIn: Scalar, dtype: (a: DType, b: DType) => DType, grad: BinaryGrad | null): Tensor {
  if (!(aIn instanceof Tensor) && !(bIn instanceof Tensor)) throw new Error(`${name}: expected at least one Tensor argument`);
  const a = asTensor(aIn, bIn instanceof Tensor ? bIn : 'float32');
  const b = asTensor(bIn, a);
  const out = binaryRaw(op, a, b, dtype(a.dtype, b.dtype), 0, name);
  if (!grad) return out;
  return record(out, name, [a, b], (g) => {
    const [ga, gb] = grad(g, a, b, out);
    return [ga && sumToShape(ga, a.shape), gb && sumToShape(gb, b.shape)];
  }, [a, b]);
}

const arithmetic = (a: DType, b: DType): DType => {
  const t = promoteTypes(a, b);
  return t === 'bool' ? 'int32' : t;
};
const floating = (): DType => 'float32';
const boolean = (): DType => 'bool';

/** a + b, broadcast. */
export const add = (a: Scalar, b: Scalar): Tensor => binaryOp('add', 'add', a, b, arithmetic, (g) => [g, g]);
/** a - b, broadcast. */
export const sub = (a: Scalar, b: Scalar): Tensor => {
  if (a instanceof Tensor && b instanceof Tensor && a.dtype === 'bool' && b.dtype === 'bool') {
    throw new Error(`sub: subtracting two bool tensors (${formatShape(a.shape)} and ${formatShape(b.shape)}) is not supported; use logicalXor`);
  }
  return binaryOp('sub', 'sub', a, b, arithmetic, (g) => [g, neg(g)]);
};
/** a * b, broadcast. */
export const mul = (a: Scalar, b: Scalar): Tensor => binaryOp('mul', 'mul', a, b, arithmetic, (g, x, y) => [
  x.requiresGrad ? mul(g, y) : null, y.requiresGrad ? mul(g, x) : null]);
/** a / b, broadcast (true division: float results). */
export const div = (a: Scalar, b: Scalar): Tensor => binaryOp('div', 'div', a, b, floating, (g, x, y) => [
  x.requiresGrad ? div(g, y) : null, y.requiresGrad ? neg(div(mul(g, x), mul(y, y))) : null]);

/** a to the power b, broadcast. */
export function pow(a: Scalar, b: Scalar): Tensor {
  if (a instanceof Tensor && typeof b === 'number') {
    const input = a.dtype === 'float32' || !Number.isInteger(b) || b < 0 ? toFloat(a) : a;
    const y = unaryRaw('powScalar', input, b, 0, input.dtype);
    // d/dx x^p = p x^(p-1), defined as 0 where p == 0 (PyTorch's pow_backward)
    return record(y, 'pow', [a], (g) => [b === 0 ? emptyTensor(g.shape) : mul(g, mul(pow(input, b - 1), b))], [input]);
  }
  return binaryOp('pow', 'pow', a, b, (x, y) => (x === 'float32' || y === 'float32' ? 'float32' : arithmetic(x, y)), (g, x, y, out) => [
    x.requiresGrad ? where(eq(y, 0), 0, mul(g, mul(y, pow(x, sub(y, 1))))) : null,
    y.requiresGrad ? where(logicalAnd(eq(x, 0), ge(y, 0)), 0, mul(g, mul(out, log(x)))) : null]);
}

/** PyTorch splits the gradient between equal elements of maximum/minimum, and zeroes it only where a side strictly loses (so NaN passes it to both). */
function extremumGrad(loses: (x: Tensor, y: Tensor) => Tensor): BinaryGrad {
  return (g, x, y) => {
    const half = where(eq(x, y), mul(g, 0.5), g);
    return [where(loses(x, y), 0, half), where(loses(y, x), 0, half)];
  };
}
/** The larger of a and b, elementwise, broadcast. */
export const maximum = (a: Tensor, b: Scalar): Tensor => binaryOp('maximum', 'maximum', a, b, arithmetic, extremumGrad(lt));
/** The smaller of a and b, elementwise, broadcast. */
export const minimum = (a: Tensor, b: Scalar): Tensor => binaryOp('minimum', 'minimum', a, b, arithmetic, extremumGrad(gt));
/** The remainder of a / b with the sign of b (Python's %), broadcast; integer division by zero raises. */
export const remainder = (a: Scalar, b: Scalar): Tensor => {
  checkIntegerDivisor('remainder', a, b);
  return binaryOp('remainder', 'remainder', a, b, arithmetic, (g, x, y) => [
    g, y.requiresGrad ? neg(mul(g, floor(div(x, y)))) : null]);
};

/** An integer result of x % 0 has no value (an Int32Array would store 0): PyTorch raises, and so do we. */
function checkIntegerDivisor(op: string, a: Scalar, b: Scalar): void {
  const dtypeOf = (x: Scalar) => (x instanceof Tensor ? x.dtype : Number.isInteger(x) ? 'int32' : 'float32');
  if (dtypeOf(a) === 'float32' || dtypeOf(b) === 'float32') return;
  const divisor = b instanceof Tensor ? b.contiguousData() : [b];
  for (let i = 0; i < divisor.length; i++) {
    if (divisor[i] === 0) throw new Error(`${op}: ZeroDivisionError: integer ${op} by zero (divisor ${b instanceof Tensor ? `of shape ${formatShape(b.shape)} has a zero at position ${i}` : 'is 0'}); convert to float32 first for a NaN result`);
  }
}

/** The angle of (b, a), elementwise: atan(a / b) in the right quadrant. */
export const atan2 = (a: Tensor, b: Tensor): Tensor => binaryOp('atan2', 'atan2', a, b, floating, (g, x, y) => {
  const denom = add(mul(x, x), mul(y, y));
  return [div(mul(g, y), denom), div(mul(g, neg(x)), denom)];
});

/** a == b, elementwise: a bool tensor. */
export const eq = (a: Scalar, b: Scalar): Tensor => binaryOp('eq', 'eq', a, b, boolean, null);
/** a != b, elementwise: a bool tensor. */
export const ne = (a: Scalar, b: Scalar): Tensor => binaryOp('ne', 'ne', a, b, boolean, null);
/** a < b, elementwise: a bool tensor. */
export const lt = (a: Scalar, b: Scalar): Tensor => binaryOp('lt', 'lt', a, b, boolean, null);
/** a <= b, elementwise: a bool tensor. */
export const le = (a: Scalar, b: Scalar): Tensor => binaryOp('le', 'le', a, b, boolean, null);
/** a > b, elementwise: a bool tensor. */
export const gt = (a: Scalar, b: Scalar): Tensor => binaryOp('gt', 'gt', a, b, boolean, null);
/** a >= b, elementwise: a bool tensor. */
export const ge = (a: Scalar, b: Scalar): Tensor => binaryOp('ge', 'ge', a, b, boolean, null);
/** a and b, elementwise (nonzero is true). */
export const logicalAnd = (a: Tensor, b: Tensor): Tensor => binaryOp('logicalAnd', 'logicalAnd', a, b, boolean, null);
/** a or b, elementwise (nonzero is true). */
export const logicalOr = (a: Tensor, b: Tensor): Tensor => binaryOp('logicalOr', 'logicalOr', a, b, boolean, null);
/** a xor b, elementwise (nonzero is true). */
export const logicalXor = (a: Tensor, b: Tensor): Tensor => binaryOp('logicalXor', 'logicalXor', a, b, boolean, null);

/** where(condition, a, b): a where condition is true, else b; all three broadcast together. */
export function where(condition: Tensor, aIn: Scalar, bIn: Scalar): Tensor {
  requireTensor('where', 'condition', condition);
  if (condition.dtype !== 'bool') throw new Error(`where: expected condition to have dtype bool, got ${condition.dtype} (shape ${formatShape(condition.shape)})`);
  const a = asTensor(aIn, bIn instanceof Tensor ? bIn : 'float32');
  const b = asTensor(bIn, a);
  const shape = broadcastShapes(broadcastShapes(condition.shape, a.shape, 'where'), b.shape, 'where');
  const dtype = promoteTypes(a.dtype, b.dtype);
  const out = emptyTensor(shape, dtype);
  getBackend().where(expandedView(condition, shape), expandedView(a, shape), expandedView(b, shape), out.storage.data);
  return record(out, 'where', [a, b], (g) => [
    a.requiresGrad ? sumToShape(where(condition, g, 0), a.shape) : null,
    b.requiresGrad ? sumToShape(where(condition, 0, g), b.shape) : null], [condition]);
}
