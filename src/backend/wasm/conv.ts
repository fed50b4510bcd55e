/**
 * conv2d on the wasm kernels: the same im2col + GEMM algorithm and column layout as the reference
 * backend (src/backend/js/conv.ts), with every step in wasm memory, so only the operands and the
 * result cross into and out of it (the column matrix, KH·KW times larger than the input, never does).
 */
import type { Conv2dShapes } from '../backend.js';
import { sgemmInMemory, wasmScratch, type WasmScratch } from './loader.js';

function sizes(s: Conv2dShapes) {
  const pixels = s.oh * s.ow, columns = s.n * pixels, ckk = s.c * s.kh * s.kw;
  return { pixels, columns, ckk, ckkGroup: ckk / s.groups, ocGroup: s.oc / s.groups, inputSize: s.n * s.c * s.h * s.w };
}

function setShape(m: WasmScratch, s: Conv2dShapes): void {
  m.exports.convShape(s.n, s.c, s.h, s.w, s.kh, s.kw, s.stride[0], s.stride[1], s.padding[0], s.padding[1],
    s.dilation[0], s.dilation[1], s.oh, s.ow);
}

export function conv2d(x: Float32Array, weight: Float32Array, bias: Float32Array | null, s: Conv2dShapes, out: Float32Array): void {
  const { pixels, columns, ckk, ckkGroup, ocGroup, inputSize } = sizes(s);
  const weightSize = s.oc * ckkGroup, outSize = s.oc * columns;
  const m = wasmScratch('conv2d', [inputSize, weightSize, ckk * columns, outSize, outSize, bias ? s.oc : 0]);
  const [px, pw, pcols, pcm, pout, pbias] = m.ptrs as [number, number, number, number, number, number];
  m.put(px, x, inputSize);
  m.put(pw, weight, weightSize);
  if (bias) m.put(pbias, bias, s.oc);
  setShape(m, s);
  m.exports.im2col(px, pcols);
  for (let g = 0; g < s.groups; g++) {
    sgemmInMemory(false, false, ocGroup, columns, ckkGroup, pw + g * ocGroup * ckkGroup * 4, ckkGroup,
      pcols + g * ckkGroup * columns * 4, columns, 0, pcm + g * ocGroup * columns * 4, columns);
  }
  m.exports.channelMajorToNchw(pcm, pout, s.n, s.oc, pixels, bias ? pbias : 0);
  m.take(pout, out, outSize);
}

export function conv2dBackwardInput(gradOut: Float32Array, weight: Float32Array, s: Conv2dShapes, gradInput: Float32Array): void {
  const { pixels, columns, ckk, ckkGroup, ocGroup, inputSize } = sizes(s);
  const weightSize = s.oc * ckkGroup, outSize = s.oc * columns;
  const m = wasmScratch('conv2dBackwardInput', [outSize, outSize, weightSize, ckk * columns, inputSize]);
  const [pg, pcm, pw, pcols, pgx] = m.ptrs as [number, number, number, number, number];
  m.put(pg, gradOut, outSize);
  m.put(pw, weight, weightSize);
  m.exports.nchwToChannelMajor(pg, pcm, s.n, s.oc, pixels);
  for (let g = 0; g < s.groups; g++) {
    sgemmInMemory(true, false, ckkGroup, columns, ocGroup, pw + g * ocGroup * ckkGroup * 4, ckkGroup,
      pcm + g * ocGroup * columns * 4, columns, 0, pcols + g * ckkGroup * columns * 4, columns);
  }
  setShape(m, s);
  m.exports.col2im(pcols, pgx);
  m.take(pgx, gradInput, inputSize);
}

export function conv2dBackwardWeight(gradOut: Float32Array, x: Float32Array, s: Conv2dShapes, gradWeight: Float32Array): void {
  const { pixels, columns, ckk, ckkGroup, ocGroup, inputSize } = sizes(s);
  const weightSize = s.oc * ckkGroup, outSize = s.oc * columns;
  const m = wasmScratch('conv2dBackwardWeight', [outSize, outSize, inputSize, ckk * columns, weightSize]);
  const [pg, pcm, px, pcols, pgw] = m.ptrs as [number, number, number, number, number];
  m.put(pg, gradOut, outSize);
  m.put(px, x, inputSize);
  m.exports.nchwToChannelMajor(pg, pcm, s.n, s.oc, pixels);
  setShape(m, s);
  m.exports.im2col(px, pcols);
  for (let g = 0; g < s.groups; g++) {
    sgemmInMemory(false, true, ocGroup, ckkGroup, columns, pcm + g * ocGroup * columns * 4, columns,
      pcols + g * ckkGroup * columns * 4, columns, 0, pgw + g * ocGroup * ckkGroup * 4, ckkGroup);
  }
  m.take(pgw, gradWeight, weightSize);
}
