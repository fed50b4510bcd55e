// Elementwise float32 kernels over contiguous data, 4 lanes at a time. Each op gives exactly what the
// reference backend computes (f32 +, -, *, /, sqrt are correctly rounded either way; tanh's and the
// sigmoid's backward run in float64 lanes as the reference's double arithmetic does), NaN included,
// except GELU and its backward (erf through expf4) and tanh and the sigmoid (tanhf4, sigmoidf4),
// which are within a few float32 ulp.
import { expNoTiny, sigmoidf4, tanhf4 } from './math';
import { demotePair, promoteHigh } from './lanes';

// Unary op codes (mirrored in src/backend/wasm/elementwise.ts).
const RELU = 0, NEG = 1, ABS = 2, SQRT = 3, SQUARE = 4, LEAKY_RELU = 5, GELU = 6, TANH = 7, SIGMOID = 8;
// Binary op codes.
const ADD = 0, SUB = 1, MUL = 2, DIV = 3, RELU_BACKWARD = 4, GELU_BACKWARD = 5, TANH_BACKWARD = 6, SIGMOID_BACKWARD = 7;

const INV_SQRT2: f32 = 0.7071067811865476;
const INV_SQRT_2PI: f32 = 0.3989422804014327;

/**
 * 1 + erf(x) by the reference backend's erf (Numerical Recipes' erfc, |error| < 1.2e-7), formed as
 * 2 - r or r directly so that it keeps its relative precision for negative x (1 + (r - 1) would not).
 */
@inline
function onePlusErf4(x: v128): v128 {
  const one = f32x4.splat(1);
  const z = f32x4.abs(x);
  const t = f32x4.div(one, f32x4.add(one, f32x4.mul(z, f32x4.splat(0.5))));
  let p = f32x4.splat(0.17087277);
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-0.82215223));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.48851587));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-1.13520398));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.27886807));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-0.18628806));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.09678418));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.37409196));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.00002368));
  const arg = f32x4.add(f32x4.sub(f32x4.neg(f32x4.mul(z, z)), f32x4.splat(1.26551223)), f32x4.mul(t, p));
  const r = f32x4.mul(t, expNoTiny(arg));
  return v128.bitselect(f32x4.sub(f32x4.splat(2), r), r, f32x4.ge(x, f32x4.splat(0)));
}

/** Exact (erf) GELU: 0.5 · v · (1 + erf(v / √2)). */
@inline
function gelu4(v: v128): v128 {
  return f32x4.mul(f32x4.mul(f32x4.splat(0.5), v), onePlusErf4(f32x4.mul(v, f32x4.splat(INV_SQRT2))));
}

/** g · (Φ(x) + x · φ(x)), the gradient of exact GELU at x times g. */
@inline
function geluBackward4(g: v128, x: v128): v128 {
  const cdf = f32x4.mul(f32x4.splat(0.5), onePlusErf4(f32x4.mul(x, f32x4.splat(INV_SQRT2))));
  const pdf = f32x4.mul(expNoTiny(f32x4.mul(f32x4.mul(x, x), f32x4.splat(-0.5))), f32x4.splat(INV_SQRT_2PI));
  return f32x4.mul(g, f32x4.add(cdf, f32x4.mul(x, pdf)));
}

/** g · (1 - y²) (tanh's gradient from its output) or g · y · (1 - y) (the sigmoid's), on f64x2 lanes. */
@inline
function activationBackward2(op: i32, g: v128, y: v128): v128 {
  const one = f64x2.splat(1);
  return op == TANH_BACKWARD ? f64x2.mul(g, f64x2.sub(one, f64x2.mul(y, y))) : f64x2.mul(f64x2.mul(g, y), f64x2.sub(one, y));
}

/** activationBackward2 on four float32 lanes, rounded once to float32 as the reference's store rounds it. */
@inline
function activationBackward4(op: i32, g: v128, y: v128): v128 {
  return demotePair(activationBackward2(op, f64x2.promote_low_f32x4(g), f64x2.promote_low_f32x4(y)),
    activationBackward2(op, promoteHigh(g), promoteHigh(y)));
}

