/** OneCycleLR: the 1cycle policy (lr up to maxLr then down far below the start; momentum inversely). */
import { Optimizer, type ParamGroup } from '../optimizer.js';
import { LRScheduler, type SchedulerOptions, schedulerOptions } from './lr-scheduler.js';

/** Options of OneCycleLR: maximum lr, total steps, warm-up share, annealing. */
export interface OneCycleLROptions extends SchedulerOptions {
  /** Peak lr, for every group or one per group. */
  maxLr: number | number[];
  /** Steps in the cycle; or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the lr (default 0.3). */
  pctStart?: number;
  /** 'cos' (default) or 'linear'. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum (SGD/RMSprop's `momentum`, Adam's `betas[0]`) inversely to the lr (default true). */
  cycleMomentum?: boolean;
  baseMomentum?: number | number[];
  maxMomentum?: number | number[];
  /** initialLr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** minLr = initialLr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Three phases (up, down to initialLr, then down to minLr) instead of fastai's two (default false). */
  threePhase?: boolean;
}

type GroupKey = 'initialLr' | 'maxLr' | 'minLr' | 'maxMomentum' | 'baseMomentum';

/** A phase of the one-cycle schedule. */
export interface OneCyclePhase {
  endStep: number;
  startLr: GroupKey;
  endLr: GroupKey;
  startMomentum: GroupKey;
  endMomentum: GroupKey;
}

const snake: Record<string, string> = {
  endStep: 'end_step', startLr: 'start_lr', endLr: 'end_lr', startMomentum: 'start_momentum', endMomentum: 'end_momentum',
  initialLr: 'initial_lr', maxLr: 'max_lr', minLr: 'min_lr', maxMomentum: 'max_momentum', baseMomentum: 'base_momentum',
};
const camel: Record<string, string> = Object.fromEntries(Object.entries(snake).map(([c, s]) => [s, c]));

function perGroup(name: string, value: number | number[], n: number): number[] {
  if (Array.isArray(value)) {
    if (value.length !== n) throw new Error(`expected ${n} values for ${name}, got ${value.length}`);
    return [...value];
  }
  return new Array<number>(n).fill(value);
}

function positiveInteger(name: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) <= 0) throw new RangeError(`Expected positive integer ${name}, but got ${v}`);
  return v as number;
}

