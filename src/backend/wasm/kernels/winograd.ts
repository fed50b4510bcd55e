// Winograd F(2x2, 3x3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2015)
// for stride-1, undilated 3x3 convolutions on pixel-major images ([N, H, W, C], channels contiguous).
// Each 2x2 block of output pixels comes from the 4x4 input tile around it: the tile is transformed,
// V = Bᵀ d B, multiplied position by position with the transformed weight U = G g Gᵀ (16 GEMMs over
// the channels, run by the caller: ../winograd.ts), and transformed back, Y = Aᵀ M A. That is 16
// multiplies per channel pair and block where direct convolution takes 36. The weight gradient
// pairs V with the output gradient's transform Z = A g Aᵀ (winogradOutputGradientRange).
//
// V is [16, T, C] and M is [16, T, OC]: one matrix per tile position, T = N·TH·TW tiles in (image,
// tile row, tile column) order. Channels go 4 at a time; the caller routes only convolutions whose
// channel counts are multiples of 4.
import { sgemm } from './gemm';

// Address of pixel (iy, ix) of image b, or of the zero run when it lies outside the image.
@inline
function pixel(x: usize, zeros: usize, b: i32, iy: i32, ix: i32, h: i32, w: i32, cBytes: usize): usize {
  return iy >= 0 && iy < h && ix >= 0 && ix < w ? x + <usize>((b * h + iy) * w + ix) * cBytes : zeros;
}

// Bᵀ's rows (1 0 -1 0), (0 1 1 0), (0 -1 1 0), (0 1 0 -1) applied to a0..a3: four of V's positions.
@inline
function storeInputRow(out: usize, stride: usize, a0: v128, a1: v128, a2: v128, a3: v128): void {
  v128.store(out, f32x4.sub(a0, a2));
  v128.store(out + stride, f32x4.add(a1, a2));
  v128.store(out + 2 * stride, f32x4.sub(a2, a1));
  v128.store(out + 3 * stride, f32x4.sub(a1, a3));
}

/**
 * Images [start, end) of V = Bᵀ d B for every 4x4 tile d of x [N, H, W, C], tile (ty, tx) starting at
 * pixel (2·ty - ph, 2·tx - pw); pixels outside the image read `zeros` (C zero floats).
 */
export function winogradInputRange(start: i32, end: i32, x: usize, v: usize, zeros: usize,
  n: i32, c: i32, h: i32, w: i32, ph: i32, pw: i32, th: i32, tw: i32): void {
  const cBytes = <usize>c << 2;
  const stride = <usize>(n * th * tw) * cBytes; // bytes between two of V's 16 matrices
  for (let b = start; b < end; b++) {
    for (let ty = 0; ty < th; ty++) {
      for (let tx = 0; tx < tw; tx++) {
        const y0 = 2 * ty - ph, x0 = 2 * tx - pw;
        // the 16 pixels' addresses, row by row; outside the image, the zero run
        const p00 = pixel(x, zeros, b, y0, x0, h, w, cBytes), p01 = pixel(x, zeros, b, y0, x0 + 1, h, w, cBytes);
        const p02 = pixel(x, zeros, b, y0, x0 + 2, h, w, cBytes), p03 = pixel(x, zeros, b, y0, x0 + 3, h, w, cBytes);
        const p10 = pixel(x, zeros, b, y0 + 1, x0, h, w, cBytes), p11 = pixel(x, zeros, b, y0 + 1, x0 + 1, h, w, cBytes);
        const p12 = pixel(x, zeros, b, y0 + 1, x0 + 2, h, w, cBytes), p13 = pixel(x, zeros, b, y0 + 1, x0 + 3, h, w, cBytes);
        const p20 = pixel(x, zeros, b, y0 + 2, x0, h, w, cBytes), p21 = pixel(x, zeros, b, y0 + 2, x0 + 1, h, w, cBytes);
        const p22 = pixel(x, zeros, b, y0 + 2, x0 + 2, h, w, cBytes), p23 = pixel(x, zeros, b, y0 + 2, x0 + 3, h, w, cBytes);
        const p30 = pixel(x, zeros, b, y0 + 3, x0, h, w, cBytes), p31 = pixel(x, zeros, b, y0 + 3, x0 + 1, h, w, cBytes);
        const p32 = pixel(x, zeros, b, y0 + 3, x0 + 2, h, w, cBytes), p33 = pixel(x, zeros, b, y0 + 3, x0 + 3, h, w, cBytes);
        const out = v + <usize>((b * th + ty) * tw + tx) * cBytes;
        for (let q: usize = 0; q < cBytes; q += 16) {
          // t = Bᵀ d, column by column
          const d00 = v128.load(p00 + q), d01 = v128.load(p01 + q), d02 = v128.load(p02 + q), d03 = v128.load(p03 + q);
          const d10 = v128.load(p10 + q), d11 = v128.load(p11 + q), d12 = v128.load(p12 + q), d13 = v128.load(p13 + q);
          const d20 = v128.load(p20 + q), d21 = v128.load(p21 + q), d22 = v128.load(p22 + q), d23 = v128.load(p23 + q);
          const d30 = v128.load(p30 + q), d31 = v128.load(p31 + q), d32 = v128.load(p32 + q), d33 = v128.load(p33 + q);
          const t00 = f32x4.sub(d00, d20), t01 = f32x4.sub(d01, d21), t02 = f32x4.sub(d02, d22), t03 = f32x4.sub(d03, d23);
          const t10 = f32x4.add(d10, d20), t11 = f32x4.add(d11, d21), t12 = f32x4.add(d12, d22), t13 = f32x4.add(d13, d23);
          const t20 = f32x4.sub(d20, d10), t21 = f32x4.sub(d21, d11), t22 = f32x4.sub(d22, d12), t23 = f32x4.sub(d23, d13);
          const t30 = f32x4.sub(d10, d30), t31 = f32x4.sub(d11, d31), t32 = f32x4.sub(d12, d32), t33 = f32x4.sub(d13, d33);
          // V = t B, row by row: positions 4i..4i+3
          const o = out + q;
          storeInputRow(o, stride, t00, t01, t02, t03);
          storeInputRow(o + 4 * stride, stride, t10, t11, t12, t13);
          storeInputRow(o + 8 * stride, stride, t20, t21, t22, t23);
          storeInputRow(o + 12 * stride, stride, t30, t31, t32, t33);
        }
      }
    }
  }
}

