/**
 * Variable-length batches for the recurrent layers (PyTorch's torch.nn.utils.rnn): PackedSequence,
 * packPaddedSequence, padPackedSequence, padSequence, packSequence.
 *
 * A PackedSequence holds the steps of a batch of sequences sorted longest first, time-major:
 * `data` [sum(lengths), *] lists step 0 of every sequence, then step 1 of those that have one, ...;
 * `batchSizes[t]` counts the sequences with a step t. `sortedIndices[j]` is the batch position of
 * the j-th longest sequence, `unsortedIndices` its inverse (null for both when the input was
 * already sorted and packed with enforceSorted).
 *
 * Every function here is differentiable: they are row gathers (indexSelect) and a cat.
 */
import { checkOptions } from '../util/options.js';
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { full } from '../tensor/creation.js';
import { indexSelect } from '../ops/indexing.js';
import { cat } from '../ops/join.js';
import { reshape } from '../ops/shape.js';

type Lengths = Tensor | readonly number[];

function int32(values: ArrayLike<number>): Tensor {
  return Tensor.fromData(Int32Array.from(values as ArrayLike<number>), [values.length], 'int32');
}

function toNumbers(op: string, lengths: Lengths): number[] {
  if (lengths instanceof Tensor) {
    if (lengths.ndim !== 1) throw new Error(`${op}: expected lengths to be a 1-D tensor, got shape ${formatShape(lengths.shape)}`);
    return Array.from(lengths.contiguousData());
  }
  if (!Array.isArray(lengths)) throw new Error(`${op}: expected lengths to be a Tensor or an array of numbers, got ${typeof lengths}`);
  return [...lengths];
}

/** A batch of variable-length sequences packed by time step, as `torch.nn.utils.rnn.PackedSequence`. */
export class PackedSequence {
  /**
   * Normally made by packPaddedSequence or packSequence. `batchSizes` is a 1-D int32 tensor;
   * the indices are 1-D int32 tensors or null.
   */
  constructor(
    readonly data: Tensor,
    readonly batchSizes: Tensor,
    readonly sortedIndices: Tensor | null = null,
    readonly unsortedIndices: Tensor | null = null,
  ) {
    if (!(data instanceof Tensor)) throw new Error('PackedSequence: data must be a Tensor');
    if (!(batchSizes instanceof Tensor) || batchSizes.ndim !== 1 || batchSizes.dtype !== 'int32') {
      throw new Error('PackedSequence: batchSizes must be a 1-D int32 Tensor');
    }
    if ((sortedIndices === null) !== (unsortedIndices === null)) {
      throw new Error('PackedSequence: give both sortedIndices and unsortedIndices, or neither');
    }
    const sizes = batchSizes.contiguousData();
    let total = 0;
    for (let t = 0; t < sizes.length; t++) {
      if (sizes[t] < 1 || (t > 0 && sizes[t] > sizes[t - 1])) throw new Error(`PackedSequence: batchSizes must be positive and non-increasing, got [${Array.from(sizes).join(', ')}]`);
      total += sizes[t];
    }
    if (data.ndim < 1 || data.shape[0] !== total) {
      throw new Error(`PackedSequence: data has shape ${formatShape(data.shape)} but batchSizes sum to ${total} rows`);
    }
  }

  /** Number of sequences. */
  get batchSize(): number {
    return this.batchSizes.numel() ? this.batchSizes.contiguousData()[0] : 0;
  }

  /** Length of the longest sequence. */
  get maxLength(): number {
    return this.batchSizes.numel();
  }

  /** Each sequence's length, in the original batch order. */
  lengths(): number[] {
    const sizes = this.batchSizes.contiguousData();
    const B = this.batchSize;
    const sortedLengths = new Array<number>(B).fill(0);
    for (let t = 0; t < sizes.length; t++) for (let j = 0; j < sizes[t]; j++) sortedLengths[j]++;
    if (!this.unsortedIndices) return sortedLengths;
    const unsorted = this.unsortedIndices.contiguousData();
    return Array.from(unsorted, (j) => sortedLengths[j]);
  }

  /** The original batch position of the j-th longest sequence (identity when unsorted indices are null). */
  sortedOrder(): Int32Array {
    const B = this.batchSize;
    if (this.sortedIndices) return Int32Array.from(this.sortedIndices.contiguousData());
    return Int32Array.from({ length: B }, (_, j) => j);
  }

  /** The same packing around new data (the recurrent layers' outputs use this). */
  withData(data: Tensor): PackedSequence {
    return new PackedSequence(data, this.batchSizes, this.sortedIndices, this.unsortedIndices);
  }

