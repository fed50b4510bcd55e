/**
 * nn.init: in-place initialisers with PyTorch's formulas (fans, gains, bounds), drawing from
 * nabla's seeded generator (`nb.manualSeed`) or the one passed in `generator`. Each runs under
 * noGrad, so it works on parameters that require grad, and returns the tensor.
 */
import { checkOptions, type OptionSpec } from '../util/options.js';
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import { noGrad } from '../autograd/grad-mode.js';
import '../ops/tensor-methods.js'; // Tensor's op methods

/** The nonlinearities `calculateGain` knows. */
export type Nonlinearity =
  | 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'leakyRelu' | 'selu';

/** Which fan Kaiming initialisation scales by. */
export type FanMode = 'fanIn' | 'fanOut' | 'fan_in' | 'fan_out';

/** An optional random generator for the initialisers. */
export interface GeneratorOption {
  generator?: Generator;
}

function requireTensor(op: string, t: unknown): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${t === null ? 'null' : typeof t}`);
}

/** Fills t with values from draw(), in place and outside the graph. */
function fillWith(op: string, t: Tensor, draw: () => number): Tensor {
  requireTensor(op, t);
  const values = new Float32Array(t.numel());
  for (let i = 0; i < values.length; i++) values[i] = draw();
  noGrad(() => t.copy_(Tensor.fromData(values, t.shape, 'float32')));
  return t;
}

/** The gain PyTorch recommends for a nonlinearity (param: leaky_relu's negative slope, default 0.01). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d':
    case 'conv_transpose1d': case 'conv_transpose2d': case 'conv_transpose3d': case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': case 'leakyRelu': {
      const slope = param ?? 0.01;
      if (typeof slope !== 'number' || !Number.isFinite(slope)) throw new Error(`calculateGain: negative_slope ${param} is not a valid number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new Error(`calculateGain: unsupported nonlinearity "${String(nonlinearity)}"`);
  }
}

/** PyTorch's fans: fanIn = size(1) * receptive field, fanOut = size(0) * receptive field. */
export function calculateFanInAndFanOut(t: Tensor): { fanIn: number; fanOut: number } {
  requireTensor('calculateFanInAndFanOut', t);
  if (t.ndim < 2) throw new Error(`calculateFanInAndFanOut: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (shape ${formatShape(t.shape)})`);
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: t.shape[1] * receptive, fanOut: t.shape[0] * receptive };
}

function fan(op: string, t: Tensor, mode: FanMode): number {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  if (mode === 'fanIn' || mode === 'fan_in') return fanIn;
  if (mode === 'fanOut' || mode === 'fan_out') return fanOut;
  throw new Error(`${op}: mode must be 'fanIn' or 'fanOut', got ${JSON.stringify(mode)}`);
}

const GENERATOR_OPTION: OptionSpec<GeneratorOption> = { generator: 'object' };

/** Fills a tensor with values drawn uniformly from [a, b), in place. */
export function uniform_(t: Tensor, a = 0, b = 1, options: GeneratorOption = {}): Tensor {
  checkOptions('uniform_', options, GENERATOR_OPTION);
  const g = options.generator ?? defaultGenerator;
  return fillWith('uniform_', t, () => a + (b - a) * g.random());
}

/** Fills a tensor with values drawn from N(mean, std²), in place. */
export function normal_(t: Tensor, mean = 0, std = 1, options: GeneratorOption = {}): Tensor {
  checkOptions('normal_', options, GENERATOR_OPTION);
  const g = options.generator ?? defaultGenerator;
  return fillWith('normal_', t, () => mean + std * g.normal());
}

/** Normal(mean, std) redrawn until inside [a, b] (PyTorch's trunc_normal_, default bounds ±2). */
export function truncNormal_(t: Tensor, mean = 0, std = 1, a = -2, b = 2, options: GeneratorOption = {}): Tensor {
  checkOptions('truncNormal_', options, GENERATOR_OPTION);
  if (!(a < b)) throw new Error(`truncNormal_: expected a < b, got a=${a}, b=${b}`);
  const g = options.generator ?? defaultGenerator;
  return fillWith('truncNormal_', t, () => {
    for (let tries = 0; tries < 1000; tries++) {
      const v = mean + std * g.normal();
      if (v >= a && v <= b) return v;
    }
    return Math.min(Math.max(mean, a), b);
  });
}

/** Fills a tensor with a constant, in place. */
export function constant_(t: Tensor, value: number): Tensor {
  requireTensor('constant_', t);
  noGrad(() => t.fill_(value));
  return t;
}

/** Fills a tensor with zeros, in place. */
export const zeros_ = (t: Tensor): Tensor => constant_(t, 0);
/** Fills a tensor with ones, in place. */
export const ones_ = (t: Tensor): Tensor => constant_(t, 1);

/** The identity matrix in a 2-D tensor (PyTorch's eye_). */
export function eye_(t: Tensor): Tensor {
  requireTensor('eye_', t);
  if (t.ndim !== 2) throw new Error(`eye_: only 2-D tensors are supported, got shape ${formatShape(t.shape)}`);
  const [n, m] = t.shape;
  const values = new Float32Array(n * m);
  for (let i = 0; i < Math.min(n, m); i++) values[i * m + i] = 1;
  noGrad(() => t.copy_(Tensor.fromData(values, t.shape, 'float32')));
  return t;
}

/** Options of the Kaiming initialisers: a, mode, nonlinearity, generator. */
export interface KaimingOptions extends GeneratorOption {
  /** Negative slope of the leaky ReLU after this layer (used with 'leaky_relu'). Default 0. */
  a?: number;
  /** 'fanIn' (default) preserves the forward pass's variance, 'fanOut' the backward pass's. */
  mode?: FanMode;
  /** Default 'leaky_relu', as in PyTorch. */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(op: string, t: Tensor, options: KaimingOptions): number {
  checkOptions(op, options, { a: 'number', mode: ['fanIn', 'fanOut', 'fan_in', 'fan_out'], nonlinearity: 'string', generator: 'object' });
  const gain = calculateGain(options.nonlinearity ?? 'leaky_relu', options.a ?? 0);
  return gain / Math.sqrt(fan(op, t, options.mode ?? 'fanIn'));
}

/** U(-bound, bound) with bound = gain * sqrt(3 / fan) (He et al.). */
export function kaimingUniform_(t: Tensor, options: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd('kaimingUniform_', t, options);
  return uniform_(t, -bound, bound, { generator: options.generator });
}

/** N(0, std²) with std = gain / sqrt(fan) (He et al.). */
export function kaimingNormal_(t: Tensor, options: KaimingOptions = {}): Tensor {
  return normal_(t, 0, kaimingStd('kaimingNormal_', t, options), { generator: options.generator });
}

/** U(-a, a) with a = gain * sqrt(6 / (fanIn + fanOut)) (Glorot & Bengio). */
export function xavierUniform_(t: Tensor, gain = 1, options: GeneratorOption = {}): Tensor {
  checkOptions('xavierUniform_', options, GENERATOR_OPTION);
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -bound, bound, options);
}

/** N(0, std²) with std = gain * sqrt(2 / (fanIn + fanOut)) (Glorot & Bengio). */
export function xavierNormal_(t: Tensor, gain = 1, options: GeneratorOption = {}): Tensor {
  checkOptions('xavierNormal_', options, GENERATOR_OPTION);
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), options);
}
