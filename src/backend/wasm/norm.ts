/**
 * Layer norm and batch norm on the wasm kernels (kernels/norm.ts): the reference's float64 loops,
 * two lanes at a time, on data copied into wasm memory once per call.
 */
import type { Backend } from '../backend.js';
import * as js from '../js/norm.js';
import { wasmScratch, type WasmScratch } from './loader.js';

/** Below this many elements the reference loop is as fast as the copies. */
const MIN_ELEMENTS = 1024;

function put(m: WasmScratch, ptr: number, src: Float32Array | null, n: number): number {
  if (!src) return 0;
  m.f32.set(src.subarray(0, n), ptr >> 2);
  return ptr;
}

function take(m: WasmScratch, ptr: number, dst: Float32Array | null, n: number): void {
  if (dst) dst.set(m.f32.subarray(ptr >> 2, (ptr >> 2) + n));
}

export const layerNorm: Backend['layerNorm'] = (x, rows, cols, weight, bias, eps, out, mean, rstd) => {
  const n = rows * cols;
  if (n < MIN_ELEMENTS) {
    js.layerNorm(x, rows, cols, weight, bias, eps, out, mean, rstd);
    return;
  }
  const m = wasmScratch('layerNorm', [n, weight ? cols : 0, bias ? cols : 0, rows, rows]);
  const [px, pw, pb, pmean, prstd] = m.ptrs as [number, number, number, number, number];
  put(m, px, x, n);
  m.exports.layerNormRows(px, rows, cols, put(m, pw, weight, cols), put(m, pb, bias, cols), eps, px, pmean, prstd);
  take(m, px, out, n);
  take(m, pmean, mean, rows);
  take(m, prstd, rstd, rows);
};

export const layerNormBackward: Backend['layerNormBackward'] = (gradOut, x, mean, rstd, weight, rows, cols, gradInput, gradWeight, gradBias) => {
  const n = rows * cols;
  if (n < MIN_ELEMENTS) {
    js.layerNormBackward(gradOut, x, mean, rstd, weight, rows, cols, gradInput, gradWeight, gradBias);
    return;
  }
  // the f64 accumulators of the parameter gradients take 4 * cols floats
  const m = wasmScratch('layerNormBackward', [n, n, rows, rows, weight ? cols : 0, cols, cols, 4 * cols]);
  const [pg, px, pmean, prstd, pw, pgw, pgb, pacc] = m.ptrs as [number, number, number, number, number, number, number, number];
  put(m, pg, gradOut, n);
  put(m, px, x, n);
  put(m, pmean, mean, rows);
  put(m, prstd, rstd, rows);
  m.exports.layerNormBackwardRows(pg, px, pmean, prstd, put(m, pw, weight, cols), rows, cols, pg,
    gradWeight ? pgw : 0, gradBias ? pgb : 0, pacc);
  take(m, pg, gradInput, n);
  take(m, pgw, gradWeight, cols);
  take(m, pgb, gradBias, cols);
};

export const channelMoments: Backend['channelMoments'] = (x, n, c, spatial, mean, variance) => {
  const size = n * c * spatial;
  if (size < MIN_ELEMENTS) {
    js.channelMoments(x, n, c, spatial, mean, variance);
    return;
  }
  const m = wasmScratch('channelMoments', [size, c, c]);
  const [px, pmean, pvar] = m.ptrs as [number, number, number];
  put(m, px, x, size);
  m.exports.channelMomentsF32(px, n, c, spatial, pmean, pvar);
  take(m, pmean, mean, c);
  take(m, pvar, variance, c);
};

export const channelNormalize: Backend['channelNormalize'] = (x, n, c, spatial, mean, invstd, weight, bias, out) => {
  const size = n * c * spatial;
  if (size < MIN_ELEMENTS) {
    js.channelNormalize(x, n, c, spatial, mean, invstd, weight, bias, out);
    return;
  }
  const m = wasmScratch('channelNormalize', [size, c, c, weight ? c : 0, bias ? c : 0]);
  const [px, pmean, pinv, pw, pb] = m.ptrs as [number, number, number, number, number];
  put(m, px, x, size);
  put(m, pmean, mean, c);
  put(m, pinv, invstd, c);
  m.exports.channelNormalizeF32(px, n, c, spatial, pmean, pinv, put(m, pw, weight, c), put(m, pb, bias, c), px);
  take(m, px, out, size);
};

export const batchNormBackward: Backend['batchNormBackward'] = (gradOut, x, n, c, spatial, mean, invstd, weight, gradInput, gradWeight, gradBias) => {
  const size = n * c * spatial;
  if (size < MIN_ELEMENTS) {
    js.batchNormBackward(gradOut, x, n, c, spatial, mean, invstd, weight, gradInput, gradWeight, gradBias);
    return;
  }
  const m = wasmScratch('batchNormBackward', [size, size, c, c, weight ? c : 0, c, c]);
  const [pg, px, pmean, pinv, pw, pgw, pgb] = m.ptrs as [number, number, number, number, number, number, number];
  put(m, pg, gradOut, size);
  put(m, px, x, size);
  put(m, pmean, mean, c);
  put(m, pinv, invstd, c);
  m.exports.batchNormBackwardF32(pg, px, n, c, spatial, pmean, pinv, put(m, pw, weight, c), pg,
    gradWeight ? pgw : 0, gradBias ? pgb : 0);
  take(m, pg, gradInput, size);
  take(m, pgw, gradWeight, c);
  take(m, pgb, gradBias, c);
};
