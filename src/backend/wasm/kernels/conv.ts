// Convolution data movement around the GEMM, in the [C·KH·KW, N·OH·OW] column layout that the
// reference backend uses (src/backend/js/conv.ts): im2col, its adjoint col2im, and the two layout
// changes between channel-major GEMM output and NCHW. Runs of a row are moved 4 floats at a time.

// Copies n floats (SIMD body, scalar tail); src and dst may be unaligned.
@inline
function copyRun(dst: usize, src: usize, n: i32): void {
  let o: usize = 0;
  const bytes = <usize>n << 2;
  for (; o + 16 <= bytes; o += 16) v128.store(dst + o, v128.load(src + o));
  for (; o < bytes; o += 4) store<f32>(dst + o, load<f32>(src + o));
}

// dst[i] += src[i] for n floats.
@inline
function addRun(dst: usize, src: usize, n: i32): void {
  let o: usize = 0;
  const bytes = <usize>n << 2;
  for (; o + 16 <= bytes; o += 16) v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  for (; o < bytes; o += 4) store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
}

// Shape of the current convolution, set by convShape() at the start of each range export (module
// globals are per instance: every thread of a pass sets its own).
let gN: i32 = 0, gC: i32 = 0, gH: i32 = 0, gW: i32 = 0;
let gKH: i32 = 0, gKW: i32 = 0, gSH: i32 = 0, gSW: i32 = 0;
let gPH: i32 = 0, gPW: i32 = 0, gDH: i32 = 0, gDW: i32 = 0;
let gOH: i32 = 0, gOW: i32 = 0;

function convShape(
  n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32,
): void {
  gN = n; gC = c; gH = h; gW = w;
  gKH = kh; gKW = kw; gSH = sh; gSW = sw;
  gPH = ph; gPW = pw; gDH = dh; gDW = dw;
  gOH = oh; gOW = ow;
}

// Row (c, ky, kx) of cols holds, for every image b and output pixel (y, o), x[b, c, y*sh - ph + ky*dh,
// o*sw - pw + kx*dw] (0 in the padding). accumulate = 0: cols = im2col(x); 1: x += col2im(cols).
// Only images [b0, b1) are visited: each image's values move in the same order whatever the range.
function walk(x: usize, cols: usize, accumulate: bool, b0: i32, b1: i32): void {
  const n = gN, c = gC, h = gH, w = gW, kh = gKH, kw = gKW, sh = gSH, sw = gSW;
  const oh = gOH, ow = gOW;
  const pixels = oh * ow;
  const columns = <usize>n * <usize>pixels;
  for (let ch = 0; ch < c; ch++) {
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        const row = cols + (<usize>((ch * kh + ky) * kw + kx)) * columns * 4;
        const shift = kx * gDW - gPW;
        // output columns [lo, hi) read inside the input row
        let lo = shift >= 0 ? 0 : (-shift + sw - 1) / sw;
        let hi = (w - 1 - shift) >= 0 ? (w - 1 - shift) / sw + 1 : 0;
        if (hi > ow) hi = ow;
        if (lo > ow) lo = ow;
        if (hi < lo) hi = lo;
        for (let b = b0; b < b1; b++) {
          if (!accumulate && sw == 1 && ow == w && hi > lo) {
            imageTapSameWidth(x + (<usize>((b * c + ch) * h) * <usize>w << 2), row + (<usize>(b * pixels) << 2), ky, shift, lo, hi);
            continue;
          }
          for (let y = 0; y < oh; y++) {
            const tap = row + (<usize>(b * pixels + y * ow) << 2);
            const iy = y * sh - gPH + ky * gDH;
            if (iy < 0 || iy >= h) {
              if (!accumulate) memory.fill(tap, 0, <usize>ow << 2);
              continue;
            }
            const src = x + (<usize>(((b * c + ch) * h + iy) * w + shift) << 2);
            if (accumulate) {
              if (sw == 1) addRun(src + (<usize>lo << 2), tap + (<usize>lo << 2), hi - lo);
              else for (let o = lo; o < hi; o++) {
                const p = src + (<usize>(o * sw) << 2);
                store<f32>(p, load<f32>(p) + load<f32>(tap + (<usize>o << 2)));
              }
            } else {
              for (let o = 0; o < lo; o++) store<f32>(tap + (<usize>o << 2), 0);
              if (sw == 1) copyRun(tap + (<usize>lo << 2), src + (<usize>lo << 2), hi - lo);
              else for (let o = lo; o < hi; o++) store<f32>(tap + (<usize>o << 2), load<f32>(src + (<usize>(o * sw) << 2)));
              for (let o = hi; o < ow; o++) store<f32>(tap + (<usize>o << 2), 0);
            }
          }
        }
      }
    }
  }
}

