// Layer norm and batch norm on f32 data, computed in f64 like the reference backend
// (src/backend/js/norm.ts), two lanes at a time: results match it to within a rounding.
import { demotePair, promoteHigh, sumLanes } from './lanes';

/** Sum of n floats at p in f64. */
@inline
function sum64(p: usize, n: i32): f64 {
  let lo = f64x2.splat(0), hi = f64x2.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const v = v128.load(p + (<usize>j << 2));
    lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
    hi = f64x2.add(hi, promoteHigh(v));
  }
  let s = sumLanes(lo, hi);
  for (; j < n; j++) s += <f64>load<f32>(p + (<usize>j << 2));
  return s;
}

/** Sum of (x - mu)² over n floats at p, in f64. */
@inline
function squares64(p: usize, n: i32, mu: f64): f64 {
  const vm = f64x2.splat(mu);
  let lo = f64x2.splat(0), hi = f64x2.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const v = v128.load(p + (<usize>j << 2));
    const dl = f64x2.sub(f64x2.promote_low_f32x4(v), vm), dh = f64x2.sub(promoteHigh(v), vm);
    lo = f64x2.add(lo, f64x2.mul(dl, dl));
    hi = f64x2.add(hi, f64x2.mul(dh, dh));
  }
  let s = sumLanes(lo, hi);
  for (; j < n; j++) { const d = <f64>load<f32>(p + (<usize>j << 2)) - mu; s += d * d; }
  return s;
}

@inline
function f64At(p: usize, j: i32): f64 {
  return <f64>load<f32>(p + (<usize>j << 2));
}

/**
 * out = (x - mean) * rstd * weight + bias per row of x [rows, cols] (weight, bias: 0 when absent);
 * writes each row's mean and 1/sqrt(var + eps) (f32) for backward.
 */
function layerNormRows(x: usize, rows: i32, cols: i32, weight: usize, bias: usize, eps: f64,
  out: usize, mean: usize, rstd: usize): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowBytes, or = out + <usize>r * rowBytes;
    const mu = sum64(xr, cols) / <f64>cols;
    const inv = 1 / Math.sqrt(squares64(xr, cols, mu) / <f64>cols + eps);
    store<f32>(mean + (<usize>r << 2), <f32>mu);
    store<f32>(rstd + (<usize>r << 2), <f32>inv);
    const vm = f64x2.splat(mu), vi = f64x2.splat(inv);
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const o = <usize>j << 2;
      const v = v128.load(xr + o);
      let lo = f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(v), vm), vi);
      let hi = f64x2.mul(f64x2.sub(promoteHigh(v), vm), vi);
      if (weight) {
        const w = v128.load(weight + o);
        lo = f64x2.mul(lo, f64x2.promote_low_f32x4(w));
        hi = f64x2.mul(hi, promoteHigh(w));
      }
      if (bias) {
        const b = v128.load(bias + o);
        lo = f64x2.add(lo, f64x2.promote_low_f32x4(b));
        hi = f64x2.add(hi, promoteHigh(b));
      }
      v128.store(or + o, demotePair(lo, hi));
    }
    for (; j < cols; j++) {
      let v = (f64At(xr, j) - mu) * inv;
      if (weight) v *= f64At(weight, j);
      if (bias) v += f64At(bias, j);
      store<f32>(or + (<usize>j << 2), <f32>v);
    }
  }
}

/**
 * Backward of layerNormRows from the saved mean / rstd, rows [start, end) of gx [rows, cols] (gx may
 * equal g); the parameter gradients are layerNormParamGradsRange's.
 */
