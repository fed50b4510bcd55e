/**
 * The course's sine-wave example (blocks 7-11) in nabla, line by line: data, SimpleRNN, SimpleLSTM,
 * training with MSELoss + Adam, evaluation and a plot of true vs predicted.
 *
 *   node --import tsx examples/sine-rnn.ts [--seed N] [--epochs N] [--out DIR]
 *
 * Writes DIR/sine-rnn.png and DIR/sine-lstm.png (default DIR: the current directory), the twin of
 * the course's plt.show().
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as nb from 'nabla';
import { SimpleLSTM, SimpleRNN, createSineWaveData } from 'nabla/models';
import { linePlot, savePng } from 'nabla/plot';

const { nn, optim } = nb;
const { values: args } = parseArgs({ options: { seed: { type: 'string', default: '0' }, epochs: { type: 'string', default: '100' }, out: { type: 'string', default: '.' } } });
const seed = Number(args.seed);

// ---- sine data ----
// numpy's global RNG becomes a seeded nabla Generator (same recipe, different random numbers)
const generator = new nb.Generator(seed);
nb.manualSeed(seed); // the models' initial weights

const seqLength = 50;
const numSamples = 1000;
// create_sine_wave_data, already float32 [1000, 50, 1]: the course's torch.tensor(X, dtype=torch.float32).unsqueeze(-1)
const { X, y } = createSineWaveData(seqLength, numSamples, generator);

// ---- SimpleRNN (nn.RNN from an explicit zero h0, Linear on every step) ----
const inputSize = 1;
const hiddenSize = 32;
const outputSize = 1;
const rnnModel = new SimpleRNN(inputSize, hiddenSize, outputSize);

// ---- SimpleLSTM ----
// The course's forward keeps only the last step, out[:, -1, :], so its output is [1000, 1] while the
// target y is [1000, 50, 1]. PyTorch warns, then raises "The size of tensor a (1000) must match the
// size of tensor b (50) at non-singleton dimension 1"; nabla's MSELoss refuses it too:
try {
  const lastStepOnly = new SimpleLSTM(inputSize, hiddenSize, outputSize, { steps: 'last' });
  new nn.MSELoss().forward(lastStepOnly.forward(X.narrow(0, 0, 4)), y.narrow(0, 0, 4));
} catch (e) {
  console.log(`The course's last-step LSTM, as written, is refused:\n  ${(e as Error).message}\n`);
}
// So the twin predicts every step, the same task the RNN learns (what the note means).
const lstmModel = new SimpleLSTM(inputSize, hiddenSize, outputSize, { steps: 'every' });

// ---- training ----
function train(name: string, model: nb.nn.Module): void {
  console.log(`${name}:`);
  const criterion = new nn.MSELoss(); // mean squared error
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.01 });

  const numEpochs = Number(args.epochs);
  const start = performance.now();
  for (let epoch = 0; epoch < numEpochs; epoch++) {
    const outputs = model.call(X) as nb.Tensor;
    optimizer.zeroGrad(); // clear the gradients of the previous step
    const loss = criterion.forward(outputs, y);
    loss.backward(); // gradients by backpropagation (through time)
    optimizer.step(); // update the weights

    if ((epoch + 1) % 10 === 0) {
      console.log(`Epoch [${epoch + 1}/${numEpochs}], Loss: ${loss.item().toFixed(4)}`);
    }
  }
  console.log(`Finished Training (${((performance.now() - start) / 1000 / numEpochs).toFixed(3)} s/epoch)`);

  // ---- evaluation and plot ----
  model.eval();
  const predicted = nb.noGrad(() => model.call(X) as nb.Tensor).detach();
  console.log(`final MSE: ${criterion.forward(predicted, y).item().toExponential(3)}`);

  // plt.figure(figsize=(10, 5)); plt.plot(y.flatten()[:100], label='True'); plt.plot(predicted.flatten()[:100], label='Predicted')
  const image = linePlot({
    width: 1000,
    height: 500,
    title: `${name}: true vs predicted (first 100 points)`,
    series: [
      { label: 'True', values: Array.from(y.flatten().narrow(0, 0, 100).dataSync()) },
      { label: 'Predicted', values: Array.from(predicted.flatten().narrow(0, 0, 100).dataSync()) },
    ],
  });
  const file = join(args.out!, `sine-${name.toLowerCase().replace('simple', '')}.png`);
  savePng(file, image);
  console.log(`plot: ${file}\n`);
}

train('SimpleRNN', rnnModel);
train('SimpleLSTM', lstmModel);
