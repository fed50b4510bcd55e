/** cat and stack: copy each input into its slice of one new tensor; gradients are the slices back. */
import { Tensor } from '../tensor/tensor.js';
import { promoteTypes } from '../tensor/dtype.js';
import { formatShape, normalizeDim, opError } from '../tensor/shape.js';
import { record } from '../autograd/node.js';
import { emptyTensor, requireTensor } from './util.js';
import { narrow, unsqueeze, writeInto } from './shape.js';

/** Joins tensors along an existing dimension. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw opError('cat', 'expected a non-empty list of Tensors');
  tensors.forEach((t, i) => requireTensor('cat', `tensors[${i}]`, t));
  // PyTorch skips 1-D empty tensors in cat (legacy behaviour people rely on)
  const parts = tensors.filter((t) => !(t.ndim === 1 && t.shape[0] === 0));
  if (parts.length === 0) return tensors[0];
  const ref = parts[0];
  parts.forEach((t, i) => { if (t.ndim === 0) throw opError('cat', `zero-dimensional tensor (tensors[${i}]) cannot be concatenated; unsqueeze it or use stack`); });
  const d = normalizeDim(dim, ref.ndim, 'cat');
  parts.forEach((t, i) => {
    if (t.ndim !== ref.ndim || t.shape.some((s: number, j: number) => j !== d && s !== ref.shape[j])) {
      throw opError('cat', `sizes of tensors must match except in dimension ${d}: tensors[0] has shape ${formatShape(ref.shape)}, tensors[${i}] has shape ${formatShape(t.shape)}`);
    }
  });
  const shape = [...ref.shape];
  shape[d] = parts.reduce((acc, t) => acc + t.shape[d], 0);
  const dtype = parts.map((t) => t.dtype).reduce(promoteTypes);
  const out = emptyTensor(shape, dtype);
  let start = 0;
  const starts = parts.map((t) => {
    writeInto(narrow(out, d, start, t.shape[d]), t);
    start += t.shape[d];
    return start - t.shape[d];
  });
  return record(out, 'cat', parts, (g) => parts.map((t, i) => (t.requiresGrad ? narrow(g, d, starts[i], t.shape[d]) : null)));
}

/** Joins tensors of the same shape along a new dimension. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw opError('stack', 'expected a non-empty list of Tensors');
  const ref = tensors[0];
  tensors.forEach((t, i) => {
    requireTensor('stack', `tensors[${i}]`, t);
    if (t.shape.join() !== ref.shape.join()) {
      throw opError('stack', `expects each tensor to be equal size, but got ${formatShape(ref.shape)} at entry 0 and ${formatShape(t.shape)} at entry ${i}`);
    }
  });
  const d = normalizeDim(dim, ref.ndim + 1, 'stack');
  return cat(tensors.map((t) => unsqueeze(t, d)), d);
}