/**
 * Images [start, end) of y [N, OH, OW, OC] = Aᵀ M A: tile t's 2x2 output block from its 16 products
 * in M, cut at the image's last row and column when OH or OW is odd.
 */
export function winogradOutputRange(start: i32, end: i32, m: usize, y: usize, oc: i32, oh: i32, ow: i32, th: i32, tw: i32, n: i32): void {
  const cBytes = <usize>oc << 2;
  const stride = <usize>(n * th * tw) * cBytes;
  for (let b = start; b < end; b++) {
    for (let ty = 0; ty < th; ty++) {
      const y0 = 2 * ty, secondRow = y0 + 1 < oh;
      for (let tx = 0; tx < tw; tx++) {
        const x0 = 2 * tx, secondColumn = x0 + 1 < ow;
        const src = m + <usize>((b * th + ty) * tw + tx) * cBytes;
        const dst = y + <usize>((b * oh + y0) * ow + x0) * cBytes;
        const below = <usize>ow * cBytes;
        for (let q: usize = 0; q < cBytes; q += 16) {
          const s = src + q;
          // Aᵀ's rows (1 1 1 0), (0 1 -1 -1) over M's four rows, column by column
          const m00 = v128.load(s), m01 = v128.load(s + stride), m02 = v128.load(s + 2 * stride), m03 = v128.load(s + 3 * stride);
          const m10 = v128.load(s + 4 * stride), m11 = v128.load(s + 5 * stride), m12 = v128.load(s + 6 * stride), m13 = v128.load(s + 7 * stride);
          const m20 = v128.load(s + 8 * stride), m21 = v128.load(s + 9 * stride), m22 = v128.load(s + 10 * stride), m23 = v128.load(s + 11 * stride);
          const m30 = v128.load(s + 12 * stride), m31 = v128.load(s + 13 * stride), m32 = v128.load(s + 14 * stride), m33 = v128.load(s + 15 * stride);
          const s00 = f32x4.add(f32x4.add(m00, m10), m20), s01 = f32x4.add(f32x4.add(m01, m11), m21);
          const s02 = f32x4.add(f32x4.add(m02, m12), m22), s03 = f32x4.add(f32x4.add(m03, m13), m23);
          const s10 = f32x4.sub(f32x4.sub(m10, m20), m30), s11 = f32x4.sub(f32x4.sub(m11, m21), m31);
          const s12 = f32x4.sub(f32x4.sub(m12, m22), m32), s13 = f32x4.sub(f32x4.sub(m13, m23), m33);
          const d = dst + q;
          v128.store(d, f32x4.add(f32x4.add(s00, s01), s02));
          if (secondColumn) v128.store(d + cBytes, f32x4.sub(f32x4.sub(s01, s02), s03));
          if (secondRow) {
            v128.store(d + below, f32x4.add(f32x4.add(s10, s11), s12));
            if (secondColumn) v128.store(d + below + cBytes, f32x4.sub(f32x4.sub(s11, s12), s13));
          }
        }
      }
    }
  }
}

