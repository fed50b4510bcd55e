/** LambdaLR: lr = initial lr * lrLambda(epoch). */
import type { Optimizer } from '../optimizer.js';
import { LRScheduler, type SchedulerOptions, schedulerOptions } from './lr-scheduler.js';

/** The factor of the initial lr at a step. */
export type LrLambda = (epoch: number) => number;

/** Options of LambdaLR: the factor function. */
export interface LambdaLROptions extends SchedulerOptions {
  /** One function for every group, or one per group. */
  lrLambda: LrLambda | LrLambda[];
}

/** Sets the learning rate to the initial lr times `lrLambda(step)`. */
export class LambdaLR extends LRScheduler {
  lrLambdas: LrLambda[];

  constructor(optimizer: Optimizer<any>, options: LambdaLROptions) {
    super(optimizer, schedulerOptions('LambdaLR', options, { lrLambda: 'function|array' }).lastEpoch);
    const n = optimizer.paramGroups.length;
    const f = options.lrLambda;
    if (Array.isArray(f)) {
      if (f.length !== n) throw new Error(`Expected ${n} lr_lambdas, but got ${f.length}`);
      this.lrLambdas = [...f];
    } else this.lrLambdas = new Array<LrLambda>(n).fill(f);
    for (const fn of this.lrLambdas) if (typeof fn !== 'function') throw new TypeError(`LambdaLR: lrLambda must be a function, got ${typeof fn}`);
    this.initialStep();
  }

  protected getLr(): number[] {
    return this.baseLrs.map((base, i) => base * this.lrLambdas[i](this.lastEpoch));
  }

  /** Functions are not saved (lr_lambdas: null per group, as PyTorch does for plain functions). */
  protected override extraState(): Record<string, unknown> {
    return { lr_lambdas: this.lrLambdas.map(() => null) };
  }
}
