/** LinearLR: scales the lr by a factor moving linearly from startFactor to endFactor. */
import type { Optimizer } from '../optimizer.js';
import { LRScheduler, numberField, type SchedulerOptions, schedulerOptions } from './lr-scheduler.js';

/** Options of LinearLR: start and end factors and the steps between. */
export interface LinearLROptions extends SchedulerOptions {
  /** Factor at epoch 0 (default 1/3), in [0, 1]. */
  startFactor?: number;
  /** Factor from epoch totalIters on (default 1), in [0, 1]. */
  endFactor?: number;
  /** Epochs to go from startFactor to endFactor (default 5). */
  totalIters?: number;
}

/** Recursive form, as PyTorch: each step multiplies the current lr by the ratio of successive factors. */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;

  constructor(optimizer: Optimizer<any>, options: LinearLROptions = {}) {
    super(optimizer, schedulerOptions('LinearLR', options, { startFactor: 'number', endFactor: 'number', totalIters: 'integer' }).lastEpoch);
    const startFactor = options.startFactor ?? 1 / 3;
    const endFactor = options.endFactor ?? 1;
    if (!(startFactor >= 0 && startFactor <= 1)) throw new RangeError('Starting multiplicative factor expected to be between 0 and 1.');
    if (!(endFactor >= 0 && endFactor <= 1)) throw new RangeError('Ending multiplicative factor expected to be between 0 and 1.');
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = options.totalIters ?? 5;
    this.initialStep();
  }

  protected getLr(): number[] {
    const { lastEpoch: t, startFactor: s, endFactor: e, totalIters: n } = this;
    if (t === 0) return this.groups.map((g) => g.lr * s);
    if (t > n) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * (1 + (e - s) / (n * s + (t - 1) * (e - s))));
  }

  protected override extraState(): Record<string, unknown> {
    return { start_factor: this.startFactor, end_factor: this.endFactor, total_iters: this.totalIters };
  }

  protected override loadExtraState(sd: Record<string, unknown>): void {
    const s = numberField(sd, 'start_factor', this.startFactor);
    const e = numberField(sd, 'end_factor', this.endFactor);
    const n = numberField(sd, 'total_iters', this.totalIters);
    this.startFactor = s;
    this.endFactor = e;
    this.totalIters = n;
  }
}