  toString(): string {
    return `PackedSequence(data=${formatShape(this.data.shape)}, batchSizes=[${Array.from(this.batchSizes.contiguousData()).join(', ')}], sortedIndices=${this.sortedIndices ? `[${Array.from(this.sortedIndices.contiguousData()).join(', ')}]` : 'None'})`;
  }
}

/**
 * The rows of a padded [T, B, *] (or [B, T, *]) tensor, flattened to [T*B, *], that make up the
 * packed data: step t of the j-th longest sequence is row t*B + order[j] (or order[j]*T + t).
 */
export function packedRowIndex(batchSizes: ArrayLike<number>, order: ArrayLike<number>, T: number, B: number, batchFirst: boolean): Int32Array {
  let total = 0;
  for (let t = 0; t < batchSizes.length; t++) total += batchSizes[t];
  const index = new Int32Array(total);
  let k = 0;
  for (let t = 0; t < batchSizes.length; t++) {
    for (let j = 0; j < batchSizes[t]; j++) index[k++] = batchFirst ? order[j] * T + t : t * B + order[j];
  }
  return index;
}

/** Options of `packPaddedSequence`. */
export interface PackPaddedOptions {
  batchFirst?: boolean;
  /** Require lengths sorted longest first (default true, like PyTorch); false sorts them here. */
  enforceSorted?: boolean;
}

/** Packs a padded batch [T, B, *] (or [B, T, *]) of sequences with the given lengths. */
export function packPaddedSequence(input: Tensor, lengths: Lengths, options: PackPaddedOptions = {}): PackedSequence {
  checkOptions('packPaddedSequence', options, { batchFirst: 'boolean', enforceSorted: 'boolean' });
  const op = 'packPaddedSequence';
  const batchFirst = options.batchFirst ?? false, enforceSorted = options.enforceSorted ?? true;
  if (!(input instanceof Tensor)) throw new Error(`${op}: expected input to be a Tensor, got ${input === null ? 'null' : typeof input}`);
  if (input.ndim < 2) throw new Error(`${op}: expected input of at least 2 dims [${batchFirst ? 'B, T' : 'T, B'}, *], got ${formatShape(input.shape)}`);
  const lens = toNumbers(op, lengths);
  const T = batchFirst ? input.shape[1] : input.shape[0];
  const B = batchFirst ? input.shape[0] : input.shape[1];
  if (lens.length !== B) throw new Error(`${op}: expected ${B} lengths (the batch size of input ${formatShape(input.shape)}${batchFirst ? ', batchFirst' : ''}), got ${lens.length}`);
  lens.forEach((l, b) => {
    if (!Number.isInteger(l) || l <= 0) throw new Error(`${op}: Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0 (lengths[${b}] = ${l})`);
    if (l > T) throw new Error(`${op}: lengths[${b}] = ${l} is longer than the padded sequence length ${T} of input ${formatShape(input.shape)}`);
  });
  let order: number[];
  let sortedIndices: Tensor | null = null, unsortedIndices: Tensor | null = null;
  if (enforceSorted) {
    for (let b = 1; b < B; b++) {
      if (lens[b] > lens[b - 1]) {
        throw new Error(`${op}: \`lengths\` array must be sorted in decreasing order when \`enforceSorted\` is true (got [${lens.join(', ')}]). You can pass \`enforceSorted: false\` to packPaddedSequence and/or packSequence to sidestep this requirement if you do not need ONNX exportability.`);
      }
    }
    order = lens.map((_, b) => b);
  } else {
    order = lens.map((_, b) => b).sort((a, b) => lens[b] - lens[a] || a - b);
    const inverse = new Int32Array(B);
    order.forEach((b, j) => { inverse[b] = j; });
    sortedIndices = int32(order);
    unsortedIndices = int32(inverse);
  }
  const maxLen = lens[order[0]] ?? 0;
  const batchSizes = new Int32Array(maxLen);
  for (let t = 0; t < maxLen; t++) batchSizes[t] = lens.filter((l) => l > t).length;
  const rows = reshape(input, [T * B, ...input.shape.slice(2)]);
  const data = indexSelect(rows, 0, int32(packedRowIndex(batchSizes, order, T, B, batchFirst)));
  return new PackedSequence(data, int32(batchSizes), sortedIndices, unsortedIndices);
}

/** Options of `padPackedSequence`. */
export interface PadPackedOptions {
  batchFirst?: boolean;
  paddingValue?: number;
  /** Pad to this many steps instead of the longest sequence's length. */
  totalLength?: number | null;
}