@inline
function unaryLanes(op: i32, v: v128, slope: v128): v128 {
  switch (op) {
    // max(v, 0) keeps NaN and turns -0 into 0, like `v <= 0 ? 0 : v`
    case RELU: return f32x4.max(v, f32x4.splat(0));
    case NEG: return f32x4.neg(v);
    case ABS: return f32x4.abs(v);
    case SQRT: return f32x4.sqrt(v);
    case SQUARE: return f32x4.mul(v, v);
    case GELU: return gelu4(v);
    case TANH: return tanhf4(v);
    case SIGMOID: return sigmoidf4(v);
    default: return v128.bitselect(v, f32x4.mul(v, slope), f32x4.gt(v, f32x4.splat(0)));
  }
}

/** The 1 to 3 floats at p (bytes < 16 of them) in the low lanes, zeros above; nothing past p + bytes is read. */
@inline
function loadTail(p: usize, bytes: usize): v128 {
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (bytes > 4) v = f32x4.replace_lane(v, 1, load<f32>(p + 4));
  if (bytes > 8) v = f32x4.replace_lane(v, 2, load<f32>(p + 8));
  return v;
}

/** Stores the low lanes of v that loadTail filled. */
@inline
function storeTail(p: usize, v: v128, bytes: usize): void {
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (bytes > 4) store<f32>(p + 4, f32x4.extract_lane(v, 1));
  if (bytes > 8) store<f32>(p + 8, f32x4.extract_lane(v, 2));
}

@inline
function unaryScalar(op: i32, v: f32, slope: f32): f32 {
  switch (op) {
    case RELU: return v <= 0 ? 0 : v;
    case NEG: return -v;
    case ABS: return abs<f32>(v);
    case SQRT: return sqrt<f32>(v);
    case SQUARE: return v * v;
    default: return v > 0 ? v : v * slope;
  }
}

/** The ops whose lane code is large (built on expf4): their last 1 to 3 floats take the lane code too. */
@inline
function costly(op: i32, binary: bool): bool {
  return binary ? op == GELU_BACKWARD : op == GELU || op == TANH || op == SIGMOID;
}

// One loop per op so the switch is resolved outside the loop. The cheap ops finish with a scalar
// loop; the costly ones run their last 1 to 3 floats through the same lane code as the rest (a branch
// per vector, nothing next to an exp), so their code is in the module once: its size is what a page
// downloads.
@inline
function unaryLoop(op: i32, x: usize, out: usize, n: i32, p0: f32): void {
  const slope = f32x4.splat(p0);
  const bytes = <usize>n << 2;
  let o: usize = 0;
  if (costly(op, false)) {
    for (; o < bytes; o += 16) {
      const rest = bytes - o;
      const r = unaryLanes(op, rest >= 16 ? v128.load(x + o) : loadTail(x + o, rest), slope);
      if (rest >= 16) v128.store(out + o, r);
      else storeTail(out + o, r, rest);
    }
    return;
  }
  for (; o + 16 <= bytes; o += 16) v128.store(out + o, unaryLanes(op, v128.load(x + o), slope));
  for (; o < bytes; o += 4) store<f32>(out + o, unaryScalar(op, load<f32>(x + o), p0));
}

/** out[i] = op(x[i]) for n floats; p0 is leakyRelu's slope. Returns 0, or -1 for an unknown op. */
function unaryF32(op: i32, x: usize, out: usize, n: i32, p0: f32): i32 {
  switch (op) {
    case RELU: unaryLoop(RELU, x, out, n, p0); return 0;
    case NEG: unaryLoop(NEG, x, out, n, p0); return 0;
    case ABS: unaryLoop(ABS, x, out, n, p0); return 0;
    case SQRT: unaryLoop(SQRT, x, out, n, p0); return 0;
    case SQUARE: unaryLoop(SQUARE, x, out, n, p0); return 0;
    case LEAKY_RELU: unaryLoop(LEAKY_RELU, x, out, n, p0); return 0;
    case GELU: unaryLoop(GELU, x, out, n, p0); return 0;
    case TANH: unaryLoop(TANH, x, out, n, p0); return 0;
    case SIGMOID: unaryLoop(SIGMOID, x, out, n, p0); return 0;
    default: return -1;
  }
}

