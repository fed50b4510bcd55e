/**
 * conv2d on the wasm kernels, with every step in wasm memory, so only the operands and the result
 * cross into and out of it (the patch matrix, KH·KW times larger than the input, never does).
 *
 * Ungrouped convolutions with at least PIXEL_MAJOR_MIN_CHANNELS input channels run pixel-major:
 * images as [N, H, W, C], one patch row per output pixel in (ky, kx, c) order, so each tap moves C
 * contiguous floats and the GEMM reads the tall patch matrix in place. The others (grouped, or few
 * channels: a first layer on grey images) use the reference backend's channel-major im2col layout
 * (src/backend/js/conv.ts).
 */
import type { Conv2dShapes } from '../backend.js';
import { sgemmInMemory } from './gemm.js';
import { wasmScratch, type WasmScratch } from './scratch.js';

/** The convolution data movement's exports (kernels/conv.ts); convShape sets the shape the others use. */
export interface ConvExports {
  convShape(n: number, c: number, h: number, w: number, kh: number, kw: number, sh: number, sw: number,
    ph: number, pw: number, dh: number, dw: number, oh: number, ow: number): void;
  im2col(x: number, cols: number): void;
  col2im(cols: number, x: number): void;
  channelMajorToNchw(src: number, out: number, n: number, oc: number, pixels: number, bias: number): void;
  nchwToChannelMajor(src: number, out: number, n: number, oc: number, pixels: number): void;
  nchwToNhwc(src: number, out: number, n: number, c: number, pixels: number): void;
  nhwcToNchw(src: number, out: number, n: number, c: number, pixels: number, bias: number): void;
  im2row(x: number, rows: number): void;
  row2im(rows: number, x: number): void;
}

const PIXEL_MAJOR_MIN_CHANNELS = 4;

function pixelMajor(s: Conv2dShapes): boolean {
  return s.groups === 1 && s.c >= PIXEL_MAJOR_MIN_CHANNELS;
}

/** dst (from float index at) = w [OC, C, KH, KW] with its taps reordered to [OC, KH, KW, C], or back when `back`. */
function reorderTaps(w: Float32Array, s: Conv2dShapes, dst: Float32Array, at: number, back = false): void {
  const taps = s.kh * s.kw, c = s.c;
  for (let o = 0; o < s.oc; o++) {
    const base = o * c * taps;
    for (let ch = 0; ch < c; ch++) {
      for (let t = 0; t < taps; t++) {
        const channelMajor = base + ch * taps + t, tapMajor = base + t * c + ch;
        if (back) dst[at + channelMajor] = w[tapMajor]!;
        else dst[at + tapMajor] = w[channelMajor]!;
      }
    }
  }
}

function sizes(s: Conv2dShapes) {
  const pixels = s.oh * s.ow, columns = s.n * pixels, ckk = s.c * s.kh * s.kw, ckkGroup = ckk / s.groups;
  return {
    pixels, columns, ckk, ckkGroup, ocGroup: s.oc / s.groups, inputSize: s.n * s.c * s.h * s.w,
    weightSize: s.oc * ckkGroup, outSize: s.oc * columns,
  };
}

function setShape(m: WasmScratch, s: Conv2dShapes): void {
  m.exports.convShape(s.n, s.c, s.h, s.w, s.kh, s.kw, s.stride[0], s.stride[1], s.padding[0], s.padding[1],
    s.dilation[0], s.dilation[1], s.oh, s.ow);
}

export function conv2d(x: Float32Array, weight: Float32Array, bias: Float32Array | null, s: Conv2dShapes, out: Float32Array): void {
  const { pixels, columns, ckk, ckkGroup, ocGroup, inputSize, weightSize, outSize } = sizes(s);
  if (pixelMajor(s)) {
    // out [N·P, OC] = patches [N·P, CKK] · Wᵀ, then back to NCHW with the bias
    const m = wasmScratch('conv2d', [inputSize, inputSize, weightSize, ckk * columns, outSize, outSize, bias ? s.oc : 0]);
    const [px, pxh, pw, prows, ppm, pout, pbias] = m.ptrs as [number, number, number, number, number, number, number];
    m.put(px, x, inputSize);
    reorderTaps(weight, s, m.f32, pw >> 2);
    if (bias) m.put(pbias, bias, s.oc);
    m.exports.nchwToNhwc(px, pxh, s.n, s.c, s.h * s.w);
    setShape(m, s);
    m.exports.im2row(pxh, prows);
    sgemmInMemory(false, true, columns, s.oc, ckk, prows, ckk, pw, ckk, 0, ppm, s.oc);
    m.exports.nhwcToNchw(ppm, pout, s.n, s.oc, pixels, bias ? pbias : 0);
    m.take(pout, out, outSize);
    return;
  }
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
  const { pixels, columns, ckk, ckkGroup, ocGroup, inputSize, weightSize, outSize } = sizes(s);
  if (pixelMajor(s)) {
    // patch gradients [N·P, CKK] = gradOut [N·P, OC] · W, added back onto the pixels they came from
    const m = wasmScratch('conv2dBackwardInput', [outSize, outSize, weightSize, ckk * columns, inputSize, inputSize]);
    const [pg, pgh, pw, prows, pxh, pgx] = m.ptrs as [number, number, number, number, number, number];
    m.put(pg, gradOut, outSize);
    reorderTaps(weight, s, m.f32, pw >> 2);
    m.exports.nchwToNhwc(pg, pgh, s.n, s.oc, pixels);
    sgemmInMemory(false, false, columns, ckk, s.oc, pgh, s.oc, pw, ckk, 0, prows, ckk);
    setShape(m, s);
    m.exports.row2im(prows, pxh);
    m.exports.nhwcToNchw(pxh, pgx, s.n, s.c, s.h * s.w, 0);
    m.take(pgx, gradInput, inputSize);
    return;
  }
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
  const { pixels, columns, ckk, ckkGroup, ocGroup, inputSize, weightSize, outSize } = sizes(s);
  if (pixelMajor(s)) {
    // gradW [OC, CKK] = gradOut [OC, N·P] · patches [N·P, CKK], taps then reordered back
    const m = wasmScratch('conv2dBackwardWeight', [outSize, outSize, inputSize, inputSize, ckk * columns, weightSize]);
    const [pg, pcm, px, pxh, prows, pgw] = m.ptrs as [number, number, number, number, number, number];
    m.put(pg, gradOut, outSize);
    m.put(px, x, inputSize);
    m.exports.nchwToChannelMajor(pg, pcm, s.n, s.oc, pixels);
    m.exports.nchwToNhwc(px, pxh, s.n, s.c, s.h * s.w);
    setShape(m, s);
    m.exports.im2row(pxh, prows);
    sgemmInMemory(false, false, s.oc, ckk, columns, pcm, columns, prows, ckk, 0, pgw, ckk);
    reorderTaps(m.f32.subarray(pgw >> 2, (pgw >> 2) + weightSize), s, gradWeight, 0, true);
    return;
  }
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
