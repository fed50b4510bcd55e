/** Adam, as torch.optim.Adam (1.13), and the update it shares with AdamW. */
import type { Tensor } from '../tensor/tensor.js';
import { adamKernelUpdate } from '../ops/adam.js';
import {
  checkBetas, checkBoolean, checkNonNegative, ensureBuffer, Optimizer, optimizerOptions,
  type ParamGroup, type ParamsInput, type ParamState,
} from './optimizer.js';

/** Adam's hyperparameters. */
export interface AdamHyper {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

/** Options of optim.Adam (every hyperparameter has PyTorch's default). */
export type AdamOptions = Partial<AdamHyper>;

export function validateAdam(owner: string, h: Partial<AdamHyper>): void {
  checkNonNegative(owner, 'lr', 'learning rate', h.lr);
  checkNonNegative(owner, 'eps', 'epsilon value', h.eps);
  checkBetas(owner, h.betas);
  checkNonNegative(owner, 'weightDecay', 'weight_decay value', h.weightDecay);
  checkBoolean(owner, 'amsgrad', h.amsgrad);
  checkBoolean(owner, 'maximize', h.maximize);
}

/**
 * One Adam/AdamW update of a parameter (PyTorch's _single_tensor_adam / _single_tensor_adamw).
 * `decoupled` (AdamW) multiplies p by `1 - lr * weightDecay` first instead of adding
 * `weightDecay * p` to the gradient.
 */
export function adamUpdate(
  group: AdamHyper, state: ParamState, p: Float32Array, po: number, g: Float32Array, go: number, n: number,
  param: Tensor, decoupled: boolean,
): void {
  const { lr, eps, weightDecay: wd, amsgrad, maximize } = group;
  const [beta1, beta2] = group.betas;
  const step = (typeof state.step === 'number' ? state.step : 0) + 1;
  state.step = step;
  const m = ensureBuffer(state, 'expAvg', param);
  const v = ensureBuffer(state, 'expAvgSq', param);
  adamKernelUpdate(p, po, g, go, n, m, v, amsgrad ? ensureBuffer(state, 'maxExpAvgSq', param) : null, {
    beta1, beta2, eps, maximize,
    stepSize: lr / (1 - beta1 ** step),
    biasCorrection2Sqrt: Math.sqrt(1 - beta2 ** step),
    l2: decoupled ? 0 : wd,
    decay: decoupled ? 1 - lr * wd : 1,
  });
}

/**
 * Adam: `m = beta1 m + (1 - beta1) g`, `v = beta2 v + (1 - beta2) g^2` (g with `weightDecay * p`
 * added, negated if `maximize`), then
 * `p -= lr / (1 - beta1^t) * m / (sqrt(v or max v so far if amsgrad) / sqrt(1 - beta2^t) + eps)`.
 * State: `step`, `expAvg`, `expAvgSq`, and `maxExpAvgSq` with amsgrad.
 *
 * @example
 * ```ts
 * const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3, betas: [0.9, 0.98] });
 * optimizer.zeroGrad();
 * loss.backward();
 * optimizer.step();
 * ```
 */
export class Adam extends Optimizer<AdamHyper> {
  constructor(params: ParamsInput<AdamHyper>, lrOrOptions: AdamOptions | number = {}) {
    const options = optimizerOptions('Adam', lrOrOptions, ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'maximize']);
    super(params, {
      lr: options.lr ?? 1e-3,
      betas: options.betas ?? [0.9, 0.999],
      eps: options.eps ?? 1e-8,
      weightDecay: options.weightDecay ?? 0,
      amsgrad: options.amsgrad ?? false,
      maximize: options.maximize ?? false,
    });
  }

  protected validateHyper(h: Partial<AdamHyper>): void {
    validateAdam('Adam', h);
  }

  protected updateParam(group: ParamGroup<AdamHyper>, state: ParamState, p: Float32Array, po: number, g: Float32Array, go: number, n: number, param: Tensor): void {
    adamUpdate(group, state, p, po, g, go, n, param, false);
  }
}
