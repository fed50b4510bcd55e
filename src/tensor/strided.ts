/** The strided layout kernels read, and the copy of one into contiguous memory (Tensor.contiguousData, the backends' copy). */
import type { TypedArray } from './dtype.js';

/** A strided read of a typed array: element [i0, i1, ...] lives at offset + sum(ik * strides[k]). */
export interface StridedView {
  data: TypedArray;
  shape: readonly number[];
  strides: readonly number[];
  offset: number;
}

/** Walks a strided view row by row (rows = all dims but the last), writing contiguous `out`. */
export function copyStrided(x: StridedView, out: TypedArray): void {
  const { data, shape, strides } = x;
  const nd = shape.length;
  if (nd === 0) {
    out[0] = data[x.offset];
    return;
  }
  let total = 1;
  for (const d of shape) total *= d;
  if (total === 0) return;
  const inner = shape[nd - 1];
  const innerStride = strides[nd - 1];
  const rows = total / inner;
  const index = new Int32Array(nd);
  let base = x.offset;
  let o = 0;
  const sameType = out.constructor === data.constructor;
  for (let r = 0; r < rows; r++) {
    if (innerStride === 1 && inner >= 32 && sameType) {
      out.set(data.subarray(base, base + inner), o);
      o += inner;
    } else {
      for (let j = 0, p = base; j < inner; j++, p += innerStride) out[o++] = data[p];
    }
    for (let d = nd - 2; d >= 0; d--) {
      base += strides[d];
      if (++index[d] < shape[d]) break;
      base -= strides[d] * shape[d];
      index[d] = 0;
    }
  }
}