export function layerNormBackwardRowsRange(start: i32, end: i32, g: usize, x: usize, mean: usize, rstd: usize, weight: usize,
  cols: i32, gx: usize): void {
  const rowBytes = <usize>cols << 2;
  const n = <f64>cols;
  for (let r = start; r < end; r++) {
    const off = <usize>r * rowBytes;
    const gr = g + off, xr = x + off, xo = gx + off;
    const mu = f64x2.splat(<f64>load<f32>(mean + (<usize>r << 2)));
    const inv = <f64>load<f32>(rstd + (<usize>r << 2));
    const vi = f64x2.splat(inv);
    // pass 1: the row sums of gy and gy * xhat
    let sgLo = f64x2.splat(0), sgHi = f64x2.splat(0), sxLo = f64x2.splat(0), sxHi = f64x2.splat(0);
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const o = <usize>j << 2;
      const v = v128.load(xr + o), gv = v128.load(gr + o);
      const xl = f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(v), mu), vi);
      const xh = f64x2.mul(f64x2.sub(promoteHigh(v), mu), vi);
      let gl = f64x2.promote_low_f32x4(gv), gh = promoteHigh(gv);
      if (weight) {
        const w = v128.load(weight + o);
        gl = f64x2.mul(gl, f64x2.promote_low_f32x4(w));
        gh = f64x2.mul(gh, promoteHigh(w));
      }
      sgLo = f64x2.add(sgLo, gl); sgHi = f64x2.add(sgHi, gh);
      sxLo = f64x2.add(sxLo, f64x2.mul(gl, xl)); sxHi = f64x2.add(sxHi, f64x2.mul(gh, xh));
    }
    let sumG = sumLanes(sgLo, sgHi), sumGX = sumLanes(sxLo, sxHi);
    for (let t = j; t < cols; t++) {
      const xhat = (f64At(xr, t) - f64x2.extract_lane(mu, 0)) * inv;
      const gt = f64At(gr, t);
      const gy = weight ? gt * f64At(weight, t) : gt;
      sumG += gy;
      sumGX += gy * xhat;
    }
    // pass 2: gx = inv * (gy - mean(gy) - xhat * mean(gy * xhat))
    const mg = f64x2.splat(sumG / n), mx = f64x2.splat(sumGX / n);
    j = 0;
    for (; j + 4 <= cols; j += 4) {
      const o = <usize>j << 2;
      const v = v128.load(xr + o), gv = v128.load(gr + o);
      const xl = f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(v), mu), vi);
      const xh = f64x2.mul(f64x2.sub(promoteHigh(v), mu), vi);
      let gl = f64x2.promote_low_f32x4(gv), gh = promoteHigh(gv);
      if (weight) {
        const w = v128.load(weight + o);
        gl = f64x2.mul(gl, f64x2.promote_low_f32x4(w));
        gh = f64x2.mul(gh, promoteHigh(w));
      }
      const lo = f64x2.mul(vi, f64x2.sub(f64x2.sub(gl, mg), f64x2.mul(xl, mx)));
      const hi = f64x2.mul(vi, f64x2.sub(f64x2.sub(gh, mg), f64x2.mul(xh, mx)));
      v128.store(xo + o, demotePair(lo, hi));
    }
    for (; j < cols; j++) {
      const xhat = (f64At(xr, j) - f64x2.extract_lane(mu, 0)) * inv;
      const gy = weight ? f64At(gr, j) * f64At(weight, j) : f64At(gr, j);
      store<f32>(xo + (<usize>j << 2), <f32>(inv * (gy - sumG / n - xhat * (sumGX / n))));
    }
  }
}

/**
 * Layer norm's parameter gradients for columns [start, end): gradWeight = sum over rows of gy * xhat,
 * gradBias = sum of gy (0 when not wanted), accumulated in f64 at acc (2 * cols f64) row after row,
 * then rounded; each column by itself, so a split over columns gives the same bits.
 */
