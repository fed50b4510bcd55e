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
  sumMiddleF32(x: number, outer: number, size: number, inner: number, acc: number, out: number): void;
}

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
  else m.exports.sumMiddleF32(px, outer, size, inner, pacc, pout);
  m.take(pout, out as Float32Array, outer * inner);
};
