/**
 * The update rule BERT is trained and fine-tuned with (Devlin et al. 2019; Hugging Face's Trainer):
 * AdamW with weight decay on the weight matrices only, a linear warm-up then linear decay of the
 * rate, the gradient norm clipped at 1, and gradient accumulation (several micro-batches per update,
 * each loss divided by their number, so an update sees the mean over all of them).
 *
 * A NaN or infinite loss or gradient stops training with NonFiniteLossError before the weights
 * change, so whatever was last saved is the last sound state. `stateDict()` holds everything a
 * resumed run needs to continue bit-identically: the weights, the optimizer's moments, the schedule,
 * the update count and the default generator (dropout's random numbers).
 */
import type { Tensor } from '../../tensor/tensor.js';
import type { Module, StateDict } from '../../nn/module.js';
import { defaultGenerator } from '../../tensor/random.js';
import { clipGradNorm } from '../../nn/utils/clip-grad.js';
import { AdamW } from '../../optim/adamw.js';
import { LinearWarmupLR } from '../../optim/lr-scheduler/linear-warmup-lr.js';
import { weightDecayGroups } from '../../optim/weight-decay-groups.js';
import type { OptimizerStateDict } from '../../optim/optimizer.js';
import type { SchedulerStateDict } from '../../optim/lr-scheduler/lr-scheduler.js';
import { checkOptions, NON_NEGATIVE_INTEGER, NON_NEGATIVE_NUMBER, POSITIVE_INTEGER, POSITIVE_NUMBER, type OptionSpec } from '../../util/options.js';

/** Options of Trainer, BERT's update rule: peak lr, schedule length and warm-up, AdamW's weight decay and epsilon, gradient clipping. */
export interface TrainerOptions {
  /** Peak learning rate. */
  lr: number;
  /** Optimizer updates in the whole run (the schedule reaches 0 there). */
  totalSteps: number;
  /** Updates of linear warm-up (default 0). */
  warmupSteps?: number;
  /** AdamW's decay on weight matrices (default 0.01); biases and LayerNorm weights get none. */
  weightDecay?: number;
  /** Clip the global gradient norm to this (default 1; 0 turns clipping off). */
  maxGradNorm?: number;
  /** AdamW's epsilon (default 1e-8, HF's adam_epsilon). */
  eps?: number;
}

/** Thrown when a loss or the gradient norm is NaN or infinite; the weights are as before that update. */
export class NonFiniteLossError extends Error {
  constructor(readonly step: number, readonly value: number, what = 'loss') {
    super(`the ${what} became ${value} at update ${step + 1}; stopping before the weights change (the last checkpoint holds the last sound weights). Try a lower --lr or a longer --warmup.`);
    this.name = 'NonFiniteLossError';
  }
}

/** What Trainer.stateDict() holds to resume bit-identically: update count, weights, optimizer moments, schedule and the default generator. */
export interface TrainerState {
  step: number;
  model: StateDict;
  optimizer: OptimizerStateDict;
  scheduler: SchedulerStateDict;
  /** The default generator's state: dropout draws from it. */
  rng: number[];
}

/** What Trainer accepts (BertPretrainer passes these on). */
export const TRAINER_OPTIONS: OptionSpec<TrainerOptions> = {
  lr: POSITIVE_NUMBER, totalSteps: POSITIVE_INTEGER, warmupSteps: NON_NEGATIVE_INTEGER, weightDecay: NON_NEGATIVE_NUMBER, maxGradNorm: NON_NEGATIVE_NUMBER, eps: POSITIVE_NUMBER,
};

/** BERT's update rule (Hugging Face's Trainer): AdamW without decay on biases and LayerNorm, linear warm-up and decay, gradient clipping, gradient accumulation, NaN/infinity refused. */
export class Trainer {
  readonly model: Module;
  readonly optimizer: AdamW;
  readonly scheduler: LinearWarmupLR;
  readonly maxGradNorm: number;
  /** Optimizer updates done. */
  step = 0;

  constructor(model: Module, options: TrainerOptions) {
    checkOptions('Trainer', options, TRAINER_OPTIONS, { learning_rate: 'lr', max_grad_norm: 'maxGradNorm', warmup_steps: 'warmupSteps', weight_decay: 'weightDecay' });
    if (!(options.lr > 0)) throw new RangeError(`Trainer: lr must be positive, got ${options.lr}`);
    const maxGradNorm = options.maxGradNorm ?? 1;
    if (!(maxGradNorm >= 0)) throw new RangeError(`Trainer: maxGradNorm must be >= 0, got ${maxGradNorm}`);
    this.model = model;
    this.maxGradNorm = maxGradNorm;
    this.optimizer = new AdamW(weightDecayGroups(model.namedParameters(), { weightDecay: options.weightDecay ?? 0.01 }), {
      lr: options.lr, eps: options.eps ?? 1e-8,
    });
    this.scheduler = new LinearWarmupLR(this.optimizer, { warmupSteps: options.warmupSteps ?? 0, totalSteps: options.totalSteps });
  }

  /** The learning rate of the next update. */
  get lr(): number {
    return this.optimizer.paramGroups[0]!.lr;
  }

  /**
   * One optimizer update over `microBatches` (gradient accumulation when there are several):
   * `lossOf(b)` runs the model in training mode and returns the mean loss of micro-batch b. Returns
   * the mean of the micro-batches' losses. Throws NonFiniteLossError, weights untouched, on a
   * non-finite loss or gradient norm.
   */
  update<B>(microBatches: readonly B[], lossOf: (batch: B) => Tensor): number {
    if (microBatches.length === 0) throw new Error('Trainer.update: no micro-batches');
    this.model.train();
    this.optimizer.zeroGrad();
    let total = 0;
    for (const batch of microBatches) {
      const loss = lossOf(batch);
      const value = loss.item();
      if (!Number.isFinite(value)) {
        this.optimizer.zeroGrad();
        throw new NonFiniteLossError(this.step, value);
      }
      total += value;
      (microBatches.length > 1 ? loss.div(microBatches.length) : loss).backward();
    }
    const norm = clipGradNorm(this.model.parameters(), this.maxGradNorm > 0 ? this.maxGradNorm : Infinity);
    if (!Number.isFinite(norm)) {
      this.optimizer.zeroGrad();
      throw new NonFiniteLossError(this.step, norm, 'gradient norm');
    }
    this.optimizer.step();
    this.scheduler.step();
    this.step++;
    return total / microBatches.length;
  }

  stateDict(): TrainerState {
    return {
      step: this.step,
      model: this.model.stateDict(),
      optimizer: this.optimizer.stateDict(),
      scheduler: this.scheduler.stateDict(),
      rng: defaultGenerator.getState(),
    };
  }

  /** Restores stateDict()'s output (e.g. read back from a checkpoint file). */
  loadStateDict(state: TrainerState): void {
    if (!Number.isInteger(state.step) || state.step < 0) throw new Error(`Trainer.loadStateDict: step must be an integer >= 0, got ${JSON.stringify(state.step)}`);
    this.model.loadStateDict(state.model);
    this.optimizer.loadStateDict(state.optimizer);
    this.scheduler.loadStateDict(state.scheduler);
    defaultGenerator.setState(state.rng);
    this.step = state.step;
  }
}
