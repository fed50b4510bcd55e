/**
 * DataLoader: batches of a dataset, in order or shuffled, like `torch.utils.data.DataLoader`.
 *
 *   const loader = new DataLoader(trainset, { batchSize: 64, shuffle: true });
 *   for (const [x, y] of loader) { ... }   // x: [64, 1, 28, 28] float32, y: [64] int32
 *
 * Batches are made in the calling thread (no workers). When the dataset has a `getBatch` fast path
 * (TensorDataset, MNIST, Subsets of them) and no `collate` is given, each batch is gathered in one go
 * into fresh typed arrays, which gives the same values as collating item by item. Every batch is a new
 * tensor: holding on to one is safe.
 */
import { checkOptions } from '../util/options.js';
import type { Generator } from '../tensor/random.js';
import { defaultCollate, type Collated } from './collate.js';
import { asDataset, canGetBatch, type DatasetLike } from './dataset.js';
import { RandomSampler, SequentialSampler, type BatchSamplerLike, type SamplerLike } from './sampler.js';

/** Options of a DataLoader, as torch.utils.data.DataLoader's keywords. */
export interface DataLoaderOptions<T, B> {
  /** Items per batch (default 1). */
  batchSize?: number;
  /** Visit the items in a new random order each epoch (default false). */
  shuffle?: boolean;
  /** The order of indices (mutually exclusive with shuffle). */
  sampler?: SamplerLike;
  /** Yields the index list of each batch (mutually exclusive with batchSize, shuffle, sampler and dropLast). */
  batchSampler?: BatchSamplerLike;
  /** Drop the last batch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Turns a list of items into a batch (default: defaultCollate, or the dataset's getBatch fast path). */
  collate?: (items: T[]) => B;
  /** Randomness for shuffle. Default: each epoch seeds a generator from the default one (see `manualSeed`). */
  generator?: Generator;
}

/**
 * Batches of a dataset, optionally shuffled, as `torch.utils.data.DataLoader`: iterate it once per epoch.
 *
 * @example
 * ```ts
 * const loader = new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 64, shuffle: true });
 * for (const [xb, yb] of loader) { ... } // xb: [64, ...], yb: [64]
 * ```
 */
export class DataLoader<T, B = Collated<T>> implements Iterable<B> {
  readonly dataset: DatasetLike<T>;
  /** null when a batchSampler decides the batches. */
  readonly batchSize: number | null;
  readonly dropLast: boolean;
  readonly sampler: SamplerLike | null;
  readonly batchSampler: BatchSamplerLike | null;
  readonly generator: Generator | undefined;
  readonly collate: ((items: T[]) => B) | null;

  constructor(dataset: DatasetLike<T> | readonly T[], options: DataLoaderOptions<T, B> = {}) {
    checkOptions('DataLoader', options, { batchSize: 'integer|null', shuffle: 'any', sampler: 'any', batchSampler: 'any', dropLast: 'any', collate: 'any', generator: 'any' });
    this.dataset = asDataset(dataset, 'DataLoader');
    const { batchSampler, sampler, shuffle = false, dropLast = false, generator } = options;
    if (options.collate !== undefined && typeof options.collate !== 'function') throw new TypeError('DataLoader: collate must be a function');
    if (typeof shuffle !== 'boolean') throw new TypeError(`DataLoader: shuffle should be a boolean, got ${shuffle}`);
    if (typeof dropLast !== 'boolean') throw new TypeError(`DataLoader: dropLast should be a boolean, got ${dropLast}`);
    this.collate = options.collate ?? null;
    this.generator = generator;
    if (batchSampler !== undefined) {
      if (options.batchSize !== undefined || shuffle || sampler !== undefined || dropLast) {
        throw new Error('DataLoader: batchSampler option is mutually exclusive with batchSize, shuffle, sampler, and dropLast');
      }
      this.batchSampler = batchSampler;
      this.batchSize = null;
      this.sampler = null;
      this.dropLast = false;
      return;
    }
    const batchSize = options.batchSize ?? 1;
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error(`DataLoader: batchSize should be a positive integer, got ${batchSize}`);
    if (sampler !== undefined && shuffle) throw new Error('DataLoader: sampler option is mutually exclusive with shuffle');
    this.batchSize = batchSize;
    this.dropLast = dropLast;
    this.batchSampler = null;
    this.sampler = sampler ?? (shuffle ? new RandomSampler(this.dataset, { generator }) : new SequentialSampler(this.dataset));
  }

  /** Number of batches per epoch (`len(loader)`). */
  get length(): number {
    if (this.batchSampler) {
      const n = this.batchSampler.length;
      if (typeof n !== 'number') throw new Error('DataLoader: the batchSampler has no length');
      return n;
    }
    const n = this.sampler!.length;
    if (typeof n !== 'number') throw new Error('DataLoader: the sampler has no length');
    return this.dropLast ? Math.floor(n / this.batchSize!) : Math.ceil(n / this.batchSize!);
  }

  /** The index lists of one epoch's batches (a shuffled loader draws a new order each time this is iterated). */
  *indexBatches(): IterableIterator<Int32Array> {
    if (this.batchSampler) {
      for (const b of this.batchSampler) yield b instanceof Int32Array ? b : Int32Array.from(b);
      return;
    }
    const size = this.batchSize!;
    let buf = new Int32Array(size);
    let k = 0;
    for (const i of this.sampler!) {
      buf[k++] = i;
      if (k === size) {
        yield buf;
        buf = new Int32Array(size);
        k = 0;
      }
    }
    if (k > 0 && !this.dropLast) yield buf.slice(0, k);
  }

  *[Symbol.iterator](): IterableIterator<B> {
    const ds = this.dataset;
    const collate = this.collate;
    const fast = collate === null && canGetBatch(ds);
    const n = ds.length;
    for (const indices of this.indexBatches()) {
      if (fast) {
        yield ds.getBatch(indices) as unknown as B;
        continue;
      }
      const items = new Array<T>(indices.length);
      for (let j = 0; j < indices.length; j++) {
        const i = indices[j];
        if (i < 0 || i >= n) throw new RangeError(`DataLoader: the sampler gave index ${i}, out of range for a dataset of ${n} items`);
        items[j] = ds.getItem(i);
      }
      yield collate ? collate(items) : (defaultCollate(items) as unknown as B);
    }
  }
}
