import type { TypedArray } from '../../tensor/dtype.js';
import type { StridedView } from '../backend.js';

export { copyStrided } from '../../tensor/strided.js';

/** dst[i...] = src[i...] for every index of dst's shape; both are strided. */
export function assignStrided(dst: StridedView, src: StridedView): void {
  const shape = dst.shape;
  const nd = shape.length;
  if (nd === 0) {
    dst.data[dst.offset] = src.data[src.offset];
    return;
  }
  let total = 1;
  for (const d of shape) total *= d;
  if (total === 0) return;
  const inner = shape[nd - 1];
  const ds = dst.strides[nd - 1], ss = src.strides[nd - 1];
  const index = new Int32Array(nd);
  let di = dst.offset, si = src.offset;
  for (let r = 0; r < total / inner; r++) {
    for (let j = 0; j < inner; j++) dst.data[di + j * ds] = src.data[si + j * ss];
    for (let d = nd - 2; d >= 0; d--) {
      di += dst.strides[d];
      si += src.strides[d];
      if (++index[d] < shape[d]) break;
      di -= dst.strides[d] * shape[d];
      si -= src.strides[d] * shape[d];
      index[d] = 0;
    }
  }
}
