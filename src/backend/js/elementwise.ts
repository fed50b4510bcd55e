import type { TypedArray } from '../../tensor/dtype.js';
import type { BinaryOp, StridedView, UnaryOp } from '../backend.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT2 = 1 / Math.SQRT2;

/** erf with |error| < 1.2e-7 (Numerical Recipes' erfc), enough for float32 GELU. */
export function erf(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - r : r - 1;
}

function sigmoid(v: number): number {
  return v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
}

function softplus(v: number, beta: number, threshold: number): number {
  const bv = beta * v;
  return bv > threshold ? v : Math.log1p(Math.exp(bv)) / beta;
}

export function unary(op: UnaryOp, x: TypedArray, out: TypedArray, p0: number, p1: number): void {
  const n = x.length;
  switch (op) {
    case 'neg': for (let i = 0; i < n; i++) out[i] = -x[i]; break;
    case 'exp': for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]); break;
    case 'log': for (let i = 0; i < n; i++) out[i] = Math.log(x[i]); break;
    case 'log1p': for (let i = 0; i < n; i++) out[i] = Math.log1p(x[i]); break;
    case 'expm1': for (let i = 0; i < n; i++) out[i] = Math.expm1(x[i]); break;
    case 'sqrt': for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]); break;
    case 'rsqrt': for (let i = 0; i < n; i++) out[i] = 1 / Math.sqrt(x[i]); break;
    case 'abs': for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]); break;
    case 'sin': for (let i = 0; i < n; i++) out[i] = Math.sin(x[i]); break;
    case 'cos': for (let i = 0; i < n; i++) out[i] = Math.cos(x[i]); break;
    case 'tanh': for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]); break;
    case 'sigmoid': for (let i = 0; i < n; i++) out[i] = sigmoid(x[i]); break;
    // written so NaN passes through, as in PyTorch
    case 'relu': for (let i = 0; i < n; i++) { const v = x[i]; out[i] = v <= 0 ? 0 : v; } break;
    case 'leakyRelu': for (let i = 0; i < n; i++) { const v = x[i]; out[i] = v > 0 ? v : v * p0; } break;
    case 'elu': for (let i = 0; i < n; i++) { const v = x[i]; out[i] = v > 0 ? v : p0 * Math.expm1(v); } break;
    case 'gelu': for (let i = 0; i < n; i++) { const v = x[i]; out[i] = 0.5 * v * (1 + erf(v * INV_SQRT2)); } break;
    case 'geluTanh': for (let i = 0; i < n; i++) {
      const v = x[i];
      out[i] = 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v)));
    } break;
    case 'silu': for (let i = 0; i < n; i++) { const v = x[i]; out[i] = v * sigmoid(v); } break;
    case 'softplus': for (let i = 0; i < n; i++) out[i] = softplus(x[i], p0, p1); break;
    // PyTorch: sign(NaN) = 0
    case 'sign': for (let i = 0; i < n; i++) { const v = x[i]; out[i] = v > 0 ? 1 : v < 0 ? -1 : 0; } break;
    case 'reciprocal': for (let i = 0; i < n; i++) out[i] = 1 / x[i]; break;
    case 'square': for (let i = 0; i < n; i++) { const v = x[i]; out[i] = v * v; } break;
    case 'powScalar':
      if (p0 === 2) for (let i = 0; i < n; i++) { const v = x[i]; out[i] = v * v; }
      else for (let i = 0; i < n; i++) out[i] = Math.pow(x[i], p0);
      break;
    case 'clamp': for (let i = 0; i < n; i++) { const v = x[i]; out[i] = v < p0 ? p0 : v > p1 ? p1 : v; } break;
    case 'floor': for (let i = 0; i < n; i++) out[i] = Math.floor(x[i]); break;
    case 'ceil': for (let i = 0; i < n; i++) out[i] = Math.ceil(x[i]); break;
    // PyTorch rounds half to even.
    case 'round': for (let i = 0; i < n; i++) {
      const v = x[i], r = Math.round(v);
      out[i] = Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
    } break;
    case 'logicalNot': for (let i = 0; i < n; i++) out[i] = x[i] ? 0 : 1; break;
  }
}

function applyBinary(op: BinaryOp, a: number, b: number, p: number): number {
  switch (op) {
    case 'add': return a + b;
    case 'sub': return a - b;
    case 'mul': return a * b;
    case 'div': return a / b;
    case 'pow': return Math.pow(a, b);
    case 'maximum': return a !== a || b !== b ? NaN : a > b ? a : b;
    case 'minimum': return a !== a || b !== b ? NaN : a < b ? a : b;
    case 'atan2': return Math.atan2(a, b);
    case 'remainder': { const r = a % b; return r !== 0 && (r < 0) !== (b < 0) ? r + b : r; }
    case 'eq': return a === b ? 1 : 0;
    case 'ne': return a !== b ? 1 : 0;
    case 'lt': return a < b ? 1 : 0;
    case 'le': return a <= b ? 1 : 0;
    case 'gt': return a > b ? 1 : 0;
    case 'ge': return a >= b ? 1 : 0;
    case 'logicalAnd': return a && b ? 1 : 0;
    case 'logicalOr': return a || b ? 1 : 0;
    case 'logicalXor': return !a !== !b ? 1 : 0;
    case 'reluBackward': return b <= 0 ? 0 : a;
    case 'leakyReluBackward': return b > 0 ? a : a * p;
    case 'eluBackward': return b > 0 ? a : a * p * Math.exp(b);
    case 'sigmoidBackward': return a * b * (1 - b);
    case 'tanhBackward': return a * (1 - b * b);
    case 'geluBackward': {
      const cdf = 0.5 * (1 + erf(b * INV_SQRT2));
      const pdf = Math.exp(-0.5 * b * b) / Math.sqrt(2 * Math.PI);
      return a * (cdf + b * pdf);
    }
    case 'geluTanhBackward': {
      const inner = SQRT_2_OVER_PI * (b + 0.044715 * b * b * b);
      const t = Math.tanh(inner);
      const dInner = SQRT_2_OVER_PI * (1 + 3 * 0.044715 * b * b);
      return a * (0.5 * (1 + t) + 0.5 * b * (1 - t * t) * dInner);
    }
    case 'siluBackward': { const s = sigmoid(b); return a * s * (1 + b * (1 - s)); }
    case 'softplusBackward': { const z = Math.exp(b * p); return z > 1e30 ? a : a * z / (z + 1); }
  }
}

