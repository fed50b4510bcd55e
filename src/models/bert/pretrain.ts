/**
 * The pretraining loop: masked-LM + next-sentence prediction over a data source that masks afresh
 * each epoch, with BERT's update rule (trainer.ts), gradient accumulation, a progress bar, held-out
 * evaluation and checkpoints through a callback (this file touches no files; the CLI writes them).
 *
 * Resuming: `stateDict()` holds the trainer's state plus where in which epoch the run stands; the
 * data source must give the same batches for the same epoch (derive its generator from the seed and
 * the epoch), so a resumed run continues bit-identically.
 */
import { Generator } from '../../tensor/random.js';
import type { BertTokenizer } from '../../text/wordpiece.js';
import { ProgressBar, type ProgressSink } from '../../plot/progress.js';
import { MASKING_OPTIONS, pretrainingBatches, type MaskingOptions, type PretrainingBatch, type PretrainingInstance } from './pretraining-data.js';
import { Trainer, TRAINER_OPTIONS, type TrainerOptions, type TrainerState } from './trainer.js';
import { evaluatePretraining, pretrainingCounts, pretrainingForward, type PretrainingEvaluation } from './pretraining-loss.js';
import type { BertForPreTraining } from './heads.js';
import { checkOptions, NON_NEGATIVE_INTEGER, POSITIVE_INTEGER } from '../../util/options.js';

/** Where the batches come from: the same epoch number must give the same batches (for --resume). */
export interface PretrainingSource {
  /** The batches of epoch `epoch` (0-based), masked afresh for that epoch. */
  epochBatches(epoch: number): Iterable<PretrainingBatch>;
}

/** Options of `maskedEpochs`: the masking options, batch size, the run's seed and the padding length. */
export interface MaskedEpochsOptions extends MaskingOptions {
  batchSize: number;
  /** The run's seed; epoch e shuffles and masks with a generator made from (seed, e). */
  seed: number;
  /** Pad every batch to this length (default: the longest in each batch). */
  padTo?: number;
}

/** A source that shuffles the instances and masks them afresh each epoch, the same way for the same (seed, epoch). */
export function maskedEpochs(instances: readonly PretrainingInstance[], tokenizer: BertTokenizer, options: MaskedEpochsOptions): PretrainingSource {
  checkOptions('maskedEpochs', options, { ...MASKING_OPTIONS, batchSize: POSITIVE_INTEGER, seed: 'integer', padTo: POSITIVE_INTEGER });
  if (instances.length === 0) throw new Error('maskedEpochs: no pretraining instances');
  const { seed, ...epochOptions } = options;
  return {
    epochBatches: (epoch) => pretrainingBatches(instances, tokenizer, { ...epochOptions, generator: new Generator(((seed >>> 0) * 65537 + epoch) >>> 0) }),
  };
}

/** Options of BertPretrainer: the Trainer's options plus accumulation, held-out evaluation, checkpoint and progress callbacks. */
export interface PretrainOptions extends TrainerOptions {
  /** Micro-batches per optimizer update (default 1). */
  gradientAccumulation?: number;
  /** Held-out batches (masked once, so every evaluation sees the same masks). */
  heldOut?: PretrainingBatch[];
  /** The token the most-frequent-token baseline always guesses. */
  baselineToken?: number;
  /** Evaluate on the held-out batches every this many updates and at the end (default: only at the end). */
  evalEvery?: number;
  /** Call onCheckpoint every this many updates and at the end (default: only at the end). */
  checkpointEvery?: number;
  /** Receives the state to save (after an update, never after a failed one). */
  onCheckpoint?: (state: PretrainState) => void;
  /** Progress bar sink (default stderr); false for none. */
  progress?: ProgressSink | false;
  /** One line per evaluation (default none). */
  log?: (line: string) => void;
  /** Called after each update with its micro-batches and losses (e.g. to record them for a PyTorch twin run). */
  onUpdate?: (step: number, batches: readonly PretrainingBatch[], losses: { loss: number; mlmLoss: number; nspLoss: number }) => void;
}

/** One line of the pretraining history: the update, epoch, mean training losses and MLM accuracy since the previous record, lr and held-out scores. */
export interface PretrainRecord {
  step: number;
  epoch: number;
  /** mean training loss (MLM + NSP) and its parts since the previous record */
  loss: number;
  mlmLoss: number;
  nspLoss: number;
  mlmAccuracy: number;
  lr: number;
  heldOut?: PretrainingEvaluation;
}

