/**
 * Image transforms, like `torchvision.transforms`: Compose, ToTensor, Normalize, Lambda.
 *
 *   const transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])]);
 *   transform(image)   // a transform is a function; any function (x) => y works as a transform too
 *
 * Like torchvision, call the factories without `new` (`new` works as well). Images are tensors of shape
 * [H, W] or [H, W, C] holding 0..255 (int32, as nabla has no uint8 dtype), or ImageData-like objects
 * ({ data, width, height }, e.g. a browser ImageData, channels interleaved).
 */
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { registerTransform } from './pixel-plan.js';
import '../ops/tensor-methods.js'; // Tensor's op methods

/** A transform: any function from one value to another. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Transform<I = any, O = any> = (input: I) => O;

/** Pixels row by row with channels interleaved (a browser ImageData is one, with 4 channels, RGBA). */
export interface ImageDataLike {
  readonly data: ArrayLike<number>;
  readonly width: number;
  readonly height: number;
}

/** What ToTensor takes: a [H, W] or [H, W, C] tensor, or ImageData-like pixels. */
export type ImageLike = Tensor | ImageDataLike;

function fmt(values: readonly number[]): string {
  return `(${values.join(', ')}${values.length === 1 ? ',' : ''})`;
}

// ---------------------------------------------------------------------------------------------------------
// Functional forms (torchvision.transforms.functional)

/**
 * An image as a float32 [C, H, W] tensor. Integer images (int32 or bool tensors holding 0..255, and
 * ImageData-like pixels) are divided by 255 into [0, 1]; float32 tensors keep their values, as in torchvision.
 * A [H, W] tensor gets one channel; a [H, W, C] tensor is permuted to [C, H, W].
 */
export function toTensor(pic: ImageLike): Tensor {
  let src: ArrayLike<number>;
  let h: number;
  let w: number;
  let c: number;
  let scale: boolean;
  if (pic instanceof Tensor) {
    if (pic.ndim !== 2 && pic.ndim !== 3) {
      throw new Error(`ToTensor: expected an image of shape [H, W] or [H, W, C], got a tensor of shape ${formatShape(pic.shape)}`);
    }
    [h, w, c = 1] = pic.shape as [number, number, number?];
    src = pic.contiguousData();
    scale = pic.dtype === 'int32';
  } else if (pic !== null && typeof pic === 'object' && pic.data !== undefined && Number.isInteger(pic.width) && Number.isInteger(pic.height)) {
    h = pic.height;
    w = pic.width;
    const hw = h * w;
    c = hw === 0 ? 1 : pic.data.length / hw;
    if (!Number.isInteger(c) || c < 1) {
      throw new Error(`ToTensor: ${pic.data.length} pixel values do not fill a ${w}x${h} image with a whole number of channels`);
    }
    src = pic.data;
    scale = true;
  } else {
    throw new TypeError('ToTensor: expected a Tensor of shape [H, W] or [H, W, C], or an ImageData-like { data, width, height }');
  }
  const hw = h * w;
  const out = new Float32Array(c * hw);
  if (c === 1) {
    if (scale) for (let p = 0; p < hw; p++) out[p] = src[p] / 255;
    else for (let p = 0; p < hw; p++) out[p] = src[p];
  } else {
    for (let ch = 0; ch < c; ch++) {
      const base = ch * hw;
      if (scale) for (let p = 0; p < hw; p++) out[base + p] = src[p * c + ch] / 255;
      else for (let p = 0; p < hw; p++) out[base + p] = src[p * c + ch];
    }
  }
  return Tensor.fromData(out, [c, h, w], 'float32');
}

function asList(values: number | readonly number[], what: string): number[] {
  const list = typeof values === 'number' ? [values] : Array.from(values);
  if (list.length === 0 || list.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw new Error(`Normalize: ${what} must be a number or a non-empty list of finite numbers, got ${JSON.stringify(values)}`);
  }
  // float32, as PyTorch makes them tensors of the image's dtype
  return list.map((v) => Math.fround(v));
}

/**
 * `(x - mean[c]) / std[c]` for each channel c of a float32 tensor of shape [..., C, H, W]. mean and std hold
 * one value per channel, or one value for all. Computed in float32 (subtract, round, divide, round) as
 * PyTorch does.
 */
export function normalize(tensor: Tensor, mean: number | readonly number[], std: number | readonly number[]): Tensor {
  const m = asList(mean, 'mean');
  const s = asList(std, 'std');
  if (!(tensor instanceof Tensor)) throw new TypeError('Normalize: expected a Tensor (apply ToTensor first)');
  if (tensor.dtype !== 'float32') throw new TypeError(`Normalize: input tensor should be a float tensor, got ${tensor.dtype} (apply ToTensor first)`);
  if (tensor.ndim < 3) {
    throw new Error(`Normalize: expected a tensor image of size [..., C, H, W], got shape ${formatShape(tensor.shape)}`);
  }
  if (s.some((v) => v === 0)) throw new Error(`Normalize: std evaluated to zero after conversion to float32, leading to division by zero (std ${fmt(s)})`);
  const c = tensor.shape[tensor.ndim - 3];
  for (const [name, list] of [['mean', m], ['std', s]] as const) {
    if (list.length !== 1 && list.length !== c) {
      throw new Error(`Normalize: ${name} has ${list.length} values but the image has ${c} channels (shape ${formatShape(tensor.shape)}); give one value per channel, or one for all`);
    }
  }
  const hw = tensor.shape[tensor.ndim - 2] * tensor.shape[tensor.ndim - 1];
  const src = tensor.contiguousData();
  const out = new Float32Array(src.length);
  const planes = hw === 0 ? 0 : src.length / hw;
  for (let plane = 0; plane < planes; plane++) {
    const ch = plane % c;
    const mv = m.length === 1 ? m[0] : m[ch];
    const sv = s.length === 1 ? s[0] : s[ch];
    const base = plane * hw;
    for (let p = base; p < base + hw; p++) out[p] = Math.fround(src[p] - mv) / sv;
  }
  return Tensor.fromData(out, tensor.shape, 'float32');
}

