// Vectorised transcendental functions for the kernels, 4 lanes at a time, within a few float32 ulp
// of the correctly rounded result (the reference backend rounds float64 Math.exp / Math.tanh).

/**
 * a*b + c: one fused multiply-add in the relaxed-SIMD build (`--enable relaxed-simd`), a multiply and
 * an add in the plain one. In the GEMM's inner loop it halves the instructions, which on this 128-bit
 * path is what bounds the speed, not the multiply and add units.
 */
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

// exp(x) = 2^n · exp(r), n = round(x / ln 2), r = x - n·ln 2 in two parts (Cody-Waite), exp(r) by a
// degree-6 polynomial on |r| <= ln2/2 (Cephes expf coefficients).
//
// Its constants live in a table in memory, each as four lanes: inside a loop V8 rebuilds a splat
// constant with three instructions at every use, while a load from the table folds into the
// arithmetic instruction (exp over a large array: ~2.0 -> ~1.4 ns per element).
const EXP_CONSTANTS: usize = memory.data<f32>([
  88.72283935546875, 88.72283935546875, 88.72283935546875, 88.72283935546875, // 0: overflow clamp
  -103.97208404541016, -103.97208404541016, -103.97208404541016, -103.97208404541016, // 16: underflow clamp
  12582912, 12582912, 12582912, 12582912, // 32: 1.5·2^23, rounds to an integer
  1.4426950408889634, 1.4426950408889634, 1.4426950408889634, 1.4426950408889634, // 48: 1 / ln 2
  0.693359375, 0.693359375, 0.693359375, 0.693359375, // 64: ln 2, high part
  -2.12194440e-4, -2.12194440e-4, -2.12194440e-4, -2.12194440e-4, // 80: ln 2, low part
  1.9875691500e-4, 1.9875691500e-4, 1.9875691500e-4, 1.9875691500e-4, // 96: polynomial, highest degree first
  1.3981999507e-3, 1.3981999507e-3, 1.3981999507e-3, 1.3981999507e-3,
  8.3334519073e-3, 8.3334519073e-3, 8.3334519073e-3, 8.3334519073e-3,
  4.1665795894e-2, 4.1665795894e-2, 4.1665795894e-2, 4.1665795894e-2,
  1.6666665459e-1, 1.6666665459e-1, 1.6666665459e-1, 1.6666665459e-1,
  5.0000001201e-1, 5.0000001201e-1, 5.0000001201e-1, 5.0000001201e-1,
  1, 1, 1, 1, // 192
], 16);

@inline
export function expf4(x: v128): v128 {
  const c = EXP_CONSTANTS;
  // Beyond the clamps, exp over/underflows float32: clamp so 2^n stays representable, then saturate
  // below. pmin/pmax and the rounding constant are single instructions where min/max/nearest/
  // trunc_sat (with their NaN and -0 rules) are sequences; NaN is restored at the end.
  const xc = f32x4.pmax(f32x4.pmin(x, v128.load(c)), v128.load(c, 16));
  // adding 1.5·2^23 rounds x/ln2 to the nearest integer n, which then sits in the low mantissa bits of t
  const magic = v128.load(c, 32);
  const t = f32x4.add(f32x4.mul(xc, v128.load(c, 48)), magic);
  const n = f32x4.sub(t, magic);
  let r = f32x4.sub(xc, f32x4.mul(n, v128.load(c, 64)));
  r = f32x4.sub(r, f32x4.mul(n, v128.load(c, 80)));
  let p = v128.load(c, 96);
  p = madd(p, r, v128.load(c, 112));
  p = madd(p, r, v128.load(c, 128));
  p = madd(p, r, v128.load(c, 144));
  p = madd(p, r, v128.load(c, 160));
  p = madd(p, r, v128.load(c, 176));
  const r2 = f32x4.mul(r, r);
  p = f32x4.add(f32x4.add(f32x4.mul(p, r2), r), v128.load(c, 192));
  // 2^n split in two factors so n down to -150 (subnormal results) stays exact
  const ni = i32x4.sub(t, magic);
  const half = i32x4.shr_s(ni, 1);
  const s1 = i32x4.shl(i32x4.add(half, i32x4.splat(127)), 23);
  const s2 = i32x4.shl(i32x4.add(i32x4.sub(ni, half), i32x4.splat(127)), 23);
  let y = f32x4.mul(f32x4.mul(p, s1), s2);
  // NaN stays NaN (the clamp turned it into a number)
  y = v128.bitselect(x, y, f32x4.ne(x, x));
  return y;
}

/** 1 / (1 + exp(-x)), as e / (1 + e) with e = exp(x) for negative x so tiny results keep their precision. */
@inline
export function sigmoidf4(x: v128): v128 {
  const one = f32x4.splat(1);
  const e = expf4(f32x4.neg(f32x4.abs(x)));
  const inv = f32x4.div(one, f32x4.add(one, e));
  return v128.bitselect(f32x4.mul(e, inv), inv, f32x4.lt(x, f32x4.splat(0)));
}

/** tanh(x) = sign(x) · (1 - e) / (1 + e), e = exp(-2|x|); below |x| < 0.0625 a series keeps the relative error small. */
@inline
export function tanhf4(x: v128): v128 {
  const one = f32x4.splat(1);
  const ax = f32x4.abs(x);
  const e = expf4(f32x4.mul(ax, f32x4.splat(-2)));
  let t = f32x4.div(f32x4.sub(one, e), f32x4.add(one, e));
  // tanh x ≈ x - x³/3 + 2x⁵/15 for small |x|
  const x2 = f32x4.mul(x, x);
  const series = f32x4.mul(ax, f32x4.add(one, f32x4.mul(x2, f32x4.add(f32x4.splat(-0.3333333432674408), f32x4.mul(x2, f32x4.splat(0.13333334028720856))))));
  t = v128.bitselect(series, t, f32x4.lt(ax, f32x4.splat(0.0625)));
  // restore the sign; NaN passes through
  const signed = v128.or(t, v128.and(x, i32x4.splat(0x80000000)));
  return v128.bitselect(x, signed, f32x4.ne(x, x));
}