/** Training sums since the last record (kept in the state, so a resumed run reports the same means). */
export interface RunningSums {
  loss: number;
  mlm: number;
  nsp: number;
  correct: number;
  masked: number;
  updates: number;
}

const noSums = (): RunningSums => ({ loss: 0, mlm: 0, nsp: 0, correct: 0, masked: 0, updates: 0 });

/** What BertPretrainer.stateDict() holds to resume: the Trainer's state plus the position in the epoch, the history and the running sums. */
export interface PretrainState extends TrainerState {
  epoch: number;
  batchInEpoch: number;
  history: PretrainRecord[];
  sums: RunningSums;
}

/** What a pretraining run reports: updates, epochs, time, training throughput, the final held-out scores and the history. */
export interface PretrainSummary {
  steps: number;
  epochs: number;
  seconds: number;
  /** non-padding tokens per second of training (forward, backward and update) */
  tokensPerSecond: number;
  final?: PretrainingEvaluation;
  history: PretrainRecord[];
}

/** The pretraining loop for BertForPreTraining: masked-LM + next-sentence batches from a source, BERT's update rule, evaluation and checkpoints through callbacks. */
export class BertPretrainer {
  readonly model: BertForPreTraining;
  readonly trainer: Trainer;
  readonly source: PretrainingSource;
  readonly options: PretrainOptions;
  readonly accumulation: number;
  epoch = 0;
  batchInEpoch = 0;
  history: PretrainRecord[] = [];
  private sums = noSums();

  constructor(model: BertForPreTraining, source: PretrainingSource, options: PretrainOptions) {
    checkOptions('BertPretrainer', options, {
      ...TRAINER_OPTIONS, gradientAccumulation: POSITIVE_INTEGER, heldOut: 'array', baselineToken: 'integer', evalEvery: NON_NEGATIVE_INTEGER,
      checkpointEvery: NON_NEGATIVE_INTEGER, onCheckpoint: 'function', progress: 'object|boolean', log: 'function', onUpdate: 'function',
    }, { gradient_accumulation_steps: 'gradientAccumulation', learning_rate: 'lr' });
    this.accumulation = options.gradientAccumulation ?? 1;
    if (!Number.isInteger(this.accumulation) || this.accumulation < 1) throw new RangeError(`BertPretrainer: gradientAccumulation must be an integer >= 1, got ${this.accumulation}`);
    if (options.heldOut?.length && options.baselineToken === undefined) throw new Error('BertPretrainer: heldOut needs baselineToken (mostFrequentToken of the training data)');
    this.model = model;
    this.source = source;
    this.options = options;
    const { lr, totalSteps, warmupSteps, weightDecay, maxGradNorm, eps } = options;
    this.trainer = new Trainer(model, { lr, totalSteps, warmupSteps, weightDecay, maxGradNorm, eps });
  }

  get step(): number {
    return this.trainer.step;
  }

  stateDict(): PretrainState {
    return { ...this.trainer.stateDict(), epoch: this.epoch, batchInEpoch: this.batchInEpoch, history: this.history.map((r) => ({ ...r })), sums: { ...this.sums } };
  }

  loadStateDict(state: PretrainState): void {
    if (!Number.isInteger(state.epoch) || !Number.isInteger(state.batchInEpoch)) throw new Error('BertPretrainer.loadStateDict: epoch and batchInEpoch must be integers');
    this.trainer.loadStateDict(state);
    this.epoch = state.epoch;
    this.batchInEpoch = state.batchInEpoch;
    this.history = state.history.map((r) => ({ ...r }));
    this.sums = { ...noSums(), ...state.sums };
  }

  /** Held-out measurements now (null without held-out batches). */
  evaluate(): PretrainingEvaluation | null {
    const { heldOut, baselineToken } = this.options;
    if (!heldOut?.length || baselineToken === undefined) return null;
    return evaluatePretraining(this.model, heldOut, baselineToken);
  }

  /** One optimizer update over a group of micro-batches, adding to the running sums. */
  private updateOn(group: PretrainingBatch[], bar: ProgressBar | null): void {
    const sums = this.sums;
    let mlm = 0, nsp = 0;
    const loss = this.trainer.update(group, (batch) => {
      const out = pretrainingForward(this.model, batch);
      const counts = pretrainingCounts(out, batch);
      sums.correct += counts.mlmCorrect;
      sums.masked += counts.masked;
      mlm += out.mlmLoss.item();
      nsp += out.nspLoss.item();
      return out.loss;
    });
    sums.loss += loss;
    sums.mlm += mlm / group.length;
    sums.nsp += nsp / group.length;
    sums.updates++;
    this.options.onUpdate?.(this.step, group, { loss, mlmLoss: mlm / group.length, nspLoss: nsp / group.length });
    bar?.update(this.step, { loss: sums.loss / sums.updates, 'mlm acc': sums.correct / Math.max(1, sums.masked), lr: this.trainer.lr });
  }

