/**
 * Elementwise float32 ops on the wasm kernels (kernels/elementwise.ts) for large contiguous data:
 * V8 does not vectorise the reference loops, and their data-dependent branches (relu and its
 * backward) mispredict on every other element, so even with the copies into and out of wasm memory
 * this is several times faster. Likewise sums (bias gradients). The *Handles predicates say which
 * calls these kernels take; the backend (./index.ts) sends the others to the reference kernels.
 */
import type { Backend, BinaryOp, ReduceOp, StridedView, UnaryOp } from '../backend.js';
import type { TypedArray } from '../../tensor/dtype.js';
import { isDense, isScalarView } from '../js/elementwise.js';
import { wasmScratch } from './loader.js';

// Op codes of kernels/elementwise.ts.
const UNARY_CODES: Partial<Record<UnaryOp, number>> = { relu: 0, neg: 1, abs: 2, sqrt: 3, square: 4, leakyRelu: 5, gelu: 6 };
const BINARY_CODES: Partial<Record<BinaryOp, number>> = { add: 0, sub: 1, mul: 2, div: 3, reluBackward: 4, geluBackward: 5 };

/** Whether unary() has a kernel for this op and these arrays (float32 only). */
export function unaryHandles(op: UnaryOp, x: TypedArray, out: TypedArray): boolean {
  return UNARY_CODES[op] !== undefined && x instanceof Float32Array && out instanceof Float32Array;
}

export const unary: Backend['unary'] = (op, x, out, p0) => {
  const n = x.length;
  const m = wasmScratch(op, [n, n]);
  const [px, pout] = m.ptrs as [number, number];
  m.exports.unaryF32(UNARY_CODES[op]!, m.put(px, x as Float32Array, n), pout, n, p0);
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
  m.exports.binaryF32(BINARY_CODES[op]!, pa, pb, pout, n, period);
  out.set(m.f32.subarray(pout >> 2, (pout >> 2) + n));
};

/** Whether reduce() has a kernel for this op and these arrays: float32 sums. */
export function reduceHandles(op: ReduceOp, x: TypedArray, out: TypedArray): boolean {
  return op === 'sum' && x instanceof Float32Array && out instanceof Float32Array;
}

export const reduce: Backend['reduce'] = (op, x, outer, size, inner, out) => {
  const n = outer * size * inner;
  const m = wasmScratch(op, [n, outer * inner, inner === 1 ? 0 : 2 * inner]);
  const [px, pout, pacc] = m.ptrs as [number, number, number];
  m.put(px, x as Float32Array, n);
  if (inner === 1) m.exports.sumRowsF32(px, outer, size, pout);
  else m.exports.sumMiddleF32(px, outer, size, inner, pacc, pout);
  m.take(pout, out as Float32Array, outer * inner);
};
