/**
 * Row softmax / log-softmax and their backward on the wasm kernels (kernels/softmax.ts): V8 runs
 * the reference loops' Math.exp scalar, which dominates a language model's output layer (log-softmax
 * over the vocabulary for every token); here exp runs 4 lanes at a time.
 */
import type { Backend } from '../backend.js';
import { softmax as jsSoftmax, softmaxBackward as jsSoftmaxBackward } from '../js/softmax.js';
import { wasmScratch } from './loader.js';

/** Below this many elements the reference loop is as fast as the copies. */
const MIN_ELEMENTS = 1024;

export const softmax: Backend['softmax'] = (x, rows, cols, log, out) => {
  const n = rows * cols;
  if (n < MIN_ELEMENTS) {
    jsSoftmax(x, rows, cols, log, out);
    return;
  }
  // in place: one region holds x, then the result
  const m = wasmScratch('softmax', [n]);
  const [p] = m.ptrs as [number];
  m.f32.set(x.subarray(0, n), p >> 2);
  m.exports.softmaxRows(p, p, rows, cols, log ? 1 : 0);
  out.set(m.f32.subarray(p >> 2, (p >> 2) + n));
};

export const softmaxBackward: Backend['softmaxBackward'] = (y, gradOut, rows, cols, log, gradInput) => {
  const n = rows * cols;
  if (n < MIN_ELEMENTS) {
    jsSoftmaxBackward(y, gradOut, rows, cols, log, gradInput);
    return;
  }
  const m = wasmScratch('softmaxBackward', [n, n]);
  const [py, pg] = m.ptrs as [number, number];
  m.f32.set(y.subarray(0, n), py >> 2);
  m.f32.set(gradOut.subarray(0, n), pg >> 2);
  m.exports.softmaxBackwardRows(py, pg, pg, rows, cols, log ? 1 : 0);
  gradInput.set(m.f32.subarray(pg >> 2, (pg >> 2) + n));
};
