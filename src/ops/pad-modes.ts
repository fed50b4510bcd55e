/**
 * Padding by copying the input's own values (PyTorch's reflect, replicate and circular modes): each
 * padded dim becomes one indexSelect with a map from output position to input position, so the
 * gradient is indexSelect's (sums into the rows each padded position copied) and the numbers are
 * PyTorch's exactly.
 */
import { Tensor } from '../tensor/tensor.js';
import { formatShape, opError } from '../tensor/shape.js';
import { indexSelect } from './indexing.js';
import { requireTensor } from './util.js';

export type PadMode = 'reflect' | 'replicate' | 'circular';

/** Input position read by output position j of a dim of `size` padded by `before`. */
function sourceOf(mode: PadMode, j: number, before: number, size: number): number {
  const i = j - before;
  if (mode === 'replicate') return Math.min(Math.max(i, 0), size - 1);
  if (mode === 'circular') return ((i % size) + size) % size;
  return i < 0 ? -i : i >= size ? 2 * (size - 1) - i : i;
}

/** `padding` lists (before, after) pairs from the last dim backwards, as F.pad does. */
export function padByMode(x: Tensor, padding: readonly number[], mode: PadMode): Tensor {
  requireTensor('pad', 'input', x);
  if (mode !== 'reflect' && mode !== 'replicate' && mode !== 'circular') {
    throw opError('pad', `mode must be 'constant', 'reflect', 'replicate' or 'circular', got ${JSON.stringify(mode)}`);
  }
  const dims = padding.length / 2;
  // PyTorch pads 1, 2 or 3 trailing dims of a batched or unbatched input in these modes
  if (!Number.isInteger(dims) || dims < 1 || dims > 3 || x.ndim < dims + 1 || x.ndim > dims + 2) {
    throw opError('pad', `mode '${mode}' pads the last 1, 2 or 3 dims of a batched or unbatched input: padding ${formatShape(padding)} does not fit an input of shape ${formatShape(x.shape)}`);
  }
  let out = x;
  for (let k = 0; k < dims; k++) {
    const d = x.ndim - 1 - k;
    const before = padding[2 * k], after = padding[2 * k + 1], size = x.shape[d];
    if (![before, after].every((p) => Number.isInteger(p) && p >= 0)) throw opError('pad', `mode '${mode}' needs non-negative integer padding, got ${formatShape(padding)}`);
    const limit = mode === 'reflect' ? size - 1 : mode === 'circular' ? size : Infinity;
    if (before > limit || after > limit || size === 0) {
      throw opError('pad', `padding (${before}, ${after}) of dimension ${d} must be ${mode === 'reflect' ? 'less than' : 'at most'} its size ${size} in mode '${mode}' (input ${formatShape(x.shape)})`);
    }
    if (before === 0 && after === 0) continue;
    const map = new Int32Array(size + before + after);
    for (let j = 0; j < map.length; j++) map[j] = sourceOf(mode, j, before, size);
    out = indexSelect(out, d, Tensor.fromData(map, [map.length], 'int32'));
  }
  return out;
}