  /** Closes the running sums into a history record, with the held-out measurements. */
  private record(): PretrainRecord {
    const sums = this.sums;
    const record: PretrainRecord = {
      step: this.step, epoch: this.epoch, loss: sums.loss / sums.updates, mlmLoss: sums.mlm / sums.updates, nspLoss: sums.nsp / sums.updates,
      mlmAccuracy: sums.correct / Math.max(1, sums.masked), lr: this.trainer.lr,
    };
    const heldOut = this.evaluate();
    if (heldOut) record.heldOut = heldOut;
    this.history.push(record);
    this.sums = noSums();
    return record;
  }

  /** Trains until totalSteps updates are done (from wherever a loaded state left off). */
  run(): PretrainSummary {
    const { totalSteps, evalEvery = 0, checkpointEvery = 0, onCheckpoint, log } = this.options;
    const bar = this.options.progress === false ? null : new ProgressBar({ total: totalSteps, label: 'pretraining', unit: 'step', stream: this.options.progress });
    bar?.update(this.step);
    const t0 = performance.now();
    let tokens = 0;
    let last: PretrainingEvaluation | undefined;
    const stepsAtStart = this.step;
    while (this.step < totalSteps) {
      let group: PretrainingBatch[] = [];
      let index = 0;
      let updatesThisEpoch = 0;
      for (const batch of this.source.epochBatches(this.epoch)) {
        if (index++ < this.batchInEpoch) continue;
        group.push(batch);
        if (group.length < this.accumulation) continue;
        this.updateOn(group, bar);
        for (const b of group) for (const m of b.attentionMask.contiguousData()) tokens += m ? 1 : 0;
        group = [];
        updatesThisEpoch++;
        this.batchInEpoch += this.accumulation;
        const done = this.step >= totalSteps;
        bar?.update(this.step, { 'tok/s': Math.round(tokens / ((performance.now() - t0) / 1000)) });
        if (done || (evalEvery > 0 && this.step % evalEvery === 0)) {
          const record = this.record();
          if (record.heldOut) last = record.heldOut;
          if (log) bar ? bar.interrupt(() => log(describeRecord(record, totalSteps))) : log(describeRecord(record, totalSteps));
        }
        if (onCheckpoint && (done || (checkpointEvery > 0 && this.step % checkpointEvery === 0))) onCheckpoint(this.stateDict());
        if (done) break;
      }
      if (this.step >= totalSteps) break;
      if (updatesThisEpoch === 0 && this.batchInEpoch === 0) {
        throw new Error(`BertPretrainer: an epoch has fewer batches than gradientAccumulation ${this.accumulation}; use more data or smaller batches`);
      }
      this.epoch++;
      this.batchInEpoch = 0;
    }
    const seconds = (performance.now() - t0) / 1000;
    bar?.finish();
    return {
      steps: this.step - stepsAtStart, epochs: this.epoch + 1, seconds, tokensPerSecond: seconds > 0 ? tokens / seconds : 0,
      final: last ?? this.history.at(-1)?.heldOut, history: this.history,
    };
  }
}

function describeRecord(record: PretrainRecord, totalSteps: number): string {
  const h = record.heldOut;
  return `step ${record.step}/${totalSteps}: train loss ${record.loss.toFixed(4)} (MLM ${record.mlmLoss.toFixed(4)}, NSP ${record.nspLoss.toFixed(4)}), train MLM acc ${record.mlmAccuracy.toFixed(4)}` +
    (h ? `; held-out MLM loss ${h.mlmLoss.toFixed(4)}, MLM acc ${h.mlmAccuracy.toFixed(4)} (context-free baseline ${h.baselineAccuracy.toFixed(4)}), at hidden tokens ${h.hiddenAccuracy.toFixed(4)} (most frequent token ${h.hiddenBaselineAccuracy.toFixed(4)}), NSP acc ${h.nspAccuracy.toFixed(4)} (majority label ${h.nspMajorityAccuracy.toFixed(4)})` : '');
}
