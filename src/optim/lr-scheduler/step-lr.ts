/** StepLR and MultiStepLR: decay by gamma every stepSize epochs / at given milestones. */
import type { Optimizer } from '../optimizer.js';
import { LRScheduler, numberField, type SchedulerOptions, schedulerOptions } from './lr-scheduler.js';

/** Options of StepLR: the period and the factor. */
export interface StepLROptions extends SchedulerOptions {
  /** Period of the decay, in epochs. */
  stepSize: number;
  /** Multiplicative factor of the decay (default 0.1). */
  gamma?: number;
}

/** `lr *= gamma` at every epoch that is a positive multiple of stepSize. */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;

  constructor(optimizer: Optimizer<any>, options: StepLROptions) {
    super(optimizer, schedulerOptions('StepLR', options, { stepSize: 'integer', gamma: 'number' }).lastEpoch);
    if (!Number.isInteger(options.stepSize) || options.stepSize <= 0) throw new RangeError(`StepLR: stepSize must be a positive integer, got ${options.stepSize}`);
    this.stepSize = options.stepSize;
    this.gamma = options.gamma ?? 0.1;
    this.initialStep();
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }

  protected override extraState(): Record<string, unknown> {
    return { step_size: this.stepSize, gamma: this.gamma };
  }

  protected override loadExtraState(sd: Record<string, unknown>): void {
    const stepSize = numberField(sd, 'step_size', this.stepSize);
    const gamma = numberField(sd, 'gamma', this.gamma);
    this.stepSize = stepSize;
    this.gamma = gamma;
  }
}

/** Options of MultiStepLR: the milestones and the factor. */
export interface MultiStepLROptions extends SchedulerOptions {
  /** Epochs at which to decay; a milestone listed k times decays by gamma^k. */
  milestones: number[];
  gamma?: number;
}

/** `lr *= gamma^count` at each milestone epoch. */
export class MultiStepLR extends LRScheduler {
  /** Milestone -> how many times it was listed (PyTorch's Counter). */
  milestones: Map<number, number>;
  gamma: number;

  constructor(optimizer: Optimizer<any>, options: MultiStepLROptions) {
    super(optimizer, schedulerOptions('MultiStepLR', options, { milestones: 'integers', gamma: 'number' }).lastEpoch);
    this.milestones = MultiStepLR.count(options.milestones);
    this.gamma = options.gamma ?? 0.1;
    this.initialStep();
  }

  private static count(list: unknown): Map<number, number> {
    if (!Array.isArray(list) || !list.every((m) => Number.isInteger(m))) throw new TypeError(`MultiStepLR: milestones must be a list of integers, got ${JSON.stringify(list)}`);
    const counts = new Map<number, number>();
    for (const m of list as number[]) counts.set(m, (counts.get(m) ?? 0) + 1);
    return counts;
  }

  protected getLr(): number[] {
    const k = this.milestones.get(this.lastEpoch);
    if (k === undefined) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma ** k);
  }

  /** milestones as PyTorch's Counter serialises: {epoch: count}. */
  protected override extraState(): Record<string, unknown> {
    return { milestones: Object.fromEntries([...this.milestones].map(([m, c]) => [String(m), c])), gamma: this.gamma };
  }

  /** Takes milestones as {epoch: count} or as a list. */
  protected override loadExtraState(sd: Record<string, unknown>): void {
    let milestones = this.milestones;
    const m = sd.milestones;
    if (Array.isArray(m)) milestones = MultiStepLR.count(m);
    else if (m !== undefined) {
      if (m === null || typeof m !== 'object') throw new TypeError(`milestones must be {epoch: count} or a list, got ${JSON.stringify(m)}`);
      milestones = new Map();
      for (const [k, c] of Object.entries(m)) {
        if (!Number.isInteger(Number(k)) || !Number.isInteger(c)) throw new TypeError(`milestones must be {epoch: count} or a list, got ${JSON.stringify(m)}`);
        milestones.set(Number(k), c as number);
      }
    }
    const gamma = numberField(sd, 'gamma', this.gamma);
    this.milestones = milestones;
    this.gamma = gamma;
  }
}
