/** Inverted dropout: zero each element with probability p and scale the survivors by 1/(1-p). */
import { Tensor } from '../tensor/tensor.js';
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
  return mul(x, mask);
}
