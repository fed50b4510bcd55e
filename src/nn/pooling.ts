/** Pooling layers: MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool2d. */
import { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import { adaptiveAvgPool2d, avgPool1d, avgPool2d, maxPool1dWithIndices, maxPool2d, maxPool2dWithIndices } from '../ops/pool.js';
import { pyBool, pyInts } from './repr.js';
import { checkOptions, type OptionSpec } from '../util/options.js';

type Pair = number | readonly [number, number];

/** Options of MaxPool2d: stride, padding, dilation, ceil mode, returnIndices. */
export interface MaxPool2dOptions<WithIndices extends boolean = boolean> {
  /** Default: the kernel size. */
  stride?: Pair | null;
  padding?: Pair;
  dilation?: Pair;
  ceilMode?: boolean;
  /** Return [output, indices] (each output's position in its input plane, h * W + w), as PyTorch's return_indices. */
  returnIndices?: WithIndices;
}

/** What a max pool returns: the pooled tensor, or [output, indices] with returnIndices. */
export type MaxPoolResult<WithIndices extends boolean> = WithIndices extends true ? [Tensor, Tensor] : Tensor;

/** Options of AvgPool2d: stride, padding, ceil mode, count of padding. */
export interface AvgPool2dOptions {
  stride?: Pair | null;
  padding?: Pair;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number | null;
}

const POOL_OPTIONS = { stride: 'integer|integers|null', padding: 'integer|integers', ceilMode: 'boolean' } as const;

const isOptions = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads PyTorch's positional forms as well as an options object: `(k, stride)`, `(k, stride, padding)`,
 * `(k, {stride, ...})`, `(k, stride, {padding, ...})`.
 */
function poolArgs<O extends { stride?: unknown; padding?: unknown }>(owner: string, rest: unknown[], spec: OptionSpec<O>): O {
  const options: Record<string, unknown> = {};
  const positional = ['stride', 'padding'];
  let p = 0;
  for (const arg of rest) {
    if (isOptions(arg)) {
      checkOptions(owner, arg, spec);
      Object.assign(options, arg);
    }
    else if (arg !== undefined) {
      if (p >= positional.length) throw new Error(`pooling: too many positional arguments; pass the rest in an options object`);
      options[positional[p++]] = arg;
    } else p++;
  }
  return options as O;
}

/** 2-D max pooling. `new MaxPool2d(2)`, `new MaxPool2d(2, 2)`, `new MaxPool2d(3, {stride: 2, padding: 1})`, `new MaxPool2d(2, {returnIndices: true})`. */
export class MaxPool2d<WithIndices extends boolean = false> extends Module {
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly dilation: Pair;
  readonly ceilMode: boolean;
  readonly returnIndices: WithIndices;

  constructor(kernelSize: Pair, options?: MaxPool2dOptions<WithIndices>);
  constructor(kernelSize: Pair, stride: Pair | null, options?: MaxPool2dOptions<WithIndices>);
  constructor(kernelSize: Pair, stride: Pair | null, padding: Pair, options?: MaxPool2dOptions<WithIndices>);
  constructor(kernelSize: Pair, ...rest: unknown[]) {
    super();
    const o = poolArgs<MaxPool2dOptions<WithIndices>>('MaxPool2d', rest, { ...POOL_OPTIONS, dilation: 'integer|integers', returnIndices: 'boolean' });
    this.kernelSize = kernelSize;
    this.stride = o.stride ?? kernelSize;
    this.padding = o.padding ?? 0;
    this.dilation = o.dilation ?? 1;
    this.ceilMode = o.ceilMode ?? false;
    this.returnIndices = (o.returnIndices ?? false) as WithIndices;
  }

  override forward(input: Tensor): MaxPoolResult<WithIndices> {
    const options = { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode };
    if (!this.returnIndices) return maxPool2d(input, this.kernelSize, options) as MaxPoolResult<WithIndices>;
    const { values, indices } = maxPool2dWithIndices(input, this.kernelSize, options);
    return [values, indices] as MaxPoolResult<WithIndices>;
  }

  override extraRepr(): string {
    return `kernel_size=${pyInts(this.kernelSize)}, stride=${pyInts(this.stride)}, padding=${pyInts(this.padding)}, dilation=${pyInts(this.dilation)}, ceil_mode=${pyBool(this.ceilMode)}`;
  }
}

/** 2-D average pooling. `new AvgPool2d(2)`, `new AvgPool2d(2, 2)`, `new AvgPool2d(3, {stride: 2, padding: 1, countIncludePad: false})`. */
export class AvgPool2d extends Module {
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;

  constructor(kernelSize: Pair, options?: AvgPool2dOptions);
  constructor(kernelSize: Pair, stride: Pair | null, options?: AvgPool2dOptions);
  constructor(kernelSize: Pair, stride: Pair | null, padding: Pair, options?: AvgPool2dOptions);
  constructor(kernelSize: Pair, ...rest: unknown[]) {
    super();
    const o = poolArgs<AvgPool2dOptions>('AvgPool2d', rest, { ...POOL_OPTIONS, countIncludePad: 'boolean', divisorOverride: 'number|null' });
    this.kernelSize = kernelSize;
    this.stride = o.stride ?? kernelSize;
    this.padding = o.padding ?? 0;
    this.ceilMode = o.ceilMode ?? false;
    this.countIncludePad = o.countIncludePad ?? true;
    this.divisorOverride = o.divisorOverride ?? null;
  }

  override forward(input: Tensor): Tensor {
    return avgPool2d(input, this.kernelSize, {
      stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad,
      divisorOverride: this.divisorOverride ?? undefined,
    });
  }

  override extraRepr(): string {
    return `kernel_size=${pyInts(this.kernelSize)}, stride=${pyInts(this.stride)}, padding=${pyInts(this.padding)}`;
  }
}

/** Options of the 1-d pools. */
export interface Pool1dOptions {
  stride?: number | null;
  padding?: number;
  ceilMode?: boolean;
}

export interface MaxPool1dOptions<WithIndices extends boolean = boolean> extends Pool1dOptions {
  dilation?: number;
  /** Return [output, indices] (each output's position along L), as PyTorch's return_indices. */
  returnIndices?: WithIndices;
}

/** 1-D max pooling over [N, C, L]. */
export class MaxPool1d<WithIndices extends boolean = false> extends Module {
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly dilation: number;
  readonly ceilMode: boolean;
  readonly returnIndices: WithIndices;

  constructor(kernelSize: number, options?: MaxPool1dOptions<WithIndices>);
  constructor(kernelSize: number, stride: number | null, options?: MaxPool1dOptions<WithIndices>);
  constructor(kernelSize: number, stride: number | null, padding: number, options?: MaxPool1dOptions<WithIndices>);
  constructor(kernelSize: number, ...rest: unknown[]) {
    super();
    const o = poolArgs<MaxPool1dOptions<WithIndices>>('MaxPool1d', rest, { ...POOL_OPTIONS, dilation: 'integer', returnIndices: 'boolean' });
    this.kernelSize = kernelSize;
    this.stride = o.stride ?? kernelSize;
    this.padding = o.padding ?? 0;
    this.dilation = o.dilation ?? 1;
    this.ceilMode = o.ceilMode ?? false;
    this.returnIndices = (o.returnIndices ?? false) as WithIndices;
  }

  override forward(input: Tensor): MaxPoolResult<WithIndices> {
    const { values, indices } = maxPool1dWithIndices(input, this.kernelSize, { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode });
    return (this.returnIndices ? [values, indices] : values) as MaxPoolResult<WithIndices>;
  }

  override extraRepr(): string {
    return `kernel_size=${this.kernelSize}, stride=${this.stride}, padding=${this.padding}, dilation=${this.dilation}, ceil_mode=${pyBool(this.ceilMode)}`;
  }
}

/** 1-D average pooling over [N, C, L]. */
export class AvgPool1d extends Module {
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;

  constructor(kernelSize: number, options?: Pool1dOptions & { countIncludePad?: boolean });
  constructor(kernelSize: number, stride: number | null, options?: Pool1dOptions & { countIncludePad?: boolean });
  constructor(kernelSize: number, stride: number | null, padding: number, options?: Pool1dOptions & { countIncludePad?: boolean });
  constructor(kernelSize: number, ...rest: unknown[]) {
    super();
    const o = poolArgs<Pool1dOptions & { countIncludePad?: boolean }>('AvgPool1d', rest, { stride: 'integer|null', padding: 'integer', ceilMode: 'boolean', countIncludePad: 'boolean' });
    this.kernelSize = kernelSize;
    this.stride = o.stride ?? kernelSize;
    this.padding = o.padding ?? 0;
    this.ceilMode = o.ceilMode ?? false;
    this.countIncludePad = o.countIncludePad ?? true;
  }

  override forward(input: Tensor): Tensor {
    return avgPool1d(input, this.kernelSize, { stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad });
  }

  override extraRepr(): string {
    return `kernel_size=${pyInts([this.kernelSize])}, stride=${pyInts([this.stride])}, padding=${pyInts([this.padding])}`;
  }
}

/** Average pooling to a fixed output size, whatever the input's (None/null in a pair keeps that input size). */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: number | readonly [number | null, number | null];

  constructor(outputSize: number | readonly [number | null, number | null]) {
    super();
    this.outputSize = outputSize;
  }

  override forward(input: Tensor): Tensor {
    return adaptiveAvgPool2d(input, this.outputSize);
  }

  override extraRepr(): string {
    const o = this.outputSize;
    return `output_size=${typeof o === 'number' ? o : `(${o.map((v) => (v === null ? 'None' : v)).join(', ')})`}`;
  }
}