/** The one-cycle policy (Smith): warm up to maxLr, then anneal far below the start. */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  schedulePhases: OneCyclePhase[];
  annealStrategy: 'cos' | 'linear';
  cycleMomentum: boolean;
  /** Whether momentum lives in betas[0] (Adam, AdamW) rather than `momentum`. */
  useBeta1: boolean;

  constructor(optimizer: Optimizer<any>, options: OneCycleLROptions) {
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`${optimizer === null ? 'null' : typeof optimizer} is not an Optimizer`);
    const o = schedulerOptions('OneCycleLR', options, { maxLr: 'any', totalSteps: 'any', epochs: 'any', stepsPerEpoch: 'any', pctStart: 'any', annealStrategy: 'any', cycleMomentum: 'any', baseMomentum: 'any', maxMomentum: 'any', divFactor: 'any', finalDivFactor: 'any', threePhase: 'any' });
    let totalSteps: number;
    if (o.totalSteps === undefined && o.epochs === undefined && o.stepsPerEpoch === undefined) {
      throw new Error('You must define either totalSteps OR (epochs AND stepsPerEpoch)');
    } else if (o.totalSteps !== undefined) totalSteps = positiveInteger('totalSteps', o.totalSteps);
    else totalSteps = positiveInteger('epochs', o.epochs) * positiveInteger('stepsPerEpoch', o.stepsPerEpoch);
    const pctStart = o.pctStart ?? 0.3;
    if (typeof pctStart !== 'number' || !(pctStart >= 0 && pctStart <= 1)) throw new RangeError(`Expected float between 0 and 1 pctStart, but got ${pctStart}`);
    const annealStrategy = o.annealStrategy ?? 'cos';
    if (annealStrategy !== 'cos' && annealStrategy !== 'linear') throw new RangeError(`annealStrategy must by one of 'cos' or 'linear', instead got ${annealStrategy}`);
    const cycleMomentum = o.cycleMomentum ?? true;
    const lastEpoch = o.lastEpoch ?? -1;
    const groups = optimizer.paramGroups as ParamGroup[];
    const n = groups.length;
    const maxLrs = perGroup('max_lr', o.maxLr, n);
    const divFactor = o.divFactor ?? 25;
    const finalDivFactor = o.finalDivFactor ?? 1e4;
    const useBeta1 = 'betas' in (optimizer.defaults ?? {});
    if (cycleMomentum && !('momentum' in (optimizer.defaults ?? {})) && !useBeta1) {
      throw new Error('optimizer must support momentum with `cycleMomentum` option enabled');
    }
    const maxMomentums = cycleMomentum ? perGroup('max_momentum', o.maxMomentum ?? 0.95, n) : [];
    const baseMomentums = cycleMomentum ? perGroup('base_momentum', o.baseMomentum ?? 0.85, n) : [];
    // PyTorch writes these into the groups before the base constructor runs (it reads initialLr).
    if (lastEpoch === -1) {
      groups.forEach((g, i) => {
        g.initialLr = maxLrs[i] / divFactor;
        g.maxLr = maxLrs[i];
        g.minLr = g.initialLr / finalDivFactor;
        if (cycleMomentum) {
          if (useBeta1) g.betas = [maxMomentums[i], ...(g.betas as number[]).slice(1)];
          else g.momentum = maxMomentums[i];
          g.maxMomentum = maxMomentums[i];
          g.baseMomentum = baseMomentums[i];
        }
      });
    } else {
      const needed: GroupKey[] = cycleMomentum ? ['initialLr', 'maxLr', 'minLr', 'maxMomentum', 'baseMomentum'] : ['initialLr', 'maxLr', 'minLr'];
      groups.forEach((g, i) => {
        for (const k of needed) if (typeof g[k] !== 'number') throw new Error(`OneCycleLR: param_groups[${i}] has no '${snake[k]}' to resume from (load the optimizer's state dict first)`);
      });
    }
    super(optimizer, lastEpoch);
    this.totalSteps = totalSteps;
    this.annealStrategy = annealStrategy;
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    this.schedulePhases = o.threePhase
      ? [
          { endStep: pctStart * totalSteps - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
          { endStep: 2 * pctStart * totalSteps - 2, startLr: 'maxLr', endLr: 'initialLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
          { endStep: totalSteps - 1, startLr: 'initialLr', endLr: 'minLr', startMomentum: 'maxMomentum', endMomentum: 'maxMomentum' },
        ]
      : [
          { endStep: pctStart * totalSteps - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
          { endStep: totalSteps - 1, startLr: 'maxLr', endLr: 'minLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
        ];
    this.initialStep();
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'cos') return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
    return (end - start) * pct + start;
  }

  protected getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new Error(`Tried to step ${stepNum + 1} times. The specified number of total steps is ${this.totalSteps}`);
    }
    const phases = this.schedulePhases;
    return this.groups.map((group) => {
      let startStep = 0;
      let lr = 0;
      for (let i = 0; i < phases.length; i++) {
        const phase = phases[i];
        const endStep = phase.endStep;
        if (stepNum <= endStep || i === phases.length - 1) {
          const pct = (stepNum - startStep) / (endStep - startStep);
          lr = this.anneal(group[phase.startLr] as number, group[phase.endLr] as number, pct);
          if (this.cycleMomentum) {
            const m = this.anneal(group[phase.startMomentum] as number, group[phase.endMomentum] as number, pct);
            if (this.useBeta1) group.betas = [m, ...(group.betas as number[]).slice(1)];
            else group.momentum = m;
          }
          break;
        }
        startStep = phase.endStep;
      }
      return lr;
    });
  }

  protected override extraState(): Record<string, unknown> {
    return {
      total_steps: this.totalSteps,
      _schedule_phases: this.schedulePhases.map((p) =>
        Object.fromEntries(Object.entries(p).map(([k, v]) => [snake[k], typeof v === 'string' ? snake[v] : v])),
      ),
      anneal_strategy: this.annealStrategy,
      cycle_momentum: this.cycleMomentum,
      ...(this.cycleMomentum ? { use_beta1: this.useBeta1 } : {}), // PyTorch sets it only when cycling
    };
  }

  protected override loadExtraState(sd: Record<string, unknown>): void {
    let totalSteps = this.totalSteps;
    if (sd.total_steps !== undefined) totalSteps = positiveInteger('total_steps', sd.total_steps);
    let phases = this.schedulePhases;
    if (sd._schedule_phases !== undefined) {
      const raw = sd._schedule_phases;
      if (!Array.isArray(raw) || raw.length === 0) throw new TypeError('_schedule_phases must be a non-empty list');
      phases = raw.map((p, i) => {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(p as Record<string, unknown>)) out[camel[k] ?? k] = typeof v === 'string' ? camel[v] ?? v : v;
        const ok = typeof out.endStep === 'number' && ['startLr', 'endLr', 'startMomentum', 'endMomentum'].every((k) => typeof out[k] === 'string' && snake[out[k] as string]);
        if (!ok) throw new TypeError(`_schedule_phases[${i}] is malformed: ${JSON.stringify(p)}`);
        return out as unknown as OneCyclePhase;
      });
    }
    const strategy = sd.anneal_strategy ?? this.annealStrategy;
    if (strategy !== 'cos' && strategy !== 'linear') throw new TypeError(`anneal_strategy must be 'cos' or 'linear', got ${JSON.stringify(strategy)}`);
    const cycle = sd.cycle_momentum ?? this.cycleMomentum;
    const beta1 = sd.use_beta1 ?? this.useBeta1;
    if (typeof cycle !== 'boolean' || typeof beta1 !== 'boolean') throw new TypeError('cycle_momentum and use_beta1 must be booleans');
    this.totalSteps = totalSteps;
    this.schedulePhases = phases;
    this.annealStrategy = strategy;
    this.cycleMomentum = cycle;
    this.useBeta1 = beta1;
  }
}
