/**
 * Row softmax / log-softmax and their backward on the wasm kernels (kernels/softmax.ts): V8 runs
 * the reference loops' Math.exp scalar, which dominates a language model's output layer (log-softmax
 * over the vocabulary for every token); here exp runs 4 lanes at a time.
 */
import type { Backend } from '../backend.js';
import { wasmScratch } from './scratch.js';

/** The softmax kernels' exports (kernels/softmax.ts); log is 0 / 1. */
export interface SoftmaxExports {
  softmaxRows(x: number, out: number, rows: number, cols: number, log: number): void;
  softmaxBackwardRows(y: number, g: number, gx: number, rows: number, cols: number, log: number): void;
  crossEntropyBackwardRows(logp: number, target: number, coef: number, gx: number, rows: number, cols: number): void;
}

export const softmax: Backend['softmax'] = (x, rows, cols, log, out) => {
  const n = rows * cols;
  // in place: one region holds x, then the result
  const m = wasmScratch('softmax', [n]);
  const [p] = m.ptrs as [number];
  m.exports.softmaxRows(m.put(p, x, n), p, rows, cols, log ? 1 : 0);
  m.take(p, out, n);
};

export const softmaxBackward: Backend['softmaxBackward'] = (y, gradOut, rows, cols, log, gradInput) => {
  const n = rows * cols;
  const m = wasmScratch('softmaxBackward', [n, n]);
  const [py, pg] = m.ptrs as [number, number];
  m.exports.softmaxBackwardRows(m.put(py, y, n), m.put(pg, gradOut, n), pg, rows, cols, log ? 1 : 0);
  m.take(pg, gradInput, n);
};

export const crossEntropyBackward: Backend['crossEntropyBackward'] = (logp, rows, cols, target, coef, gradInput) => {
  const n = rows * cols;
  // in place: one region holds logp, then the gradient
  const m = wasmScratch('crossEntropyBackward', [n, rows, rows]);
  const [p, pt, pc] = m.ptrs as [number, number, number];
  m.i32.set(target.subarray(0, rows), pt >> 2);
  m.put(pc, coef, rows);
  m.exports.crossEntropyBackwardRows(m.put(p, logp, n), pt, pc, p, rows, cols);
  m.take(p, gradInput, n);
};
