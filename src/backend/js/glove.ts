/**
 * The reference GloVe training loop (Backend.gloveTrain): per co-occurrence entry the error and one
 * AdaGrad update of the four rows it touches, as glove.c, with PyTorch's AdaGrad rule. The twin of the
 * wasm kernel (backend/wasm/kernels/glove.ts): the same float32 operations in the same order, so both
 * backends give the same vectors. The Hogwild runs of several workers are trained here one after another.
 */
import type { Backend, GloVeJob } from '../backend.js';
import { dotF32, hogwildRuns } from './word2vec.js';

const fround = Math.fround;

/** AdaGrad on p[po..] (sums s[po..]) for the gradient g * x[xo..], in the kernel's float32 operations. */
function adagradRow(p: Float32Array, s: Float32Array, po: number, g: number, x: Float32Array, xo: number, lr: number, eps: number, n: number): void {
  for (let i = 0; i < n; i++) {
    const gi = fround(g * x[xo + i]!);
    const sum = fround(s[po + i]! + fround(gi * gi));
    s[po + i] = sum;
    p[po + i] = fround(p[po + i]! - fround(fround(lr * gi) / fround(fround(Math.sqrt(sum)) + eps)));
  }
}

/** Cuts n entries into `runs` runs of equal size (within one): run q is entries [parts[q], parts[q + 1]). */
export function equalParts(n: number, runs: number): Int32Array {
  return Int32Array.from({ length: runs + 1 }, (_, q) => Math.floor((q * n) / runs));
}

/** The runs a job's entries are cut into (see hogwildRuns). */
export function gloveRuns(job: GloVeJob): number {
  return hogwildRuns('gloveTrain', job.workers);
}

export const gloveTrain: Backend['gloveTrain'] = (job) => {
  const { dim, w, c, bw, bc, sumW, sumC, sumBw, sumBc, rows, cols, logCounts, weights } = job;
  const parts = equalParts(rows.length, gloveRuns(job));
  const lr = fround(job.lr), eps = fround(job.eps);
  const old = new Float32Array(dim);
  let total = 0;
  for (let q = 0; q + 1 < parts.length; q++) {
    let loss = 0;
    for (let e = parts[q]!; e < parts[q + 1]!; e++) {
      const i = rows[e]!, j = cols[e]!;
      const wo = i * dim, co = j * dim;
      const diff = fround(fround(fround(dotF32(w, wo, c, co, dim) + bw[i]!) + bc[j]!) - logCounts[e]!);
      const fdiff = fround(weights[e]! * diff);
      loss += 0.5 * fdiff * diff;
      // both gradients at the entry's starting point: w_i's row is kept for w̃_j's
      old.set(w.subarray(wo, wo + dim));
      adagradRow(w, sumW, wo, fdiff, c, co, lr, eps, dim);
      adagradRow(c, sumC, co, fdiff, old, 0, lr, eps, dim);
      const g2 = fround(fdiff * fdiff);
      sumBw[i] = fround(sumBw[i]! + g2);
      bw[i] = fround(bw[i]! - fround(fround(lr * fdiff) / fround(fround(Math.sqrt(sumBw[i]!)) + eps)));
      sumBc[j] = fround(sumBc[j]! + g2);
      bc[j] = fround(bc[j]! - fround(fround(lr * fdiff) / fround(fround(Math.sqrt(sumBc[j]!)) + eps)));
    }
    total += loss;
  }
  return { loss: total };
};
