/**
 * Decoding a translation model: greedy or beam search (./beam-search.ts) over the decoder run one
 * position at a time with cached keys and values (nn.TransformerDecoder.step), O(T) per sentence
 * instead of re-running the whole prefix.
 */
import { Tensor } from '../tensor/tensor.js';
import { noGrad } from '../autograd/grad-mode.js';
import { checkOptions, NON_NEGATIVE_INTEGER, POSITIVE_INTEGER } from '../util/options.js';
import { logSoftmax } from '../ops/activation.js';
import type * as nn from '../nn/index.js';
import { beamSearch, greedySearch, type DecodeStepper, type Hypothesis } from './beam-search.js';
import { padBatch, type Seq2SeqConfig, type Seq2SeqTransformer } from './translator-model.js';

/**
 * The model's decoder run one position at a time for a batch of rows (nn.TransformerDecoder.step
 * with one KeyValueCache per layer). Matches `model.forward` in eval mode.
 */
export class CachedDecoder implements DecodeStepper {
  readonly vocabSize: number;
  #rows: number;
  #pos = 0;
  readonly #model: Seq2SeqTransformer;
  readonly #decoder: nn.TransformerDecoder;
  readonly #caches: nn.KeyValueCache[];

  /** `src` [N, S] source ids (padded with [PAD]); the model should be in eval mode. */
  constructor(model: Seq2SeqTransformer, src: Tensor) {
    this.#model = model;
    this.vocabSize = model.config.tgtVocabSize;
    this.#rows = src.shape[0]!;
    this.#decoder = model.transformer.decoder as nn.TransformerDecoder;
    this.#caches = noGrad(() => {
      const padMask = src.eq(model.config.padId);
      return this.#decoder.createCache(model.encode(src, padMask), { memoryKeyPaddingMask: padMask });
    });
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
    for (const cache of this.#caches) cache.select(idx);
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
    return noGrad(() => {
      const ids = Tensor.fromData(Int32Array.from(tokens), [N, 1], 'int32');
      const x = this.#decoder.step(m.embedTarget(ids, this.#pos), null, this.#caches);
      const logits = (m.generator.call(x) as Tensor).view(N, c.tgtVocabSize);
      this.#pos++;
      return logProbs ? logSoftmax(logits, -1) : logits;
    });
  }
}

/** Options of decoding: beam size, length penalty, stopping, repeated n-grams, maximum length. */
export interface DecodeOptions {
  /** Beam size; 1 (default) is greedy decoding. */
  beam?: number;
  /** GNMT length penalty α for beam search (default 1; 0 = plain log-probability). */
  lengthPenalty?: number;
  /** Most output tokens per sentence (default min(maxLen, 2·source length + 10)). */
  maxLength?: number;
  /** Sentences decoded together (default 64). */
  batchSize?: number;
  /** Never produce an n-gram of this size twice in one output (0, the default: allowed). */
  noRepeatNgramSize?: number;
  /** Beam search stops a sentence once beam hypotheses have finished (default false: see BeamSearchOptions.earlyStopping). */
  earlyStopping?: boolean;
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
  checkOptions('decode', options, {
    beam: POSITIVE_INTEGER, lengthPenalty: 'number', maxLength: POSITIVE_INTEGER, batchSize: POSITIVE_INTEGER,
    noRepeatNgramSize: NON_NEGATIVE_INTEGER, earlyStopping: 'boolean',
  }, { num_beams: 'beam', length_penalty: 'lengthPenalty', max_length: 'maxLength', no_repeat_ngram_size: 'noRepeatNgramSize', early_stopping: 'earlyStopping' });
  const c = model.config;
  const beam = options.beam ?? 1;
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
      const search = { bosId: c.bosId, eosId: c.eosId, maxLength, noRepeatNgramSize: options.noRepeatNgramSize };
      const hyps = beam === 1
        ? greedySearch(stepper, rows.length, search)
        : beamSearch(stepper, rows.length, { ...search, beamSize: beam, lengthPenalty: options.lengthPenalty, earlyStopping: options.earlyStopping });
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