/** unaryF32 over elements [start, end) (a multiple of 4 apart from the last), one thread's share of a pass. */
export function unaryF32Range(start: i32, end: i32, op: i32, x: usize, out: usize, p0: f32): i32 {
  const o = <usize>start << 2;
  return unaryF32(op, x + o, out + o, end - start, p0);
}

@inline
function binaryLanes(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case ADD: return f32x4.add(a, b);
    case SUB: return f32x4.sub(a, b);
    case MUL: return f32x4.mul(a, b);
    case DIV: return f32x4.div(a, b);
    case GELU_BACKWARD: return geluBackward4(a, b);
    case TANH_BACKWARD: return activationBackward4(TANH_BACKWARD, a, b);
    case SIGMOID_BACKWARD: return activationBackward4(SIGMOID_BACKWARD, a, b);
    // b <= 0 ? 0 : a (a NaN b passes a through)
    default: return v128.andnot(a, f32x4.le(b, f32x4.splat(0)));
  }
}

@inline
function binaryScalar(op: i32, a: f32, b: f32): f32 {
  switch (op) {
    case ADD: return a + b;
    case SUB: return a - b;
    case MUL: return a * b;
    case DIV: return a / b;
    case TANH_BACKWARD: return <f32>(<f64>a * (1 - <f64>b * <f64>b));
    case SIGMOID_BACKWARD: return <f32>(<f64>a * <f64>b * (1 - <f64>b));
    default: return b <= 0 ? 0 : a;
  }
}

// As unaryLoop: GELU's backward runs its last floats through its lane code.
@inline
function binaryLoop(op: i32, a: usize, b: usize, out: usize, n: i32, bScalar: bool): void {
  const bytes = <usize>n << 2;
  let o: usize = 0;
  if (costly(op, true)) {
    const vs = bScalar ? f32x4.splat(load<f32>(b)) : f32x4.splat(0);
    for (; o < bytes; o += 16) {
      const rest = bytes - o;
      const full = rest >= 16;
      const vb = bScalar ? vs : full ? v128.load(b + o) : loadTail(b + o, rest);
      const r = binaryLanes(op, full ? v128.load(a + o) : loadTail(a + o, rest), vb);
      if (full) v128.store(out + o, r);
      else storeTail(out + o, r, rest);
    }
    return;
  }
  if (bScalar) {
    const s = load<f32>(b);
    const vs = f32x4.splat(s);
    for (; o + 16 <= bytes; o += 16) v128.store(out + o, binaryLanes(op, v128.load(a + o), vs));
    for (; o < bytes; o += 4) store<f32>(out + o, binaryScalar(op, load<f32>(a + o), s));
  } else {
    for (; o + 16 <= bytes; o += 16) v128.store(out + o, binaryLanes(op, v128.load(a + o), v128.load(b + o)));
    for (; o < bytes; o += 4) store<f32>(out + o, binaryScalar(op, load<f32>(a + o), load<f32>(b + o)));
  }
}

/**
 * out[i] = a[i] op b[i % period] for n floats: period n for equal shapes, 1 for a scalar b, the row
 * length for a b broadcast over rows (a bias). Returns 0, or -1 for an unknown op.
 */
