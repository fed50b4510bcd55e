/**
 * Row-sparse gradients: what `nn.Embedding(..., {sparse: true})` produces (PyTorch's sparse COO gradient
 * of an embedding table, whose nonzeros are whole rows).
 *
 * A `RowSparseTensor` is a Tensor of the table's shape [numRows, ...rowShape] that stores only the rows a
 * batch touched: `indices` (row ids, possibly repeated: uncoalesced, as PyTorch's is) and `values`
 * (`indices.length` rows of `rowSize` floats). Sparse-aware consumers read those two arrays and work
 * on the touched rows only: the backward walk concatenates sparse gradients of the same leaf, and
 * SGD (no momentum, no weight decay), Adagrad (no weight decay) and SparseAdam update only those rows.
 *
 * Every other reader sees an ordinary dense tensor: the storage materialises the dense array (summing
 * repeated rows) the first time its `data` is read, so an optimiser or op that knows nothing of
 * sparsity still gets the right numbers, only more slowly. Once the dense array has been written in
 * place (the storage's version moved), `upToDate` turns false and sparse readers fall back to dense.
 */
import { Storage, Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';

/** Storage whose dense data is built on first read. */
class DenseOnReadStorage extends Storage {
  private dense: Float32Array | null = null;

  constructor(private readonly materialise: () => Float32Array) {
    super(new Float32Array(0));
    Object.defineProperty(this, 'data', {
      configurable: true,
      enumerable: true,
      get: () => {
        if (this.dense === null) this.dense = this.materialise();
        return this.dense;
      },
      set: (value: Float32Array) => {
        this.dense = value;
      },
    });
  }

  get materialised(): boolean {
    return this.dense !== null;
  }
}

export class RowSparseTensor extends Tensor {
  /** Marks the sparse layout (PyTorch's `is_sparse`). */
  readonly isSparse = true;
  /** Row ids, one per stored row; repeats are summed (unless `coalesced`, when they are unique and ascending). */
  readonly indices: Int32Array;
  /** The stored rows, `indices.length * rowSize` floats. */
  readonly values: Float32Array;
  /** Floats per row (the product of the shape after the first dimension). */
  readonly rowSize: number;
  readonly coalesced: boolean;
  private readonly createdVersion: number;

  constructor(shape: readonly number[], indices: Int32Array, values: Float32Array, coalesced = false) {
    if (shape.length < 1) throw new Error('RowSparseTensor: the shape needs at least one dimension (the rows)');
    const rowSize = shape.slice(1).reduce((a, b) => a * b, 1);
    if (values.length !== indices.length * rowSize) {
      throw new Error(`RowSparseTensor: ${indices.length} row ids need ${indices.length * rowSize} values (rows of ${rowSize}), got ${values.length}`);
    }
    const rows = shape[0];
    for (let i = 0; i < indices.length; i++) {
      const r = indices[i];
      if (!(r >= 0 && r < rows)) throw new Error(`RowSparseTensor: row id ${r} is outside [0, ${rows}) for shape ${formatShape(shape)}`);
    }
    const strides: number[] = new Array(shape.length);
    let s = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      strides[d] = s;
      s *= shape[d];
    }
    const storage = new DenseOnReadStorage(() => scatterRows(rows * rowSize, indices, values, rowSize));
    super(storage, [...shape], strides, 0, 'float32');
    this.indices = indices;
    this.values = values;
    this.rowSize = rowSize;
    this.coalesced = coalesced;
    this.createdVersion = storage.version;
  }

  /** Number of stored rows (with repeats). */
  get nnz(): number {
    return this.indices.length;
  }

  /** False once the dense view has been written in place: then only the dense data is right. */
  get upToDate(): boolean {
    return this.storage.version === this.createdVersion;
  }

  /** Unique, ascending row ids with repeated rows summed (this tensor itself when already so). O(nnz) plus a sort of the unique ids. */
  coalesce(): RowSparseTensor {
    if (this.coalesced) return this;
    const { indices, values, rowSize } = this;
    const n = indices.length;
    let sorted = true;
    for (let i = 1; i < n; i++) if (indices[i] <= indices[i - 1]) { sorted = false; break; }
    if (sorted) return new RowSparseTensor(this.shape, indices, values, true);
    const slot = rowScratch(this.shape[0]);
    const seen: number[] = [];
    for (let i = 0; i < n; i++) {
      const r = indices[i];
      if (slot[r] === -1) { slot[r] = 0; seen.push(r); }
    }
    const unique = Int32Array.from(seen).sort();
    for (let k = 0; k < unique.length; k++) slot[unique[k]] = k;
    const outVal = new Float32Array(unique.length * rowSize);
    for (let i = 0; i < n; i++) {
      const o = slot[indices[i]] * rowSize, p = i * rowSize;
      for (let j = 0; j < rowSize; j++) outVal[o + j] += values[p + j];
    }
    for (let k = 0; k < unique.length; k++) slot[unique[k]] = -1;
    return new RowSparseTensor(this.shape, unique, outVal, true);
  }

  /** The dense tensor (a new contiguous tensor of the same values). */
  toDense(): Tensor {
    return Tensor.fromData(this.upToDate ? scatterRows(this.numel(), this.indices, this.values, this.rowSize) : (this.storage.data as Float32Array).slice(), this.shape, 'float32');
  }

  /** `dst[off + row * rowSize + j] += scale * value` for every stored row: adds this gradient into dense data. */
  addRowsInto(dst: Float32Array, offset = 0, scale = 1): void {
    const { indices, values, rowSize } = this;
    for (let i = 0; i < indices.length; i++) {
      const o = offset + indices[i] * rowSize, p = i * rowSize;
      for (let j = 0; j < rowSize; j++) dst[o + j] += scale * values[p + j];
    }
  }

  /** Both gradients' rows in one (uncoalesced) tensor: how two sparse gradients of a leaf accumulate. */
  concat(other: RowSparseTensor): RowSparseTensor {
    if (other.shape.join() !== this.shape.join()) {
      throw new Error(`RowSparseTensor.concat: shapes differ: ${formatShape(this.shape)} and ${formatShape(other.shape)}`);
    }
    const indices = new Int32Array(this.nnz + other.nnz);
    indices.set(this.indices);
    indices.set(other.indices, this.nnz);
    const values = new Float32Array(this.values.length + other.values.length);
    values.set(this.values);
    values.set(other.values, this.values.length);
    return new RowSparseTensor(this.shape, indices, values);
  }

  override toString(): string {
    return `RowSparseTensor(shape=${formatShape(this.shape)}, nnz=${this.nnz}${this.coalesced ? ', coalesced' : ''})`;
  }
}

