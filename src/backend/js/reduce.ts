import type { TypedArray } from '../../tensor/dtype.js';
import type { ReduceOp } from '../backend.js';

/**
 * Reduces the middle axis of [outer, size, inner]. Sums accumulate in float64 so long reductions
 * stay within float32 rounding of PyTorch's pairwise sums. max/min propagate NaN like PyTorch;
 * argmax/argmin return the first index of the extreme value.
 */
export function reduce(op: ReduceOp, x: TypedArray, outer: number, size: number, inner: number, out: TypedArray): void {
  if (op === 'sum' || op === 'prod') {
    const isSum = op === 'sum';
    if (inner === 1) {
      for (let o = 0; o < outer; o++) {
        let acc = isSum ? 0 : 1;
        const base = o * size;
        if (isSum) for (let j = 0; j < size; j++) acc += x[base + j];
        else for (let j = 0; j < size; j++) acc *= x[base + j];
        out[o] = acc;
      }
      return;
    }
    const acc = new Float64Array(inner);
    for (let o = 0; o < outer; o++) {
      acc.fill(isSum ? 0 : 1);
      for (let j = 0; j < size; j++) {
        const base = (o * size + j) * inner;
        if (isSum) for (let i = 0; i < inner; i++) acc[i] += x[base + i];
        else for (let i = 0; i < inner; i++) acc[i] *= x[base + i];
      }
      for (let i = 0; i < inner; i++) out[o * inner + i] = acc[i];
    }
    return;
  }
  const wantMax = op === 'max' || op === 'argmax';
  const wantIndex = op === 'argmax' || op === 'argmin';
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * size * inner + i;
      let best = x[base], bestIndex = 0;
      for (let j = 1; j < size && best === best; j++) {
        const v = x[base + j * inner];
        if (v !== v || (wantMax ? v > best : v < best)) { best = v; bestIndex = j; }
      }
      out[o * inner + i] = wantIndex ? bestIndex : best;
    }
  }
}