// im2col of one image plane for one tap when the output rows are as wide as the input rows (stride
// 1, 'same'-style padding): the valid rows then form one contiguous run in both x and cols, copied
// at once; the few values it carries across row ends are then overwritten by the padding zeros.
function imageTapSameWidth(plane: usize, tap: usize, ky: i32, shift: i32, lo: i32, hi: i32): void {
  const h = gH, w = gW, oh = gOH;
  const rowBytes = <usize>w << 2;
  // output rows [y0, y1) read input rows inside [0, h)
  let y0 = 0;
  while (y0 < oh && y0 * gSH - gPH + ky * gDH < 0) y0++;
  let y1 = y0;
  while (y1 < oh && y1 * gSH - gPH + ky * gDH < h) y1++;
  memory.fill(tap, 0, <usize>y0 * rowBytes);
  memory.fill(tap + <usize>y1 * rowBytes, 0, <usize>(oh - y1) * rowBytes);
  if (y1 <= y0) return;
  if (gSH != 1) {
    for (let y = y0; y < y1; y++) {
      const iy = y * gSH - gPH + ky * gDH;
      copyRun(tap + <usize>y * rowBytes + (<usize>lo << 2), plane + (<usize>(iy * w + shift + lo) << 2), hi - lo);
    }
  } else {
    const iy0 = y0 - gPH + ky * gDH;
    const first = <usize>(y0 * w + lo);
    copyRun(tap + (first << 2), plane + (<usize>(iy0 * w + shift + lo) << 2), (y1 - 1 - y0) * w + hi - lo);
  }
  for (let y = y0; y < y1; y++) {
    const r = tap + <usize>y * rowBytes;
    for (let o = 0; o < lo; o++) store<f32>(r + (<usize>o << 2), 0);
    for (let o = hi; o < w; o++) store<f32>(r + (<usize>o << 2), 0);
  }
}

/** Images [start, end) of cols [C·KH·KW, N·OH·OW] = im2col(x [N, C, H, W]). */
export function im2colRange(start: i32, end: i32, x: usize, cols: usize,
  n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32): void {
  convShape(n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow);
  walk(x, cols, false, start, end);
}

/** Images [start, end) of x [N, C, H, W] = col2im(cols): every column value added back to the input pixel it was read from. */
export function col2imRange(start: i32, end: i32, cols: usize, x: usize,
  n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32): void {
  convShape(n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow);
  const image = <usize>c * <usize>h * <usize>w * 4;
  memory.fill(x + <usize>start * image, 0, <usize>(end - start) * image);
  walk(x, cols, true, start, end);
}

/** Images [start, end) of out [N, OC, P] = src [OC, N·P] + bias[oc] (bias 0: none). */
export function channelMajorToNchwRange(start: i32, end: i32, src: usize, out: usize, n: i32, oc: i32, pixels: i32, bias: usize): void {
  const columns = <usize>n * <usize>pixels;
  for (let o = 0; o < oc; o++) {
    const add: f32 = bias != 0 ? load<f32>(bias + (<usize>o << 2)) : 0;
    const va = f32x4.splat(add);
    for (let b = start; b < end; b++) {
      const from = src + ((<usize>o * columns + <usize>b * <usize>pixels) << 2);
      const to = out + ((<usize>(b * oc + o) * <usize>pixels) << 2);
      let p = 0;
      for (; p + 4 <= pixels; p += 4) {
        const q = <usize>p << 2;
        v128.store(to + q, f32x4.add(v128.load(from + q), va));
      }
      for (; p < pixels; p++) {
        const q = <usize>p << 2;
        store<f32>(to + q, load<f32>(from + q) + add);
      }
    }
  }
}

