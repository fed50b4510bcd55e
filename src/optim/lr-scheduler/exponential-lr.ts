/** ExponentialLR: `lr *= gamma` every epoch. */
import type { Optimizer } from '../optimizer.js';
import { LRScheduler, numberField, type SchedulerOptions, schedulerOptions } from './lr-scheduler.js';

/** Options of ExponentialLR: the decay factor. */
export interface ExponentialLROptions extends SchedulerOptions {
  gamma: number;
}

/** Multiplies the learning rate by gamma at each step. */
export class ExponentialLR extends LRScheduler {
  gamma: number;

  constructor(optimizer: Optimizer<any>, options: ExponentialLROptions) {
    super(optimizer, schedulerOptions('ExponentialLR', options, { gamma: 'number' }).lastEpoch);
    if (typeof options.gamma !== 'number') throw new TypeError(`ExponentialLR: gamma must be a number, got ${options.gamma}`);
    this.gamma = options.gamma;
    this.initialStep();
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }

  protected override extraState(): Record<string, unknown> {
    return { gamma: this.gamma };
  }

  protected override loadExtraState(sd: Record<string, unknown>): void {
    this.gamma = numberField(sd, 'gamma', this.gamma);
  }
}
