/**
 * Internal: recognises transforms that act pixel by pixel on 8-bit images (ToTensor, then Normalize with one
 * mean and std), so that datasets of 8-bit images (MNIST) can apply them to a whole batch through a
 * 256-entry lookup table. The table is made by running the transform itself on the 256 possible values,
 * so the fast path gives bit-for-bit the values that applying the transform item by item gives.
 */
import { Tensor } from '../tensor/tensor.js';
import '../ops/tensor-methods.js'; // Tensor's op methods

export type TransformInfo =
  | { kind: 'ToTensor' }
  | { kind: 'Normalize'; mean: readonly number[]; std: readonly number[] }
  | { kind: 'Compose'; transforms: readonly unknown[] }
  | { kind: 'Lambda' };

const infos = new WeakMap<object, TransformInfo>();

export function registerTransform<F extends object>(fn: F, info: TransformInfo): F {
  infos.set(fn, info);
  return fn;
}

export function transformInfo(fn: unknown): TransformInfo | undefined {
  return typeof fn === 'function' ? infos.get(fn) : undefined;
}

/** How to apply a transform to a batch of 8-bit single-channel images. */
export type PixelPlan =
  | { kind: 'identity' }
  /** Image `[H, W]` becomes float32 `[1, H, W]` with `out = table[pixel]`. */
  | { kind: 'lut'; table: Float32Array };

function flatten(fn: unknown, out: unknown[]): boolean {
  const info = transformInfo(fn);
  if (info?.kind === 'Compose') {
    for (const t of info.transforms) if (!flatten(t, out)) return false;
    return true;
  }
  out.push(fn);
  return true;
}

/**
 * The batch plan for `transform` (undefined = no transform), or null when it is not a known per-pixel
 * pipeline (then items must be transformed one by one).
 */
export function pixelPlan(transform: ((image: Tensor) => unknown) | undefined | null): PixelPlan | null {
  if (transform === undefined || transform === null) return { kind: 'identity' };
  const steps: unknown[] = [];
  flatten(transform, steps);
  if (steps.length === 0) return { kind: 'identity' };
  if (transformInfo(steps[0])?.kind !== 'ToTensor') return null;
  for (const s of steps.slice(1)) {
    const info = transformInfo(s);
    if (info?.kind !== 'Normalize' || info.mean.length !== 1 || info.std.length !== 1) return null;
  }
  const probe = Tensor.fromData(Int32Array.from({ length: 256 }, (_, i) => i), [1, 256], 'int32');
  const out = transform(probe);
  if (!(out instanceof Tensor) || out.dtype !== 'float32' || out.shape.join() !== '1,1,256') return null;
  return { kind: 'lut', table: Float32Array.from(out.contiguousData()) };
}