/** Images [start, end) of out [OC, N·P] = src [N, OC, P]. */
export function nchwToChannelMajorRange(start: i32, end: i32, src: usize, out: usize, n: i32, oc: i32, pixels: i32): void {
  const columns = <usize>n * <usize>pixels;
  for (let b = start; b < end; b++) {
    for (let o = 0; o < oc; o++) {
      copyRun(out + ((<usize>o * columns + <usize>b * <usize>pixels) << 2), src + ((<usize>(b * oc + o) * <usize>pixels) << 2), pixels);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Pixel-major layout: images as [N, H, W, C] and one row per output pixel, its patch in (ky, kx, c)
// order ("im2row"). A tap then moves C contiguous floats at once, and the GEMM's tall operand is the
// patch matrix itself, read in place (see gemm.ts).
// ---------------------------------------------------------------------------------------------

// dst[j, i] = src[i, j] (+ bias[j]) for a rows x cols src (row strides in floats), 4 x 4 blocks at a time.
function transpose(src: usize, srcLd: i32, dst: usize, dstLd: i32, rows: i32, cols: i32, bias: usize): void {
  const sl = <usize>srcLd << 2;
  const dl = <usize>dstLd << 2;
  const rows4 = rows & ~3;
  const cols4 = cols & ~3;
  for (let j = 0; j < cols4; j += 4) {
    const b0 = bias != 0 ? f32x4.splat(load<f32>(bias + (<usize>j << 2))) : f32x4.splat(0);
    const b1 = bias != 0 ? f32x4.splat(load<f32>(bias + (<usize>j << 2), 4)) : f32x4.splat(0);
    const b2 = bias != 0 ? f32x4.splat(load<f32>(bias + (<usize>j << 2), 8)) : f32x4.splat(0);
    const b3 = bias != 0 ? f32x4.splat(load<f32>(bias + (<usize>j << 2), 12)) : f32x4.splat(0);
    const d0 = dst + <usize>j * dl;
    for (let i = 0; i < rows4; i += 4) {
      const s = src + <usize>i * sl + (<usize>j << 2);
      const v0 = v128.load(s);
      const v1 = v128.load(s + sl);
      const v2 = v128.load(s + 2 * sl);
      const v3 = v128.load(s + 3 * sl);
      const t0 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5);
      const t1 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7);
      const t2 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
      const t3 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
      const d = d0 + (<usize>i << 2);
      v128.store(d, f32x4.add(v128.shuffle<f32>(t0, t2, 0, 1, 4, 5), b0));
      v128.store(d + dl, f32x4.add(v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), b1));
      v128.store(d + 2 * dl, f32x4.add(v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), b2));
      v128.store(d + 3 * dl, f32x4.add(v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), b3));
    }
  }
  // the edges: columns past cols4 (all rows), rows past rows4 (the first cols4 columns)
  for (let j = 0; j < cols; j++) {
    const add: f32 = bias != 0 ? load<f32>(bias + (<usize>j << 2)) : 0;
    for (let i = j < cols4 ? rows4 : 0; i < rows; i++) {
      store<f32>(dst + <usize>j * dl + (<usize>i << 2), load<f32>(src + <usize>i * sl + (<usize>j << 2)) + add);
    }
  }
}

/** Images [start, end) of out [N, P, C] = src [N, C, P]. */
export function nchwToNhwcRange(start: i32, end: i32, src: usize, out: usize, c: i32, pixels: i32): void {
  const image = <usize>c * <usize>pixels * 4;
  for (let b = start; b < end; b++) transpose(src + <usize>b * image, pixels, out + <usize>b * image, c, c, pixels, 0);
}

/** Images [start, end) of out [N, C, P] = src [N, P, C] + bias[c] (bias 0: none). */
export function nhwcToNchwRange(start: i32, end: i32, src: usize, out: usize, c: i32, pixels: i32, bias: usize): void {
  const image = <usize>c * <usize>pixels * 4;
  for (let b = start; b < end; b++) transpose(src + <usize>b * image, c, out + <usize>b * image, pixels, pixels, c, bias);
}

// Row (b, y, o) of rows holds x[b, y*sh - ph + ky*dh, o*sw - pw + kx*dw, :] for every tap (ky, kx)
// in turn (0 in the padding). accumulate = 0: rows = im2row(x); 1: x += row2im(rows). Only images
// [b0, b1) are visited.
function walkRows(x: usize, rows: usize, accumulate: bool, b0: i32, b1: i32): void {
  const c = gC, h = gH, w = gW, kh = gKH, kw = gKW;
  const tapBytes = <usize>c << 2;
  let r = rows + <usize>b0 * <usize>(gOH * gOW * kh * kw) * tapBytes;
  for (let b = b0; b < b1; b++) {
    for (let y = 0; y < gOH; y++) {
      for (let o = 0; o < gOW; o++) {
        for (let ky = 0; ky < kh; ky++) {
          const iy = y * gSH - gPH + ky * gDH;
          for (let kx = 0; kx < kw; kx++) {
            const ix = o * gSW - gPW + kx * gDW;
            if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
              const p = x + (<usize>((b * h + iy) * w + ix) * tapBytes);
              if (accumulate) addRun(p, r, c);
              else copyRun(r, p, c);
            } else if (!accumulate) {
              memory.fill(r, 0, tapBytes);
            }
            r += tapBytes;
          }
        }
      }
    }
  }
}

/** Images [start, end) of rows [N·OH·OW, KH·KW·C] = the patches of x [N, H, W, C]. */
export function im2rowRange(start: i32, end: i32, x: usize, rows: usize,
  n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32): void {
  convShape(n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow);
  walkRows(x, rows, false, start, end);
}

/** Images [start, end) of x [N, H, W, C] = row2im(rows): every patch value added back to the pixel it was read from. */
export function row2imRange(start: i32, end: i32, rows: usize, x: usize,
  n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32): void {
  convShape(n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow);
  const image = <usize>c * <usize>h * <usize>w * 4;
  memory.fill(x + <usize>start * image, 0, <usize>(end - start) * image);
  walkRows(x, rows, true, start, end);
}
