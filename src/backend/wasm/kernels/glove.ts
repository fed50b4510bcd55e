// GloVe's training loop as glove.c runs it: per co-occurrence entry (i, j) the error
// diff = w_i · w̃_j + b_i + b̃_j - log X_ij, then AdaGrad on the four rows it touches, each entry one
// update. The AdaGrad step is PyTorch's (optim/adagrad.ts: the sum of squared gradients first, then
// p -= lr g / (sqrt(sum) + eps)), so that the nabla-op formulation stepping one entry at a time makes
// the same updates. SIMD over the vector dimension. The twin is backend/js/glove.ts (same float32
// operations in the same order). Threads train Hogwild on runs of the entries, sharing the tables.

import { dot } from './vec';

/** AdaGrad on a row p (with its sums s) for the gradient g * x: s += (g x)^2, p -= lr (g x) / (sqrt(s) + eps). */
@inline
function adagradRow(p: usize, s: usize, g: f32, x: usize, lr: f32, eps: f32, n: i32): void {
  const gv = f32x4.splat(g), lrv = f32x4.splat(lr), epsv = f32x4.splat(eps);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const gi = f32x4.mul(gv, v128.load(x + o));
    const sum = f32x4.add(v128.load(s + o), f32x4.mul(gi, gi));
    v128.store(s + o, sum);
    v128.store(p + o, f32x4.sub(v128.load(p + o), f32x4.div(f32x4.mul(lrv, gi), f32x4.add(f32x4.sqrt(sum), epsv))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gi = g * load<f32>(x + o);
    const sum = load<f32>(s + o) + gi * gi;
    store<f32>(s + o, sum);
    store<f32>(p + o, load<f32>(p + o) - (lr * gi) / (Mathf.sqrt(sum) + eps));
  }
}

/**
 * Trains runs [start, end): run q takes entries parts[q] .. parts[q+1]-1 of (rows, cols: int32
 * word and context ids; logCounts: log X; weights: f(X)), in order. w, c: word and context vectors
 * [V, dim]; bw, bc: their biases [V]; sw, sc, sbw, sbc: AdaGrad's sums for each (same shapes), all
 * float32, updated in place. old (oldStride bytes per run, 16-byte aligned) holds w_i's old row while
 * w̃_j's update reads it. losses (float64 per run) out: Σ 1/2 f diff^2.
 */
export function gloveTrainRange(
  start: i32, end: i32,
  w: usize, c: usize, bw: usize, bc: usize, sw: usize, sc: usize, sbw: usize, sbc: usize, dim: i32,
  rows: usize, cols: usize, logCounts: usize, weights: usize, parts: usize, lr: f32, eps: f32, old: usize, oldStride: i32, losses: usize,
): void {
  const rowBytes = <usize>dim << 2;
  for (let q = start; q < end; q++) {
    const wOld = old + <usize>q * <usize>oldStride;
    let loss: f64 = 0;
    const first = load<i32>(parts + (<usize>q << 2));
    const last = load<i32>(parts + (<usize>(q + 1) << 2));
    for (let e = first; e < last; e++) {
      const eo = <usize>e << 2;
      const i = <usize>load<i32>(rows + eo), j = <usize>load<i32>(cols + eo);
      const wi = w + i * rowBytes, cj = c + j * rowBytes;
      const diff: f32 = dot(wi, cj, dim) + load<f32>(bw + (i << 2)) + load<f32>(bc + (j << 2)) - load<f32>(logCounts + eo);
      const fdiff: f32 = load<f32>(weights + eo) * diff;
      loss += 0.5 * <f64>fdiff * <f64>diff;
      // both gradients at the entry's starting point: w_i's row is kept for w̃_j's
      memory.copy(wOld, wi, rowBytes);
      adagradRow(wi, sw + i * rowBytes, fdiff, cj, lr, eps, dim);
      adagradRow(cj, sc + j * rowBytes, fdiff, wOld, lr, eps, dim);
      const bi = i << 2, bj = j << 2;
      const sbi: f32 = load<f32>(sbw + bi) + fdiff * fdiff;
      store<f32>(sbw + bi, sbi);
      store<f32>(bw + bi, load<f32>(bw + bi) - (lr * fdiff) / (Mathf.sqrt(sbi) + eps));
      const sbj: f32 = load<f32>(sbc + bj) + fdiff * fdiff;
      store<f32>(sbc + bj, sbj);
      store<f32>(bc + bj, load<f32>(bc + bj) - (lr * fdiff) / (Mathf.sqrt(sbj) + eps));
    }
    store<f64>(losses + (<usize>q << 3), loss);
  }
}
