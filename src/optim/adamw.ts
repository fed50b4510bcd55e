/** AdamW (decoupled weight decay), as torch.optim.AdamW (1.13). */
import type { Tensor } from '../tensor/tensor.js';
import { Optimizer, optimizerOptions, type ParamGroup, type ParamsInput, type ParamState } from './optimizer.js';
import { adamUpdate, validateAdam, type AdamHyper, type AdamOptions } from './adam.js';

/** AdamW's hyperparameters (Adam's, with decoupled weight decay). */
export type AdamWHyper = AdamHyper;
/** Options of optim.AdamW (every hyperparameter has PyTorch's default). */
export type AdamWOptions = AdamOptions;

/**
 * Adam with the weight decay applied to the parameter, not the gradient:
 * `p *= 1 - lr * weightDecay` before the Adam step. Defaults as PyTorch: lr 1e-3, weightDecay 1e-2.
 */
export class AdamW extends Optimizer<AdamWHyper> {
  constructor(params: ParamsInput<AdamWHyper>, lrOrOptions: AdamWOptions | number = {}) {
    const options = optimizerOptions('AdamW', lrOrOptions, ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'maximize']);
    super(params, {
      lr: options.lr ?? 1e-3,
      betas: options.betas ?? [0.9, 0.999],
      eps: options.eps ?? 1e-8,
      weightDecay: options.weightDecay ?? 1e-2,
      amsgrad: options.amsgrad ?? false,
      maximize: options.maximize ?? false,
    });
  }

  protected validateHyper(h: Partial<AdamWHyper>): void {
    validateAdam('AdamW', h);
  }

  protected updateParam(group: ParamGroup<AdamWHyper>, state: ParamState, p: Float32Array, po: number, g: Float32Array, go: number, n: number, param: Tensor): void {
    adamUpdate(group, state, p, po, g, go, n, param, true);
  }
}