export function binaryF32(op: i32, a: usize, b: usize, out: usize, n: i32, period: i32): i32 {
  if (op < ADD || op > SIGMOID_BACKWARD || period < 1) return -1;
  const scalar = period == 1;
  const run = scalar ? n : period; // a scalar b is one run over all n
  for (let start = 0; start < n; start += run) {
    const o = <usize>start << 2;
    const count = min(run, n - start);
    switch (op) {
      case ADD: binaryLoop(ADD, a + o, b, out + o, count, scalar); break;
      case SUB: binaryLoop(SUB, a + o, b, out + o, count, scalar); break;
      case MUL: binaryLoop(MUL, a + o, b, out + o, count, scalar); break;
      case DIV: binaryLoop(DIV, a + o, b, out + o, count, scalar); break;
      case RELU_BACKWARD: binaryLoop(RELU_BACKWARD, a + o, b, out + o, count, scalar); break;
      case GELU_BACKWARD: binaryLoop(GELU_BACKWARD, a + o, b, out + o, count, scalar); break;
      case TANH_BACKWARD: binaryLoop(TANH_BACKWARD, a + o, b, out + o, count, scalar); break;
      default: binaryLoop(SIGMOID_BACKWARD, a + o, b, out + o, count, scalar);
    }
  }
  return 0;
}

/**
 * binaryF32 over part of n floats: elements [start, end) when b is a scalar (period 1) or as long as
 * a (period n), else rows [start, end) of `period` floats (b broadcast over rows). Element ranges
 * start at multiples of 4, so each element takes the same SIMD or scalar path as in one call.
 */
export function binaryF32Range(start: i32, end: i32, op: i32, a: usize, b: usize, out: usize, n: i32, period: i32): i32 {
  if (period == 1 || period == n) {
    const o = <usize>start << 2;
    return binaryF32(op, a + o, period == 1 ? b : b + o, out + o, end - start, period == 1 ? 1 : end - start);
  }
  const o = <usize>start * <usize>period << 2;
  return binaryF32(op, a + o, b, out + o, (end - start) * period, period);
}

/** out[r] = sum of row r of x [rows, size], accumulated in f64 like the reference backend. */
function sumRowsF32(x: usize, rows: i32, size: i32, out: usize): void {
  for (let r = 0; r < rows; r++) {
    const row = x + (<usize>r * <usize>size << 2);
    let lo = f64x2.splat(0);
    let hi = f64x2.splat(0);
    let j = 0;
    for (; j + 4 <= size; j += 4) {
      const v = v128.load(row + (<usize>j << 2));
      lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
      hi = f64x2.add(hi, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
    }
    let acc = f64x2.extract_lane(lo, 0) + f64x2.extract_lane(lo, 1) + f64x2.extract_lane(hi, 0) + f64x2.extract_lane(hi, 1);
    for (; j < size; j++) acc += <f64>load<f32>(row + (<usize>j << 2));
    store<f32>(out + (<usize>r << 2), <f32>acc);
  }
}

/** sumRowsF32 over rows [start, end). */
export function sumRowsF32Range(start: i32, end: i32, x: usize, size: i32, out: usize): void {
  sumRowsF32(x + (<usize>start * <usize>size << 2), end - start, size, out + (<usize>start << 2));
}

/**
 * out[o, i] = sum over j of x[o, j, i] ([outer, size, inner]) for columns i in [start, end), every o,
 * accumulated in f64 at acc (inner doubles) row after row: each column by itself, so a split over
 * columns gives the same bits.
 */
export function sumMiddleF32Range(start: i32, end: i32, x: usize, outer: i32, size: i32, inner: i32, acc: usize, out: usize): void {
  const cols = acc + (<usize>start << 3);
  for (let o = 0; o < outer; o++) {
    memory.fill(cols, 0, <usize>(end - start) << 3);
    for (let j = 0; j < size; j++) {
      const row = x + (<usize>(o * size + j) * <usize>inner << 2);
      let i = start;
      for (; i + 2 <= end; i += 2) {
        const q = acc + (<usize>i << 3);
        v128.store(q, f64x2.add(v128.load(q), f64x2.promote_low_f32x4(v128.load64_zero(row + (<usize>i << 2)))));
      }
      if (i < end) {
        const q = acc + (<usize>i << 3);
        store<f64>(q, load<f64>(q) + <f64>load<f32>(row + (<usize>i << 2)));
      }
    }
    const dst = out + (<usize>o * <usize>inner << 2);
    for (let i = start; i < end; i++) store<f32>(dst + (<usize>i << 2), <f32>load<f64>(acc + (<usize>i << 3)));
  }
}
