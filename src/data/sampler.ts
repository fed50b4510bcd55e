/**
 * Samplers: the order in which DataLoader visits a dataset's indices, as in `torch.utils.data`.
 * A sampler is any iterable of indices; `length` (when known) is how many it yields per pass.
 */
import { checkOptions } from '../util/options.js';
import { defaultGenerator, Generator } from '../tensor/random.js';
import { randperm } from '../tensor/creation.js';

/** What DataLoader's `sampler` option takes: an iterable of indices, with a length if DataLoader.length is wanted. */
export type SamplerLike = Iterable<number> & { readonly length?: number };

/** What DataLoader's `batchSampler` option takes: an iterable of index lists, one per batch. */
export type BatchSamplerLike = Iterable<ArrayLike<number>> & { readonly length?: number };

/** Yields dataset indices in some order, as `torch.utils.data.Sampler`. */
export abstract class Sampler implements Iterable<number> {
  abstract readonly length: number;
  abstract [Symbol.iterator](): Iterator<number>;
}

function sizeOf(source: { readonly length: number } | number, what: string): number {
  const n = typeof source === 'number' ? source : source.length;
  if (!Number.isInteger(n) || n < 0) throw new Error(`${what}: expected a dataset (with a length) or a count, got length ${n}`);
  return n;
}

/** 0, 1, ..., n-1. */
export class SequentialSampler extends Sampler {
  private readonly source: { readonly length: number } | number;

  constructor(dataSource: { readonly length: number } | number) {
    super();
    sizeOf(dataSource, 'SequentialSampler');
    this.source = dataSource;
  }

  get length(): number {
    return sizeOf(this.source, 'SequentialSampler');
  }

  *[Symbol.iterator](): IterableIterator<number> {
    const n = this.length;
    for (let i = 0; i < n; i++) yield i;
  }
}

/**
 * A fresh seed drawn from the default generator, as PyTorch's RandomSampler does when it has no generator:
 * `manualSeed(s)` makes the order repeat, while each pass only takes one number from the default stream.
 */
export function seedFromDefault(): number {
  return defaultGenerator.nextUint32();
}

/** Options of a RandomSampler. */
export interface RandomSamplerOptions {
  /** Draw with replacement (default false: a permutation). */
  replacement?: boolean;
  /** How many indices per pass (default: the dataset's length). Without replacement it may exceed it (several permutations). */
  numSamples?: number;
  /** Where the randomness comes from; each pass continues this generator's stream. Default: a generator seeded from the default one at the start of each pass. */
  generator?: Generator;
}

/** A new random order on each pass (a permutation, or draws with replacement). */
export class RandomSampler extends Sampler {
  private readonly source: { readonly length: number } | number;
  readonly replacement: boolean;
  readonly generator: Generator | undefined;
  private readonly fixedNumSamples: number | undefined;

  constructor(dataSource: { readonly length: number } | number, options: RandomSamplerOptions = {}) {
    super();
    sizeOf(dataSource, 'RandomSampler');
    checkOptions('RandomSampler', options, { replacement: 'boolean', numSamples: 'integer', generator: 'object' });
    this.source = dataSource;
    this.replacement = options.replacement ?? false;
    this.generator = options.generator;
    if (options.numSamples !== undefined && !(Number.isInteger(options.numSamples) && options.numSamples > 0)) {
      throw new Error(`RandomSampler: numSamples should be a positive integer, got ${options.numSamples}`);
    }
    this.fixedNumSamples = options.numSamples;
  }

  get numSamples(): number {
    return this.fixedNumSamples ?? sizeOf(this.source, 'RandomSampler');
  }

  get length(): number {
    return this.numSamples;
  }

  /** The indices of one pass, all at once (what iteration yields). */
  sampleIndices(): Int32Array {
    const n = sizeOf(this.source, 'RandomSampler');
    const count = this.numSamples;
    const g = this.generator ?? new Generator(seedFromDefault());
    const out = new Int32Array(count);
    if (count > 0 && n === 0) throw new Error('RandomSampler: cannot draw samples from an empty dataset');
    if (this.replacement) {
      for (let j = 0; j < count; j++) out[j] = g.randint(0, n);
      return out;
    }
    for (let at = 0; at < count; at += n) {
      const perm = randperm(n, { generator: g }).storage.data as Int32Array;
      out.set(perm.subarray(0, Math.min(n, count - at)), at);
    }
    return out;
  }

  *[Symbol.iterator](): IterableIterator<number> {
    const indices = this.sampleIndices();
    for (let j = 0; j < indices.length; j++) yield indices[j];
  }
}

/** The given indices in a random order on each pass (e.g. a validation subset). */
export class SubsetRandomSampler extends Sampler {
  readonly indices: Int32Array;
  readonly generator: Generator | undefined;

  constructor(indices: ArrayLike<number>, generator?: Generator) {
    super();
    this.indices = Int32Array.from(indices);
    this.generator = generator;
  }

  get length(): number {
    return this.indices.length;
  }

  *[Symbol.iterator](): IterableIterator<number> {
    const g = this.generator ?? new Generator(seedFromDefault());
    const perm = randperm(this.indices.length, { generator: g }).storage.data as Int32Array;
    for (let j = 0; j < perm.length; j++) yield this.indices[perm[j]];
  }
}

/** Groups another sampler's indices into lists of `batchSize` (the last one shorter unless `dropLast`). */
export class BatchSampler implements Iterable<number[]> {
  readonly sampler: SamplerLike;
  readonly batchSize: number;
  readonly dropLast: boolean;

  constructor(sampler: SamplerLike, batchSize: number, dropLast = false) {
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error(`BatchSampler: batchSize should be a positive integer, got ${batchSize}`);
    if (typeof dropLast !== 'boolean') throw new Error(`BatchSampler: dropLast should be a boolean, got ${dropLast}`);
    this.sampler = sampler;
    this.batchSize = batchSize;
    this.dropLast = dropLast;
  }

  get length(): number {
    const n = this.sampler.length;
    if (typeof n !== 'number') throw new Error('BatchSampler: its sampler has no length');
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  *[Symbol.iterator](): IterableIterator<number[]> {
    let batch: number[] = [];
    for (const i of this.sampler) {
      batch.push(i);
      if (batch.length === this.batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0 && !this.dropLast) yield batch;
  }
}
