/** SparseAdam, as torch.optim.SparseAdam (1.13): Adam for row-sparse gradients, updating only the rows a batch touched. */
import type { Tensor } from '../tensor/tensor.js';
import type { RowSparseTensor } from '../autograd/sparse.js';
import { checkBetas, checkBoolean, ensureBuffer, Optimizer, optimizerOptions, pyFloat, type ParamGroup, type ParamsInput, type ParamState } from './optimizer.js';

/** SparseAdam's hyperparameters. */
export interface SparseAdamHyper {
  lr: number;
  betas: [number, number];
  eps: number;
  maximize: boolean;
}

/** Options of optim.SparseAdam (every hyperparameter has PyTorch's default). */
export type SparseAdamOptions = Partial<SparseAdamHyper>;

/**
 * The "lazy" Adam of PyTorch's SparseAdam. With g the coalesced gradient's rows (negated if
 * `maximize`), for those rows only: `m += (1 - beta1) (g - m)`, `v += (1 - beta2) (g^2 - v)`,
 * `p -= lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps)`; `t` counts the steps that
 * gave this parameter a gradient. Rows a step did not touch keep their moments and values. The
 * gradient must be row-sparse (nn.Embedding with sparse: true): a dense one is refused, as PyTorch does.
 * Defaults: lr 1e-3, betas [0.9, 0.999], eps 1e-8. State: `step`, `expAvg`, `expAvgSq`.
 */
export class SparseAdam extends Optimizer<SparseAdamHyper> {
  constructor(params: ParamsInput<SparseAdamHyper>, lrOrOptions: SparseAdamOptions | number = {}) {
    const options = optimizerOptions('SparseAdam', lrOrOptions, ['lr', 'betas', 'eps', 'maximize']);
    super(params, {
      lr: options.lr ?? 1e-3,
      betas: options.betas ?? [0.9, 0.999],
      eps: options.eps ?? 1e-8,
      maximize: options.maximize ?? false,
    });
  }

  protected validateHyper(h: Partial<SparseAdamHyper>): void {
    if (typeof h.lr !== 'number' || !(h.lr > 0)) throw new RangeError(`Invalid learning rate: ${pyFloat(h.lr)}`);
    if (typeof h.eps !== 'number' || !(h.eps > 0)) throw new RangeError(`Invalid epsilon value: ${pyFloat(h.eps)}`);
    checkBetas('SparseAdam', h.betas);
    checkBoolean('SparseAdam', 'maximize', h.maximize);
  }

  protected updateParam(): void {
    throw new Error('SparseAdam does not support dense gradients, please consider Adam instead (or give the embedding sparse: true)');
  }

  protected override updateSparse(group: ParamGroup<SparseAdamHyper>, state: ParamState, p: Float32Array, po: number, grad: RowSparseTensor, param: Tensor): boolean {
    const { lr, eps, maximize } = group;
    const [beta1, beta2] = group.betas;
    const step = (typeof state.step === 'number' ? state.step : 0) + 1;
    state.step = step;
    const m = ensureBuffer(state, 'expAvg', param);
    const v = ensureBuffer(state, 'expAvgSq', param);
    const stepSize = (lr * Math.sqrt(1 - beta2 ** step)) / (1 - beta1 ** step);
    const c1 = 1 - beta1, c2 = 1 - beta2;
    const sign = maximize ? -1 : 1;
    const { indices, values, rowSize } = grad.coalesce();
    for (let r = 0; r < indices.length; r++) {
      const base = indices[r] * rowSize, vb = r * rowSize;
      for (let j = 0; j < rowSize; j++) {
        const k = base + j;
        const g = sign * values[vb + j];
        const mOld = m[k], vOld = v[k];
        const mUpdate = Math.fround((g - mOld) * c1);
        const vUpdate = Math.fround((Math.fround(g * g) - vOld) * c2);
        m[k] = mOld + mUpdate;
        v[k] = vOld + vUpdate;
        const numer = Math.fround(mUpdate + mOld);
        const denom = Math.fround(Math.fround(Math.sqrt(Math.fround(vUpdate + vOld))) + eps);
        p[po + k] += Math.fround(-stepSize * Math.fround(numer / denom));
      }
    }
    return true;
  }
}
