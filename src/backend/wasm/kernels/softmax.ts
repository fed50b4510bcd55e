// Row-wise softmax and log-softmax of contiguous [rows, cols] f32 data, forward and backward, as the
// reference backend computes them (src/backend/js/softmax.ts): sums accumulate in f64, exp is expf4
// (a few ulp of Math.exp; exp(-inf) exactly 0). A row whose entries are all -inf gives NaN (as
// PyTorch's softmax does), and a NaN or +inf entry makes the whole row NaN, as in the reference.
import { expNoTiny } from './math';
import { promoteHigh, sumLanes } from './lanes';
import { dotRow, expScalar, expShiftSum, fillRow, scaleRow, softmaxGradRow } from './rows';

/**
 * Largest entry of n floats at p. NaN entries may be skipped (pmax, one instruction where a
 * NaN-propagating max is several): a NaN makes the row's exp sum NaN all the same.
 */
@inline
function rowMax(p: usize, n: i32): f32 {
  let m0 = f32x4.splat(-Infinity), m1 = m0;
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    const q = p + (<usize>j << 2);
    m0 = f32x4.pmax(m0, v128.load(q));
    m1 = f32x4.pmax(m1, v128.load(q, 16));
  }
  if (j + 4 <= n) {
    m0 = f32x4.pmax(m0, v128.load(p + (<usize>j << 2)));
    j += 4;
  }
  const m = f32x4.pmax(m0, m1);
  let s = max(max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
  for (; j < n; j++) s = max(s, load<f32>(p + (<usize>j << 2)));
  return s;
}

/** softmax (log = false) or log-softmax of each row of x [rows, cols] into out (may equal x). */
function softmaxRows(x: usize, out: usize, rows: i32, cols: i32, log: bool): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowBytes, or = out + <usize>r * rowBytes;
    const mx = rowMax(xr, cols);
    if (mx == -Infinity) {
      fillRow(or, cols, NaN);
      continue;
    }
    if (log) {
      const logSum = <f32>(Math.log(expShiftSum(xr, or, cols, mx, false)) + <f64>mx);
      const vl = f32x4.splat(logSum);
      let j = 0;
      for (; j + 4 <= cols; j += 4) v128.store(or + (<usize>j << 2), f32x4.sub(v128.load(xr + (<usize>j << 2)), vl));
      for (; j < cols; j++) store<f32>(or + (<usize>j << 2), load<f32>(xr + (<usize>j << 2)) - logSum);
    } else {
      const sum = expShiftSum(xr, or, cols, mx, true);
      scaleRow(or, or, cols, <f32>(1 / sum));
    }
  }
}

/** sum of n floats, accumulated in f64. */
@inline
function sumRow(a: usize, n: i32): f64 {
  let lo = f64x2.splat(0), hi = f64x2.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const v = v128.load(a + (<usize>j << 2));
    lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
    hi = f64x2.add(hi, promoteHigh(v));
  }
  let s = sumLanes(lo, hi);
  for (; j < n; j++) s += <f64>load<f32>(a + (<usize>j << 2));
  return s;
}

/** softmax: gx = y * (g - sum(g*y)); log-softmax: gx = g - exp(y) * sum(g). gx may equal g. */
function softmaxBackwardRows(y: usize, g: usize, gx: usize, rows: i32, cols: i32, log: bool): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * rowBytes;
    const yr = y + off, gr = g + off, xr = gx + off;
    if (log) {
      const s = <f32>sumRow(gr, cols);
      const vs = f32x4.splat(s);
      let j = 0;
      for (; j + 4 <= cols; j += 4) {
        const o = <usize>j << 2;
        v128.store(xr + o, f32x4.sub(v128.load(gr + o), f32x4.mul(expNoTiny(v128.load(yr + o)), vs)));
      }
      for (; j < cols; j++) {
        const o = <usize>j << 2;
        store<f32>(xr + o, load<f32>(gr + o) - expScalar(load<f32>(yr + o)) * s);
      }
    } else {
      softmaxGradRow(yr, gr, xr, cols, <f32>dotRow(gr, yr, cols), 1);
    }
  }
}

