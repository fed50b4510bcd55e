/**
 * Elementwise float32 ops on the wasm kernels (kernels/elementwise.ts) for large contiguous data:
 * V8 does not vectorise the reference loops, and their data-dependent branches (relu and its
 * backward) mispredict on every other element, so even with the copies into and out of wasm memory
 * this is several times faster. The *Handles predicates say which calls these kernels take; the backend (./index.ts) sends the others to the reference kernels.
 */
import type { Backend, BinaryOp, StridedView, UnaryOp } from '../backend.js';
import type { TypedArray } from '../../tensor/dtype.js';
import { isDense, isScalarView } from '../js/elementwise.js';
import { wasmScratch } from './scratch.js';
import { profileHooks } from '../../util/profile-hooks.js';
import { parallelRange } from './threads.js';

/**
 * The elementwise kernels' exports (kernels/elementwise.ts); they return 0, or -1 for an unknown op
 * code. The *Range ones compute part of a pass (see threads.ts parallelRange).
 */
export interface ElementwiseExports {
  /** out[i] = x[i] op p0 for elements [start, end). */
  unaryF32Range(start: number, end: number, op: number, x: number, out: number, p0: number): number;
  /** out[i] = a[i] op b[i % period]: period n (same shape), 1 (scalar b) or a row length (b broadcast over rows). */
  binaryF32(op: number, a: number, b: number, out: number, n: number, period: number): number;
  /** binaryF32 over elements [start, end) for period 1 or n, else over rows [start, end) of period floats. */
  binaryF32Range(start: number, end: number, op: number, a: number, b: number, out: number, n: number, period: number): number;
}

/** Elements per block of an elementwise pass split across threads: whole SIMD vectors and cache lines. */
const ELEMENT_GRAIN = 16;

/** Vectorised exp / tanh / sigmoid over n floats, n a multiple of 4 (kernels/math.ts; exported for tests). */
export interface MathExports {
  expF32(x: number, out: number, n: number): void;
  tanhF32(x: number, out: number, n: number): void;
  sigmoidF32(x: number, out: number, n: number): void;
  /** The recurrent gates' cheaper tanh and sigmoid (kernels/math.ts tanhGate4, sigmoidGate4). */
  tanhGateF32(x: number, out: number, n: number): void;
  sigmoidGateF32(x: number, out: number, n: number): void;
}

// Op codes of kernels/elementwise.ts.
const UNARY_CODES: Partial<Record<UnaryOp, number>> = { relu: 0, neg: 1, abs: 2, sqrt: 3, square: 4, leakyRelu: 5, gelu: 6, tanh: 7, sigmoid: 8 };
const BINARY_CODES: Partial<Record<BinaryOp, number>> = {
  add: 0, sub: 1, mul: 2, div: 3, reluBackward: 4, geluBackward: 5, tanhBackward: 6, sigmoidBackward: 7,
};

/** Whether unary() has a kernel for this op and these arrays (float32 only). */
export function unaryHandles(op: UnaryOp, x: TypedArray, out: TypedArray): boolean {
  return UNARY_CODES[op] !== undefined && x instanceof Float32Array && out instanceof Float32Array;
}

export const unary: Backend['unary'] = (op, x, out, p0) => {
  const n = x.length;
  const m = wasmScratch(op, [n, n]);
  const [px, pout] = m.ptrs as [number, number];
  m.put(px, x as Float32Array, n);
  parallelRange(m.exports, 'unaryF32Range', n, ELEMENT_GRAIN, 2 * n, [UNARY_CODES[op]!, px, pout, { f32: p0 }]);
  m.take(pout, out as Float32Array, n);
};

/**
 * The period of b's values along a's dense order: n for a dense b, 1 for a scalar, the size of b's
 * dense trailing block when it is repeated over the leading dimensions (a bias); 0 otherwise.
 */
function broadcastPeriod(b: StridedView, n: number): number {
  if (isDense(b)) return n;
  if (isScalarView(b)) return 1;
  const { shape, strides } = b;
  let period = 1, d = shape.length - 1;
  for (; d >= 0 && (shape[d] === 1 || strides[d] === period); d--) period *= shape[d]!;
  for (; d >= 0; d--) if (shape[d] !== 1 && strides[d] !== 0) return 0;
  return period;
}

/** Whether binary() has a kernel for this op and these operands: float32, a dense, b dense, scalar or repeated. */
export function binaryHandles(op: BinaryOp, a: StridedView, b: StridedView, out: TypedArray): boolean {
  return BINARY_CODES[op] !== undefined && out instanceof Float32Array && a.data instanceof Float32Array &&
    b.data instanceof Float32Array && isDense(a) && broadcastPeriod(b, out.length) !== 0;
}

export const binary: Backend['binary'] = (op, a, b, out) => {
  const n = out.length;
  const period = broadcastPeriod(b, n);
  const m = wasmScratch(op, [n, period, n]);
  const [pa, pb, pout] = m.ptrs as [number, number, number];
  m.f32.set(a.data.subarray(a.offset, a.offset + n), pa >> 2);
  m.f32.set(b.data.subarray(b.offset, b.offset + period), pb >> 2);
  const args = [BINARY_CODES[op]!, pa, pb, pout, n, period];
  if (period === 1 || period === n) parallelRange(m.exports, 'binaryF32Range', n, ELEMENT_GRAIN, 3 * n, args);
  else parallelRange(m.exports, 'binaryF32Range', n / period, 1, 3 * n, args);
  out.set(m.f32.subarray(pout >> 2, (pout >> 2) + n));
  if (profileHooks) profileHooks.wasmCopy((2 * n + period) * 4, 3);
};
