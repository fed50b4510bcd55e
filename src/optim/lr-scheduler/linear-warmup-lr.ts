/**
 * LinearWarmupLR: Hugging Face's `get_linear_schedule_with_warmup`, the schedule BERT was trained and
 * fine-tuned with. The lr rises linearly from 0 to the initial lr over `warmupSteps` steps, then falls
 * linearly to 0 at `totalSteps` (and stays there). Stepped once per optimizer update.
 */
import type { Optimizer } from '../optimizer.js';
import { LRScheduler, numberField, type SchedulerOptions } from './lr-scheduler.js';

export interface LinearWarmupLROptions extends SchedulerOptions {
  /** Steps of linear warm-up from 0 (0: start at the full lr). */
  warmupSteps: number;
  /** The step at which the lr reaches 0. */
  totalSteps: number;
}

/** HF's lr_lambda: the factor of the initial lr at `step`. */
export function linearWarmupFactor(step: number, warmupSteps: number, totalSteps: number): number {
  if (step < warmupSteps) return step / Math.max(1, warmupSteps);
  return Math.max(0, (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
}

export class LinearWarmupLR extends LRScheduler {
  warmupSteps: number;
  totalSteps: number;

  constructor(optimizer: Optimizer<any>, options: LinearWarmupLROptions) {
    super(optimizer, options.lastEpoch);
    const { warmupSteps, totalSteps } = options;
    if (!Number.isInteger(warmupSteps) || warmupSteps < 0) throw new RangeError(`LinearWarmupLR: warmupSteps must be an integer >= 0, got ${warmupSteps}`);
    if (!Number.isInteger(totalSteps) || totalSteps < 1) throw new RangeError(`LinearWarmupLR: totalSteps must be an integer >= 1, got ${totalSteps}`);
    this.warmupSteps = warmupSteps;
    this.totalSteps = totalSteps;
    this.initialStep();
  }

  protected getLr(): number[] {
    const factor = linearWarmupFactor(this.lastEpoch, this.warmupSteps, this.totalSteps);
    return this.baseLrs.map((base) => base * factor);
  }

  protected override extraState(): Record<string, unknown> {
    return { warmup_steps: this.warmupSteps, total_steps: this.totalSteps };
  }

  protected override loadExtraState(sd: Record<string, unknown>): void {
    const warmup = numberField(sd, 'warmup_steps', this.warmupSteps);
    const total = numberField(sd, 'total_steps', this.totalSteps);
    this.warmupSteps = warmup;
    this.totalSteps = total;
  }
}
