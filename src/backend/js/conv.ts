/**
 * conv2d as im2col + GEMM over the whole batch, in the [C·KH·KW, N·OH·OW] column layout: row
 * (c, ky, kx) of `cols` holds, for every output pixel of every image, the input value under that
 * kernel tap. Each row is built from contiguous runs of input rows, forward is W·cols per group
 * (the product comes out channel-major, one block copy from NCHW), and both backward passes are
 * GEMMs with the same operands. The GEMM comes from the backend, so a faster gemm speeds this up.
 */
import type { Backend, Conv2dShapes, ConvReluPoolBackward } from '../backend.js';

type Gemm = Backend['gemm'];

let colsScratch: Float32Array = new Float32Array(0);
let channelMajorScratch: Float32Array = new Float32Array(0);

function scratch(current: Float32Array, size: number): Float32Array {
  return current.length >= size ? current : new Float32Array(size);
}

/** The output columns ox in [lo, hi) whose input column ox*stride + shift lies inside [0, width). */
function validRange(shift: number, stride: number, width: number, outWidth: number): [number, number] {
  const lo = Math.max(0, Math.ceil(-shift / stride));
  const hi = Math.min(outWidth, Math.floor((width - 1 - shift) / stride) + 1);
  return [lo, Math.max(lo, hi)];
}

/**
 * Walks the rows of `cols`: for each kernel tap (c, ky, kx), image b and output row y, `tap` is the
 * run of ow values in cols and `src` the input row it reads (-1 inside the padding). Written as one
 * loop nest with the copy inlined, since this runs once per tap per output row.
 */
function im2colOrCol2im(x: Float32Array, s: Conv2dShapes, cols: Float32Array, accumulateIntoX: boolean): void {
  const { n, c, h, w, kh, kw, oh, ow } = s;
  const [sh, sw] = s.stride, [ph, pw] = s.padding, [dh, dw] = s.dilation;
  const pixels = oh * ow, columns = n * pixels;
  for (let ch = 0; ch < c; ch++) {
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        const row = ((ch * kh + ky) * kw + kx) * columns;
        const shift = kx * dw - pw;
        const [lo, hi] = validRange(shift, sw, w, ow);
        for (let b = 0; b < n; b++) {
          for (let y = 0; y < oh; y++) {
            const tap = row + b * pixels + y * ow;
            const iy = y * sh - ph + ky * dh;
            if (iy < 0 || iy >= h) {
              if (!accumulateIntoX) cols.fill(0, tap, tap + ow);
              continue;
            }
            const src = ((b * c + ch) * h + iy) * w + shift;
            if (accumulateIntoX) {
              for (let o = lo; o < hi; o++) x[src + o * sw] += cols[tap + o];
            } else {
              for (let o = 0; o < lo; o++) cols[tap + o] = 0;
              if (sw === 1) for (let o = lo; o < hi; o++) cols[tap + o] = x[src + o];
              else for (let o = lo; o < hi; o++) cols[tap + o] = x[src + o * sw];
              for (let o = hi; o < ow; o++) cols[tap + o] = 0;
            }
          }
        }
      }
    }
  }
}

function im2col(x: Float32Array, s: Conv2dShapes, cols: Float32Array): void {
  im2colOrCol2im(x, s, cols, false);
}

function col2im(cols: Float32Array, s: Conv2dShapes, gx: Float32Array): void {
  gx.fill(0, 0, s.n * s.c * s.h * s.w);
  im2colOrCol2im(gx, s, cols, true);
}

/** [oc, n·pixels] ⇄ [n, oc, pixels]: whole runs of `pixels` values move at a time. */
function channelMajorToNchw(src: Float32Array, s: Conv2dShapes, out: Float32Array, bias: Float32Array | null): void {
  const pixels = s.oh * s.ow, columns = s.n * pixels;
  for (let o = 0; o < s.oc; o++) {
    const add = bias ? bias[o] : 0;
    for (let b = 0; b < s.n; b++) {
      const from = o * columns + b * pixels, to = (b * s.oc + o) * pixels;
      for (let p = 0; p < pixels; p++) out[to + p] = src[from + p] + add;
    }
  }
}

