/**
 * The class-index losses' cores: the NLL of log-probabilities at target classes, and cross-entropy
 * with one fused backward on the backend's crossEntropyBackward kernel. nn/loss.ts checks the
 * arguments and builds the targets.
 */
import { Tensor } from '../tensor/tensor.js';
import { record } from '../autograd/node.js';
import { noGrad } from '../autograd/grad-mode.js';
import { getBackend } from '../backend/registry.js';
import { div, mul, neg, where } from './elementwise.js';
import { sum } from './reduce.js';
import { gather } from './indexing.js';
import { squeeze, unsqueeze } from './shape.js';
import { emptyTensor } from './util.js';

/** How a loss reduces over the batch: mean, sum, or one value per element. */
export type Reduction = 'mean' | 'sum' | 'none';

/** Class-index targets checked against the scores (nn/loss.ts's classTargets makes them). */
export interface ClassTargets {
  classDim: number;
  numClasses: number;
  /** Target indices with ignored positions replaced by 0, shaped like the target. */
  index: Tensor;
  /** weight[target] per position, 0 where ignored. */
  picked: Tensor;
  /** True where the target is not ignored. */
  keep: Tensor;
  weightSum: number;
  keptCount: number;
}

/** The NLL of log-probabilities at the target classes, reduced with PyTorch's weighted mean. */
export function nllFromLogProbs(logp: Tensor, info: ClassTargets, reduction: Reduction): Tensor {
  return nllAtTargets(squeeze(gather(logp, info.classDim, unsqueeze(info.index, info.classDim)), info.classDim), info, reduction);
}

/** The NLL from the log-probabilities at the targets (shaped like the target), reduced as nllFromLogProbs. */
function nllAtTargets(atTarget: Tensor, info: ClassTargets, reduction: Reduction): Tensor {
  const losses = where(info.keep, neg(mul(atTarget, info.picked)), 0);
  if (reduction === 'none') return losses;
  const total = sum(losses);
  return reduction === 'sum' ? total : div(total, info.weightSum);
}

/**
 * Cross-entropy of [N, C] (or [C]) scores at class indices, without label smoothing: the same values
 * as log-softmax then NLL, with one fused backward (gradient = coef · (softmax - onehot) per row)
 * instead of scattering a mostly-zero [N, C] gradient and running log-softmax's backward over it:
 * with a vocabulary-sized output that saves two full [N, C] passes and allocations per step.
 * Label smoothing ε (without class weights) stays on the same path: row i's loss is
 * (1 - ε)·(logSum - x[target]) + ε/C·(C·logSum - Σ_j x[i, j]), and its gradient the kernel's.
 */
export function crossEntropyIndexed(input: Tensor, info: ClassTargets, reduction: Reduction, labelSmoothing = 0): Tensor {
  const cols = input.shape[input.ndim - 1]!;
  const rows = input.numel() / Math.max(cols, 1);
  // Only each row's log-sum-exp is kept: the log-probabilities (x - logSum) are formed at the
  // targets here and over whole rows in backward, never stored as a second [N, C] array.
  const x = input.contiguousData() as Float32Array;
  const index = info.index.contiguousData() as Int32Array;
  const logSum = new Float32Array(rows);
  getBackend().logSumExp(x, rows, cols, logSum);
  const atTarget = new Float32Array(rows);
  for (let i = 0; i < rows; i++) atTarget[i] = x[i * cols + index[i]!]! - logSum[i]!;
  if (labelSmoothing > 0) {
    // the smoothed loss negated, as nllAtTargets negates the log-probability at the target
    const rowSums = noGrad(() => sum(input.reshape(rows, cols), 1)).contiguousData() as Float32Array;
    const e = labelSmoothing;
    for (let i = 0; i < rows; i++) atTarget[i] = (1 - e) * atTarget[i]! - (e / cols) * (cols * logSum[i]! - rowSums[i]!);
  }
  const loss = noGrad(() => nllAtTargets(Tensor.fromData(atTarget, info.index.shape, 'float32'), info, reduction));
  return record(loss, 'crossEntropy', [input], (g) => {
    // d loss / d logp[i, target] = -coef[i]: what the mean / sum / per-row reductions give row i
    const gd = g.contiguousData() as Float32Array;
    const picked = info.picked.contiguousData() as Float32Array;
    const keep = info.keep.contiguousData() as Uint8Array;
    const coef = new Float32Array(rows);
    for (let i = 0; i < rows; i++) {
      if (!keep[i]) continue;
      const gi = reduction === 'none' ? gd[i]! : reduction === 'mean' ? gd[0]! / info.weightSum : gd[0]!;
      coef[i] = gi * picked[i]!;
    }
    const gx = emptyTensor(input.shape);
    getBackend().crossEntropyBackward(x, logSum, rows, cols, index, coef, gx.storage.data as Float32Array, labelSmoothing);
    return [gx];
  }, [input]);
}
