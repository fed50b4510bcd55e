/**
 * The course's translation example: a sequence-to-sequence Transformer (./translator-model.ts),
 * its training batches (./translator-batching.ts), greedy and beam-search decoding with cached keys
 * and values (./translator-decode.ts, ./beam-search.ts), and here the `Translator` facade.
 *
 * `Translator` bundles the model with its source and target subword tokenizers (BPE from
 * src/text, trained on the training split) and stores everything in one safetensors file: the
 * weights as tensors, the config and both tokenizer.json documents in the metadata.
 */
import type { Tensor } from '../tensor/tensor.js';
import { BpeTokenizer } from '../text/bpe.js';
import type { TextPair } from '../text/pairs.js';
import { padBatch, Seq2SeqTransformer, TRANSLATION_SPECIALS, type Seq2SeqConfig } from './translator-model.js';
import { decodeIds, type DecodeOptions } from './translator-decode.js';
import type { EncodedPair } from './translator-batching.js';
import { checkOptions, POSITIVE_INTEGER } from '../util/options.js';

export { beamSearch, greedySearch, gnmtLengthPenalty, type DecodeStepper, type Hypothesis } from './beam-search.js';
export { TRANSLATION_SPECIALS, padBatch, Seq2SeqTransformer, type Seq2SeqConfig, type Seq2SeqMasks } from './translator-model.js';
export { CachedDecoder, decodeIds, scoreIds, defaultMaxLength, type DecodeOptions } from './translator-decode.js';
export { makeBatch, bucketBatches, batchLoss, type EncodedPair, type Batch } from './translator-batching.js';

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
  checkOptions('trainTokenizers', options, { vocabSize: POSITIVE_INTEGER, shared: 'boolean', minFrequency: POSITIVE_INTEGER }, { vocab_size: 'vocabSize', min_frequency: 'minFrequency' });
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
    checkOptions('Translator.create', options, {
      dModel: POSITIVE_INTEGER, nhead: POSITIVE_INTEGER, numEncoderLayers: POSITIVE_INTEGER, numDecoderLayers: POSITIVE_INTEGER,
      dimFeedforward: POSITIVE_INTEGER, dropout: 'number', maxLen: POSITIVE_INTEGER, normFirst: 'boolean',
    }, { d_model: 'dModel', num_encoder_layers: 'numEncoderLayers', num_decoder_layers: 'numDecoderLayers', dim_feedforward: 'dimFeedforward', norm_first: 'normFirst' });
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