/**
 * log(sum(exp(x))) of each row of x [rows, cols] into out [rows], as softmaxRows computes it for the
 * log-softmax (x - out[r] is its log-softmax, bit for bit); NaN for a row of -inf.
 */
function logSumExpRows(x: usize, out: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * rowBytes;
    const mx = rowMax(xr, cols);
    const logSum = mx == -Infinity ? <f32>NaN : <f32>(Math.log(expShiftSum(xr, 0, cols, mx, false)) + <f64>mx);
    store<f32>(out + (<usize>r << 2), logSum);
  }
}

/**
 * gx [rows, cols] = coef[r] * (exp(x - logSum[r]) - onehot(target[r])) (int32 targets, float32
 * coefficients): log-softmax's backward of the gradient -coef[r] at the target class, from the scores
 * and logSumExpRows's output, with the log-probabilities rounded as softmaxRows rounds them. With
 * label smoothing eps the target's 1 is 1 - eps and every class loses eps / cols. gx may equal x.
 */
function crossEntropyBackwardRows(x: usize, logSum: usize, target: usize, coef: usize, gx: usize, rows: i32, cols: i32, eps: f32): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * rowBytes;
    const xr = x + off, or = gx + off;
    const c = load<f32>(coef + (<usize>r << 2));
    const ls = load<f32>(logSum + (<usize>r << 2));
    const vc = f32x4.splat(c), vl = f32x4.splat(ls);
    let j = 0;
    if (eps == 0) {
      for (; j + 4 <= cols; j += 4) {
        const o = <usize>j << 2;
        v128.store(or + o, f32x4.mul(expNoTiny(f32x4.sub(v128.load(xr + o), vl)), vc));
      }
      for (; j < cols; j++) {
        const o = <usize>j << 2;
        store<f32>(or + o, expScalar(load<f32>(xr + o) - ls) * c);
      }
    } else {
      const everywhere = <f32>(<f64>c * <f64>eps / <f64>cols);
      const ve = f32x4.splat(everywhere);
      for (; j + 4 <= cols; j += 4) {
        const o = <usize>j << 2;
        v128.store(or + o, f32x4.sub(f32x4.mul(expNoTiny(f32x4.sub(v128.load(xr + o), vl)), vc), ve));
      }
      for (; j < cols; j++) {
        const o = <usize>j << 2;
        store<f32>(or + o, expScalar(load<f32>(xr + o) - ls) * c - everywhere);
      }
    }
    const t = or + (<usize>load<i32>(target + (<usize>r << 2)) << 2);
    store<f32>(t, load<f32>(t) - (eps == 0 ? c : <f32>(<f64>c * (1 - <f64>eps))));
  }
}

/** softmaxRows over rows [start, end). */
export function softmaxRowsRange(start: i32, end: i32, x: usize, out: usize, cols: i32, log: bool): void {
  const o = <usize>start * <usize>cols << 2;
  softmaxRows(x + o, out + o, end - start, cols, log);
}

/** softmaxBackwardRows over rows [start, end). */
export function softmaxBackwardRowsRange(start: i32, end: i32, y: usize, g: usize, gx: usize, cols: i32, log: bool): void {
  const o = <usize>start * <usize>cols << 2;
  softmaxBackwardRows(y + o, g + o, gx + o, end - start, cols, log);
}

/** logSumExpRows over rows [start, end). */
export function logSumExpRowsRange(start: i32, end: i32, x: usize, out: usize, cols: i32): void {
  logSumExpRows(x + (<usize>start * <usize>cols << 2), out + (<usize>start << 2), end - start, cols);
}

/** crossEntropyBackwardRows over rows [start, end). */
export function crossEntropyBackwardRowsRange(start: i32, end: i32, x: usize, logSum: usize, target: usize, coef: usize, gx: usize, cols: i32, eps: f32): void {
  const o = <usize>start * <usize>cols << 2, r = <usize>start << 2;
  crossEntropyBackwardRows(x + o, logSum + r, target + r, coef + r, gx + o, end - start, cols, eps);
}
