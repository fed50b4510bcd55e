import type { TypedArray } from '../../tensor/dtype.js';

export function indexSelect(x: TypedArray, outer: number, dimSize: number, inner: number, index: Int32Array, out: TypedArray): void {
  const k = index.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      const src = (o * dimSize + index[j]) * inner, dst = (o * k + j) * inner;
      if (inner >= 32) out.set(x.subarray(src, src + inner), dst);
      else for (let i = 0; i < inner; i++) out[dst + i] = x[src + i];
    }
  }
}

export function indexAdd(src: Float32Array, outer: number, dimSize: number, inner: number, index: Int32Array, out: Float32Array): void {
  const k = index.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      const s = (o * k + j) * inner, d = (o * dimSize + index[j]) * inner;
      for (let i = 0; i < inner; i++) out[d + i] += src[s + i];
    }
  }
}

/** Calls visit(flatIndexPosition, flatOffsetInTarget) for each element of `indexShape`, with dim replaced by index values. */
function forEachIndexed(indexShape: readonly number[], targetShape: readonly number[], dim: number, index: Int32Array,
  visit: (position: number, targetOffset: number) => void): void {
  const nd = indexShape.length;
  const targetStrides = new Array<number>(nd);
  let s = 1;
  for (let d = nd - 1; d >= 0; d--) { targetStrides[d] = s; s *= targetShape[d]; }
  const counter = new Int32Array(nd);
  for (let pos = 0; pos < index.length; pos++) {
    let offset = 0;
    for (let d = 0; d < nd; d++) offset += (d === dim ? index[pos] : counter[d]) * targetStrides[d];
    visit(pos, offset);
    for (let d = nd - 1; d >= 0; d--) {
      if (++counter[d] < indexShape[d]) break;
      counter[d] = 0;
    }
  }
}

export function gather(x: TypedArray, xShape: readonly number[], dim: number, index: Int32Array, indexShape: readonly number[], out: TypedArray): void {
  forEachIndexed(indexShape, xShape, dim, index, (pos, offset) => { out[pos] = x[offset]; });
}

export function scatter(src: TypedArray, index: Int32Array, indexShape: readonly number[], dim: number,
  out: TypedArray, outShape: readonly number[], accumulate: boolean): void {
  if (accumulate) forEachIndexed(indexShape, outShape, dim, index, (pos, offset) => { out[offset] += src[pos]; });
  else forEachIndexed(indexShape, outShape, dim, index, (pos, offset) => { out[offset] = src[pos]; });
}
