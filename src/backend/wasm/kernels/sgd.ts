// torch.optim.SGD's update over float32 parameters, two at a time in float64 lanes: the same
// operations in the same order as the reference (backend/js/sgd.ts, where JS computes in float64
// and rounds when it stores to a Float32Array), so both backends give bit-identical parameters.
// V8 runs that reference loop at ~3 ns per element; this runs at a fraction of it.

import { demotePair, promoteHigh } from './lanes';

const SGD_FIRST = 1; // first momentum update: buf = direction
const SGD_NESTEROV = 2;
const SGD_MAXIMIZE = 4;

// float64 -> float32 -> float64: the rounding of a store to a Float32Array (or Math.fround).
@inline
function round32(x: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(x));
}

/**
 * p[i] -= lr * direction for i < n (byte pointers to float32 data), with d = ±g (+ wd * p, rounded)
 * and, when buf != 0, buf = first ? d : momentum * buf + keep * d, direction = buf, or
 * d + momentum * buf (rounded) with Nesterov; without buf the direction is d.
 */
export function sgdStepF32(p: usize, g: usize, buf: usize, n: i32, lr: f64, momentum: f64, keep: f64, wd: f64, flags: i32): void {
  const first = (flags & SGD_FIRST) != 0;
  const nesterov = (flags & SGD_NESTEROV) != 0;
  const maximize = (flags & SGD_MAXIMIZE) != 0;
  const vlr = f64x2.splat(lr);
  const vm = f64x2.splat(momentum);
  const vkeep = f64x2.splat(keep);
  const vwd = f64x2.splat(wd);
  if (buf != 0 && flags == 0 && wd == 0) {
    // The usual case (momentum, after the first step), four floats at a time.
    const end4 = p + (<usize>(n & ~3) << 2);
    while (p < end4) {
      const bv = v128.load(buf);
      const gv = v128.load(g);
      const pv = v128.load(p);
      const bLo = f64x2.add(f64x2.mul(vm, f64x2.promote_low_f32x4(bv)), f64x2.mul(vkeep, f64x2.promote_low_f32x4(gv)));
      const bHi = f64x2.add(f64x2.mul(vm, promoteHigh(bv)), f64x2.mul(vkeep, promoteHigh(gv)));
      const b32 = demotePair(bLo, bHi);
      v128.store(buf, b32);
      const pLo = f64x2.sub(f64x2.promote_low_f32x4(pv), f64x2.mul(vlr, f64x2.promote_low_f32x4(b32)));
      const pHi = f64x2.sub(promoteHigh(pv), f64x2.mul(vlr, promoteHigh(b32)));
      v128.store(p, demotePair(pLo, pHi));
      p += 16;
      g += 16;
      buf += 16;
    }
    n &= 3;
  }
  const end = p + (<usize>(n & ~1) << 2);
  while (p < end) {
    const pv = f64x2.promote_low_f32x4(v128.load64_zero(p));
    let d = f64x2.promote_low_f32x4(v128.load64_zero(g));
    if (maximize) d = f64x2.neg(d);
    if (wd != 0) d = round32(f64x2.add(d, f64x2.mul(vwd, pv)));
    let dir = d;
    if (buf != 0) {
      const b = first ? d : f64x2.add(f64x2.mul(vm, f64x2.promote_low_f32x4(v128.load64_zero(buf))), f64x2.mul(vkeep, d));
      const b32 = f32x4.demote_f64x2_zero(b);
      v128.store64_lane(buf, b32, 0);
      dir = f64x2.promote_low_f32x4(b32);
      if (nesterov) dir = round32(f64x2.add(d, f64x2.mul(vm, dir)));
      buf += 8;
    }
    v128.store64_lane(p, f32x4.demote_f64x2_zero(f64x2.sub(pv, f64x2.mul(vlr, dir))), 0);
    p += 8;
    g += 8;
  }
  if (n & 1) {
    const pv = <f64>load<f32>(p);
    let d = <f64>load<f32>(g);
    if (maximize) d = -d;
    if (wd != 0) d = <f64><f32>(d + wd * pv);
    let dir = d;
    if (buf != 0) {
      const b = <f32>(first ? d : momentum * <f64>load<f32>(buf) + keep * d);
      store<f32>(buf, b);
      dir = <f64>b;
      if (nesterov) dir = <f64><f32>(d + momentum * dir);
    }
    store<f32>(p, <f32>(pv - lr * dir));
  }
}
