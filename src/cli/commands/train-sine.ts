/**
 * `nabla train sine`: the course's recurrent example: learn sin(x + 0.1) from sin(x)
 * over 1000 sequences of 50 steps with an RNN, LSTM or GRU (Linear on every step), full batch,
 * MSELoss + Adam, the loss printed every 10 epochs, then a plot of true vs predicted.
 */
import * as nb from '../../node.js';
import { SimpleGRU, SimpleLSTM, SimpleRNN, createSineWaveData } from '../../models/sine.js';
import { linePlot } from '../../plot/plot.js';
import { savePng } from '../../plot/png.js';
import { UsageError, type FlagSpecs } from '../args.js';
import { defineCommand } from '../command.js';
import { resolveOutput } from '../outputs.js';
import { checkFiniteLoss } from '../training.js';

const flags = {
  model: { type: 'string', choices: ['rnn', 'lstm', 'gru'], default: 'rnn', help: 'the recurrent layer' },
  epochs: { type: 'int', default: 100, min: 1, max: 1000000, help: 'full-batch training epochs' },
  hidden: { type: 'int', default: 32, min: 1, max: 4096, help: 'hidden size' },
  lr: { type: 'number', default: 0.01, above: 0, max: 1000, help: 'Adam learning rate' },
  seed: { type: 'int', default: 0, min: 0, max: 4294967295, help: 'seed for the data and the initial weights' },
  samples: { type: 'int', default: 1000, min: 1, max: 100000, help: 'number of sequences' },
  seqLength: { type: 'int', default: 50, min: 1, max: 10000, help: 'steps per sequence' },
  plot: { type: 'string', value: 'FILE.png', help: 'write a plot of true vs predicted for the first 100 points' },
  json: { type: 'boolean', help: 'end with one JSON line: finalLoss, secondsPerEpoch, losses, ...' },
} satisfies FlagSpecs;

const usage = 'nabla train sine [--model rnn|lstm|gru] [--epochs 100] [--hidden 32] [--lr 0.01] [--seed N] [--plot FILE.png] [--json]';
const summary = 'train the course\'s SimpleRNN / SimpleLSTM / SimpleGRU on sine waves (its recurrent example)';

export interface SineResult {
  model: string;
  seed: number;
  epochs: number;
  hidden: number;
  lr: number;
  /** MSE over all steps after training, in eval mode. */
  finalLoss: number;
  /** Loss of the last training step (what the course prints at epoch 100). */
  trainLoss: number;
  /** Training loss every 10 epochs, as printed. */
  losses: { epoch: number; loss: number }[];
  secondsPerEpoch: number;
  cpuSecondsPerEpoch: number;
  plot: string | null;
}

export interface SineOptions {
  model: 'rnn' | 'lstm' | 'gru';
  epochs: number;
  hidden: number;
  lr: number;
  seed: number;
  samples?: number;
  seqLength?: number;
  plot?: string | null;
  log?: (line: string) => void;
}

/** The course's recipe; returns the numbers the CLI prints. */
export function trainSine(options: SineOptions): SineResult {
  const log = options.log ?? ((line: string) => console.log(line));
  const generator = new nb.Generator(options.seed);
  nb.manualSeed(options.seed);
  const { X, y } = createSineWaveData(options.seqLength ?? 50, options.samples ?? 1000, generator);
  const model = options.model === 'rnn' ? new SimpleRNN(1, options.hidden, 1)
    : options.model === 'lstm' ? new SimpleLSTM(1, options.hidden, 1) // every step; see SimpleLSTMOptions
      : new SimpleGRU(1, options.hidden, 1);
  const criterion = new nb.nn.MSELoss();
  const optimizer = new nb.optim.Adam(model.parameters(), { lr: options.lr });
  const losses: { epoch: number; loss: number }[] = [];
  let trainLoss = NaN;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const outputs = model.forward(X);
    optimizer.zeroGrad();
    const loss = criterion.forward(outputs, y);
    trainLoss = loss.item();
    checkFiniteLoss(trainLoss, `epoch ${epoch + 1}`);
    loss.backward();
    optimizer.step();
    if ((epoch + 1) % 10 === 0) {
      losses.push({ epoch: epoch + 1, loss: trainLoss });
      log(`Epoch [${epoch + 1}/${options.epochs}], Loss: ${trainLoss.toFixed(4)}`);
    }
  }
  const secondsPerEpoch = (performance.now() - start) / 1000 / options.epochs;
  const cpu = process.cpuUsage(cpuStart);
  model.eval();
  const predicted = nb.noGrad(() => model.forward(X));
  const finalLoss = criterion.forward(predicted, y).item();
  checkFiniteLoss(finalLoss, 'the end of training (the MSE of the trained model)');
  log(`Finished Training: final MSE ${finalLoss.toExponential(3)}, ${secondsPerEpoch.toFixed(3)} s/epoch`);
  let plot: string | null = null;
  if (options.plot) {
    const image = linePlot({
      width: 1000,
      height: 500,
      title: `${options.model.toUpperCase()}: true vs predicted (first 100 points)`,
      series: [
        { label: 'True', values: Array.from(y.flatten().narrow(0, 0, Math.min(100, y.numel())).dataSync()) },
        { label: 'Predicted', values: Array.from(predicted.flatten().narrow(0, 0, Math.min(100, y.numel())).dataSync()) },
      ],
    });
    savePng(options.plot, image);
    plot = options.plot;
    log(`plot: ${plot}`);
  }
  return {
    model: options.model, seed: options.seed, epochs: options.epochs, hidden: options.hidden, lr: options.lr,
    finalLoss, trainLoss, losses, secondsPerEpoch, cpuSecondsPerEpoch: (cpu.user + cpu.system) / 1e6 / options.epochs, plot,
  };
}

export const command = defineCommand({
  name: 'train sine',
  summary,
  usage,
  flags,
  run: (f) => {
    if (f.plot !== undefined && !/\.png$/i.test(f.plot)) throw new UsageError(`--plot writes a PNG: give a file name ending in .png, got '${f.plot}'`);
    if (f.plot !== undefined) resolveOutput(f.plot, { flag: '--plot', fileName: 'sine.png' });
    const result = trainSine({
      model: f.model as SineOptions['model'], epochs: f.epochs, hidden: f.hidden, lr: f.lr, seed: f.seed,
      samples: f.samples, seqLength: f.seqLength, plot: f.plot ?? null,
    });
    if (f.json) console.log(JSON.stringify(result));
    return 0;
  },
});
