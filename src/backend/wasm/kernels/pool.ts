// Max pooling and its backward, with the reference backend's NaN and tie rules (src/backend/js/pool.ts):
// argmax holds the winning position within the input plane.

// One 2x2 window at input offset i0 (row stride w), scalar.
@inline
function window2x2(base: usize, i0: i32, w: i32, out: usize, argmax: usize): void {
  let best = load<f32>(base + (<usize>i0 << 2));
  let bi = i0;
  for (let t = 1; t < 4; t++) {
    const i = i0 + (t >> 1) * w + (t & 1);
    const v = load<f32>(base + (<usize>i << 2));
    if (!(v <= best) && best == best) {
      best = v;
      bi = i;
    }
  }
  store<f32>(out, best);
  store<i32>(argmax, bi);
}

// Taps in order (0,0), (0,1), (1,0), (1,1): a tap wins when !(v <= best) and best is not NaN, so the
// first NaN wins and ties keep the earlier tap.
@inline
function take(best: v128, v: v128): v128 {
  return v128.andnot(f32x4.eq(best, best), f32x4.le(v, best));
}

// Four 2x2 windows side by side, the first at input offset i0 (row stride w), branch-free.
@inline
function windows2x2x4(base: usize, i0: i32, w: i32, out: usize, argmax: usize): void {
  const top = base + (<usize>i0 << 2);
  const bottom = top + (<usize>w << 2);
  const t0 = v128.load(top), t1 = v128.load(top, 16);
  const b0 = v128.load(bottom), b1 = v128.load(bottom, 16);
  let best = v128.shuffle<f32>(t0, t1, 0, 2, 4, 6);
  let bi = i32x4.add(i32x4.splat(i0), i32x4(0, 2, 4, 6));
  const i1 = i32x4.add(bi, i32x4.splat(1)), i2 = i32x4.add(bi, i32x4.splat(w)), i3 = i32x4.add(i2, i32x4.splat(1));
  let v = v128.shuffle<f32>(t0, t1, 1, 3, 5, 7);
  let m = take(best, v);
  best = v128.bitselect(v, best, m); bi = v128.bitselect(i1, bi, m);
  v = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6);
  m = take(best, v);
  best = v128.bitselect(v, best, m); bi = v128.bitselect(i2, bi, m);
  v = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
  m = take(best, v);
  best = v128.bitselect(v, best, m); bi = v128.bitselect(i3, bi, m);
  v128.store(out, best);
  v128.store(argmax, bi);
}

/**
 * 2x2 windows, stride 2, no padding: four windows at a time, branch-free (random data mispredicts).
 * A row's last 1-3 windows are the last four again when the row has four (recomputing one to three
 * gives the same values), so only rows narrower than four take the scalar windows.
 */
function maxPool2x2(x: usize, planes: i32, h: i32, w: i32, oh: i32, ow: i32, out: usize, argmax: usize): void {
  let o: usize = 0;
  for (let p = 0; p < planes; p++) {
    const base = x + (<usize>p * <usize>(h * w) << 2);
    for (let y = 0; y < oh; y++) {
      const r0 = 2 * y * w;
      let xo = 0;
      for (; xo + 4 <= ow; xo += 4) windows2x2x4(base, r0 + 2 * xo, w, out + ((o + <usize>xo) << 2), argmax + ((o + <usize>xo) << 2));
      if (xo < ow && ow >= 4) {
        const last = ow - 4;
        windows2x2x4(base, r0 + 2 * last, w, out + ((o + <usize>last) << 2), argmax + ((o + <usize>last) << 2));
      } else {
        for (; xo < ow; xo++) window2x2(base, r0 + 2 * xo, w, out + ((o + <usize>xo) << 2), argmax + ((o + <usize>xo) << 2));
      }
      o += <usize>ow;
    }
  }
}

/**
 * out [planes, OH, OW] = max over each window of x [planes, H, W]; argmax gets the winner's h*W+w
 * (-1 for a window entirely in the padding).
 */
function maxPool2d(
  x: usize, planes: i32, h: i32, w: i32, oh: i32, ow: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32,
  out: usize, argmax: usize,
): void {
  if (kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0 && dh == 1 && dw == 1 && 2 * oh <= h && 2 * ow <= w) {
    maxPool2x2(x, planes, h, w, oh, ow, out, argmax);
    return;
  }
  let o: usize = 0;
  for (let p = 0; p < planes; p++) {
    const base = x + (<usize>p * <usize>(h * w) << 2);
    for (let y = 0; y < oh; y++) {
      for (let xo = 0; xo < ow; xo++) {
        let best: f32 = -Infinity;
        let bi = -1;
        for (let ky = 0; ky < kh; ky++) {
          const iy = y * sh - ph + ky * dh;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = xo * sw - pw + kx * dw;
            if (ix < 0 || ix >= w) continue;
            const v = load<f32>(base + (<usize>(iy * w + ix) << 2));
            if (v > best || v != v || bi < 0) {
              best = v;
              bi = iy * w + ix;
              if (v != v) break;
            }
          }
        }
        store<f32>(out + (o << 2), best);
        store<i32>(argmax + (o << 2), bi);
        o++;
      }
    }
  }
}

/** gradInput [planes, H·W] = 0, then gradOut [planes, OH·OW] added at each window's argmax. */
function maxPool2dBackward(gradOut: usize, argmax: usize, planes: i32, planeIn: i32, planeOut: i32, gradInput: usize): void {
  memory.fill(gradInput, 0, <usize>planes * <usize>planeIn * 4);
  let o: usize = 0;
  for (let p = 0; p < planes; p++) {
    const base = gradInput + (<usize>p * <usize>planeIn << 2);
    for (let i = 0; i < planeOut; i++) {
      const idx = load<i32>(argmax + (o << 2));
      if (idx >= 0) {
        const q = base + (<usize>idx << 2);
        store<f32>(q, load<f32>(q) + load<f32>(gradOut + (o << 2)));
      }
      o++;
    }
  }
}

/** maxPool2d over planes [start, end). */
export function maxPool2dRange(
  start: i32, end: i32, x: usize, h: i32, w: i32, oh: i32, ow: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32,
  out: usize, argmax: usize,
): void {
  const o = <usize>start * <usize>(oh * ow) << 2;
  maxPool2d(x + (<usize>start * <usize>(h * w) << 2), end - start, h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, out + o, argmax + o);
}

/** maxPool2dBackward over planes [start, end). */
export function maxPool2dBackwardRange(start: i32, end: i32, gradOut: usize, argmax: usize, planeIn: i32, planeOut: i32, gradInput: usize): void {
  const o = <usize>start * <usize>planeOut << 2;
  maxPool2dBackward(gradOut + o, argmax + o, end - start, planeIn, planeOut, gradInput + (<usize>start * <usize>planeIn << 2));
}
