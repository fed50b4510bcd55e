import { takePooled } from './pool.js';

/** nabla's element types: float32 for math, int32 for indices and labels, bool for masks. */
export type DType = 'float32' | 'int32' | 'bool';
/** The typed arrays that hold a tensor's elements. */
export type TypedArray = Float32Array | Int32Array | Uint8Array;

/** A zero-filled array of `size` elements, from the storage pool when it holds one of that length. */
export function allocate(dtype: DType, size: number): TypedArray {
  const pooled = takePooled(dtype, size);
  if (pooled) return pooled;
  switch (dtype) {
    case 'float32': return new Float32Array(size);
    case 'int32': return new Int32Array(size);
    case 'bool': return new Uint8Array(size);
  }
}

export function dtypeOfArray(data: TypedArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  return 'bool';
}

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2 };

/** PyTorch's type promotion restricted to nabla's dtypes: bool < int32 < float32. */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/** The dtype a plain JS number takes next to a tensor of `dtype` (a "weak" scalar, as in PyTorch). */
export function scalarResultType(dtype: DType, value: number): DType {
  if (dtype === 'float32' || !Number.isInteger(value)) return 'float32';
  return dtype === 'bool' ? 'int32' : dtype;
}

export function isFloating(dtype: DType): boolean {
  return dtype === 'float32';
}

/**
 * int32 storage would wrap 4294967295 to -1 and turn NaN into 0 without a word; PyTorch refuses
 * both, and so do we (fractions truncate toward zero, as in PyTorch).
 */
export function checkInt32Range(op: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v > -2147483649 && v < 2147483648)) {
      throw new Error(`${op}: value ${v}${values.length > 1 ? ` (at position ${i})` : ''} cannot be converted to dtype int32 without overflow (int32 holds -2147483648 to 2147483647${Number.isNaN(v) ? '; NaN has no integer value' : ''})`);
    }
  }
}
