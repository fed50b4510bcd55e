/**
 * Recurrent layers with PyTorch's semantics: RNN (tanh or relu), LSTM (optionally projected), GRU,
 * and the single-step cells RNNCell, LSTMCell, GRUCell.
 *
 * Parameter names, shapes, gate order (LSTM i,f,g,o; GRU r,z,n) and the default initialisation
 * U(-1/√hidden, 1/√hidden) are PyTorch's, so a PyTorch state dict loads unchanged. Each layer (both
 * directions) runs as one fused op (ops/rnn.ts): one autograd node for the whole sequence.
 */
import { checkOptions } from '../util/options.js';
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { dropout } from '../ops/dropout.js';
import { cat } from '../ops/join.js';
import { indexSelect } from '../ops/indexing.js';
import { narrow, reshape, squeeze, unsqueeze } from '../ops/shape.js';
import { recurrentLayer, type RecurrentMode, type RecurrentWeights } from '../ops/rnn.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { uniform_ } from './init.js';
import { pyBool, pyFloat } from './repr.js';
import { PackedSequence, packedRowIndex, padPackedSequence } from './rnn-utils.js';

/** Options shared by RNN, LSTM and GRU: layers, bias, batchFirst, dropout, bidirectional. */
export interface RNNBaseOptions {
  /** Stacked layers (default 1); layer l > 0 reads layer l-1's output. */
  numLayers?: number;
  /** Use b_ih and b_hh (default true). */
  bias?: boolean;
  /** Input and output are [batch, seq, feature] (default false: [seq, batch, feature]). States stay [layers*dirs, batch, hidden]. */
  batchFirst?: boolean;
  /** Dropout probability on each layer's output except the last, in training mode (default 0). */
  dropout?: number;
  /** Also run each layer backwards in time and concatenate the two outputs (default false). */
  bidirectional?: boolean;
}

/** Options of nn.RNN: those of every recurrent layer and the nonlinearity. */
export interface RNNOptions extends RNNBaseOptions {
  nonlinearity?: 'tanh' | 'relu';
}

/** Options of nn.LSTM: those of every recurrent layer and the projection size. */
export interface LSTMOptions extends RNNBaseOptions {
  /** Project h to this size with W_hr (default 0: no projection); must be smaller than hiddenSize. */
  projSize?: number;
}

function checkSize(op: string, name: string, n: number, min = 1): void {
  if (!Number.isInteger(n) || n < min) throw new Error(`${op}: ${name} must be an integer >= ${min}, got ${n}`);
}

const warned = new Set<string>();

/** The common part of RNN, LSTM and GRU. */
export class RNNBase extends Module {
  readonly mode: RecurrentMode;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly projSize: number;

