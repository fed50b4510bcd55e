/**
 * A sequence-to-sequence Transformer for translation (the course's example), shaped like PyTorch's
 * "Language translation with nn.Transformer" tutorial (`Seq2SeqTransformer`: src_tok_emb,
 * tgt_tok_emb, positional_encoding, transformer, generator):
 *
 *   source ids ─ Embedding·√dModel ─ + sinusoids ─ encoder (self-attention + feed-forward) ─ memory
 *   [BOS] y1 y2 … ─ Embedding·√dModel ─ + sinusoids ─ decoder (masked self-attention,
 *                   encoder-decoder attention over memory, feed-forward) ─ generator Linear ─ next-token logits
 *
 * Masks: a key-padding mask from [PAD] on both sides (and on the memory), and the causal mask
 * `Transformer.generateSquareSubsequentMask` on the target, so position t sees targets < t only.
 *
 * Decoding runs the decoder one token at a time with cached keys and values (`CachedDecoder`: the
 * same arithmetic as nn.TransformerDecoderLayer in eval mode, O(T) per sentence instead of
 * re-running the whole prefix), driven by `greedySearch` / `beamSearch` from ./beam-search.ts.
 *
 * `Translator` bundles the model with its source and target subword tokenizers (BPE from
 * src/text, trained on the training split) and stores everything in one safetensors file: the
 * weights as tensors, the config and both tokenizer.json documents in the metadata.
 */
import { Tensor } from '../tensor/tensor.js';
import { noGrad } from '../autograd/grad-mode.js';
import { cat } from '../ops/join.js';
import { where } from '../ops/elementwise.js';
import { logSoftmax } from '../ops/activation.js';
import * as nn from '../nn/index.js';
import { linear, scaledDotProductAttention } from '../nn/functional.js';
import { normal_ } from '../nn/init.js';
import type { Generator } from '../tensor/random.js';
import { BpeTokenizer } from '../text/bpe.js';
import type { SpecialTokens } from '../text/vocab.js';
import type { TextPair } from '../text/pairs.js';
import { beamSearch, greedySearch, type DecodeStepper, type Hypothesis } from './beam-search.js';

export { beamSearch, greedySearch, gnmtLengthPenalty, type DecodeStepper, type Hypothesis } from './beam-search.js';

/** The special tokens of translation vocabularies: [PAD]=0, [UNK]=1, [BOS]=2, [EOS]=3. */
export const TRANSLATION_SPECIALS: Readonly<SpecialTokens> = Object.freeze({ pad: '[PAD]', unk: '[UNK]', bos: '[BOS]', eos: '[EOS]', mask: null });

/** The sizes and special-token ids of a Seq2SeqTransformer. */
export interface Seq2SeqConfig {
  srcVocabSize: number;
  tgtVocabSize: number;
  dModel: number;
  nhead: number;
  numEncoderLayers: number;
  numDecoderLayers: number;
  dimFeedforward: number;
  dropout: number;
  /** Longest sentence in subword tokens, specials not counted (training drops longer pairs; translate refuses them). */
  maxLen: number;
  /** Pre-norm layers (LayerNorm before each block, nn.Transformer's normFirst); default false (post-norm, as the paper). */
  normFirst?: boolean;
  padId: number;
  bosId: number;
  eosId: number;
}

/** The masks of a batch: causal and padding masks for the encoder and decoder. */
export interface Seq2SeqMasks {
  /** [B, S] bool, true at source padding. */
  srcPaddingMask: Tensor;
  /** [B, T] bool, true at target padding. */
  tgtPaddingMask: Tensor;
  /** [T, T] float, -inf above the diagonal. */
  tgtMask: Tensor;
}

