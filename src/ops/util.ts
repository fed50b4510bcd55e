/** Helpers shared by the op front-ends: scalar wrapping, broadcast views, and gradient reduction. */
import { Tensor } from '../tensor/tensor.js';
import { allocate, scalarResultType, type DType } from '../tensor/dtype.js';
import { broadcastStrides, formatShape, numel } from '../tensor/shape.js';
import type { StridedView } from '../backend/backend.js';
import './tensor-methods.js'; // Tensor's op methods

export type Scalar = Tensor | number;

/** Wraps a JS number as a 0-d tensor whose dtype follows PyTorch's weak-scalar rule next to `like`. */
export function scalarTensor(value: number, like: DType): Tensor {
  const dtype = scalarResultType(like, value);
  const data = allocate(dtype, 1);
  data[0] = value;
  return Tensor.fromData(data, [], dtype);
}

export function asTensor(x: Scalar, like: Tensor | DType): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x !== 'number') throw new Error(`expected a Tensor or a number, got ${typeof x}`);
  return scalarTensor(x, typeof like === 'string' ? like : like.dtype);
}

export function expandedView(t: Tensor, shape: readonly number[]): StridedView {
  return { data: t.storage.data, shape, strides: broadcastStrides(t.shape, t.strides, shape), offset: t.offset };
}

export function emptyTensor(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return Tensor.fromData(allocate(dtype, numel(shape)), shape, dtype);
}

export function requireDtype(op: string, arg: string, t: Tensor, dtypes: DType[]): void {
  if (!dtypes.includes(t.dtype)) {
    throw new Error(`${op}: expected ${arg} to have dtype ${dtypes.join(' or ')}, got ${t.dtype} (shape ${formatShape(t.shape)})`);
  }
}

export function requireTensor(op: string, arg: string, t: unknown): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new Error(`${op}: expected ${arg} to be a Tensor, got ${t === null ? 'null' : typeof t}`);
}

/** A float32 [rows, cols] tensor from plain JS rows (small constant matrices). */
export function tensorFromRows(rows: number[][]): Tensor {
  const cols = rows[0]?.length ?? 0;
  const data = new Float32Array(rows.length * cols);
  rows.forEach((r, i) => data.set(r, i * cols));
  return Tensor.fromData(data, [rows.length, cols], 'float32');
}
