// Row helpers shared by the softmax and attention kernels (kept out of kernels/index.ts: internal).
import { expNoTiny } from './math';
import { promoteHigh, sumLanes } from './lanes';

/** exp(d) for one float, by the vector code so that tails round like the lanes. */
@inline
export function expScalar(d: f32): f32 {
  return f32x4.extract_lane(expNoTiny(f32x4.splat(d)), 0);
}

/** out[j] = exp(x[j] - mx) over n floats (written only when keep); returns their sum in f64. x may equal out. */
@inline
export function expShiftSum(x: usize, out: usize, n: i32, mx: f32, keep: bool): f64 {
  const vm = f32x4.splat(mx);
  let lo = f64x2.splat(0), hi = f64x2.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    const e = expNoTiny(f32x4.sub(v128.load(x + o), vm));
    if (keep) v128.store(out + o, e);
    lo = f64x2.add(lo, f64x2.promote_low_f32x4(e));
    hi = f64x2.add(hi, promoteHigh(e));
  }
  let sum = sumLanes(lo, hi);
  for (; j < n; j++) {
    const o = <usize>j << 2;
    const e = expScalar(load<f32>(x + o) - mx);
    if (keep) store<f32>(out + o, e);
    sum += <f64>e;
  }
  return sum;
}

/** out[j] = a[j] * c over n floats (a may equal out). */
@inline
export function scaleRow(a: usize, out: usize, n: i32, c: f32): void {
  const vc = f32x4.splat(c);
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(out + (<usize>j << 2), f32x4.mul(v128.load(a + (<usize>j << 2)), vc));
  for (; j < n; j++) store<f32>(out + (<usize>j << 2), load<f32>(a + (<usize>j << 2)) * c);
}

@inline
export function fillRow(p: usize, n: i32, v: f32): void {
  const vv = f32x4.splat(v);
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(p + (<usize>j << 2), vv);
  for (; j < n; j++) store<f32>(p + (<usize>j << 2), v);
}

/** sum over j of a[j] * b[j] (n floats), products in f32, accumulated in f64. */
@inline
export function dotRow(a: usize, b: usize, n: i32): f64 {
  let lo = f64x2.splat(0), hi = f64x2.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    const p = f32x4.mul(v128.load(a + o), v128.load(b + o));
    lo = f64x2.add(lo, f64x2.promote_low_f32x4(p));
    hi = f64x2.add(hi, promoteHigh(p));
  }
  let s = sumLanes(lo, hi);
  for (; j < n; j++) s += <f64>(load<f32>(a + (<usize>j << 2)) * load<f32>(b + (<usize>j << 2)));
  return s;
}

/** out[j] = y[j] * (g[j] - dot) over n floats (out may equal g): the softmax backward of one row. */
@inline
export function softmaxGradRow(y: usize, g: usize, out: usize, n: i32, dot: f32, scale: f32): void {
  const vd = f32x4.splat(dot), vs = f32x4.splat(scale);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    v128.store(out + o, f32x4.mul(f32x4.mul(v128.load(y + o), f32x4.sub(v128.load(g + o), vd)), vs));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    store<f32>(out + o, load<f32>(y + o) * (load<f32>(g + o) - dot) * scale);
  }
}
