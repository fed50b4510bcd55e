/**
 * The model of the course's translation example, shaped like PyTorch's "Language translation with
 * nn.Transformer" tutorial (`Seq2SeqTransformer`: src_tok_emb, tgt_tok_emb, positional_encoding,
 * transformer, generator):
 *
 *   source ids ─ Embedding·√dModel ─ + sinusoids ─ encoder (self-attention + feed-forward) ─ memory
 *   [BOS] y1 y2 … ─ Embedding·√dModel ─ + sinusoids ─ decoder (masked self-attention,
 *                   encoder-decoder attention over memory, feed-forward) ─ generator Linear ─ next-token logits
 *
 * Masks: a key-padding mask from [PAD] on both sides (and on the memory), and the causal mask
 * `Transformer.generateSquareSubsequentMask` on the target, so position t sees targets < t only.
 */
import { Tensor } from '../tensor/tensor.js';
import { noGrad } from '../autograd/grad-mode.js';
import * as nn from '../nn/index.js';
import { normal_ } from '../nn/init.js';
import type { SpecialTokens } from '../text/vocab.js';

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

  /** Embedded target with positions: [B, T] ids -> [B, T, d]; `offset` is the position of the first column (incremental decoding). */
  embedTarget(tgt: Tensor, offset = 0): Tensor {
    return this.positional_encoding.call(this.tgt_tok_emb.call(tgt).mul(this.#scale), offset) as Tensor;
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
