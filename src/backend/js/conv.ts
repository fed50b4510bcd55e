/**
 * conv2d as im2col + GEMM over the whole batch: one row of `cols` per output pixel (n, oh, ow),
 * one column per (c, kh, kw). Forward is then cols·Wᵀ per group, written channels-last and
 * transposed to NCHW; both backward passes are GEMMs with the same operands. The GEMM comes from
 * the backend, so a faster gemm speeds up convolution too.
 */
import type { Backend, Conv2dShapes } from '../backend.js';

type Gemm = Backend['gemm'];

let colsScratch: Float32Array = new Float32Array(0);
let channelsLastScratch: Float32Array = new Float32Array(0);

function scratch(current: Float32Array, size: number): Float32Array {
  return current.length >= size ? current : new Float32Array(size);
}

function im2col(x: Float32Array, s: Conv2dShapes, cols: Float32Array): void {
  const { n, c, h, w, kh, kw, oh, ow } = s;
  const [sh, sw] = s.stride, [ph, pw] = s.padding, [dh, dw] = s.dilation;
  const ckk = c * kh * kw;
  let row = 0;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let xo = 0; xo < ow; xo++, row++) {
        let col = row * ckk;
        for (let ch = 0; ch < c; ch++) {
          const plane = (b * c + ch) * h * w;
          for (let ky = 0; ky < kh; ky++) {
            const iy = y * sh - ph + ky * dh;
            const rowValid = iy >= 0 && iy < h;
            const rowBase = plane + iy * w;
            for (let kx = 0; kx < kw; kx++) {
              const ix = xo * sw - pw + kx * dw;
              cols[col++] = rowValid && ix >= 0 && ix < w ? x[rowBase + ix] : 0;
            }
          }
        }
      }
    }
  }
}

function col2im(cols: Float32Array, s: Conv2dShapes, gx: Float32Array): void {
  const { n, c, h, w, kh, kw, oh, ow } = s;
  const [sh, sw] = s.stride, [ph, pw] = s.padding, [dh, dw] = s.dilation;
  gx.fill(0, 0, n * c * h * w);
  let col = 0;
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let xo = 0; xo < ow; xo++) {
        for (let ch = 0; ch < c; ch++) {
          const plane = (b * c + ch) * h * w;
          for (let ky = 0; ky < kh; ky++) {
            const iy = y * sh - ph + ky * dh;
            const rowValid = iy >= 0 && iy < h;
            for (let kx = 0; kx < kw; kx++, col++) {
              const ix = xo * sw - pw + kx * dw;
              if (rowValid && ix >= 0 && ix < w) gx[plane + iy * w + ix] += cols[col];
            }
          }
        }
      }
    }
  }
}

export function conv2d(gemm: Gemm, x: Float32Array, weight: Float32Array, s: Conv2dShapes, out: Float32Array): void {
  const pixels = s.oh * s.ow, rows = s.n * pixels;
  const ckk = s.c * s.kh * s.kw, ckkGroup = ckk / s.groups, ocGroup = s.oc / s.groups;
  colsScratch = scratch(colsScratch, rows * ckk);
  channelsLastScratch = scratch(channelsLastScratch, rows * s.oc);
  im2col(x, s, colsScratch);
  for (let g = 0; g < s.groups; g++) {
    gemm(false, true, rows, ocGroup, ckkGroup, colsScratch, g * ckkGroup, ckk,
      weight, g * ocGroup * ckkGroup, ckkGroup, 0, channelsLastScratch, g * ocGroup, s.oc);
  }
  // [n, pixels, oc] -> [n, oc, pixels]
  for (let b = 0; b < s.n; b++) {
    for (let p = 0; p < pixels; p++) {
      const src = (b * pixels + p) * s.oc;
      for (let o = 0; o < s.oc; o++) out[(b * s.oc + o) * pixels + p] = channelsLastScratch[src + o];
    }
  }
}

/** Writes gradOut [n, oc, pixels] channels-last into channelsLastScratch, the layout both backward GEMMs read. */
function gradToChannelsLast(gradOut: Float32Array, s: Conv2dShapes): Float32Array {
  const pixels = s.oh * s.ow;
  channelsLastScratch = scratch(channelsLastScratch, s.n * pixels * s.oc);
  for (let b = 0; b < s.n; b++) {
    for (let o = 0; o < s.oc; o++) {
      const src = (b * s.oc + o) * pixels;
      for (let p = 0; p < pixels; p++) channelsLastScratch[(b * pixels + p) * s.oc + o] = gradOut[src + p];
    }
  }
  return channelsLastScratch;
}

export function conv2dBackwardInput(gemm: Gemm, gradOut: Float32Array, weight: Float32Array, s: Conv2dShapes, gradInput: Float32Array): void {
  const rows = s.n * s.oh * s.ow;
  const ckk = s.c * s.kh * s.kw, ckkGroup = ckk / s.groups, ocGroup = s.oc / s.groups;
  const g2 = gradToChannelsLast(gradOut, s);
  colsScratch = scratch(colsScratch, rows * ckk);
  for (let g = 0; g < s.groups; g++) {
    gemm(false, false, rows, ckkGroup, ocGroup, g2, g * ocGroup, s.oc,
      weight, g * ocGroup * ckkGroup, ckkGroup, 0, colsScratch, g * ckkGroup, ckk);
  }
  col2im(colsScratch, s, gradInput);
}

export function conv2dBackwardWeight(gemm: Gemm, gradOut: Float32Array, x: Float32Array, s: Conv2dShapes, gradWeight: Float32Array): void {
  const rows = s.n * s.oh * s.ow;
  const ckk = s.c * s.kh * s.kw, ckkGroup = ckk / s.groups, ocGroup = s.oc / s.groups;
  const g2 = gradToChannelsLast(gradOut, s);
  colsScratch = scratch(colsScratch, rows * ckk);
  im2col(x, s, colsScratch);
  for (let g = 0; g < s.groups; g++) {
    gemm(true, false, ocGroup, ckkGroup, rows, g2, g * ocGroup, s.oc,
      colsScratch, g * ckkGroup, ckk, 0, gradWeight, g * ocGroup * ckkGroup, ckkGroup);
  }
}
