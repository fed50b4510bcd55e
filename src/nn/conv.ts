/** Conv1d and Conv2d with PyTorch's arguments, initialisation and repr. */
import { checkOptions } from '../util/options.js';
import { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { conv1d, conv2d } from '../ops/conv.js';
import { padByMode, type PadMode } from '../ops/pad-modes.js';
import { resetWeightAndBias } from './layer-init.js';
import { pyInts } from './repr.js';

type Ints = number | readonly number[];

export interface ConvNdOptions<T extends Ints> {
  stride?: T;
  /** An int, one per dim, or 'valid' (no padding) / 'same' (output as large as the input; stride 1 only). */
  padding?: T | 'same' | 'valid';
  dilation?: T;
  groups?: number;
  bias?: boolean;
  /** How the padding is filled: 'zeros' (default), or copies of the input ('reflect', 'replicate', 'circular'). */
  paddingMode?: 'zeros' | PadMode;
}

/** Options of nn.Conv2d: stride, padding, dilation, groups, bias. */
export type Conv2dOptions = ConvNdOptions<number | readonly [number, number]>;
/** Options of nn.Conv1d: stride, padding, dilation, groups, bias. */
export type Conv1dOptions = ConvNdOptions<number | readonly [number]>;

function tuple(op: string, arg: string, v: Ints, n: number): number[] {
  const out = typeof v === 'number' ? new Array<number>(n).fill(v) : [...v];
  if (out.length !== n || !out.every((x) => Number.isInteger(x) && x >= 0)) {
    throw new Error(`${op}: ${arg} must be a non-negative integer or ${n} of them, got ${JSON.stringify(v)}`);
  }
  return out;
}

/** Shared state of the convolution layers (PyTorch's _ConvNd). */
abstract class ConvNd extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[] | 'same' | 'valid';
  readonly dilation: number[];
  readonly groups: number;
  readonly paddingMode: 'zeros' | PadMode;
  weight: Parameter;
  bias: Parameter | null;

  constructor(op: string, n: number, inChannels: number, outChannels: number, kernelSize: Ints, options: ConvNdOptions<Ints>) {
    super();
    checkOptions(op, options, { stride: 'integer|integers', padding: "integer|integers|'same'|'valid'", dilation: 'integer|integers', groups: 'integer', bias: 'boolean', paddingMode: ['zeros', 'reflect', 'replicate', 'circular'] });
    const groups = options.groups ?? 1;
    if (!Number.isInteger(groups) || groups <= 0) throw new Error(`${op}: groups must be a positive integer, got ${groups}`);
    if (!Number.isInteger(inChannels) || inChannels <= 0 || inChannels % groups !== 0) throw new Error(`${op}: inChannels (${inChannels}) must be a positive integer divisible by groups (${groups})`);
    if (!Number.isInteger(outChannels) || outChannels <= 0 || outChannels % groups !== 0) throw new Error(`${op}: outChannels (${outChannels}) must be a positive integer divisible by groups (${groups})`);
    this.paddingMode = options.paddingMode ?? 'zeros';
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = tuple(op, 'kernelSize', kernelSize, n);
    if (this.kernelSize.some((k) => k === 0)) throw new Error(`${op}: kernelSize must be positive, got ${JSON.stringify(kernelSize)}`);
    this.stride = tuple(op, 'stride', options.stride ?? 1, n);
    if (this.stride.some((s) => s === 0)) throw new Error(`${op}: stride must be positive, got ${JSON.stringify(options.stride)}`);
    const padding = options.padding ?? 0;
    if (padding === 'same' || padding === 'valid') {
      if (padding === 'same' && this.stride.some((s) => s !== 1)) throw new Error(`${op}: padding='same' is not supported for strided convolutions`);
      this.padding = padding;
    } else this.padding = tuple(op, 'padding', padding, n);
    this.dilation = tuple(op, 'dilation', options.dilation ?? 1, n);
    this.groups = groups;
    this.weight = new Parameter(Tensor.empty([outChannels, inChannels / groups, ...this.kernelSize]));
    this.bias = options.bias ?? true ? new Parameter(Tensor.empty([outChannels])) : null;
    this.resetParameters();
  }

  /** PyTorch's init: weight kaiming_uniform(a=√5), i.e. U(±1/√fanIn); bias U(±1/√fanIn). */
  resetParameters(): void {
    resetWeightAndBias(this.weight, this.bias);
  }

  /**
   * For paddingMode other than 'zeros': the input padded ahead of the convolution (which then pads
   * nothing), with PyTorch's split of 'same' padding (the extra element after).
   */
  protected padInput(input: Tensor): Tensor {
    if (this.paddingMode === 'zeros' || this.padding === 'valid') return input;
    const pairs = this.kernelSize.map((k, i) => {
      if (this.padding !== 'same') return [(this.padding as number[])[i], (this.padding as number[])[i]];
      const total = this.dilation[i] * (k - 1);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    });
    return padByMode(input, pairs.reverse().flat(), this.paddingMode);
  }

  /** The padding handed to the convolution itself. */
  protected convPadding(): number[] | 'same' | 'valid' {
    return this.paddingMode === 'zeros' ? this.padding : this.kernelSize.map(() => 0);
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyInts(this.kernelSize)}, stride=${pyInts(this.stride)}`;
    if (typeof this.padding === 'string') s += `, padding=${this.padding}`;
    else if (this.padding.some((p) => p !== 0)) s += `, padding=${pyInts(this.padding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${pyInts(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ', bias=False';
    if (this.paddingMode !== 'zeros') s += `, padding_mode=${this.paddingMode}`;
    return s;
  }
}

/**
 * 2-D convolution over [N, C, H, W] (or unbatched [C, H, W]) input; weight [out, in/groups, kH, kW].
 *
 * @example
 * ```ts
 * const conv = new nn.Conv2d(1, 32, 3, { padding: 1 }); // PyTorch: nn.Conv2d(1, 32, 3, padding=1)
 * conv.call(nb.randn([8, 1, 28, 28])).shape; // [8, 32, 28, 28]
 * ```
 */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly [number, number], options: Conv2dOptions = {}) {
    super('Conv2d', 2, inChannels, outChannels, kernelSize, options);
  }

  override forward(input: Tensor): Tensor {
    const convPadding = this.convPadding();
    const padding = typeof convPadding === 'string' ? convPadding : convPadding as [number, number];
    return conv2d(this.padInput(input), this.weight, this.bias, {
      stride: this.stride as [number, number], padding, dilation: this.dilation as [number, number], groups: this.groups,
    });
  }
}

/** 1-D convolution over [N, C, L] (or unbatched [C, L]) input; weight [out, in/groups, k]. */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | readonly [number], options: Conv1dOptions = {}) {
    super('Conv1d', 1, inChannels, outChannels, kernelSize, options);
  }

  override forward(input: Tensor): Tensor {
    const convPadding = this.convPadding();
    const padding = typeof convPadding === 'string' ? convPadding : convPadding[0];
    return conv1d(this.padInput(input), this.weight, this.bias, { stride: this.stride[0], padding, dilation: this.dilation[0], groups: this.groups });
  }
}
