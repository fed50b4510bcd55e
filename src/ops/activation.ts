/** softmax and logSoftmax along any dim, fused forward and backward. */
import { Tensor } from '../tensor/tensor.js';
import { normalizeDim } from '../tensor/shape.js';
import { getBackend } from '../backend/registry.js';
import { record } from '../autograd/node.js';
import { emptyTensor, requireTensor } from './util.js';
import { toDtype } from './elementwise.js';
import { transpose } from './shape.js';

/** Runs a row kernel over `dim` by moving it last (a view), then moving it back. */
function alongLastDim(x: Tensor, d: number, kernel: (input: Tensor) => Tensor): Tensor {
  const last = x.ndim - 1;
  if (d === last || x.ndim === 0) return kernel(x);
  return transpose(kernel(transpose(x, d, last)), d, last);
}

function softmaxImpl(name: string, x: Tensor, dim: number, log: boolean): Tensor {
  requireTensor(name, 'input', x);
  const input = toDtype(x, 'float32');
  const d = normalizeDim(dim, input.ndim, name);
  const cols = input.ndim === 0 ? 1 : input.shape[d];
  const rows = cols === 0 ? 0 : input.numel() / cols;
  const backend = getBackend();
  const yT = alongLastDim(input, d, (t) => {
    const y = emptyTensor(t.shape);
    backend.softmax(t.contiguousData() as Float32Array, rows, cols, log, y.storage.data as Float32Array);
    return y;
  });
  return record(yT, name, [input], (g) => [alongLastDim(g, d, (gt) => {
    const yLast = d === input.ndim - 1 || input.ndim === 0 ? yT : transpose(yT, d, input.ndim - 1);
    const gx = emptyTensor(gt.shape);
    backend.softmaxBackward(yLast.contiguousData() as Float32Array, gt.contiguousData() as Float32Array, rows, cols, log, gx.storage.data as Float32Array);
    return gx;
  })], [yT]);
}

/** exp(x) normalised to sum to 1 along `dim`, computed stably. */
export const softmax = (x: Tensor, dim: number): Tensor => softmaxImpl('softmax', x, dim, false);
/** log(softmax(x)) along `dim`, computed stably. */
export const logSoftmax = (x: Tensor, dim: number): Tensor => softmaxImpl('logSoftmax', x, dim, true);
