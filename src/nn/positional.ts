/**
 * Positional encodings for Transformers: the fixed sinusoids of "Attention Is All You Need"
 * (compatible with the PyTorch tutorial's PositionalEncoding: the same persistent buffer `pe` of
 * shape [maxLen, 1, dModel], the same float32 arithmetic, dropout after the sum) and a learned table.
 *
 *   PE(pos, 2i)   = sin(pos / 10000^(2i / dModel))
 *   PE(pos, 2i+1) = cos(pos / 10000^(2i / dModel))
 */
import { checkOptions } from '../util/options.js';
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { Dropout } from './dropout.js';
import { normal_ } from './init.js';
import { pyBool, pyFloat } from './repr.js';

/** Options of PositionalEncoding: dropout and maximum length. */
export interface PositionalEncodingOptions {
  /** Longest sequence supported (default 5000, as the PyTorch tutorial). */
  maxLen?: number;
  /** Dropout applied to x + PE (default 0.1, as the tutorial). */
  dropout?: number;
  /** Inputs are [batch, seq, dModel] instead of the tutorial's [seq, batch, dModel] (default false). */
  batchFirst?: boolean;
}

/** The [maxLen, dModel] sinusoid table, computed in float32 exactly as the PyTorch tutorial does. */
export function sinusoidTable(maxLen: number, dModel: number): Float32Array {
  const f = Math.fround;
  const table = new Float32Array(maxLen * dModel);
  const factor = f(-Math.log(10000) / dModel);
  const half = Math.ceil(dModel / 2);
  const divTerm = new Float32Array(half);
  for (let i = 0; i < half; i++) divTerm[i] = f(Math.exp(f(2 * i * factor)));
  for (let pos = 0; pos < maxLen; pos++) {
    const row = pos * dModel;
    for (let i = 0; i < half; i++) {
      const angle = f(pos * divTerm[i]!);
      table[row + 2 * i] = Math.sin(angle);
      if (2 * i + 1 < dModel) table[row + 2 * i + 1] = Math.cos(angle);
    }
  }
  return table;
}

function checkInput(where: string, x: Tensor, dModel: number, maxLen: number, batchFirst: boolean): number {
  if (!(x instanceof Tensor)) throw new Error(`${where}: expected a Tensor, got ${x === null ? 'null' : typeof x}`);
  if (x.ndim < 2 || x.shape[x.ndim - 1] !== dModel) throw new Error(`${where}: expected input [..., ${dModel}] (${batchFirst ? '[batch, seq, dModel]' : '[seq, batch, dModel]'}), got ${formatShape(x.shape)}`);
  const seqLen = batchFirst && x.ndim === 3 ? x.shape[1]! : x.shape[0]!;
  if (seqLen > maxLen) throw new Error(`${where}: sequence length ${seqLen} is longer than maxLen ${maxLen}`);
  return seqLen;
}

/** x + PE[:seq] then dropout, with PE a persistent buffer `pe` [maxLen, 1, dModel] (the PyTorch tutorial's). */
export class SinusoidalPositionalEncoding extends Module {
  dropout: Dropout;
  readonly dModel: number;
  readonly maxLen: number;
  readonly batchFirst: boolean;
  declare readonly pe: Tensor;

  constructor(dModel: number, options: PositionalEncodingOptions = {}) {
    super();
    checkOptions('SinusoidalPositionalEncoding', options, { maxLen: 'integer', dropout: 'number', batchFirst: 'boolean' });
    const { maxLen = 5000, dropout = 0.1, batchFirst = false } = options;
    if (!Number.isInteger(dModel) || dModel <= 0) throw new Error(`SinusoidalPositionalEncoding: dModel must be a positive integer, got ${dModel}`);
    if (!Number.isInteger(maxLen) || maxLen <= 0) throw new Error(`SinusoidalPositionalEncoding: maxLen must be a positive integer, got ${maxLen}`);
    this.dropout = new Dropout(dropout);
    this.dModel = dModel;
    this.maxLen = maxLen;
    this.batchFirst = batchFirst;
    this.registerBuffer('pe', Tensor.fromData(sinusoidTable(maxLen, dModel), [maxLen, 1, dModel], 'float32'));
  }

  /** x [seq, batch, dModel] (or [batch, seq, dModel] with batchFirst, or [seq, dModel]) -> dropout(x + PE). */
  /** `offset`: the position of x's first element (incremental decoding feeds later positions alone). */
  override forward(x: Tensor, offset = 0): Tensor {
    const seqLen = checkInput('SinusoidalPositionalEncoding', x, this.dModel, this.maxLen, this.batchFirst);
    if (!Number.isInteger(offset) || offset < 0) throw new Error(`SinusoidalPositionalEncoding: offset must be a non-negative integer, got ${offset}`);
    if (offset + seqLen > this.maxLen) throw new Error(`SinusoidalPositionalEncoding: positions ${offset}..${offset + seqLen - 1} go past maxLen ${this.maxLen}`);
    let pe = this.pe.narrow(0, offset, seqLen);
    if (x.ndim === 2) pe = pe.squeeze(1);
    else if (this.batchFirst) pe = pe.transpose(0, 1);
    return this.dropout.call(x.add(pe));
  }

  override extraRepr(): string {
    return `d_model=${this.dModel}, max_len=${this.maxLen}, batch_first=${pyBool(this.batchFirst)}`;
  }
}

/** x + W[:seq] then dropout, with W a learned [maxLen, dModel] table (`weight`, N(0, 1) like nn.Embedding). */
export class LearnedPositionalEmbedding extends Module {
  weight: Parameter;
  dropout: Dropout;
  readonly dModel: number;
  readonly maxLen: number;
  readonly batchFirst: boolean;

  constructor(maxLen: number, dModel: number, options: Omit<PositionalEncodingOptions, 'maxLen'> & { std?: number } = {}) {
    super();
    checkOptions('LearnedPositionalEmbedding', options, { dropout: 'number', batchFirst: 'boolean', std: 'number' });
    const { dropout = 0.1, batchFirst = false, std = 1 } = options;
    if (!Number.isInteger(dModel) || dModel <= 0) throw new Error(`LearnedPositionalEmbedding: dModel must be a positive integer, got ${dModel}`);
    if (!Number.isInteger(maxLen) || maxLen <= 0) throw new Error(`LearnedPositionalEmbedding: maxLen must be a positive integer, got ${maxLen}`);
    this.weight = new Parameter(Tensor.empty([maxLen, dModel]));
    normal_(this.weight, 0, std);
    this.dropout = new Dropout(dropout);
    this.dModel = dModel;
    this.maxLen = maxLen;
    this.batchFirst = batchFirst;
  }

  /** x [seq, batch, dModel] (or [batch, seq, dModel] with batchFirst, or [seq, dModel]) -> dropout(x + W[:seq]). */
  override forward(x: Tensor): Tensor {
    const seqLen = checkInput('LearnedPositionalEmbedding', x, this.dModel, this.maxLen, this.batchFirst);
    const table = this.weight.narrow(0, 0, seqLen);
    const pos = x.ndim === 2 || this.batchFirst ? table : table.unsqueeze(1);
    return this.dropout.call(x.add(pos));
  }

  override extraRepr(): string {
    return `${this.maxLen}, ${this.dModel}, batch_first=${pyBool(this.batchFirst)}, dropout=${pyFloat(this.dropout.p)}`;
  }
}
