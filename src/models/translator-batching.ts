/** Training batches of a translation model: padded id tensors, length buckets, and the loss over non-pad tokens. */
import { Tensor } from '../tensor/tensor.js';
import type * as nn from '../nn/index.js';
import type { Generator } from '../tensor/random.js';
import { padBatch, type Seq2SeqConfig, type Seq2SeqTransformer } from './translator-model.js';

/** A sentence pair as token ids. */
export interface EncodedPair {
  /** Source ids ending in [EOS]. */
  src: number[];
  /** Target ids without specials. */
  tgt: number[];
}

/** A padded training batch: source, decoder input, target and the token count. */
export interface Batch {
  /** [B, S] int32. */
  src: Tensor;
  /** [B, T] int32: [BOS] y1 … yn, padded. */
  tgtIn: Tensor;
  /** [B, T] int32: y1 … yn [EOS], padded. */
  tgtOut: Tensor;
  /** Non-pad target tokens (the loss is averaged over them). */
  tokens: number;
  /** Source tokens, padding not counted. */
  srcTokens: number;
}

/** Tensors of one batch of encoded pairs. */
export function makeBatch(pairs: readonly EncodedPair[], config: Pick<Seq2SeqConfig, 'padId' | 'bosId' | 'eosId'>): Batch {
  const src = padBatch(pairs.map((p) => p.src), config.padId);
  const tgtIn = padBatch(pairs.map((p) => [config.bosId, ...p.tgt]), config.padId);
  const tgtOut = padBatch(pairs.map((p) => [...p.tgt, config.eosId]), config.padId);
  return {
    src, tgtIn, tgtOut,
    tokens: pairs.reduce((n, p) => n + p.tgt.length + 1, 0),
    srcTokens: pairs.reduce((n, p) => n + p.src.length, 0),
  };
}

/**
 * Batches of `batchSize` pairs with little padding: the pairs are shuffled, cut into pools of
 * 50 batches, each pool sorted by length and cut into batches, and the batches shuffled. Lists of
 * indices into `pairs`; the same generator state gives the same batches.
 */
export function bucketBatches(pairs: readonly EncodedPair[], batchSize: number, generator: Generator): number[][] {
  const idx = pairs.map((_, i) => i);
  const shuffle = <T>(a: T[]) => {
    for (let i = a.length - 1; i > 0; i--) {
      const j = generator.randint(0, i + 1);
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
  };
  shuffle(idx);
  const pool = batchSize * 50;
  const batches: number[][] = [];
  for (let start = 0; start < idx.length; start += pool) {
    const chunk = idx.slice(start, start + pool);
    const len = (i: number) => Math.max(pairs[i]!.src.length, pairs[i]!.tgt.length + 1);
    chunk.sort((a, b) => len(a) - len(b) || a - b);
    for (let b = 0; b < chunk.length; b += batchSize) batches.push(chunk.slice(b, b + batchSize));
  }
  shuffle(batches);
  return batches;
}

/**
 * Mean cross-entropy of a batch over its non-pad target tokens (label smoothing as the criterion
 * has it). Only non-pad positions go through the generator, the costliest layer.
 */
export function batchLoss(model: Seq2SeqTransformer, batch: Batch, criterion: nn.CrossEntropyLoss): Tensor {
  const c = model.config;
  const h = model.hidden(batch.src, batch.tgtIn);
  const flat = h.reshape(-1, c.dModel);
  const out = batch.tgtOut.contiguousData() as Int32Array;
  const keep: number[] = [];
  for (let i = 0; i < out.length; i++) if (out[i] !== c.padId) keep.push(i);
  const rows = Tensor.fromData(Int32Array.from(keep), [keep.length], 'int32');
  const logits = model.generator.call(flat.indexSelect(0, rows)) as Tensor;
  const target = Tensor.fromData(Int32Array.from(keep, (i) => out[i]!), [keep.length], 'int32');
  return criterion.call(logits, target) as Tensor;
}
