/** RMSprop, as torch.optim.RMSprop (1.13). */
import type { Tensor } from '../tensor/tensor.js';
import {
  checkBoolean, checkNonNegative, ensureBuffer, Optimizer, optimizerOptions,
  type ParamGroup, type ParamsInput, type ParamState,
} from './optimizer.js';

/** RMSprop's hyperparameters. */
export interface RMSpropHyper {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

/** Options of optim.RMSprop (every hyperparameter has PyTorch's default). */
export type RMSpropOptions = Partial<RMSpropHyper>;

/**
 * `s = alpha s + (1 - alpha) g^2` (g with `weightDecay * p` added, negated if `maximize`);
 * centered: `a = alpha a + (1 - alpha) g` and the scale is `sqrt(s - a^2) + eps`, otherwise
 * `sqrt(s) + eps`; with momentum `buf = momentum buf + g / scale`, `p -= lr buf`, else
 * `p -= lr g / scale`. Defaults: lr 1e-2, alpha 0.99, eps 1e-8.
 * State: `step`, `squareAvg`, `momentumBuffer` (momentum > 0), `gradAvg` (centered).
 */
export class RMSprop extends Optimizer<RMSpropHyper> {
  constructor(params: ParamsInput<RMSpropHyper>, lrOrOptions: RMSpropOptions | number = {}) {
    const options = optimizerOptions('RMSprop', lrOrOptions, ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered', 'maximize']);
    super(params, {
      lr: options.lr ?? 1e-2,
      alpha: options.alpha ?? 0.99,
      eps: options.eps ?? 1e-8,
      weightDecay: options.weightDecay ?? 0,
      momentum: options.momentum ?? 0,
      centered: options.centered ?? false,
      maximize: options.maximize ?? false,
    });
  }

  protected validateHyper(h: Partial<RMSpropHyper>): void {
    checkNonNegative('RMSprop', 'lr', 'learning rate', h.lr);
    checkNonNegative('RMSprop', 'eps', 'epsilon value', h.eps);
    checkNonNegative('RMSprop', 'momentum', 'momentum value', h.momentum);
    checkNonNegative('RMSprop', 'weightDecay', 'weight_decay value', h.weightDecay);
    checkNonNegative('RMSprop', 'alpha', 'alpha value', h.alpha);
    checkBoolean('RMSprop', 'centered', h.centered);
    checkBoolean('RMSprop', 'maximize', h.maximize);
  }

  protected updateParam(group: ParamGroup<RMSpropHyper>, state: ParamState, p: Float32Array, po: number, g: Float32Array, go: number, n: number, param: Tensor): void {
    const { lr, alpha, eps, weightDecay: wd, momentum, centered, maximize } = group;
    state.step = (typeof state.step === 'number' ? state.step : 0) + 1;
    const sq = ensureBuffer(state, 'squareAvg', param);
    const buf = momentum > 0 ? ensureBuffer(state, 'momentumBuffer', param) : sq;
    const ga = centered ? ensureBuffer(state, 'gradAvg', param) : sq;
    const sign = maximize ? -1 : 1;
    const c = 1 - alpha;
    for (let i = 0; i < n; i++) {
      let gi = sign * g[go + i];
      if (wd !== 0) gi = Math.fround(gi + wd * p[po + i]);
      sq[i] = sq[i] * alpha + c * gi * gi;
      let avg: number;
      if (centered) {
        ga[i] = ga[i] * alpha + c * gi;
        avg = Math.sqrt(Math.fround(sq[i] - ga[i] * ga[i]));
      } else avg = Math.sqrt(sq[i]);
      avg = Math.fround(Math.fround(avg) + eps);
      if (momentum > 0) {
        buf[i] = buf[i] * momentum + gi / avg;
        p[po + i] -= lr * buf[i];
      } else p[po + i] -= (lr * gi) / avg;
    }
  }
}