// ---------------------------------------------------------------------------------------------------------
// Transform objects (torchvision.transforms)

/** The transform `ToTensor()` returns. */
export interface ToTensorTransform extends Transform<ImageLike, Tensor> {
  readonly kind: 'ToTensor';
}

/** The transform `Normalize()` returns. */
export interface NormalizeTransform extends Transform<Tensor, Tensor> {
  readonly kind: 'Normalize';
  /** float32-rounded, one per channel or one for all. */
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** The transform `Lambda()` returns. */
export interface LambdaTransform<I, O> extends Transform<I, O> {
  readonly kind: 'Lambda';
  readonly fn: (input: I) => O;
}

/** The transform `Compose()` returns. */
export interface ComposeTransform<I, O> extends Transform<I, O> {
  readonly kind: 'Compose';
  readonly transforms: readonly Transform[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type InputOf<F> = F extends (input: infer I) => any ? I : never;
type OutputOf<F> = F extends (input: never) => infer O ? O : never;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type FirstInput<L extends readonly Transform[]> = L extends readonly [infer F, ...unknown[]] ? InputOf<F> : any;
type LastOutput<L extends readonly Transform[]> = L extends readonly [...unknown[], infer Last]
  ? OutputOf<Last>
  : L extends readonly []
    ? FirstInput<L>
    : OutputOf<L[number]>;

interface ToTensorFactory {
  (): ToTensorTransform;
  new (): ToTensorTransform;
}
interface NormalizeFactory {
  (mean: number | readonly number[], std: number | readonly number[]): NormalizeTransform;
  new (mean: number | readonly number[], std: number | readonly number[]): NormalizeTransform;
}
interface LambdaFactory {
  <I, O>(fn: (input: I) => O): LambdaTransform<I, O>;
  new <I, O>(fn: (input: I) => O): LambdaTransform<I, O>;
}
interface ComposeFactory {
  <const L extends readonly Transform[]>(transforms: L): ComposeTransform<FirstInput<L>, LastOutput<L>>;
  new <const L extends readonly Transform[]>(transforms: L): ComposeTransform<FirstInput<L>, LastOutput<L>>;
}

function describeTransform(t: Transform): string {
  const s = String(t);
  // plain functions print their source; show their name instead
  if (typeof t === 'function' && (s.startsWith('function') || s.startsWith('(') || s.includes('=>') || s.startsWith('class'))) {
    return t.name ? `${t.name}()` : '<function>';
  }
  return s;
}

/** Converts an image to a float32 [C, H, W] tensor in [0, 1] (see `toTensor`). */
export const ToTensor = function ToTensor(): ToTensorTransform {
  const t = Object.assign((pic: ImageLike) => toTensor(pic), { kind: 'ToTensor' as const, toString: () => 'ToTensor()' });
  return registerTransform(t, { kind: 'ToTensor' });
} as unknown as ToTensorFactory;

/** Normalizes each channel: `(x - mean[c]) / std[c]` (see `normalize`). */
export const Normalize = function Normalize(mean: number | readonly number[], std: number | readonly number[]): NormalizeTransform {
  const m = Object.freeze(asList(mean, 'mean'));
  const s = Object.freeze(asList(std, 'std'));
  if (m.length !== s.length && m.length !== 1 && s.length !== 1) {
    throw new Error(`Normalize: mean has ${m.length} values but std has ${s.length}`);
  }
  const t = Object.assign((x: Tensor) => normalize(x, m, s), {
    kind: 'Normalize' as const,
    mean: m,
    std: s,
    toString: () => `Normalize(mean=${fmt(m)}, std=${fmt(s)})`,
  });
  return registerTransform(t, { kind: 'Normalize', mean: m, std: s });
} as unknown as NormalizeFactory;

/** Wraps a function as a transform (any function already is one; this gives it a name in printouts). */
export const Lambda = function Lambda<I, O>(fn: (input: I) => O): LambdaTransform<I, O> {
  if (typeof fn !== 'function') throw new TypeError(`Lambda: argument should be a function, got ${typeof fn}`);
  const t = Object.assign((x: I) => fn(x), { kind: 'Lambda' as const, fn, toString: () => 'Lambda()' });
  return registerTransform(t, { kind: 'Lambda' });
} as unknown as LambdaFactory;

/** Applies transforms one after the other. */
export const Compose = function Compose(transforms: readonly Transform[]): ComposeTransform<unknown, unknown> {
  if (!Array.isArray(transforms)) throw new TypeError('Compose: expected a list of transforms');
  const list = Object.freeze([...transforms]);
  list.forEach((t, i) => {
    if (typeof t !== 'function') throw new TypeError(`Compose: transforms[${i}] is ${t === null ? 'null' : typeof t}, not a transform (a function)`);
  });
  const t = Object.assign(
    (x: unknown) => {
      let v = x;
      for (const f of list) v = f(v);
      return v;
    },
    {
      kind: 'Compose' as const,
      transforms: list,
      toString: () => `Compose(\n${list.map((f) => `    ${describeTransform(f).replace(/\n/g, '\n    ')}`).join('\n')}\n)`,
    },
  );
  return registerTransform(t, { kind: 'Compose', transforms: list });
} as unknown as ComposeFactory;