function checkConfig(c: Seq2SeqConfig): void {
  for (const k of ['srcVocabSize', 'tgtVocabSize', 'dModel', 'nhead', 'numEncoderLayers', 'numDecoderLayers', 'dimFeedforward', 'maxLen'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new Error(`Seq2SeqTransformer: ${k} must be a positive integer, got ${c[k]}`);
  }
  if (c.dModel % c.nhead !== 0) throw new Error(`Seq2SeqTransformer: dModel (${c.dModel}) must be divisible by nhead (${c.nhead})`);
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new Error(`Seq2SeqTransformer: dropout must be in [0, 1), got ${c.dropout}`);
  for (const k of ['padId', 'bosId', 'eosId'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 0 || c[k] >= Math.min(c.srcVocabSize, c.tgtVocabSize)) throw new Error(`Seq2SeqTransformer: ${k} ${c[k]} is outside the vocabularies`);
  }
}

/** Ids as an int32 tensor [rows, width], right-padded with `pad`. */
export function padBatch(rows: readonly (readonly number[])[], pad: number, width = Math.max(1, ...rows.map((r) => r.length))): Tensor {
  const data = new Int32Array(rows.length * width).fill(pad);
  rows.forEach((r, i) => {
    if (r.length > width) throw new Error(`padBatch: row ${i} has ${r.length} ids, more than the width ${width}`);
    data.set(r, i * width);
  });
  return Tensor.fromData(data, [rows.length, width], 'int32');
}

/** The encoder-decoder Transformer of "Attention Is All You Need" with token embeddings and a generator. */
export class Seq2SeqTransformer extends nn.Module {
  transformer: nn.Transformer;
  generator: nn.Linear;
  src_tok_emb: nn.Embedding;
  tgt_tok_emb: nn.Embedding;
  positional_encoding: nn.SinusoidalPositionalEncoding;
  readonly config: Readonly<Seq2SeqConfig>;
  readonly #scale: number;

  constructor(config: Seq2SeqConfig) {
    super();
    checkConfig(config);
    this.config = Object.freeze({ ...config });
    const d = config.dModel;
    this.transformer = new nn.Transformer({
      dModel: d, nhead: config.nhead, numEncoderLayers: config.numEncoderLayers, numDecoderLayers: config.numDecoderLayers,
      dimFeedforward: config.dimFeedforward, dropout: config.dropout, batchFirst: true, normFirst: config.normFirst ?? false,
    });
    this.generator = new nn.Linear(d, config.tgtVocabSize);
    this.src_tok_emb = new nn.Embedding(config.srcVocabSize, d, { paddingIdx: config.padId });
    this.tgt_tok_emb = new nn.Embedding(config.tgtVocabSize, d, { paddingIdx: config.padId });
    // Scaled by √d in forward, so N(0, 1/d) rows give unit-size inputs, the scale of the sinusoids (fairseq's init).
    for (const emb of [this.src_tok_emb, this.tgt_tok_emb]) {
      noGrad(() => {
        normal_(emb.weight, 0, 1 / Math.sqrt(d));
        emb.weight.select(0, config.padId).zero_();
      });
    }
    // Room for maxLen tokens plus [BOS] / [EOS].
    this.positional_encoding = new nn.SinusoidalPositionalEncoding(d, { maxLen: config.maxLen + 2, dropout: config.dropout, batchFirst: true });
    this.#scale = Math.sqrt(d);
  }

  /** Key-padding masks from [PAD] and the causal target mask. */
  makeMasks(src: Tensor, tgtIn: Tensor): Seq2SeqMasks {
    return {
      srcPaddingMask: src.eq(this.config.padId),
      tgtPaddingMask: tgtIn.eq(this.config.padId),
      tgtMask: nn.Transformer.generateSquareSubsequentMask(tgtIn.shape[1]!),
    };
  }

  /** Embedded source with positions: [B, S] ids -> [B, S, d]. */
  embedSource(src: Tensor): Tensor {
    return this.positional_encoding.call(this.src_tok_emb.call(src).mul(this.#scale)) as Tensor;
  }

  /** Embedded target with positions: [B, T] ids -> [B, T, d]. */
  embedTarget(tgt: Tensor): Tensor {
    return this.positional_encoding.call(this.tgt_tok_emb.call(tgt).mul(this.#scale)) as Tensor;
  }

  /** The encoder's output ("memory") [B, S, d]. */
  encode(src: Tensor, srcPaddingMask: Tensor = src.eq(this.config.padId)): Tensor {
    return this.transformer.encoder.call(this.embedSource(src), { srcKeyPaddingMask: srcPaddingMask }) as Tensor;
  }

  /** The decoder's output [B, T, d] (before the generator). */
  decode(tgtIn: Tensor, memory: Tensor, masks: { tgtMask: Tensor; tgtPaddingMask?: Tensor | null; memoryKeyPaddingMask?: Tensor | null }): Tensor {
    return this.transformer.decoder.call(this.embedTarget(tgtIn), memory, {
      tgtMask: masks.tgtMask, tgtKeyPaddingMask: masks.tgtPaddingMask ?? null, memoryKeyPaddingMask: masks.memoryKeyPaddingMask ?? null,
    }) as Tensor;
  }

  /** Decoder states [B, T, d] for source ids [B, S] and target inputs [B, T] ([BOS] y1 … y_{T-1}). */
  hidden(src: Tensor, tgtIn: Tensor, masks: Seq2SeqMasks = this.makeMasks(src, tgtIn)): Tensor {
    const memory = this.encode(src, masks.srcPaddingMask);
    return this.decode(tgtIn, memory, { tgtMask: masks.tgtMask, tgtPaddingMask: masks.tgtPaddingMask, memoryKeyPaddingMask: masks.srcPaddingMask });
  }

  /** Next-token logits [B, T, tgtVocab]. */
  override forward(src: Tensor, tgtIn: Tensor, masks: Seq2SeqMasks = this.makeMasks(src, tgtIn)): Tensor {
    return this.generator.call(this.hidden(src, tgtIn, masks)) as Tensor;
  }

  /** The decoder layers, typed. */
  get decoderLayers(): nn.TransformerDecoderLayer[] {
    return [...((this.transformer.decoder as nn.TransformerDecoder).layers as Iterable<nn.Module>)] as nn.TransformerDecoderLayer[];
  }

  /**
   * Encoder-decoder attention weights of the last decoder layer, averaged over heads: [B, T, S]
   * (row t: how target position t, predicting y_{t+1}, spreads its attention over the source).
   * Runs the decoder up to the last layer, then that layer's cross-attention with needWeights.
   */
  crossAttention(src: Tensor, tgtIn: Tensor, options: { averageHeads?: boolean } = {}): Tensor {
    return noGrad(() => {
      const masks = this.makeMasks(src, tgtIn);
      const memory = this.encode(src, masks.srcPaddingMask);
      let x = this.embedTarget(tgtIn);
      const layers = this.decoderLayers;
      const opts = { tgtMask: masks.tgtMask, tgtKeyPaddingMask: masks.tgtPaddingMask, memoryKeyPaddingMask: masks.srcPaddingMask };
      for (const layer of layers.slice(0, -1)) x = layer.call(x, memory, opts) as Tensor;
      const last = layers[layers.length - 1]!;
      // The last layer's self-attention block (dropout is the identity in eval mode) ...
      const selfAttn = (y: Tensor) => last.self_attn.call(y, y, y, { attnMask: masks.tgtMask, keyPaddingMask: masks.tgtPaddingMask, needWeights: false })[0];
      let h: Tensor;
      if (last.normFirst) {
        x = x.add(selfAttn(last.norm1.call(x) as Tensor));
        h = last.norm2.call(x) as Tensor;
      } else h = last.norm1.call(x.add(selfAttn(x))) as Tensor;
      // ... then its encoder-decoder attention, asking for the weights.
      const [, weights] = last.multihead_attn.call(h, memory, memory, {
        keyPaddingMask: masks.srcPaddingMask, needWeights: true, averageAttnWeights: options.averageHeads ?? true,
      });
      return weights!;
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Incremental decoding with cached keys and values

/**
 * The decoder run one position at a time for a batch of rows, keeping each layer's self-attention
 * keys/values of earlier positions and the cross-attention keys/values of the memory. Matches
 * `model.forward` in eval mode (dropout off): it is nn.TransformerDecoderLayer's arithmetic (post-norm or pre-norm).
 */
export class CachedDecoder implements DecodeStepper {
  readonly vocabSize: number;
  #rows: number;
  #pos = 0;
  readonly #model: Seq2SeqTransformer;
  readonly #layers: nn.TransformerDecoderLayer[];
  #memK: Tensor[];
  #memV: Tensor[];
  #memMask: Tensor;
  #selfK: (Tensor | null)[];
  #selfV: (Tensor | null)[];

  /** `src` [N, S] source ids (padded with [PAD]); the model should be in eval mode. */
  constructor(model: Seq2SeqTransformer, src: Tensor) {
    this.#model = model;
    this.vocabSize = model.config.tgtVocabSize;
    this.#layers = model.decoderLayers;
    const N = src.shape[0]!;
    this.#rows = N;
    const c = model.config;
    const H = c.nhead, hd = c.dModel / c.nhead, E = c.dModel;
    const { memK, memV, mask } = noGrad(() => {
      const padMask = src.eq(c.padId);
      const memory = model.encode(src, padMask);
      const S = memory.shape[1]!;
      const memK: Tensor[] = [];
      const memV: Tensor[] = [];
      for (const layer of this.#layers) {
        const w = layer.multihead_attn.in_proj_weight!;
        const b = layer.multihead_attn.in_proj_bias;
        const kv = linear(memory, w.narrow(0, E, 2 * E), b ? b.narrow(0, E, 2 * E) : null);
        const [k, v] = kv.chunk(2, -1) as [Tensor, Tensor];
        memK.push(k.reshape(N, S, H, hd).permute(0, 2, 1, 3).contiguous());
        memV.push(v.reshape(N, S, H, hd).permute(0, 2, 1, 3).contiguous());
      }
      const mask = where(padMask, -Infinity, 0).view(N, 1, 1, S).contiguous();
      return { memK, memV, mask };
    });
    this.#memK = memK;
    this.#memV = memV;
    this.#memMask = mask;
    this.#selfK = this.#layers.map(() => null);
    this.#selfV = this.#layers.map(() => null);
  }

  get rows(): number {
    return this.#rows;
  }

  /** Positions fed so far. */
  get position(): number {
    return this.#pos;
  }

  select(rows: Int32Array): void {
    const idx = Tensor.fromData(Int32Array.from(rows), [rows.length], 'int32');
    const pick = (t: Tensor) => t.indexSelect(0, idx);
    noGrad(() => {
      this.#memK = this.#memK.map(pick);
      this.#memV = this.#memV.map(pick);
      this.#memMask = pick(this.#memMask);
      this.#selfK = this.#selfK.map((t) => (t ? pick(t) : null));
      this.#selfV = this.#selfV.map((t) => (t ? pick(t) : null));
    });
    this.#rows = rows.length;
  }

  /** Log-probabilities [rows × vocab] of the token after `tokens` (one per row). */
  step(tokens: Int32Array): Float32Array {
    return this.stepLogits(tokens, true).dataSync() as Float32Array;
  }

  /** Logits (or log-probabilities) [rows, vocab] of the next token. */
  stepLogits(tokens: Int32Array, logProbs = false): Tensor {
    const N = this.#rows;
    if (tokens.length !== N) throw new Error(`CachedDecoder.step: ${tokens.length} tokens for ${N} rows`);
    const m = this.#model;
    const c = m.config;
    if (this.#pos >= c.maxLen + 2) throw new Error(`CachedDecoder.step: position ${this.#pos} is past the positional table (${c.maxLen + 2})`);
    const H = c.nhead, hd = c.dModel / c.nhead, E = c.dModel;
    return noGrad(() => {
      const ids = Tensor.fromData(Int32Array.from(tokens), [N, 1], 'int32');
      const pe = m.positional_encoding.pe.narrow(0, this.#pos, 1).view(1, 1, E);
      let x = m.tgt_tok_emb.call(ids).mul(Math.sqrt(E)).add(pe); // [N, 1, E]
      const heads = (t: Tensor) => t.reshape(N, 1, H, hd).permute(0, 2, 1, 3); // [N, H, 1, hd]
      const merge = (t: Tensor) => t.permute(0, 2, 1, 3).reshape(N, 1, E);
      this.#layers.forEach((layer, l) => {
        // masked self-attention: the new position attends to every cached position and itself
        const selfAttn = (y: Tensor): Tensor => {
          const sa = layer.self_attn;
          const [q, k, v] = linear(y, sa.in_proj_weight!, sa.in_proj_bias).chunk(3, -1) as [Tensor, Tensor, Tensor];
          const kAll = this.#selfK[l] ? cat([this.#selfK[l]!, heads(k)], 2) : heads(k).contiguous();
          const vAll = this.#selfV[l] ? cat([this.#selfV[l]!, heads(v)], 2) : heads(v).contiguous();
          this.#selfK[l] = kAll;
          this.#selfV[l] = vAll;
          return linear(merge(scaledDotProductAttention(heads(q), kAll, vAll)), sa.out_proj.weight, sa.out_proj.bias);
        };
        // encoder-decoder attention over the cached memory projections
        const crossAttn = (y: Tensor): Tensor => {
          const ca = layer.multihead_attn;
          const b = ca.in_proj_bias;
          const q = linear(y, ca.in_proj_weight!.narrow(0, 0, E), b ? b.narrow(0, 0, E) : null);
          const a = scaledDotProductAttention(heads(q), this.#memK[l]!, this.#memV[l]!, { attnMask: this.#memMask });
          return linear(merge(a), ca.out_proj.weight, ca.out_proj.bias);
        };
        const feedForward = (y: Tensor): Tensor => layer.linear2.call(layer.linear1.call(y).relu()) as Tensor;
        const norm = (n: nn.LayerNorm, y: Tensor) => n.call(y) as Tensor;
        if (layer.normFirst) {
          x = x.add(selfAttn(norm(layer.norm1, x)));
          x = x.add(crossAttn(norm(layer.norm2, x)));
          x = x.add(feedForward(norm(layer.norm3, x)));
        } else {
          x = norm(layer.norm1, x.add(selfAttn(x)));
          x = norm(layer.norm2, x.add(crossAttn(x)));
          x = norm(layer.norm3, x.add(feedForward(x)));
        }
      });
      const norm = (m.transformer.decoder as nn.TransformerDecoder).norm;
      if (norm) x = norm.call(x) as Tensor;
      const logits = (m.generator.call(x) as Tensor).view(N, c.tgtVocabSize);
      this.#pos++;
      return logProbs ? logSoftmax(logits, -1) : logits;
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Decoding source ids

/** Options of decoding: beam size, length penalty, maximum length. */
export interface DecodeOptions {
  /** Beam size; 1 (default) is greedy decoding. */
  beam?: number;
  /** GNMT length penalty α for beam search (default 0.6; 0 = plain log-probability). */
  lengthPenalty?: number;
  /** Most output tokens per sentence (default min(maxLen, 2·source length + 10)). */
  maxLength?: number;
  /** Sentences decoded together (default 64). */
  batchSize?: number;
}

/** Default output limit for a source of `srcLen` tokens. */
export function defaultMaxLength(config: Seq2SeqConfig, srcLen: number): number {
  return Math.min(config.maxLen, 2 * srcLen + 10);
}

/**
 * Decode source id sequences (each ending in [EOS], no padding) with greedy or beam search.
 * Batches of similar length are decoded together; results come back in input order.
 */
export function decodeIds(model: Seq2SeqTransformer, sources: readonly (readonly number[])[], options: DecodeOptions = {}): Hypothesis[] {
  const c = model.config;
  const beam = options.beam ?? 1;
  if (!Number.isInteger(beam) || beam < 1) throw new Error(`decode: beam must be a positive integer, got ${beam}`);
  const batchSize = Math.max(1, Math.floor((options.batchSize ?? 64) / (beam > 1 ? beam : 1)));
  const wasTraining = model.training;
  model.eval();
  try {
    const order = sources.map((_, i) => i).sort((a, b) => sources[a]!.length - sources[b]!.length || a - b);
    const out: Hypothesis[] = new Array(sources.length);
    for (let start = 0; start < order.length; start += batchSize) {
      const idx = order.slice(start, start + batchSize);
      const rows = idx.map((i) => sources[i]!);
      for (const r of rows) {
        if (r.length === 0) throw new Error('decode: an empty source (it should at least hold [EOS])');
        if (r.length > c.maxLen + 1) throw new Error(`decode: a source of ${r.length} tokens is longer than the model takes (${c.maxLen} + [EOS])`);
      }
      const stepper = new CachedDecoder(model, padBatch(rows, c.padId));
      const maxLength = rows.map((r) => Math.min(options.maxLength ?? defaultMaxLength(c, r.length), c.maxLen));
      const search = { bosId: c.bosId, eosId: c.eosId, maxLength };
      const hyps = beam === 1 ? greedySearch(stepper, rows.length, search) : beamSearch(stepper, rows.length, { ...search, beamSize: beam, lengthPenalty: options.lengthPenalty });
      hyps.forEach((h, j) => (out[idx[j]!] = h));
    }
    return out;
  } finally {
    model.train(wasTraining);
  }
}

/** Log-probability of a given output (without [BOS]/[EOS]; [EOS] is scored) under the model, by one teacher-forced pass. */
export function scoreIds(model: Seq2SeqTransformer, source: readonly number[], output: readonly number[]): number {
  const c = model.config;
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(() => {
      const src = padBatch([source], c.padId);
      const tgtIn = padBatch([[c.bosId, ...output]], c.padId);
      const logp = logSoftmax(model.forward(src, tgtIn), -1).dataSync() as Float32Array;
      const V = c.tgtVocabSize;
      let total = 0;
      [...output, c.eosId].forEach((tok, t) => (total += logp[t * V + tok]!));
      return total;
    });
  } finally {
    model.train(wasTraining);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Training batches

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

// ---------------------------------------------------------------------------------------------------------------
// Tokenizers and the Translator bundle

/** Options of `trainTokenizers`: vocabulary size and BPE settings. */
export interface TokenizerOptions {
  /** BPE vocabulary size per language (or of the one shared vocabulary). */
  vocabSize: number;
  /** One vocabulary for both languages (trained on both sides). Default false. */
  shared?: boolean;
  /** Minimum pair frequency of a merge (default 2). */
  minFrequency?: number;
}

/** Byte-level BPE tokenizers (specials [PAD] [UNK] [BOS] [EOS]) trained on the given pairs. */
export function trainTokenizers(pairs: readonly TextPair[], options: TokenizerOptions): { src: BpeTokenizer; tgt: BpeTokenizer } {
  const train = (texts: string[]) => BpeTokenizer.train(texts, { vocabSize: options.vocabSize, minFrequency: options.minFrequency ?? 2, specials: TRANSLATION_SPECIALS, mode: 'byteLevel' });
  if (options.shared) {
    const tok = train([...pairs.map((p) => p.source), ...pairs.map((p) => p.target)]);
    return { src: tok, tgt: tok };
  }
  return { src: train(pairs.map((p) => p.source)), tgt: train(pairs.map((p) => p.target)) };
}

/** The format name a translator's safetensors metadata carries. */
export const TRANSLATOR_FORMAT = 'nabla-translator-v1';

/** A translation and its score. */
export interface Translation {
  source: string;
  translation: string;
  /** Output token ids (no specials). */
  ids: number[];
  logProb: number;
  /** The length limit cut the output. */
  truncated: boolean;
}

/** The encoder-decoder attention of one translation: tokens on both sides and the weights. */
export interface AttentionMap {
  translation: string;
  /** Source token texts, ending with [EOS]. */
  sourceTokens: string[];
  /** Target token texts: what each decoder position produced, ending with [EOS]. */
  targetTokens: string[];
  /** [targetTokens.length][sourceTokens.length], each row sums to 1. */
  weights: number[][];
}

/** Thrown when a sentence is longer than the model's maximum length. */
export class SentenceTooLongError extends Error {}

/** A trained translation model with its tokenizers. */
export class Translator {
  readonly model: Seq2SeqTransformer;
  readonly srcTokenizer: BpeTokenizer;
  readonly tgtTokenizer: BpeTokenizer;

  constructor(model: Seq2SeqTransformer, srcTokenizer: BpeTokenizer, tgtTokenizer: BpeTokenizer) {
    const c = model.config;
    for (const [side, tok, size] of [['source', srcTokenizer, c.srcVocabSize], ['target', tgtTokenizer, c.tgtVocabSize]] as const) {
      if (tok.vocabSize !== size) throw new Error(`Translator: the ${side} tokenizer has ${tok.vocabSize} tokens but the model ${size}`);
      const v = tok.vocab;
      if (v.padId !== c.padId || v.bosId !== c.bosId || v.eosId !== c.eosId) {
        throw new Error(`Translator: the ${side} tokenizer's [PAD]/[BOS]/[EOS] ids (${v.padId}/${v.bosId}/${v.eosId}) differ from the model's (${c.padId}/${c.bosId}/${c.eosId})`);
      }
    }
    this.model = model;
    this.srcTokenizer = srcTokenizer;
    this.tgtTokenizer = tgtTokenizer;
  }

  /** A new (untrained) model for these tokenizers. */
  static create(srcTokenizer: BpeTokenizer, tgtTokenizer: BpeTokenizer, options: Omit<Seq2SeqConfig, 'srcVocabSize' | 'tgtVocabSize' | 'padId' | 'bosId' | 'eosId'>): Translator {
    const v = tgtTokenizer.vocab;
    const config: Seq2SeqConfig = { ...options, srcVocabSize: srcTokenizer.vocabSize, tgtVocabSize: tgtTokenizer.vocabSize, padId: v.padId, bosId: v.bosId, eosId: v.eosId };
    return new Translator(new Seq2SeqTransformer(config), srcTokenizer, tgtTokenizer);
  }

  get config(): Readonly<Seq2SeqConfig> {
    return this.model.config;
  }

  get sharedVocab(): boolean {
    return this.srcTokenizer === this.tgtTokenizer || this.srcTokenizer.toJSONString() === this.tgtTokenizer.toJSONString();
  }

  /** Source ids with [EOS]; a SentenceTooLongError past maxLen tokens. */
  encodeSource(text: string): number[] {
    const ids = this.srcTokenizer.encode(text);
    if (ids.length > this.config.maxLen) {
      throw new SentenceTooLongError(`the sentence is ${ids.length} subword tokens long; this model takes at most ${this.config.maxLen} (the --max-len it was trained with): split it into shorter sentences`);
    }
    return [...ids, this.config.eosId];
  }

  /** Pairs as ids (source with [EOS], target without specials). */
  encodePair(pair: TextPair): EncodedPair {
    return { src: [...this.srcTokenizer.encode(pair.source), this.config.eosId], tgt: this.tgtTokenizer.encode(pair.target) };
  }

  /** Translate sentences (greedy with beam 1, the default; beam search otherwise). */
  translateBatch(sentences: readonly string[], options: DecodeOptions = {}): Translation[] {
    const ids = sentences.map((s) => this.encodeSource(s));
    return decodeIds(this.model, ids, options).map((h, i) => ({
      source: sentences[i]!,
      translation: this.tgtTokenizer.decode(h.tokens).trim(),
      ids: h.tokens,
      logProb: h.logProb,
      truncated: h.truncated,
    }));
  }

  translate(sentence: string, options: DecodeOptions = {}): string {
    return this.translateBatch([sentence], options)[0]!.translation;
  }

  /** Readable text of one token (byte-level BPE pieces decoded, specials by name). */
  tokenText(tokenizer: BpeTokenizer, id: number): string {
    if (tokenizer.isSpecialId(id)) return tokenizer.idToToken(id);
    return tokenizer.decode([id]);
  }

  /**
   * Translate one sentence and return the last decoder layer's encoder-decoder attention (averaged
   * over heads) for the produced output: rows are the produced target tokens (then [EOS]), columns
   * the source tokens (then [EOS]).
   */
  attention(sentence: string, options: DecodeOptions = {}): AttentionMap {
    const src = this.encodeSource(sentence);
    const [hyp] = decodeIds(this.model, [src], options);
    const c = this.config;
    const tgtIn = [c.bosId, ...hyp!.tokens];
    const wasTraining = this.model.training;
    this.model.eval();
    let w: Tensor;
    try {
      w = this.model.crossAttention(padBatch([src], c.padId), padBatch([tgtIn], c.padId));
    } finally {
      this.model.train(wasTraining);
    }
    const T = tgtIn.length, S = src.length;
    const data = w.contiguousData() as Float32Array;
    const weights = Array.from({ length: T }, (_, t) => Array.from(data.subarray(t * S, (t + 1) * S)));
    return {
      translation: this.tgtTokenizer.decode(hyp!.tokens).trim(),
      sourceTokens: src.map((id) => this.tokenText(this.srcTokenizer, id)),
      targetTokens: [...hyp!.tokens, c.eosId].map((id) => this.tokenText(this.tgtTokenizer, id)),
      weights,
    };
  }

  /** Tensors and metadata of a safetensors file holding everything needed to translate. */
  toSafetensors(extra: Record<string, string> = {}): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
    const shared = this.sharedVocab;
    return {
      tensors: this.model.stateDict(),
      metadata: {
        ...extra,
        format: TRANSLATOR_FORMAT,
        config: JSON.stringify(this.config),
        srcTokenizer: this.srcTokenizer.toJSONString(),
        ...(shared ? {} : { tgtTokenizer: this.tgtTokenizer.toJSONString() }),
        sharedVocab: String(shared),
      },
    };
  }

  /** The inverse of toSafetensors (the model comes back in eval mode). */
  static fromSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string>, name = 'weights'): Translator {
    if (metadata.format !== TRANSLATOR_FORMAT || !metadata.config || !metadata.srcTokenizer) {
      throw new Error(`${name} is not a translation model of \`nabla train translate\` (its metadata has format ${JSON.stringify(metadata.format ?? null)}, expected "${TRANSLATOR_FORMAT}" with config and tokenizers)`);
    }
    const config = JSON.parse(metadata.config) as Seq2SeqConfig;
    const src = BpeTokenizer.fromJSON(metadata.srcTokenizer);
    const tgt = metadata.sharedVocab === 'true' || !metadata.tgtTokenizer ? src : BpeTokenizer.fromJSON(metadata.tgtTokenizer);
    const model = new Seq2SeqTransformer(config);
    model.loadStateDict(tensors);
    model.eval();
    return new Translator(model, src, tgt);
  }
}