  constructor(mode: RecurrentMode, inputSize: number, hiddenSize: number, options: RNNBaseOptions & { projSize?: number } = {}) {
    super();
    const op = mode === 'lstm' ? 'LSTM' : mode === 'gru' ? 'GRU' : 'RNN';
    checkOptions(op, options, { numLayers: 'integer', bias: 'boolean', batchFirst: 'boolean', dropout: 'number', bidirectional: 'boolean', projSize: 'integer', ...(op === 'RNN' ? { nonlinearity: ['tanh', 'relu'] } : {}) });
    checkSize(op, 'inputSize', inputSize, 0);
    checkSize(op, 'hiddenSize', hiddenSize);
    const numLayers = options.numLayers ?? 1;
    checkSize(op, 'numLayers', numLayers);
    const p = options.dropout ?? 0;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
      throw new Error(`${op}: dropout should be a number in range [0, 1] representing the probability of an element being zeroed, got ${p}`);
    }
    if (p > 0 && numLayers === 1 && !warned.has(op)) {
      warned.add(op);
      console.warn(`nabla: ${op}: dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects numLayers greater than 1, but got dropout=${p} and numLayers=1`);
    }
    const projSize = options.projSize ?? 0;
    checkSize(op, 'projSize', projSize, 0);
    if (projSize > 0 && mode !== 'lstm') throw new Error(`${op}: projSize argument is only supported for LSTM, not RNN or GRU`);
    if (projSize >= hiddenSize) throw new Error(`${op}: projSize has to be smaller than hiddenSize (got projSize=${projSize}, hiddenSize=${hiddenSize})`);
    this.mode = mode;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = numLayers;
    this.bias = options.bias ?? true;
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = p;
    this.bidirectional = options.bidirectional ?? false;
    this.projSize = projSize;
    const G = mode === 'lstm' ? 4 : mode === 'gru' ? 3 : 1;
    const D = this.bidirectional ? 2 : 1;
    const realHidden = projSize > 0 ? projSize : hiddenSize;
    for (let l = 0; l < numLayers; l++) {
      for (let d = 0; d < D; d++) {
        const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
        const layerInput = l === 0 ? inputSize : realHidden * D;
        this.registerParameter(`weight_ih${sfx}`, new Parameter(Tensor.empty([G * hiddenSize, layerInput])));
        this.registerParameter(`weight_hh${sfx}`, new Parameter(Tensor.empty([G * hiddenSize, realHidden])));
        if (this.bias) {
          this.registerParameter(`bias_ih${sfx}`, new Parameter(Tensor.empty([G * hiddenSize])));
          this.registerParameter(`bias_hh${sfx}`, new Parameter(Tensor.empty([G * hiddenSize])));
        }
        if (projSize > 0) this.registerParameter(`weight_hr${sfx}`, new Parameter(Tensor.empty([projSize, hiddenSize])));
      }
    }
    this.resetParameters();
  }

  /** PyTorch's init: every weight and bias U(-1/√hiddenSize, 1/√hiddenSize), in parameter order. */
  resetParameters(): void {
    const stdv = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) uniform_(p, -stdv, stdv);
  }

  protected get directions(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** Size of h: projSize when projecting, else hiddenSize. */
  protected get outputHidden(): number {
    return this.projSize > 0 ? this.projSize : this.hiddenSize;
  }

  private param(name: string): Parameter | null {
    return (this as unknown as Record<string, Parameter | null | undefined>)[name] ?? null;
  }

  /** The parameters of layer l, direction d, under PyTorch's names. */
  layerWeights(l: number, d: number): RecurrentWeights {
    const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
    return {
      weightIh: this.param(`weight_ih${sfx}`)!,
      weightHh: this.param(`weight_hh${sfx}`)!,
      biasIh: this.param(`bias_ih${sfx}`),
      biasHh: this.param(`bias_hh${sfx}`),
      weightHr: this.param(`weight_hr${sfx}`),
    };
  }

  /** PyTorch's all_weights: per layer and direction, [w_ih, w_hh, (b_ih, b_hh), (w_hr)]. */
  get allWeights(): Parameter[][] {
    const out: Parameter[][] = [];
    for (let l = 0; l < this.numLayers; l++) {
      for (let d = 0; d < this.directions; d++) {
        const w = this.layerWeights(l, d);
        out.push([w.weightIh, w.weightHh, w.biasIh, w.biasHh, w.weightHr].filter((p): p is Parameter => p instanceof Parameter));
      }
    }
    return out;
  }

  /** PyTorch's cuDNN weight compaction; nabla's weights are always usable as they are, so this does nothing. */
  flattenParameters(): void {}

  protected get opName(): string {
    return this.constructor.name;
  }

  /**
   * Runs every layer. Returns the output in the input's form (Tensor or PackedSequence) and the
   * final states [numLayers*D, B, *] (unbatched: [numLayers*D, *]).
   */
  protected runLayers(input: Tensor | PackedSequence, h0: Tensor | null, c0: Tensor | null): { output: Tensor | PackedSequence; hN: Tensor; cN: Tensor | null } {
    const op = this.opName;
    const D = this.directions, L = this.numLayers, P = this.outputHidden, H = this.hiddenSize;
    const lstm = this.mode === 'lstm';
    let x: Tensor;
    let lengths: number[] | null = null;
    let packed: PackedSequence | null = null;
    let batchFirst = this.batchFirst;
    let unbatched = false;
    if (input instanceof PackedSequence) {
      packed = input;
      // the op takes per-sequence lengths in batch order: unpack to [T, B, *] in the original order
      const [padded, lens] = padPackedSequence(input);
      x = padded;
      lengths = Array.from(lens.contiguousData());
      batchFirst = false;
    } else {
      if (!(input instanceof Tensor)) throw new Error(`${op}: expected input to be a Tensor or a PackedSequence, got ${input === null ? 'null' : typeof input}`);
      if (input.ndim !== 2 && input.ndim !== 3) throw new Error(`${op}: Expected input to be 2-D or 3-D but received ${input.ndim}-D tensor (shape ${formatShape(input.shape)})`);
      x = input;
      if (input.ndim === 2) {
        unbatched = true;
        x = unsqueeze(input, batchFirst ? 0 : 1);
      }
    }
    if (x.shape[2] !== this.inputSize) {
      throw new Error(`${op}: input.size(-1) must be equal to inputSize. Expected ${this.inputSize}, got ${x.shape[2]} (input shape ${formatShape(packed ? packed.data.shape : (input as Tensor).shape)})`);
    }
    const B = batchFirst ? x.shape[0] : x.shape[1];
    const checkState = (name: string, s: Tensor | null, size: number): Tensor | null => {
      if (!s) return null;
      if (!(s instanceof Tensor)) throw new Error(`${op}: expected ${name} to be a Tensor, got ${typeof s}`);
      if (unbatched) {
        if (s.ndim !== 2) throw new Error(`${op}: For unbatched 2-D input, ${name} should also be 2-D but got ${s.ndim}-D tensor (shape ${formatShape(s.shape)})`);
        s = unsqueeze(s, 1);
      } else if (s.ndim !== 3) {
        throw new Error(`${op}: For batched 3-D input, ${name} should also be 3-D but got ${s.ndim}-D tensor (shape ${formatShape(s.shape)})`);
      }
      const expected = [L * D, B, size];
      if (s.shape.join() !== expected.join()) {
        throw new Error(`${op}: Expected ${name} size ${formatShape(unbatched ? [L * D, size] : expected)}, got ${formatShape(unbatched ? [s.shape[0], s.shape[2]] : s.shape)}`);
      }
      return s;
    };
    const h = checkState('h0', h0, P);
    const c = checkState('c0', c0, H);
    if (lstm && (h === null) !== (c === null)) throw new Error(`${op}: give both h0 and c0, or neither`);

    const hs: Tensor[] = [], cs: Tensor[] = [];
    let layerInput = x;
    for (let l = 0; l < L; l++) {
      const weights = Array.from({ length: D }, (_, d) => this.layerWeights(l, d));
      const res = recurrentLayer(this.mode, layerInput, weights,
        h ? narrow(h, 0, l * D, D) : null, c ? narrow(c, 0, l * D, D) : null, { batchFirst, lengths });
      layerInput = res.output;
      if (l < L - 1 && this.dropout > 0 && this.training) layerInput = dropout(layerInput, this.dropout, true);
      hs.push(res.hN);
      if (res.cN) cs.push(res.cN);
    }
    let hN = L === 1 ? hs[0] : cat(hs, 0);
    let cN = lstm ? (L === 1 ? cs[0] : cat(cs, 0)) : null;
    let output: Tensor | PackedSequence = layerInput;
    if (packed) {
      const T = layerInput.shape[0];
      const rows = reshape(layerInput, [T * B, D * P]);
      const index = packedRowIndex(packed.batchSizes.contiguousData(), packed.sortedOrder(), T, B, false);
      output = packed.withData(indexSelect(rows, 0, Tensor.fromData(index, [index.length], 'int32')));
    } else if (unbatched) {
      output = squeeze(layerInput, batchFirst ? 0 : 1);
      hN = squeeze(hN, 1);
      cN = cN && squeeze(cN, 1);
    }
    return { output, hN, cN };
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.projSize !== 0) s += `, proj_size=${this.projSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (!this.bias) s += `, bias=${pyBool(this.bias)}`;
    if (this.batchFirst) s += `, batch_first=${pyBool(this.batchFirst)}`;
    if (this.dropout !== 0) s += `, dropout=${pyFloat(this.dropout)}`;
    if (this.bidirectional) s += `, bidirectional=${pyBool(this.bidirectional)}`;
    return s;
  }
}

/**
 * Elman RNN: h_t = tanh(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh) (or relu).
 * `forward(input, h0?)` → `[output, hN]`: output [T, B, D*H] ([B, T, D*H] with batchFirst),
 * hN [numLayers*D, B, H]; a PackedSequence in gives a PackedSequence out.
 */
export class RNN extends RNNBase {
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    const nonlinearity = options.nonlinearity ?? 'tanh';
    if (nonlinearity !== 'tanh' && nonlinearity !== 'relu') throw new Error(`RNN: Unknown nonlinearity '${String(nonlinearity)}'. Select from 'tanh' or 'relu'.`);
    super(nonlinearity === 'relu' ? 'rnnRelu' : 'rnnTanh', inputSize, hiddenSize, options);
    this.nonlinearity = nonlinearity;
  }

  override forward(input: PackedSequence, h0?: Tensor | null): [PackedSequence, Tensor];
  override forward(input: Tensor, h0?: Tensor | null): [Tensor, Tensor];
  override forward(input: Tensor | PackedSequence, h0: Tensor | null = null): [Tensor | PackedSequence, Tensor] {
    const { output, hN } = this.runLayers(input, h0, null);
    return [output, hN];
  }

  override extraRepr(): string {
    const s = super.extraRepr();
    return this.nonlinearity === 'tanh' ? s : `${s}, nonlinearity='${this.nonlinearity}'`;
  }
}

/**
 * LSTM: gates i, f, g, o; c_t = f*c_{t-1} + i*g, h_t = o*tanh(c_t) (then h_t W_hrᵀ with projSize).
 * `forward(input, [h0, c0]?)` → `[output, [hN, cN]]`; hN [numLayers*D, B, P], cN [numLayers*D, B, H].
 */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options: LSTMOptions = {}) {
    super('lstm', inputSize, hiddenSize, options);
  }

  override forward(input: PackedSequence, hx?: readonly [Tensor, Tensor] | null): [PackedSequence, [Tensor, Tensor]];
  override forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]];
  override forward(input: Tensor | PackedSequence, hx: readonly [Tensor, Tensor] | null = null): [Tensor | PackedSequence, [Tensor, Tensor]] {
    if (hx !== null && hx !== undefined && (!Array.isArray(hx) || hx.length !== 2)) {
      throw new Error('LSTM: expected hx to be a pair [h0, c0] of Tensors');
    }
    const { output, hN, cN } = this.runLayers(input, hx ? hx[0] : null, hx ? hx[1] : null);
    return [output, [hN, cN!]];
  }
}

/**
 * GRU: r = σ(.), z = σ(.), n = tanh(x W_inᵀ + b_in + r*(h W_hnᵀ + b_hn)), h_t = (1-z)*n + z*h_{t-1}.
 * `forward(input, h0?)` → `[output, hN]`.
 */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options: RNNBaseOptions = {}) {
    super('gru', inputSize, hiddenSize, options);
  }

  override forward(input: PackedSequence, h0?: Tensor | null): [PackedSequence, Tensor];
  override forward(input: Tensor, h0?: Tensor | null): [Tensor, Tensor];
  override forward(input: Tensor | PackedSequence, h0: Tensor | null = null): [Tensor | PackedSequence, Tensor] {
    const { output, hN } = this.runLayers(input, h0, null);
    return [output, hN];
  }
}

// ---------- cells ----------

/** The common part of the cells: weight_ih [G*H, I], weight_hh [G*H, H], bias_ih, bias_hh [G*H]. */
export class RNNCellBase extends Module {
  readonly mode: RecurrentMode;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly bias: boolean;
  weight_ih: Parameter;
  weight_hh: Parameter;
  bias_ih: Parameter | null;
  bias_hh: Parameter | null;

  constructor(mode: RecurrentMode, inputSize: number, hiddenSize: number, bias: boolean) {
    super();
    const op = mode === 'lstm' ? 'LSTMCell' : mode === 'gru' ? 'GRUCell' : 'RNNCell';
    checkSize(op, 'inputSize', inputSize, 0);
    checkSize(op, 'hiddenSize', hiddenSize);
    const G = mode === 'lstm' ? 4 : mode === 'gru' ? 3 : 1;
    this.mode = mode;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.bias = bias;
    this.weight_ih = new Parameter(Tensor.empty([G * hiddenSize, inputSize]));
    this.weight_hh = new Parameter(Tensor.empty([G * hiddenSize, hiddenSize]));
    this.bias_ih = bias ? new Parameter(Tensor.empty([G * hiddenSize])) : null;
    this.bias_hh = bias ? new Parameter(Tensor.empty([G * hiddenSize])) : null;
    this.resetParameters();
  }

  resetParameters(): void {
    const stdv = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) uniform_(p, -stdv, stdv);
  }

  /** One step: input [B, I] (or [I]), states [B, H] (or [H]). */
  protected step(input: Tensor, h: Tensor | null, c: Tensor | null): { hN: Tensor; cN: Tensor | null } {
    const op = this.constructor.name;
    if (!(input instanceof Tensor)) throw new Error(`${op}: expected input to be a Tensor, got ${input === null ? 'null' : typeof input}`);
    if (input.ndim !== 1 && input.ndim !== 2) throw new Error(`${op}: Expected input to be 1-D or 2-D but received ${input.ndim}-D tensor (shape ${formatShape(input.shape)})`);
    const unbatched = input.ndim === 1;
    if (input.shape[input.ndim - 1] !== this.inputSize) {
      throw new Error(`${op}: input has inconsistent input_size: got ${input.shape[input.ndim - 1]} expected ${this.inputSize} (input shape ${formatShape(input.shape)})`);
    }
    const B = unbatched ? 1 : input.shape[0];
    const state = (name: string, s: Tensor | null): Tensor | null => {
      if (!s) return null;
      if (!(s instanceof Tensor)) throw new Error(`${op}: expected ${name} to be a Tensor, got ${typeof s}`);
      const expected = unbatched ? [this.hiddenSize] : [B, this.hiddenSize];
      if (s.shape.join() !== expected.join()) {
        throw new Error(`${op}: ${name} has shape ${formatShape(s.shape)}, expected ${formatShape(expected)} for input ${formatShape(input.shape)}`);
      }
      return reshape(s, [1, B, this.hiddenSize]);
    };
    const weights: RecurrentWeights = { weightIh: this.weight_ih, weightHh: this.weight_hh, biasIh: this.bias_ih, biasHh: this.bias_hh };
    const res = recurrentLayer(this.mode, reshape(input, [1, B, this.inputSize]), [weights], state('hx', h), state('cx', c));
    const shape = unbatched ? [this.hiddenSize] : [B, this.hiddenSize];
    return { hN: reshape(res.hN, shape), cN: res.cN && reshape(res.cN, shape) };
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (!this.bias) s += `, bias=${pyBool(this.bias)}`;
    return s;
  }
}

/** One Elman step: h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) (or relu). `forward(input, hx?)` → h'. */
export class RNNCell extends RNNCellBase {
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(inputSize: number, hiddenSize: number, options: { bias?: boolean; nonlinearity?: 'tanh' | 'relu' } = {}) {
    checkOptions('RNNCell', options, { bias: 'boolean', nonlinearity: ['tanh', 'relu'] });
    const nonlinearity = options.nonlinearity ?? 'tanh';
    if (nonlinearity !== 'tanh' && nonlinearity !== 'relu') throw new Error(`RNNCell: Unknown nonlinearity: ${String(nonlinearity)}`);
    super(nonlinearity === 'relu' ? 'rnnRelu' : 'rnnTanh', inputSize, hiddenSize, options.bias ?? true);
    this.nonlinearity = nonlinearity;
  }

  override forward(input: Tensor, hx: Tensor | null = null): Tensor {
    return this.step(input, hx, null).hN;
  }

  override extraRepr(): string {
    const s = super.extraRepr();
    return this.nonlinearity === 'tanh' ? s : `${s}, nonlinearity=${this.nonlinearity}`;
  }
}

/** One LSTM step. `forward(input, [hx, cx]?)` → `[h', c']`. */
export class LSTMCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, options: { bias?: boolean } = {}) {
    checkOptions('LSTMCell', options, { bias: 'boolean' });
    super('lstm', inputSize, hiddenSize, options.bias ?? true);
  }

  override forward(input: Tensor, hx: readonly [Tensor, Tensor] | null = null): [Tensor, Tensor] {
    if (hx !== null && hx !== undefined && (!Array.isArray(hx) || hx.length !== 2)) throw new Error('LSTMCell: expected hx to be a pair [hx, cx] of Tensors');
    const { hN, cN } = this.step(input, hx ? hx[0] : null, hx ? hx[1] : null);
    return [hN, cN!];
  }
}

/** One GRU step. `forward(input, hx?)` → h'. */
export class GRUCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, options: { bias?: boolean } = {}) {
    checkOptions('GRUCell', options, { bias: 'boolean' });
    super('gru', inputSize, hiddenSize, options.bias ?? true);
  }

  override forward(input: Tensor, hx: Tensor | null = null): Tensor {
    return this.step(input, hx, null).hN;
  }
}