export function layerNormParamGradsRange(start: i32, end: i32, g: usize, x: usize, mean: usize, rstd: usize, rows: i32, cols: i32,
  gradWeight: usize, gradBias: usize, acc: usize): void {
  const rowBytes = <usize>cols << 2;
  const accW = acc, accB = acc + (<usize>cols << 3);
  const width = <usize>(end - start) << 3;
  memory.fill(accW + (<usize>start << 3), 0, width);
  memory.fill(accB + (<usize>start << 3), 0, width);
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * rowBytes;
    const gr = g + off, xr = x + off;
    const mu = <f64>load<f32>(mean + (<usize>r << 2));
    const inv = <f64>load<f32>(rstd + (<usize>r << 2));
    const vm = f64x2.splat(mu), vi = f64x2.splat(inv);
    let j = start;
    for (; j + 2 <= end; j += 2) {
      const o = <usize>j << 2, o2 = <usize>j << 3;
      const gl = f64x2.promote_low_f32x4(v128.load64_zero(gr + o));
      if (gradWeight) {
        const xl = f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(v128.load64_zero(xr + o)), vm), vi);
        v128.store(accW + o2, f64x2.add(v128.load(accW + o2), f64x2.mul(gl, xl)));
      }
      if (gradBias) v128.store(accB + o2, f64x2.add(v128.load(accB + o2), gl));
    }
    for (; j < end; j++) {
      const gt = f64At(gr, j);
      if (gradWeight) store<f64>(accW + (<usize>j << 3), load<f64>(accW + (<usize>j << 3)) + gt * ((f64At(xr, j) - mu) * inv));
      if (gradBias) store<f64>(accB + (<usize>j << 3), load<f64>(accB + (<usize>j << 3)) + gt);
    }
  }
  for (let j = start; j < end; j++) {
    if (gradWeight) store<f32>(gradWeight + (<usize>j << 2), <f32>load<f64>(accW + (<usize>j << 3)));
    if (gradBias) store<f32>(gradBias + (<usize>j << 2), <f32>load<f64>(accB + (<usize>j << 3)));
  }
}

/** Per-channel mean and biased variance of x [n, c, spatial], in f64. */
export function channelMomentsF32(x: usize, n: i32, c: i32, spatial: i32, mean: usize, variance: usize): void {
  const count = <f64>n * <f64>spatial;
  const planeBytes = <usize>spatial << 2, batchBytes = <usize>c * planeBytes;
  for (let ch = 0; ch < c; ch++) {
    const base = x + <usize>ch * planeBytes;
    let sum: f64 = 0;
    for (let b = 0; b < n; b++) sum += sum64(base + <usize>b * batchBytes, spatial);
    const mu = sum / count;
    let sq: f64 = 0;
    for (let b = 0; b < n; b++) sq += squares64(base + <usize>b * batchBytes, spatial, mu);
    store<f32>(mean + (<usize>ch << 2), <f32>mu);
    store<f32>(variance + (<usize>ch << 2), <f32>(sq / count));
  }
}

/** out = x * scale[c] + shift[c] over [n, c, spatial], scale = invstd * weight, shift = bias - mean * scale (in f64). */
export function channelNormalizeF32(x: usize, n: i32, c: i32, spatial: i32, mean: usize, invstd: usize,
  weight: usize, bias: usize, out: usize): void {
  const planeBytes = <usize>spatial << 2;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const co = <usize>ch << 2;
      const scale = <f64>load<f32>(invstd + co) * (weight ? <f64>load<f32>(weight + co) : 1);
      const shift = (bias ? <f64>load<f32>(bias + co) : 0) - <f64>load<f32>(mean + co) * scale;
      const vs = f64x2.splat(scale), vt = f64x2.splat(shift);
      const off = (<usize>b * <usize>c + <usize>ch) * planeBytes;
      const xp = x + off, op = out + off;
      let j = 0;
      for (; j + 4 <= spatial; j += 4) {
        const o = <usize>j << 2;
        const v = v128.load(xp + o);
        v128.store(op + o, demotePair(f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(v), vs), vt), f64x2.add(f64x2.mul(promoteHigh(v), vs), vt)));
      }
      for (; j < spatial; j++) store<f32>(op + (<usize>j << 2), <f32>(f64At(xp, j) * scale + shift));
    }
  }
}