/** A shared row-id → slot table, all -1 between uses (coalesce restores the entries it touched). */
let scratch = new Int32Array(0);
function rowScratch(rows: number): Int32Array {
  if (scratch.length < rows) scratch = new Int32Array(rows).fill(-1);
  return scratch;
}

function scatterRows(size: number, indices: Int32Array, values: Float32Array, rowSize: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < indices.length; i++) {
    const o = indices[i] * rowSize, p = i * rowSize;
    for (let j = 0; j < rowSize; j++) out[o + j] += values[p + j];
  }
  return out;
}

/** Whether `t` is a row-sparse gradient whose sparse arrays are still current. */
export function isRowSparse(t: unknown): t is RowSparseTensor {
  return t instanceof RowSparseTensor && t.upToDate;
}

/**
 * Accumulates a gradient into a leaf's `.grad` when either is row-sparse (the backward walk calls
 * this; it returns false to leave dense + dense to the ordinary path). Sparse into nothing: the
 * gradient itself; sparse into sparse: concatenated rows; sparse into dense: rows added in place.
 */
export function accumulateSparseGrad(leaf: Tensor, g: Tensor): boolean {
  if (!isRowSparse(g)) return false;
  const existing = leaf.grad;
  if (existing === null) leaf.grad = g;
  else if (isRowSparse(existing)) leaf.grad = existing.concat(g);
  else if (existing.isContiguous() && existing.offset === 0 && existing.storage.data.length === existing.numel()) {
    g.addRowsInto(existing.storage.data as Float32Array);
    existing.bumpVersion();
  } else existing.addInPlaceRaw(g.toDense());
  return true;
}