/** Unpacks to a padded [T, B, *] (or [B, T, *]) tensor in the original batch order, and the lengths (int32). */
export function padPackedSequence(sequence: PackedSequence, options: PadPackedOptions = {}): [Tensor, Tensor] {
  checkOptions('padPackedSequence', options, { batchFirst: 'boolean', paddingValue: 'number', totalLength: 'number|null' });
  const op = 'padPackedSequence';
  if (!(sequence instanceof PackedSequence)) throw new Error(`${op}: expected a PackedSequence, got ${sequence === null ? 'null' : typeof sequence}`);
  const batchFirst = options.batchFirst ?? false, paddingValue = options.paddingValue ?? 0;
  const sizes = sequence.batchSizes.contiguousData();
  const maxLen = sizes.length, B = sequence.batchSize;
  let T = maxLen;
  if (options.totalLength !== undefined && options.totalLength !== null) {
    if (!Number.isInteger(options.totalLength) || options.totalLength < maxLen) {
      throw new Error(`${op}: Expected totalLength to be at least the length of the longest sequence in input, but got totalLength=${options.totalLength} and max sequence length being ${maxLen}`);
    }
    T = options.totalLength;
  }
  const data = sequence.data;
  const rest = data.shape.slice(1);
  const padRow = data.shape[0];
  // position of each (t, j) in the packed data
  const packedAt: Int32Array[] = [];
  let k = 0;
  for (let t = 0; t < maxLen; t++) {
    const rowIds = new Int32Array(sizes[t]);
    for (let j = 0; j < sizes[t]; j++) rowIds[j] = k++;
    packedAt.push(rowIds);
  }
  const unsorted = sequence.unsortedIndices ? sequence.unsortedIndices.contiguousData() : null;
  const index = new Int32Array(T * B);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const j = unsorted ? unsorted[b] : b;
      index[batchFirst ? b * T + t : t * B + b] = t < maxLen && j < sizes[t] ? packedAt[t][j] : padRow;
    }
  }
  const extended = cat([data, full([1, ...rest], paddingValue, { dtype: data.dtype })], 0);
  const padded = reshape(indexSelect(extended, 0, int32(index)), batchFirst ? [B, T, ...rest] : [T, B, ...rest]);
  return [padded, int32(sequence.lengths())];
}

/** Options of `padSequence`. */
export interface PadSequenceOptions {
  batchFirst?: boolean;
  paddingValue?: number;
}

/** Stacks sequences of shape [L_i, *] into [maxL, B, *] (or [B, maxL, *]), padding with paddingValue. */
export function padSequence(sequences: readonly Tensor[], options: PadSequenceOptions = {}): Tensor {
  checkOptions('padSequence', options, { batchFirst: 'boolean', paddingValue: 'number' });
  const op = 'padSequence';
  const batchFirst = options.batchFirst ?? false, paddingValue = options.paddingValue ?? 0;
  if (!Array.isArray(sequences) || sequences.length === 0) throw new Error(`${op}: expected a non-empty array of Tensors`);
  const rest = sequences[0].shape.slice(1);
  sequences.forEach((s, i) => {
    if (!(s instanceof Tensor) || s.ndim < 1) throw new Error(`${op}: sequences[${i}] must be a Tensor of at least 1 dim [L, *]`);
    if (s.shape.slice(1).join() !== rest.join()) {
      throw new Error(`${op}: every sequence must have the same trailing shape: sequences[0] is ${formatShape(sequences[0].shape)}, sequences[${i}] is ${formatShape(s.shape)}`);
    }
  });
  const B = sequences.length;
  const T = Math.max(...sequences.map((s) => s.shape[0]));
  const starts: number[] = [];
  let total = 0;
  for (const s of sequences) { starts.push(total); total += s.shape[0]; }
  const index = new Int32Array(T * B);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) index[batchFirst ? b * T + t : t * B + b] = t < sequences[b].shape[0] ? starts[b] + t : total;
  }
  const extended = cat([...sequences, full([1, ...rest], paddingValue, { dtype: sequences[0].dtype })], 0);
  return reshape(indexSelect(extended, 0, int32(index)), batchFirst ? [B, T, ...rest] : [T, B, ...rest]);
}

/** Packs a list of sequences [L_i, *] (sorted longest first unless enforceSorted is false). */
export function packSequence(sequences: readonly Tensor[], options: { enforceSorted?: boolean } = {}): PackedSequence {
  checkOptions('packSequence', options, { enforceSorted: 'boolean' });
  const lengths = sequences.map((s) => s.shape[0]);
  return packPaddedSequence(padSequence(sequences), lengths, { enforceSorted: options.enforceSorted ?? true });
}

/** Inverse of pack_sequence: the list of sequences in the original order. */
export function unpackSequence(packed: PackedSequence): Tensor[] {
  const [padded, lengths] = padPackedSequence(packed, { batchFirst: true });
  const lens = lengths.contiguousData();
  return Array.from(lens, (l, b) => padded.select(0, b).narrow(0, 0, l));
}
