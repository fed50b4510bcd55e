/**
 * The course's recurrent models for the sine-wave task: sequences [batch, 50, 1] of
 * sin(x) in, sin(x + 0.1) out. Field names follow the course's PyTorch classes (`rnn`, `lstm`, `fc`),
 * so their state dicts carry the keys of a PyTorch twin (`rnn.weight_ih_l0`, `fc.weight`, ...).
 */
import { Tensor } from '../tensor/tensor.js';
import { zeros } from '../tensor/creation.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import * as nn from '../nn/index.js';
import { checkOptions } from '../util/options.js';

/**
 * SimpleRNN: nn.RNN(inputSize, hiddenSize, batch_first=True) from an explicit zero h0, then
 * Linear(hiddenSize, outputSize) on every time step: [B, T, I] → [B, T, outputSize].
 */
export class SimpleRNN extends nn.Module {
  // the course's code reads a global `hidden_size` inside forward; the twin keeps it as a field
  readonly hiddenSize: number;
  rnn: nn.RNN;
  fc: nn.Linear;

  constructor(inputSize: number, hiddenSize: number, outputSize: number) {
    super();
    this.hiddenSize = hiddenSize;
    this.rnn = new nn.RNN(inputSize, hiddenSize, { batchFirst: true });
    this.fc = new nn.Linear(hiddenSize, outputSize); // the output layer, so it gets output_size
  }

  override forward(x: Tensor): Tensor {
    const h0 = zeros([1, x.size(0), this.hiddenSize]); // initial hidden state: there is none before the first step
    const [out] = this.rnn.forward(x, h0);
    return this.fc.forward(out); // every step
    // return this.fc.forward(out.select(1, -1)); // the last time step only
  }
}

/** Options of SimpleLSTM: predict every step or only the last. */
export interface SimpleLSTMOptions {
  /**
   * Which steps the Linear head reads. The course's example uses only the last step ('last': output
   * [B, outputSize]) but then trains against the [B, T, 1] target of every step, which PyTorch
   * refuses (after a broadcasting warning) and nabla's MSELoss refuses too. The default, 'every',
   * predicts every step ([B, T, outputSize]), which is what the note means: the same task as the RNN.
   */
  steps?: 'every' | 'last';
}

/** SimpleLSTM: nn.LSTM(inputSize, hiddenSize, batch_first=True) from explicit zero h0 and c0, then Linear. */
export class SimpleLSTM extends nn.Module {
  readonly hiddenSize: number;
  readonly steps: 'every' | 'last';
  lstm: nn.LSTM;
  fc: nn.Linear;

  constructor(inputSize: number, hiddenSize: number, outputSize: number, options: SimpleLSTMOptions = {}) {
    super();
    checkOptions('SimpleLSTM', options, { steps: ['every', 'last'] });
    this.hiddenSize = hiddenSize;
    this.steps = options.steps ?? 'every';
    this.lstm = new nn.LSTM(inputSize, hiddenSize, { batchFirst: true });
    this.fc = new nn.Linear(hiddenSize, outputSize);
  }

  override forward(x: Tensor): Tensor {
    const h0 = zeros([1, x.size(0), this.hiddenSize]); // initial hidden state
    const c0 = zeros([1, x.size(0), this.hiddenSize]); // initial cell state: what the LSTM adds to the RNN
    const [out] = this.lstm.forward(x, [h0, c0]);
    return this.fc.forward(this.steps === 'last' ? out.select(1, -1) : out);
  }
}

/** The same shape with a GRU (the note's third recurrent cell: no cell state, reset and update gates). */
export class SimpleGRU extends nn.Module {
  readonly hiddenSize: number;
  gru: nn.GRU;
  fc: nn.Linear;

  constructor(inputSize: number, hiddenSize: number, outputSize: number) {
    super();
    this.hiddenSize = hiddenSize;
    this.gru = new nn.GRU(inputSize, hiddenSize, { batchFirst: true });
    this.fc = new nn.Linear(hiddenSize, outputSize);
  }

  override forward(x: Tensor): Tensor {
    const h0 = zeros([1, x.size(0), this.hiddenSize]);
    const [out] = this.gru.forward(x, h0);
    return this.fc.forward(out);
  }
}

/**
 * The course's create_sine_wave_data: `numSamples` sequences, each x = linspace(start, start + 2π,
 * seqLength) with start ~ U[0, 1), input sin(x), target sin(x + 0.1); returned as [numSamples,
 * seqLength, 1] float32 tensors (the course's `.unsqueeze(-1)`). Draws from `generator` (seeded).
 */
export function createSineWaveData(seqLength: number, numSamples: number, generator: Generator = defaultGenerator): { X: Tensor; y: Tensor } {
  if (!Number.isInteger(seqLength) || seqLength < 1) throw new Error(`createSineWaveData: seqLength must be a positive integer, got ${seqLength}`);
  if (!Number.isInteger(numSamples) || numSamples < 1) throw new Error(`createSineWaveData: numSamples must be a positive integer, got ${numSamples}`);
  const X = new Float32Array(numSamples * seqLength), y = new Float32Array(numSamples * seqLength);
  for (let i = 0; i < numSamples; i++) {
    const start = generator.random();
    // np.linspace(start, start + 2π, seqLength) in float64, then sin, then float32 (torch.tensor(X, dtype=float32))
    const step = seqLength > 1 ? (2 * Math.PI) / (seqLength - 1) : 0;
    for (let j = 0; j < seqLength; j++) {
      const v = start + step * j;
      X[i * seqLength + j] = Math.sin(v);
      y[i * seqLength + j] = Math.sin(v + 0.1);
    }
  }
  return {
    X: Tensor.fromData(X, [numSamples, seqLength, 1], 'float32'),
    y: Tensor.fromData(y, [numSamples, seqLength, 1], 'float32'),
  };
}
