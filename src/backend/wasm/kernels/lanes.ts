// Float64 helpers for kernels that accumulate (or compute) in f64 like the reference backend:
// an f32x4 vector is handled as two f64x2 halves.

/** Lanes 2 and 3 of v as f64x2. */
@inline
export function promoteHigh(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
}

/** Rounds two f64x2 halves back into one f32x4 (lo in lanes 0-1, hi in lanes 2-3). */
@inline
export function demotePair(lo: v128, hi: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/** Sum of the four lanes of two f64x2 accumulators. */
@inline
export function sumLanes(lo: v128, hi: v128): f64 {
  return (f64x2.extract_lane(lo, 0) + f64x2.extract_lane(hi, 0)) + (f64x2.extract_lane(lo, 1) + f64x2.extract_lane(hi, 1));
}
