// torch.optim.Adam / AdamW's update over float32 parameters, two at a time in float64 lanes: the
// same operations in the same order as the reference (backend/js/adam.ts, where JS computes in
// float64 and rounds when it stores to a Float32Array), so both backends give bit-identical
// parameters and moments. Each element depends only on its own values: any split of a range over
// threads gives the same bits.

const ADAM_MAXIMIZE = 1;

// float64 -> float32 -> float64: the rounding of a store to a Float32Array (or Math.fround).
@inline
function round32(x: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(x));
}

/**
 * Elements [start, end) of one Adam update, in place (byte pointers to float32 data; vmax 0 without
 * amsgrad): d = ±g (+ l2 * p, rounded); p *= decay unless decay is 1; m = beta1 m + (1 - beta1) d;
 * v = beta2 v + (1 - beta2) d d; with amsgrad vmax = max(vmax, v);
 * p -= stepSize * m / (sqrt(v or vmax) / bc2Sqrt (rounded) + eps (rounded)).
 */
export function adamStepF32Range(start: i32, end: i32, p: usize, g: usize, m: usize, v: usize, vmax: usize,
  beta1: f64, beta2: f64, stepSize: f64, bc2Sqrt: f64, eps: f64, l2: f64, decay: f64, flags: i32): void {
  const o = <usize>start << 2;
  p += o;
  g += o;
  m += o;
  v += o;
  const amsgrad = vmax != 0;
  if (amsgrad) vmax += o;
  const maximize = (flags & ADAM_MAXIMIZE) != 0;
  const c1 = 1 - beta1, c2 = 1 - beta2;
  const vb1 = f64x2.splat(beta1), vb2 = f64x2.splat(beta2), vc1 = f64x2.splat(c1), vc2 = f64x2.splat(c2);
  const vStep = f64x2.splat(stepSize), vBc2 = f64x2.splat(bc2Sqrt), vEps = f64x2.splat(eps);
  const vl2 = f64x2.splat(l2), vDecay = f64x2.splat(decay);
  const n = end - start;
  const pairsEnd = p + (<usize>(n & ~1) << 2);
  while (p < pairsEnd) {
    let d = f64x2.promote_low_f32x4(v128.load64_zero(g));
    if (maximize) d = f64x2.neg(d);
    let pv = f64x2.promote_low_f32x4(v128.load64_zero(p));
    if (l2 != 0) d = round32(f64x2.add(d, f64x2.mul(vl2, pv)));
    if (decay != 1) pv = round32(f64x2.mul(pv, vDecay));
    const mv = round32(f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(m)), vb1), f64x2.mul(vc1, d)));
    v128.store64_lane(m, f32x4.demote_f64x2_zero(mv), 0);
    let vv = round32(f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(v)), vb2), f64x2.mul(f64x2.mul(vc2, d), d)));
    v128.store64_lane(v, f32x4.demote_f64x2_zero(vv), 0);
    if (amsgrad) {
      const mx = f64x2.promote_low_f32x4(v128.load64_zero(vmax));
      vv = v128.bitselect(vv, mx, f64x2.gt(vv, mx));
      v128.store64_lane(vmax, f32x4.demote_f64x2_zero(vv), 0);
      vmax += 8;
    }
    const denom = round32(f64x2.add(round32(f64x2.div(f64x2.sqrt(vv), vBc2)), vEps));
    pv = f64x2.sub(pv, f64x2.div(f64x2.mul(vStep, mv), denom));
    v128.store64_lane(p, f32x4.demote_f64x2_zero(pv), 0);
    p += 8;
    g += 8;
    m += 8;
    v += 8;
  }
  if (n & 1) {
    let d = <f64>load<f32>(g);
    if (maximize) d = -d;
    let pv = <f64>load<f32>(p);
    if (l2 != 0) d = <f64><f32>(d + l2 * pv);
    if (decay != 1) pv = <f64><f32>(pv * decay);
    const mv = <f32>(<f64>load<f32>(m) * beta1 + c1 * d);
    store<f32>(m, mv);
    let vv = <f32>(<f64>load<f32>(v) * beta2 + c2 * d * d);
    store<f32>(v, vv);
    if (amsgrad) {
      const mx = load<f32>(vmax);
      if (!(vv > mx)) vv = mx;
      store<f32>(vmax, vv);
    }
    const denom = <f64><f32>(<f64><f32>(Math.sqrt(<f64>vv) / bc2Sqrt) + eps);
    store<f32>(p, <f32>(pv - (stepSize * <f64>mv) / denom));
  }
}