// The recurrent layers' gate activations. tanh by Eigen's rational approximation (odd degree-13
// numerator over even degree-6 denominator, on x clamped to ±7.905, where float32 tanh is 1 less an
// ulp): a third of tanhf4's instructions, within 4 ulp of the correctly rounded tanh. The sigmoid is
// 1/2 + tanh(x/2)/2, which holds its absolute error below 3e-7 but not its relative error where the
// result is tiny (below ~1e-4): a gate that small weighs nothing next to the others, and these two
// functions are most of a recurrent step's time outside its matrix products.
const TANH_CONSTANTS: usize = memory.data<f32>([
  7.90531110763549805, 7.90531110763549805, 7.90531110763549805, 7.90531110763549805, // 0: clamp
  -2.76076847742355e-16, -2.76076847742355e-16, -2.76076847742355e-16, -2.76076847742355e-16, // 16: numerator, x^13 first
  2.00018790482477e-13, 2.00018790482477e-13, 2.00018790482477e-13, 2.00018790482477e-13,
  -8.60467152213735e-11, -8.60467152213735e-11, -8.60467152213735e-11, -8.60467152213735e-11,
  5.12229709037114e-08, 5.12229709037114e-08, 5.12229709037114e-08, 5.12229709037114e-08,
  1.48572235717979e-05, 1.48572235717979e-05, 1.48572235717979e-05, 1.48572235717979e-05,
  6.37261928875436e-04, 6.37261928875436e-04, 6.37261928875436e-04, 6.37261928875436e-04,
  4.89352455891786e-03, 4.89352455891786e-03, 4.89352455891786e-03, 4.89352455891786e-03,
  1.19825839466702e-06, 1.19825839466702e-06, 1.19825839466702e-06, 1.19825839466702e-06, // 128: denominator, x^6 first
  1.18534705686654e-04, 1.18534705686654e-04, 1.18534705686654e-04, 1.18534705686654e-04,
  2.26843463243900e-03, 2.26843463243900e-03, 2.26843463243900e-03, 2.26843463243900e-03,
  4.89352518554385e-03, 4.89352518554385e-03, 4.89352518554385e-03, 4.89352518554385e-03,
  0.0004, 0.0004, 0.0004, 0.0004, // 192: below it tanh x is x in float32
  0.5, 0.5, 0.5, 0.5, // 208
], 16);

/** tanh for the recurrent gates (see above); NaN stays NaN, ±0 keeps its sign. */
@inline
export function tanhGate4(x: v128): v128 {
  const c = TANH_CONSTANTS;
  const lim = v128.load(c);
  // pmin/pmax return their first operand when it is NaN, so NaN passes to the quotient
  const xc = f32x4.pmax(f32x4.pmin(x, lim), f32x4.neg(lim));
  const x2 = f32x4.mul(xc, xc);
  let p = v128.load(c, 16);
  p = madd(p, x2, v128.load(c, 32));
  p = madd(p, x2, v128.load(c, 48));
  p = madd(p, x2, v128.load(c, 64));
  p = madd(p, x2, v128.load(c, 80));
  p = madd(p, x2, v128.load(c, 96));
  p = madd(p, x2, v128.load(c, 112));
  let q = v128.load(c, 128);
  q = madd(q, x2, v128.load(c, 144));
  q = madd(q, x2, v128.load(c, 160));
  q = madd(q, x2, v128.load(c, 176));
  const t = f32x4.div(f32x4.mul(xc, p), q);
  return v128.bitselect(x, t, f32x4.lt(f32x4.abs(x), v128.load(c, 192)));
}

/** The logistic sigmoid for the recurrent gates, as 1/2 + tanh(x/2)/2 (see above). */
@inline
export function sigmoidGate4(x: v128): v128 {
  const half = v128.load(TANH_CONSTANTS, 208);
  return madd(tanhGate4(f32x4.mul(x, half)), half, half);
}

/** exp(x) with exp(-inf) exactly 0, as Math.exp gives (expf4 alone saturates at the smallest subnormal). */
@inline
export function expNoTiny(x: v128): v128 {
  return v128.andnot(expf4(x), f32x4.eq(x, f32x4.splat(-Infinity)));
}

// Test hooks: out[i] = f(x[i]) over n floats (n a multiple of 4).
export function expF32(x: usize, out: usize, n: i32): void {
  for (let o: usize = 0; o < (<usize>n << 2); o += 16) v128.store(out + o, expf4(v128.load(x + o)));
}
export function tanhF32(x: usize, out: usize, n: i32): void {
  for (let o: usize = 0; o < (<usize>n << 2); o += 16) v128.store(out + o, tanhf4(v128.load(x + o)));
}
export function sigmoidF32(x: usize, out: usize, n: i32): void {
  for (let o: usize = 0; o < (<usize>n << 2); o += 16) v128.store(out + o, sigmoidf4(v128.load(x + o)));
}
export function tanhGateF32(x: usize, out: usize, n: i32): void {
  for (let o: usize = 0; o < (<usize>n << 2); o += 16) v128.store(out + o, tanhGate4(v128.load(x + o)));
}
export function sigmoidGateF32(x: usize, out: usize, n: i32): void {
  for (let o: usize = 0; o < (<usize>n << 2); o += 16) v128.store(out + o, sigmoidGate4(v128.load(x + o)));
}
