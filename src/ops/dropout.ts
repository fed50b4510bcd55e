/** Inverted dropout: zero each element with probability p and scale the survivors by 1/(1-p). */
import { Tensor } from '../tensor/tensor.js';
import { releaseArray, releaseStorage, takePooled } from '../tensor/pool.js';
import { opError } from '../tensor/shape.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import { record } from '../autograd/node.js';
import { mul } from './elementwise.js';
import { emptyTensor, requireTensor } from './util.js';

/** Zeroes each element with probability p and scales the rest by 1 / (1 - p) while training. */
export function dropout(x: Tensor, p = 0.5, training = true, generator: Generator = defaultGenerator): Tensor {
  requireTensor('dropout', 'input', x);
  if (!(p >= 0 && p <= 1)) throw opError('dropout', `dropout probability has to be between 0 and 1, but got ${p}`);
  if (!training || p === 0) return x;
  const keep = p === 1 ? 0 : 1 / (1 - p);
  if (x.dtype !== 'float32') {
    const mask = emptyTensor(x.shape);
    generator.fillDropoutMask(mask.storage.data as Float32Array, p, keep);
    const product = mul(x, mask);
    // the mask is dropout's own: its storage goes back to the pool once nothing can read it
    if (product.gradFn) product.gradFn.freeWithGraph(mask);
    else releaseStorage(mask.storage, mask.dtype);
    return product;
  }
  // The same draws and products as mul(x, mask) with dropout's float mask (fillDropoutMask's keep-or-0,
  // rounded to float32), in one pass with the mask kept as bytes: no [*x.shape] float mask to allocate
  // and no trip through a kernel for a multiply per element, forward or backward.
  const kept = (takePooled('bool', x.numel(), false) as Uint8Array | null) ?? new Uint8Array(x.numel());
  generator.fillDropoutMask(kept, p, 1);
  const scale = Math.fround(keep);
  const out = emptyTensor(x.shape);
  scaleKept(x.contiguousData() as Float32Array, kept, scale, out.storage.data as Float32Array);
  record(out, 'dropout', [x], (g) => {
    const gx = emptyTensor(x.shape);
    scaleKept(g.contiguousData() as Float32Array, kept, scale, gx.storage.data as Float32Array);
    return [gx];
  });
  // the byte mask is dropout's own: it goes back to the pool once backward no longer needs it
  if (out.gradFn) out.gradFn.onRelease = () => releaseArray('bool', kept);
  else releaseArray('bool', kept);
  return out;
}

/** The factor of a dropped element (0) and of a kept one (set per call): a lookup, not a branch the CPU mispredicts. */
const factors = new Float64Array(2);

/** out[i] = v[i] · (kept[i] ? scale : 0), each product rounded to float32 as a float32 multiply rounds it. */
function scaleKept(v: Float32Array, kept: Uint8Array, scale: number, out: Float32Array): void {
  factors[1] = scale;
  for (let i = 0; i < kept.length; i++) out[i] = v[i]! * factors[kept[i]!]!;
}
