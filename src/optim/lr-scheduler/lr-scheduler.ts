/**
 * The learning-rate scheduler base class, shaped like torch.optim.lr_scheduler._LRScheduler (1.13).
 *
 * A scheduler sets each param group's `lr` once at construction (epoch 0) and again at every
 * `step()`; most use PyTorch's recursive ("chainable") form, which reads the group's current lr, so
 * the values match PyTorch's to the last bit where the arithmetic is the same.
 */
import { Optimizer, type ParamGroup } from '../optimizer.js';
import { checkOptions, type OptionSpec } from '../../util/options.js';

/** Options every scheduler takes. */
export interface SchedulerOptions {
  /** The index of the last epoch; -1 (the default) starts the schedule, anything else resumes it. */
  lastEpoch?: number;
}

/** `LRScheduler.stateDict()`: PyTorch's keys (`base_lrs`, `last_epoch`, `_step_count`, `_last_lr`, ...). */
/** A scheduler's options, checked against its spec (lastEpoch is every scheduler's); returned for the super() call. */
export function schedulerOptions<O extends SchedulerOptions>(owner: string, options: O, spec: Omit<OptionSpec<O>, 'lastEpoch'>): O {
  checkOptions(owner, options, { lastEpoch: 'integer', ...spec });
  return options;
}

export type SchedulerStateDict = Record<string, unknown>;

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'object';
  return typeof x;
}

export function isNumberArray(x: unknown): x is number[] {
  return Array.isArray(x) && x.every((v) => typeof v === 'number');
}

/** The base of the learning-rate schedulers, as `torch.optim.lr_scheduler.LRScheduler`: call `step()` after `optimizer.step()`. */
export abstract class LRScheduler {
  readonly optimizer: Optimizer<any>;
  /** Each group's `initialLr`. */
  baseLrs: number[];
  /** The epoch (or batch) the current lr belongs to; the constructor's step makes it 0. */
  lastEpoch: number;
  /** How many times step() has run, the constructor's included. */
  stepCount = 0;
  protected lastLr: number[] = [];

  constructor(optimizer: Optimizer<any>, lastEpoch = -1) {
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`${describe(optimizer)} is not an Optimizer`);
    if (!Number.isInteger(lastEpoch) || lastEpoch < -1) throw new RangeError(`${this.constructor.name}: lastEpoch must be an integer >= -1, got ${lastEpoch}`);
    this.optimizer = optimizer;
    const groups = optimizer.paramGroups;
    if (lastEpoch === -1) {
      for (const g of groups) if (g.initialLr === undefined) g.initialLr = g.lr;
    } else {
      groups.forEach((g, i) => {
        if (g.initialLr === undefined) throw new Error(`param 'initial_lr' is not specified in param_groups[${i}] when resuming an optimizer`);
      });
    }
    this.baseLrs = groups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
  }

  /** The groups' new lrs at `lastEpoch` (already advanced). */
  protected abstract getLr(): number[];

  /** Subclasses call this at the end of their constructor (PyTorch's _initial_step). */
  protected initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  protected get groups(): ParamGroup[] {
    return this.optimizer.paramGroups;
  }

  /** Advances one epoch (or batch) and writes the new lr into every param group. */
  step(): void {
    this.stepCount++;
    this.lastEpoch++;
    const values = this.getLr();
    this.groups.forEach((g, i) => {
      g.lr = values[i];
    });
    this.lastLr = this.groups.map((g) => g.lr);
  }

  /** The lr of each group as this scheduler last set it. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** This scheduler's own fields for stateDict, snake_case as in PyTorch. */
  protected extraState(): Record<string, unknown> {
    return {};
  }

  /** Restores extraState()'s fields (validated); missing keys keep their current values. */
  protected loadExtraState(_sd: Record<string, unknown>): void {}

  /** PyTorch's state_dict: everything but the optimizer (and functions), JSON-able. */
  stateDict(): SchedulerStateDict {
    return {
      ...this.extraState(),
      base_lrs: [...this.baseLrs],
      last_epoch: this.lastEpoch,
      _step_count: this.stepCount,
      _last_lr: [...this.lastLr],
    };
  }

  /** Loads stateDict()'s output (or PyTorch's, read as JSON). Nothing changes if it is refused. */
  loadStateDict(sd: SchedulerStateDict): void {
    const where = `${this.constructor.name}.loadStateDict`;
    if (sd === null || typeof sd !== 'object') throw new TypeError(`${where}: expected an object, got ${describe(sd)}`);
    const n = this.groups.length;
    const baseLrs = sd.base_lrs;
    if (!isNumberArray(baseLrs)) throw new TypeError(`${where}: base_lrs must be a list of numbers`);
    if (baseLrs.length !== n) throw new Error(`${where}: base_lrs has ${baseLrs.length} entries but the optimizer has ${n} param groups`);
    if (!Number.isInteger(sd.last_epoch)) throw new TypeError(`${where}: last_epoch must be an integer, got ${JSON.stringify(sd.last_epoch)}`);
    if (sd._step_count !== undefined && !Number.isInteger(sd._step_count)) throw new TypeError(`${where}: _step_count must be an integer`);
    if (sd._last_lr !== undefined && !(isNumberArray(sd._last_lr) && sd._last_lr.length === n)) {
      throw new TypeError(`${where}: _last_lr must be a list of ${n} numbers`);
    }
    try {
      this.loadExtraState(sd);
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`);
    }
    this.baseLrs = [...baseLrs];
    this.lastEpoch = sd.last_epoch as number;
    if (sd._step_count !== undefined) this.stepCount = sd._step_count as number;
    if (sd._last_lr !== undefined) this.lastLr = [...(sd._last_lr as number[])];
  }
}

/** Reads a finite number field of a state dict, or keeps `current` when absent. */
export function numberField(sd: Record<string, unknown>, key: string, current: number): number {
  const v = sd[key];
  if (v === undefined) return current;
  if (typeof v !== 'number') throw new TypeError(`${key} must be a number, got ${JSON.stringify(v)}`);
  return v;
}
