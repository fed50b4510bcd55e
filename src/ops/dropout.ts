/** Inverted dropout: zero each element with probability p and scale the survivors by 1/(1-p). */
import { Tensor } from '../tensor/tensor.js';
import { releaseStorage } from '../tensor/pool.js';
import { opError } from '../tensor/shape.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import { mul } from './elementwise.js';
import { emptyTensor, requireTensor } from './util.js';

/** Zeroes each element with probability p and scales the rest by 1 / (1 - p) while training. */
export function dropout(x: Tensor, p = 0.5, training = true, generator: Generator = defaultGenerator): Tensor {
  requireTensor('dropout', 'input', x);
  if (!(p >= 0 && p <= 1)) throw opError('dropout', `dropout probability has to be between 0 and 1, but got ${p}`);
  if (!training || p === 0) return x;
  const mask = emptyTensor(x.shape);
  generator.fillDropoutMask(mask.data as Float32Array, p, p === 1 ? 0 : 1 / (1 - p));
  const out = mul(x, mask);
  // the mask is dropout's own: its storage goes back to the pool once nothing can read it
  if (out.gradFn) out.gradFn.freeWithGraph(mask);
  else releaseStorage(mask.storage, mask.dtype);
  return out;
}
