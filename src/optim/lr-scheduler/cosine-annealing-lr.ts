/** CosineAnnealingLR, in PyTorch's recursive form so the values match it exactly. */
import type { Optimizer } from '../optimizer.js';
import { LRScheduler, numberField, type SchedulerOptions, schedulerOptions } from './lr-scheduler.js';

/** Options of CosineAnnealingLR: the period and the minimum lr. */
export interface CosineAnnealingLROptions extends SchedulerOptions {
  /** Half-period, in epochs (PyTorch's T_max). */
  tMax: number;
  /** The lowest lr (PyTorch's eta_min, default 0). */
  etaMin?: number;
}

/**
 * `lr_t = etaMin + (base - etaMin) (1 + cos(pi t / tMax)) / 2` when nothing else touches the lr,
 * computed recursively from the group's current lr as PyTorch does (so it composes with other
 * changes the same way); past tMax it rises again (no restarts).
 */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;

  constructor(optimizer: Optimizer<any>, options: CosineAnnealingLROptions) {
    super(optimizer, schedulerOptions('CosineAnnealingLR', options, { tMax: 'number', etaMin: 'number' }).lastEpoch);
    if (typeof options.tMax !== 'number' || !(options.tMax > 0)) throw new RangeError(`CosineAnnealingLR: tMax must be a positive number, got ${options.tMax}`);
    this.tMax = options.tMax;
    this.etaMin = options.etaMin ?? 0;
    this.initialStep();
  }

  protected getLr(): number[] {
    const { lastEpoch: t, tMax, etaMin } = this;
    if (t === 0) return this.groups.map((g) => g.lr);
    if (this.stepCount === 1 && t > 0) {
      return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((t * Math.PI) / tMax))) / 2);
    }
    if ((t - 1 - tMax) % (2 * tMax) === 0) {
      return this.groups.map((g, i) => g.lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2);
    }
    return this.groups.map(
      (g) => ((1 + Math.cos((Math.PI * t) / tMax)) / (1 + Math.cos((Math.PI * (t - 1)) / tMax))) * (g.lr - etaMin) + etaMin,
    );
  }

  protected override extraState(): Record<string, unknown> {
    return { T_max: this.tMax, eta_min: this.etaMin };
  }

  protected override loadExtraState(sd: Record<string, unknown>): void {
    const tMax = numberField(sd, 'T_max', this.tMax);
    const etaMin = numberField(sd, 'eta_min', this.etaMin);
    this.tMax = tMax;
    this.etaMin = etaMin;
  }
}