// A's rows (1 0), (1 1), (1 -1), (0 -1) applied to (p, q): four of Z's positions.
@inline
function storeGradientRow(out: usize, stride: usize, p: v128, q: v128): void {
  v128.store(out, p);
  v128.store(out + stride, f32x4.add(p, q));
  v128.store(out + 2 * stride, f32x4.sub(p, q));
  v128.store(out + 3 * stride, f32x4.neg(q));
}

/**
 * Images [start, end) of Z [16, T, OC] = A g Aᵀ for every 2x2 block g of gy [N, OH, OW, OC], pixels
 * past the last row or column read from `zeros`: the adjoint of winogradOutputRange, which the
 * weight gradient needs (dU = Σ over tiles of V ⊙ Z).
 */
export function winogradOutputGradientRange(start: i32, end: i32, gy: usize, z: usize, zeros: usize,
  oc: i32, oh: i32, ow: i32, th: i32, tw: i32, n: i32): void {
  const cBytes = <usize>oc << 2;
  const stride = <usize>(n * th * tw) * cBytes;
  const below = <usize>ow * cBytes;
  for (let b = start; b < end; b++) {
    for (let ty = 0; ty < th; ty++) {
      const y0 = 2 * ty, secondRow = y0 + 1 < oh;
      for (let tx = 0; tx < tw; tx++) {
        const x0 = 2 * tx, secondColumn = x0 + 1 < ow;
        const p00 = gy + <usize>((b * oh + y0) * ow + x0) * cBytes;
        const p01 = secondColumn ? p00 + cBytes : zeros;
        const p10 = secondRow ? p00 + below : zeros;
        const p11 = secondRow && secondColumn ? p00 + below + cBytes : zeros;
        const out = z + <usize>((b * th + ty) * tw + tx) * cBytes;
        for (let q: usize = 0; q < cBytes; q += 16) {
          const g00 = v128.load(p00 + q), g01 = v128.load(p01 + q), g10 = v128.load(p10 + q), g11 = v128.load(p11 + q);
          // A g: rows (g00, g01), (g00 + g10, g01 + g11), (g00 - g10, g01 - g11), (-g10, -g11); then each row times Aᵀ
          const o = out + q;
          storeGradientRow(o, stride, g00, g01);
          storeGradientRow(o + 4 * stride, stride, f32x4.add(g00, g10), f32x4.add(g01, g11));
          storeGradientRow(o + 8 * stride, stride, f32x4.sub(g00, g10), f32x4.sub(g01, g11));
          storeGradientRow(o + 12 * stride, stride, f32x4.neg(g10), f32x4.neg(g11));
        }
      }
    }
  }
}

/**
 * Groups [start, end) of the weight gradient. Group g takes chunks [g·perGroup, (g+1)·perGroup) of
 * `per` images each, in order: V and Z of the chunk's tiles, then partials[g, e] [C, OC] += Vₑᵀ Zₑ
 * over them (16 GEMMs on this thread's workspace while the chunk's V and Z are still in cache). The
 * caller sums the groups' partials in group order, so any split of the groups across threads gives
 * the same bits. Returns the GEMM's status.
 */
export function winogradWeightGradientRange(start: i32, end: i32, x: usize, gy: usize, v: usize, z: usize, partials: usize,
  zeros: usize, n: i32, c: i32, h: i32, w: i32, oc: i32, oh: i32, ow: i32, ph: i32, pw: i32, th: i32, tw: i32,
  per: i32, perGroup: i32): i32 {
  const tilesPerImage = th * tw, tiles = n * tilesPerImage;
  for (let g = start; g < end; g++) {
    for (let q = g * perGroup; q < (g + 1) * perGroup && q * per < n; q++) {
      const b0 = q * per, b1 = min(n, b0 + per);
      winogradInputRange(b0, b1, x, v, zeros, n, c, h, w, ph, pw, th, tw);
      winogradOutputGradientRange(b0, b1, gy, z, zeros, oc, oh, ow, th, tw, n);
      const t0 = b0 * tilesPerImage, k = (b1 - b0) * tilesPerImage;
      const beta: f32 = q == g * perGroup ? 0 : 1;
      for (let e = 0; e < 16; e++) {
        const ve = v + (<usize>(e * tiles + t0) * <usize>c << 2);
        const ze = z + (<usize>(e * tiles + t0) * <usize>oc << 2);
        const out = partials + (<usize>((g * 16 + e) * c) * <usize>oc << 2);
        const status = sgemm(1, 0, c, oc, k, 1, ve, c, ze, oc, beta, out, oc);
        if (status != 0) return status;
      }
    }
  }
  return 0;
}
