/** BatchNorm1d, BatchNorm2d and LayerNorm with PyTorch's state names (running_mean, running_var, num_batches_tracked). */
import { checkOptions } from '../util/options.js';
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { full, ones, zeros } from '../tensor/creation.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { batchNorm, layerNorm } from '../ops/norm.js';
import { pyBool, pyFloat, pyInts } from './repr.js';

/** Options of BatchNorm: eps, momentum, affine, running statistics. */
export interface BatchNormOptions {
  eps?: number;
  /** Weight of the newest batch in the running statistics; null for a cumulative average. Default 0.1. */
  momentum?: number | null;
  /** Learn a per-channel weight and bias (default true). */
  affine?: boolean;
  /** Keep running statistics for eval mode (default true); without them eval uses batch statistics. */
  trackRunningStats?: boolean;
}

/** Shared state of BatchNorm1d/2d (PyTorch's _BatchNorm). */
abstract class BatchNormBase extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  weight: Parameter | null;
  bias: Parameter | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;

  constructor(op: string, numFeatures: number, options: BatchNormOptions) {
    super();
    checkOptions(op, options, { eps: 'number', momentum: 'number|null', affine: 'boolean', trackRunningStats: 'boolean' });
    if (!Number.isInteger(numFeatures) || numFeatures <= 0) throw new Error(`${op}: numFeatures must be a positive integer, got ${numFeatures}`);
    this.numFeatures = numFeatures;
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    this.weight = this.affine ? new Parameter(ones([numFeatures])) : null;
    this.bias = this.affine ? new Parameter(zeros([numFeatures])) : null;
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', zeros([numFeatures]));
      this.registerBuffer('running_var', ones([numFeatures]));
      this.registerBuffer('num_batches_tracked', full([], 0, { dtype: 'int32' }));
    } else {
      this.registerBuffer('running_mean', null);
      this.registerBuffer('running_var', null);
      this.registerBuffer('num_batches_tracked', null);
    }
  }

  get runningMean(): Tensor | null {
    return this.running_mean;
  }

  get runningVar(): Tensor | null {
    return this.running_var;
  }

  get numBatchesTracked(): Tensor | null {
    return this.num_batches_tracked;
  }

  resetRunningStats(): void {
    if (!this.trackRunningStats) return;
    this.running_mean?.fill_(0);
    this.running_var?.fill_(1);
    this.num_batches_tracked?.fill_(0);
  }

  resetParameters(): void {
    this.resetRunningStats();
    this.weight?.detach().fill_(1);
    this.bias?.detach().fill_(0);
  }

  protected abstract checkInput(input: Tensor): void;

  /** Checkpoints without num_batches_tracked load (PyTorch's rule for old state dicts); the counter keeps its value. */
  protected override optionalStateKeys(): readonly string[] {
    return ['num_batches_tracked'];
  }

  override forward(input: Tensor): Tensor {
    this.checkInput(input);
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.num_batches_tracked) {
      this.num_batches_tracked.add_(1);
      factor = this.momentum ?? 1 / this.num_batches_tracked.item();
    }
    // batch statistics in training, and in eval when there are no running statistics
    const useBatchStats = this.training || (this.running_mean === null && this.running_var === null);
    const trackNow = !this.training || this.trackRunningStats;
    return batchNorm(input, trackNow ? this.running_mean : null, trackNow ? this.running_var : null, {
      weight: this.weight, bias: this.bias, training: useBatchStats, momentum: factor, eps: this.eps,
    });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${pyFloat(this.momentum)}, affine=${pyBool(this.affine)}, track_running_stats=${pyBool(this.trackRunningStats)}`;
  }
}

/** Batch normalisation over [N, C] or [N, C, L] input, per channel C. */
export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super('BatchNorm1d', numFeatures, options);
  }

  protected override checkInput(input: Tensor): void {
    if (!(input instanceof Tensor)) throw new Error(`BatchNorm1d: expected a Tensor input, got ${typeof input}`);
    if (input.ndim !== 2 && input.ndim !== 3) throw new Error(`BatchNorm1d: expected 2D or 3D input (got ${input.ndim}D input of shape ${formatShape(input.shape)})`);
    if (input.shape[1] !== this.numFeatures) throw new Error(`BatchNorm1d(${this.numFeatures}): expected input with ${this.numFeatures} channels in dim 1, got shape ${formatShape(input.shape)}`);
  }
}

/** Batch normalisation over [N, C, H, W] input, per channel C. */
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super('BatchNorm2d', numFeatures, options);
  }

  protected override checkInput(input: Tensor): void {
    if (!(input instanceof Tensor)) throw new Error(`BatchNorm2d: expected a Tensor input, got ${typeof input}`);
    if (input.ndim !== 4) throw new Error(`BatchNorm2d: expected 4D input (got ${input.ndim}D input of shape ${formatShape(input.shape)})`);
    if (input.shape[1] !== this.numFeatures) throw new Error(`BatchNorm2d(${this.numFeatures}): expected input with ${this.numFeatures} channels in dim 1, got shape ${formatShape(input.shape)}`);
  }
}

/** Options of LayerNorm: eps and the elementwise affine. */
export interface LayerNormOptions {
  eps?: number;
  /** Learn a weight (and bias) of normalizedShape (default true). */
  elementwiseAffine?: boolean;
  /** With elementwiseAffine, also learn a bias (default true). */
  bias?: boolean;
}

/** Normalises over the trailing normalizedShape dims of each sample. */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    checkOptions('LayerNorm', options, { eps: 'number', elementwiseAffine: 'boolean', bias: 'boolean' });
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (this.normalizedShape.length === 0 || !this.normalizedShape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new Error(`LayerNorm: normalizedShape must be a positive integer or a non-empty list of them, got ${JSON.stringify(normalizedShape)}`);
    }
    this.eps = options.eps ?? 1e-5;
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    this.weight = this.elementwiseAffine ? new Parameter(ones(this.normalizedShape)) : null;
    this.bias = this.elementwiseAffine && (options.bias ?? true) ? new Parameter(zeros(this.normalizedShape)) : null;
  }

  override forward(input: Tensor): Tensor {
    return layerNorm(input, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `${pyInts(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyBool(this.elementwiseAffine)}`;
  }
}
