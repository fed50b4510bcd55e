/**
 * Float32 sums on the wasm kernels (kernels/elementwise.ts), over the last or a middle axis: bias
 * gradients, accumulated in float64 as the reference does. reduceHandles says which calls they
 * take; the backend (./index.ts) sends the others to the reference kernel.
 */
import type { Backend, ReduceOp } from '../backend.js';
import type { TypedArray } from '../../tensor/dtype.js';
import { wasmScratch } from './scratch.js';
import { parallelRange } from './threads.js';

/** The sum kernels' exports (kernels/elementwise.ts). */
export interface ReduceExports {
  /** out[r] = the sum of row r of x [rows, size], for rows [start, end). */
  sumRowsF32Range(start: number, end: number, x: number, size: number, out: number): void;
  /** out[o, i] = the sum over j of x[o, j, i] ([outer, size, inner]) for columns [start, end), in f64 at acc (inner doubles). */
  sumMiddleF32Range(start: number, end: number, x: number, outer: number, size: number, inner: number, acc: number, out: number): void;
}

/** Columns per block of a sum split across threads: threads then share no cache line of acc or out. */
const COLUMN_GRAIN = 16;

/** Whether reduce() has a kernel for this op and these arrays: float32 sums. */
export function reduceHandles(op: ReduceOp, x: TypedArray, out: TypedArray): boolean {
  return op === 'sum' && x instanceof Float32Array && out instanceof Float32Array;
}

export const reduce: Backend['reduce'] = (op, x, outer, size, inner, out) => {
  const n = outer * size * inner;
  const m = wasmScratch(op, [n, outer * inner, inner === 1 ? 0 : 2 * inner]);
  const [px, pout, pacc] = m.ptrs as [number, number, number];
  m.put(px, x as Float32Array, n);
  if (inner === 1) parallelRange(m.exports, 'sumRowsF32Range', outer, 1, n, [px, size, pout]);
  else parallelRange(m.exports, 'sumMiddleF32Range', inner, COLUMN_GRAIN, n, [px, outer, size, inner, pacc, pout]);
  m.take(pout, out as Float32Array, outer * inner);
};