/** Tight loops for the hot arithmetic ops on equal-length contiguous data. */
function binaryContiguous(op: BinaryOp, a: TypedArray, ao: number, b: TypedArray, bo: number, out: TypedArray, n: number, p: number): void {
  switch (op) {
    case 'add': for (let i = 0; i < n; i++) out[i] = a[ao + i] + b[bo + i]; return;
    case 'sub': for (let i = 0; i < n; i++) out[i] = a[ao + i] - b[bo + i]; return;
    case 'mul': for (let i = 0; i < n; i++) out[i] = a[ao + i] * b[bo + i]; return;
    case 'div': for (let i = 0; i < n; i++) out[i] = a[ao + i] / b[bo + i]; return;
    case 'reluBackward': for (let i = 0; i < n; i++) out[i] = b[bo + i] <= 0 ? 0 : a[ao + i]; return;
    default: for (let i = 0; i < n; i++) out[i] = applyBinary(op, a[ao + i], b[bo + i], p);
  }
}

export function isDense(v: StridedView): boolean {
  let expected = 1;
  for (let i = v.shape.length - 1; i >= 0; i--) {
    if (v.shape[i] !== 1 && v.strides[i] !== expected) return false;
    expected *= v.shape[i];
  }
  return true;
}

export function isScalarView(v: StridedView): boolean {
  return v.strides.every((s, i) => s === 0 || v.shape[i] === 1);
}

export function binary(op: BinaryOp, a: StridedView, b: StridedView, out: TypedArray, p: number): void {
  const n = out.length;
  if (n === 0) return;
  if (isDense(a) && isDense(b)) {
    binaryContiguous(op, a.data, a.offset, b.data, b.offset, out, n, p);
    return;
  }
  if (isDense(a) && isScalarView(b)) {
    const s = b.data[b.offset], ad = a.data, ao = a.offset;
    switch (op) {
      case 'add': for (let i = 0; i < n; i++) out[i] = ad[ao + i] + s; return;
      case 'mul': for (let i = 0; i < n; i++) out[i] = ad[ao + i] * s; return;
      default: for (let i = 0; i < n; i++) out[i] = applyBinary(op, ad[ao + i], s, p);
    }
    return;
  }
  const shape = a.shape;
  const nd = shape.length;
  const inner = shape[nd - 1];
  const as = a.strides[nd - 1], bs = b.strides[nd - 1];
  const rows = n / inner;
  const index = new Int32Array(nd);
  let ai = a.offset, bi = b.offset, o = 0;
  const ad = a.data, bd = b.data;
  for (let r = 0; r < rows; r++) {
    if (op === 'add') for (let j = 0; j < inner; j++) out[o++] = ad[ai + j * as] + bd[bi + j * bs];
    else if (op === 'mul') for (let j = 0; j < inner; j++) out[o++] = ad[ai + j * as] * bd[bi + j * bs];
    else for (let j = 0; j < inner; j++) out[o++] = applyBinary(op, ad[ai + j * as], bd[bi + j * bs], p);
    for (let d = nd - 2; d >= 0; d--) {
      ai += a.strides[d];
      bi += b.strides[d];
      if (++index[d] < shape[d]) break;
      ai -= a.strides[d] * shape[d];
      bi -= b.strides[d] * shape[d];
      index[d] = 0;
    }
  }
}

export function where(cond: StridedView, a: StridedView, b: StridedView, out: TypedArray): void {
  const n = out.length;
  if (n === 0) return;
  const shape = cond.shape;
  const nd = shape.length;
  if (nd === 0) {
    out[0] = cond.data[cond.offset] ? a.data[a.offset] : b.data[b.offset];
    return;
  }
  const index = new Int32Array(nd);
  let ci = cond.offset, ai = a.offset, bi = b.offset;
  const inner = shape[nd - 1];
  const cs = cond.strides[nd - 1], as = a.strides[nd - 1], bs = b.strides[nd - 1];
  let o = 0;
  for (let r = 0; r < n / inner; r++) {
    for (let j = 0; j < inner; j++) out[o++] = cond.data[ci + j * cs] ? a.data[ai + j * as] : b.data[bi + j * bs];
    for (let d = nd - 2; d >= 0; d--) {
      ci += cond.strides[d]; ai += a.strides[d]; bi += b.strides[d];
      if (++index[d] < shape[d]) break;
      ci -= cond.strides[d] * shape[d]; ai -= a.strides[d] * shape[d]; bi -= b.strides[d] * shape[d];
      index[d] = 0;
    }
  }
}