function nchwToChannelMajor(src: Float32Array, s: Conv2dShapes): Float32Array {
  const pixels = s.oh * s.ow, columns = s.n * pixels;
  channelMajorScratch = scratch(channelMajorScratch, s.oc * columns);
  const out = channelMajorScratch;
  for (let b = 0; b < s.n; b++) {
    for (let o = 0; o < s.oc; o++) {
      const from = (b * s.oc + o) * pixels, to = o * columns + b * pixels;
      out.set(src.subarray(from, from + pixels), to);
    }
  }
  return out;
}

function groupSizes(s: Conv2dShapes) {
  const columns = s.n * s.oh * s.ow;
  const ckk = s.c * s.kh * s.kw;
  return { columns, ckk, ckkGroup: ckk / s.groups, ocGroup: s.oc / s.groups };
}

export function conv2d(gemm: Gemm, x: Float32Array, weight: Float32Array, bias: Float32Array | null, s: Conv2dShapes, out: Float32Array): void {
  const { columns, ckk, ckkGroup, ocGroup } = groupSizes(s);
  colsScratch = scratch(colsScratch, ckk * columns);
  channelMajorScratch = scratch(channelMajorScratch, s.oc * columns);
  im2col(x, s, colsScratch);
  for (let g = 0; g < s.groups; g++) {
    gemm(false, false, ocGroup, columns, ckkGroup, weight, g * ocGroup * ckkGroup, ckkGroup,
      colsScratch, g * ckkGroup * columns, columns, 0, channelMajorScratch, g * ocGroup * columns, columns);
  }
  channelMajorToNchw(channelMajorScratch, s, out, bias);
}

export function conv2dBackwardInput(gemm: Gemm, gradOut: Float32Array, weight: Float32Array, s: Conv2dShapes, gradInput: Float32Array): void {
  const { columns, ckk, ckkGroup, ocGroup } = groupSizes(s);
  const g2 = nchwToChannelMajor(gradOut, s);
  colsScratch = scratch(colsScratch, ckk * columns);
  for (let g = 0; g < s.groups; g++) {
    gemm(true, false, ckkGroup, columns, ocGroup, weight, g * ocGroup * ckkGroup, ckkGroup,
      g2, g * ocGroup * columns, columns, 0, colsScratch, g * ckkGroup * columns, columns);
  }
  col2im(colsScratch, s, gradInput);
}

export function conv2dBackwardWeight(gemm: Gemm, gradOut: Float32Array, x: Float32Array, s: Conv2dShapes, gradWeight: Float32Array): void {
  const { columns, ckk, ckkGroup, ocGroup } = groupSizes(s);
  const g2 = nchwToChannelMajor(gradOut, s);
  colsScratch = scratch(colsScratch, ckk * columns);
  im2col(x, s, colsScratch);
  for (let g = 0; g < s.groups; g++) {
    gemm(false, true, ocGroup, ckkGroup, columns, g2, g * ocGroup * columns, columns,
      colsScratch, g * ckkGroup * columns, columns, 0, gradWeight, g * ocGroup * ckkGroup, ckkGroup);
  }
}

/** The kernels the unfused composition below runs on. */
type ChainKernels = Pick<Backend, 'maxPool2dBackward' | 'conv2dBackwardInput' | 'conv2dBackwardWeight' | 'reduce'>;

/**
 * conv2dReluMaxPoolBackward as the three backward passes it fuses, on `kernels`: relu's backward at
 * the pooled values (each is the relu output at its argmax), max pooling's scatter, then the
 * convolution's gradients; the bias gradient sums the convolution's output gradient over N, H, W.
 */
export function conv2dReluMaxPoolBackward(kernels: ChainKernels, a: ConvReluPoolBackward): void {
  const { conv: s, pool } = a;
  const masked = new Float32Array(a.gradPooled.length);
  for (let i = 0; i < masked.length; i++) masked[i] = a.pooled[i]! <= 0 ? 0 : a.gradPooled[i]!;
  const pixels = s.oh * s.ow;
  const gradOut = new Float32Array(s.n * s.oc * pixels);
  kernels.maxPool2dBackward(masked, a.argmax, pool, gradOut);
  if (a.gradInput) kernels.conv2dBackwardInput(gradOut, a.weight, s, a.gradInput);
  if (a.gradWeight) kernels.conv2dBackwardWeight(gradOut, a.x, s, a.gradWeight);
  if (a.gradBias) {
    const perPlane = new Float32Array(s.n * s.oc);
    kernels.reduce('sum', gradOut, s.n * s.oc, pixels, 1, perPlane);
    kernels.reduce('sum', perPlane, 1, s.n, s.oc, a.gradBias);
  }
}
