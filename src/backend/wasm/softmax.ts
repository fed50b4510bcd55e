/**
 * Row softmax / log-softmax and their backward on the wasm kernels (kernels/softmax.ts): V8 runs
 * the reference loops' Math.exp scalar, which dominates a language model's output layer (log-softmax
 * over the vocabulary for every token); here exp runs 4 lanes at a time.
 */
import type { Backend } from '../backend.js';
import { wasmScratch } from './scratch.js';
import { parallelRange } from './threads.js';

/** The softmax kernels' exports (kernels/softmax.ts), each over rows [start, end); log is 0 / 1. */
export interface SoftmaxExports {
  softmaxRowsRange(start: number, end: number, x: number, out: number, cols: number, log: number): void;
  softmaxBackwardRowsRange(start: number, end: number, y: number, g: number, gx: number, cols: number, log: number): void;
  logSumExpRowsRange(start: number, end: number, x: number, out: number, cols: number): void;
  crossEntropyBackwardRowsRange(start: number, end: number, x: number, logSum: number, target: number, coef: number, gx: number, cols: number, labelSmoothing: number): void;
}

export const softmax: Backend['softmax'] = (x, rows, cols, log, out) => {
  const n = rows * cols;
  // in place: one region holds x, then the result
  const m = wasmScratch('softmax', [n]);
  const [p] = m.ptrs as [number];
  m.put(p, x, n);
  parallelRange(m.exports, 'softmaxRowsRange', rows, 1, 2 * n, [p, p, cols, log ? 1 : 0]);
  m.take(p, out, n);
};

export const softmaxBackward: Backend['softmaxBackward'] = (y, gradOut, rows, cols, log, gradInput) => {
  const n = rows * cols;
  const m = wasmScratch('softmaxBackward', [n, n]);
  const [py, pg] = m.ptrs as [number, number];
  m.put(py, y, n);
  m.put(pg, gradOut, n);
  parallelRange(m.exports, 'softmaxBackwardRowsRange', rows, 1, 3 * n, [py, pg, pg, cols, log ? 1 : 0]);
  m.take(pg, gradInput, n);
};

export const logSumExp: Backend['logSumExp'] = (x, rows, cols, out) => {
  const n = rows * cols;
  const m = wasmScratch('logSumExp', [n, rows]);
  const [px, po] = m.ptrs as [number, number];
  m.put(px, x, n);
  parallelRange(m.exports, 'logSumExpRowsRange', rows, 1, n, [px, po, cols]);
  m.take(po, out, rows);
};

export const crossEntropyBackward: Backend['crossEntropyBackward'] = (x, logSum, rows, cols, target, coef, gradInput, labelSmoothing = 0) => {
  const n = rows * cols;
  // in place: one region holds the scores, then the gradient
  const m = wasmScratch('crossEntropyBackward', [n, rows, rows, rows]);
  const [p, pl, pt, pc] = m.ptrs as [number, number, number, number];
  m.i32.set(target.subarray(0, rows), pt >> 2);
  m.put(pl, logSum, rows);
  m.put(pc, coef, rows);
  m.put(p, x, n);
  parallelRange(m.exports, 'crossEntropyBackwardRowsRange', rows, 1, 2 * n, [p, pl, pt, pc, p, cols, { f32: labelSmoothing }]);
  m.take(p, gradInput, n);
};