/** Backward of training-mode batch norm over [n, c, spatial]; gradWeight / gradBias 0 when not wanted. */
export function batchNormBackwardF32(g: usize, x: usize, n: i32, c: i32, spatial: i32, mean: usize, invstd: usize,
  weight: usize, gx: usize, gradWeight: usize, gradBias: usize): void {
  const count = <f64>n * <f64>spatial;
  const planeBytes = <usize>spatial << 2, batchBytes = <usize>c * planeBytes;
  for (let ch = 0; ch < c; ch++) {
    const co = <usize>ch << 2;
    const mu = <f64>load<f32>(mean + co), inv = <f64>load<f32>(invstd + co);
    const vm = f64x2.splat(mu), vi = f64x2.splat(inv);
    let sumG: f64 = 0, sumGX: f64 = 0;
    for (let b = 0; b < n; b++) {
      const off = <usize>ch * planeBytes + <usize>b * batchBytes;
      const gp = g + off, xp = x + off;
      let gLo = f64x2.splat(0), gHi = f64x2.splat(0), xLo = f64x2.splat(0), xHi = f64x2.splat(0);
      let j = 0;
      for (; j + 4 <= spatial; j += 4) {
        const o = <usize>j << 2;
        const gv = v128.load(gp + o), v = v128.load(xp + o);
        const gl = f64x2.promote_low_f32x4(gv), gh = promoteHigh(gv);
        gLo = f64x2.add(gLo, gl); gHi = f64x2.add(gHi, gh);
        xLo = f64x2.add(xLo, f64x2.mul(f64x2.mul(gl, f64x2.sub(f64x2.promote_low_f32x4(v), vm)), vi));
        xHi = f64x2.add(xHi, f64x2.mul(f64x2.mul(gh, f64x2.sub(promoteHigh(v), vm)), vi));
      }
      sumG += sumLanes(gLo, gHi);
      sumGX += sumLanes(xLo, xHi);
      for (; j < spatial; j++) {
        const gj = f64At(gp, j);
        sumG += gj;
        sumGX += gj * (f64At(xp, j) - mu) * inv;
      }
    }
    if (gradWeight) store<f32>(gradWeight + co, <f32>sumGX);
    if (gradBias) store<f32>(gradBias + co, <f32>sumG);
    const scale = inv * (weight ? <f64>load<f32>(weight + co) : 1);
    const mg = sumG / count, mx = sumGX / count;
    const vs = f64x2.splat(scale), vmg = f64x2.splat(mg), vmx = f64x2.splat(mx);
    for (let b = 0; b < n; b++) {
      const off = <usize>ch * planeBytes + <usize>b * batchBytes;
      const gp = g + off, xp = x + off, op = gx + off;
      let j = 0;
      for (; j + 4 <= spatial; j += 4) {
        const o = <usize>j << 2;
        const gv = v128.load(gp + o), v = v128.load(xp + o);
        const xl = f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(v), vm), vi);
        const xh = f64x2.mul(f64x2.sub(promoteHigh(v), vm), vi);
        const lo = f64x2.mul(vs, f64x2.sub(f64x2.sub(f64x2.promote_low_f32x4(gv), vmg), f64x2.mul(xl, vmx)));
        const hi = f64x2.mul(vs, f64x2.sub(f64x2.sub(promoteHigh(gv), vmg), f64x2.mul(xh, vmx)));
        v128.store(op + o, demotePair(lo, hi));
      }
      for (; j < spatial; j++) {
        const xhat = (f64At(xp, j) - mu) * inv;
        store<f32>(op + (<usize>j << 2), <f32>(scale * (f64At(gp, j) - mg - xhat * mx)));
      }
    }
  }
}

/** layerNormRows over rows [start, end). */
export function layerNormRowsRange(start: i32, end: i32, x: usize, cols: i32, weight: usize, bias: usize, eps: f64,
  out: usize, mean: usize, rstd: usize): void {
  const o = <usize>start * <usize>cols << 2, r = <usize>start << 2;
  layerNormRows(x + o, end - start, cols, weight, bias, eps, out + o, mean + r, rstd + r);
}
