/**
 * Layer norm and batch norm on the wasm kernels (kernels/norm.ts): the reference's float64 loops,
 * two lanes at a time, on data copied into wasm memory once per call.
 */
import type { Backend } from '../backend.js';
import { wasmScratch, type WasmScratch } from './scratch.js';
import { parallelRange } from './threads.js';

/** The norm kernels' exports (kernels/norm.ts); optional operands are 0 when absent. */
export interface NormExports {
  /** Layer norm of rows [start, end) of x [rows, cols]. */
  layerNormRowsRange(start: number, end: number, x: number, cols: number, weight: number, bias: number, eps: number,
    out: number, mean: number, rstd: number): void;
  /** Layer norm's input gradient for rows [start, end) (gx may equal g). */
  layerNormBackwardRowsRange(start: number, end: number, g: number, x: number, mean: number, rstd: number, weight: number,
    cols: number, gx: number): void;
  /** Layer norm's weight and bias gradients for columns [start, end), summed over rows in f64 at acc (2 * cols f64). */
  layerNormParamGradsRange(start: number, end: number, g: number, x: number, mean: number, rstd: number, rows: number, cols: number,
    gradWeight: number, gradBias: number, acc: number): void;
  channelMomentsF32(x: number, n: number, c: number, spatial: number, mean: number, variance: number): void;
  channelNormalizeF32(x: number, n: number, c: number, spatial: number, mean: number, invstd: number,
    weight: number, bias: number, out: number): void;
  batchNormBackwardF32(g: number, x: number, n: number, c: number, spatial: number, mean: number, invstd: number,
    weight: number, gx: number, gradWeight: number, gradBias: number): void;
}

/** Columns per block of the parameter gradients split across threads: threads then share no cache line of them. */
const COLUMN_GRAIN = 16;

/** An optional operand: copied in and its address passed, or 0 (the kernels' "absent"). */
function putOptional(m: WasmScratch, ptr: number, src: Float32Array | null, n: number): number {
  return src ? m.put(ptr, src, n) : 0;
}

export const layerNorm: Backend['layerNorm'] = (x, rows, cols, weight, bias, eps, out, mean, rstd) => {
  const n = rows * cols;
  const m = wasmScratch('layerNorm', [n, weight ? cols : 0, bias ? cols : 0, rows, rows]);
  const [px, pw, pb, pmean, prstd] = m.ptrs as [number, number, number, number, number];
  m.put(px, x, n);
  parallelRange(m.exports, 'layerNormRowsRange', rows, 1, 2 * n,
    [px, cols, putOptional(m, pw, weight, cols), putOptional(m, pb, bias, cols), { f64: eps }, px, pmean, prstd]);
  m.take(px, out, n);
  m.take(pmean, mean, rows);
  m.take(prstd, rstd, rows);
};

export const layerNormBackward: Backend['layerNormBackward'] = (gradOut, x, mean, rstd, weight, rows, cols, gradInput, gradWeight, gradBias) => {
  const n = rows * cols;
  // the f64 accumulators of the parameter gradients take 4 * cols floats
  const m = wasmScratch('layerNormBackward', [n, n, rows, rows, weight ? cols : 0, cols, cols, 4 * cols]);
  const [pg, px, pmean, prstd, pw, pgw, pgb, pacc] = m.ptrs as [number, number, number, number, number, number, number, number];
  m.put(pg, gradOut, n);
  m.put(px, x, n);
  m.put(pmean, mean, rows);
  m.put(prstd, rstd, rows);
  // the parameter gradients first: the input gradient then overwrites gradOut in place
  if (gradWeight || gradBias) {
    parallelRange(m.exports, 'layerNormParamGradsRange', cols, COLUMN_GRAIN, 2 * n,
      [pg, px, pmean, prstd, rows, cols, gradWeight ? pgw : 0, gradBias ? pgb : 0, pacc]);
  }
  parallelRange(m.exports, 'layerNormBackwardRowsRange', rows, 1, 3 * n, [pg, px, pmean, prstd, putOptional(m, pw, weight, cols), cols, pg]);
  m.take(pg, gradInput, n);
  m.take(pgw, gradWeight, cols);
  m.take(pgb, gradBias, cols);
};

export const channelMoments: Backend['channelMoments'] = (x, n, c, spatial, mean, variance) => {
  const size = n * c * spatial;
  const m = wasmScratch('channelMoments', [size, c, c]);
  const [px, pmean, pvar] = m.ptrs as [number, number, number];
  m.put(px, x, size);
  m.exports.channelMomentsF32(px, n, c, spatial, pmean, pvar);
  m.take(pmean, mean, c);
  m.take(pvar, variance, c);
};

export const channelNormalize: Backend['channelNormalize'] = (x, n, c, spatial, mean, invstd, weight, bias, out) => {
  const size = n * c * spatial;
  const m = wasmScratch('channelNormalize', [size, c, c, weight ? c : 0, bias ? c : 0]);
  const [px, pmean, pinv, pw, pb] = m.ptrs as [number, number, number, number, number];
  m.put(px, x, size);
  m.put(pmean, mean, c);
  m.put(pinv, invstd, c);
  m.exports.channelNormalizeF32(px, n, c, spatial, pmean, pinv, putOptional(m, pw, weight, c), putOptional(m, pb, bias, c), px);
  m.take(px, out, size);
};

export const batchNormBackward: Backend['batchNormBackward'] = (gradOut, x, n, c, spatial, mean, invstd, weight, gradInput, gradWeight, gradBias) => {
  const size = n * c * spatial;
  const m = wasmScratch('batchNormBackward', [size, size, c, c, weight ? c : 0, c, c]);
  const [pg, px, pmean, pinv, pw, pgw, pgb] = m.ptrs as [number, number, number, number, number, number, number];
  m.put(pg, gradOut, size);
  m.put(px, x, size);
  m.put(pmean, mean, c);
  m.put(pinv, invstd, c);
  m.exports.batchNormBackwardF32(pg, px, n, c, spatial, pmean, pinv, putOptional(m, pw, weight, c), pg,
    gradWeight ? pgw : 0, gradBias ? pgb : 0);
  m.take(pg, gradInput, size);
  m.take(pgw, gradWeight, c);
  m.take(pgb, gradBias, c);
};
