/** Adagrad, as torch.optim.Adagrad (1.13). */
import type { Tensor } from '../tensor/tensor.js';
import type { RowSparseTensor } from '../autograd/sparse.js';
import {
  checkBoolean, checkNonNegative, ensureBuffer, Optimizer, optimizerOptions, stateBuffer,
  type ParamGroup, type ParamsInput, type ParamState,
} from './optimizer.js';

/** Adagrad's hyperparameters. */
export interface AdagradHyper {
  lr: number;
  lrDecay: number;
  weightDecay: number;
  initialAccumulatorValue: number;
  eps: number;
  maximize: boolean;
}

/** Options of optim.Adagrad (every hyperparameter has PyTorch's default). */
export type AdagradOptions = Partial<AdagradHyper>;

/**
 * `sum += g^2` (g with `weightDecay * p` added, negated if `maximize`), then
 * `p -= lr / (1 + (t - 1) lrDecay) * g / (sqrt(sum) + eps)`. Defaults: lr 1e-2, eps 1e-10.
 * State (created for every parameter at construction, as PyTorch does): `step`, `sum`
 * (starting at initialAccumulatorValue).
 * A row-sparse gradient (nn.Embedding with sparse: true) is coalesced and updates only its rows'
 * `sum` and values, as PyTorch's sparse Adagrad (untouched rows are left exactly as a dense zero
 * gradient would leave them); with weight decay it is applied densely instead.
 */
export class Adagrad extends Optimizer<AdagradHyper> {
  constructor(params: ParamsInput<AdagradHyper>, lrOrOptions: AdagradOptions | number = {}) {
    const options = optimizerOptions('Adagrad', lrOrOptions, ['lr', 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps', 'maximize']);
    super(params, {
      lr: options.lr ?? 1e-2,
      lrDecay: options.lrDecay ?? 0,
      weightDecay: options.weightDecay ?? 0,
      initialAccumulatorValue: options.initialAccumulatorValue ?? 0,
      eps: options.eps ?? 1e-10,
      maximize: options.maximize ?? false,
    });
    for (const group of this.paramGroups) {
      for (const p of group.params) this.state.set(p, { step: 0, sum: stateBuffer(p, group.initialAccumulatorValue) });
    }
  }

  protected validateHyper(h: Partial<AdagradHyper>): void {
    checkNonNegative('Adagrad', 'lr', 'learning rate', h.lr);
    checkNonNegative('Adagrad', 'lrDecay', 'lr_decay value', h.lrDecay);
    checkNonNegative('Adagrad', 'weightDecay', 'weight_decay value', h.weightDecay);
    checkNonNegative('Adagrad', 'initialAccumulatorValue', 'initial_accumulator_value value', h.initialAccumulatorValue);
    checkNonNegative('Adagrad', 'eps', 'epsilon value', h.eps);
    checkBoolean('Adagrad', 'maximize', h.maximize);
  }

  protected updateParam(group: ParamGroup<AdagradHyper>, state: ParamState, p: Float32Array, po: number, g: Float32Array, go: number, n: number, param: Tensor): void {
    const { lr, lrDecay, weightDecay: wd, eps, maximize } = group;
    const step = (typeof state.step === 'number' ? state.step : 0) + 1;
    state.step = step;
    const sum = ensureBuffer(state, 'sum', param, group.initialAccumulatorValue);
    const clr = lr / (1 + (step - 1) * lrDecay);
    const sign = maximize ? -1 : 1;
    for (let i = 0; i < n; i++) {
      let gi = sign * g[go + i];
      if (wd !== 0) gi = Math.fround(gi + wd * p[po + i]);
      sum[i] += gi * gi;
      const std = Math.fround(Math.fround(Math.sqrt(sum[i])) + eps);
      p[po + i] -= (clr * gi) / std;
    }
  }

  protected override updateSparse(group: ParamGroup<AdagradHyper>, state: ParamState, p: Float32Array, po: number, grad: RowSparseTensor, param: Tensor): boolean {
    if (group.weightDecay !== 0) return false;
    const { lr, lrDecay, eps, maximize } = group;
    const step = (typeof state.step === 'number' ? state.step : 0) + 1;
    state.step = step;
    const sum = ensureBuffer(state, 'sum', param, group.initialAccumulatorValue);
    const clr = lr / (1 + (step - 1) * lrDecay);
    const sign = maximize ? -1 : 1;
    const { indices, values, rowSize } = grad.coalesce();
    for (let r = 0; r < indices.length; r++) {
      const base = indices[r] * rowSize, vb = r * rowSize;
      for (let j = 0; j < rowSize; j++) {
        const gi = sign * values[vb + j];
        sum[base + j] += gi * gi;
        const std = Math.fround(Math.fround(Math.sqrt(sum[base + j])) + eps);
        p[po + base + j] -= (clr * gi) / std;
      }
    }
    return true;
  }
}
