/** `nabla train cnn`: the course's CNN recipe with a progress bar, checkpoints and resume. */
import * as nb from '../../node.js';
import { type FlagSpecs } from '../args.js';
import { defineCommand } from '../command.js';
import { resolveOutput } from '../outputs.js';
import { loadResumeCheckpoint, restoreSettings, settingsToStore } from '../resume.js';
import { checkFiniteLoss } from '../training.js';
import { ProgressBar } from '../../plot/progress.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { StateDict } from '../../nn/module.js';
import { UsageError } from '../args.js';
import { checkpointPathFor, createModel, dataFlags, defaultWeightsPath, evaluate, loadDataset, MODEL_NAMES, type DatasetName } from './cnn-common.js';

const flags = {
  model: { type: 'string', help: 'architecture', default: 'simple', choices: MODEL_NAMES },
  ...dataFlags,
  epochs: { type: 'int', help: 'epochs to train', default: 10, min: 1, max: 10000 },
  batchSize: { type: 'int', help: 'mini-batch size', default: 64, min: 1, max: 60000 },
  lr: { type: 'number', help: 'SGD learning rate', default: 0.01, above: 0, max: 1000 },
  momentum: { type: 'number', help: 'SGD momentum', default: 0.9, min: 0, below: 1 },
  seed: { type: 'int', help: 'random seed (initialisation and shuffling)', default: 0, min: 0, max: 4294967295 },
  limit: { type: 'int', help: 'train on the first N training images only (default: all 60000)', value: 'N', min: 1 },
  testLimit: { type: 'int', help: 'evaluate on the first N test images only (default: all 10000)', value: 'N', min: 1 },
  out: { type: 'string', help: 'weights file (PyTorch state-dict keys; default runs/cnn-<model>.safetensors; a folder gets that name inside it, a name without extension gets .safetensors); the resumable checkpoint goes beside it as *.checkpoint.safetensors', value: 'FILE' },
  resume: { type: 'string', help: 'continue from a checkpoint written by an earlier run (its settings come back unless given again)', value: 'FILE' },
  backend: { type: 'string', help: 'compute backend', choices: nb.listBackends() },
  json: { type: 'boolean', help: 'print a JSON summary as the last line of stdout' },
} satisfies FlagSpecs;

const usage = 'nabla train cnn [--model simple|lenet|alexnet|vgg11|vgg16] [--dataset mnist|fashion-mnist] [--root DIR] [--download] [--epochs 10] [--batch-size 64] [--lr 0.01] [--momentum 0.9] [--seed N] [--limit N] [--out FILE] [--resume FILE] [--json]';
const description = 'Train a CNN on MNIST or Fashion-MNIST with SGD (the course\'s CNN recipe by default), report test accuracy after each epoch.';
const CHECKPOINT_FORMAT = 'nabla-cnn-checkpoint-v1';
/** What the saved state depends on: a resumed run cannot change them. */
const FIXED = ['model', 'dataset'] as const;
/** The loss printed every this many batches (the course's habit), and shown on the progress bar. */
const REPORT_EVERY = 100;

export const command = defineCommand({
  name: 'train cnn',
  summary: 'train a CNN on MNIST / Fashion-MNIST and report test accuracy',
  description,
  usage,
  flags,
  async run(given, { log, lockOutput }) {
    const resumed = given.resume
      ? loadResumeCheckpoint(given.resume, { command: 'train cnn', format: CHECKPOINT_FORMAT, state: ['model', 'optimizer', 'shuffleGenerator'], unversioned: true })
      : null;
    const args = resumed ? restoreSettings(given, resumed.args, flags, FIXED) : given;
    if (resumed && resumed.epoch >= args.epochs) {
      throw new UsageError(`--resume: the checkpoint is at epoch ${resumed.epoch} of --epochs ${args.epochs}: nothing left to train (give a larger --epochs)`);
    }
    if (args.backend) nb.setBackend(args.backend);
    const modelName = args.model;
    const datasetName = args.dataset as DatasetName;
    const output = resolveOutput(args.out ?? defaultWeightsPath(modelName), { extension: '.safetensors', fileName: `cnn-${modelName}.safetensors` });
    if (output.note) log(output.note);
    const out = output.path;
    const checkpointPath = checkpointPathFor(out);
    lockOutput(out);

    nb.manualSeed(args.seed);
    const data = { root: args.root, download: args.download, mirror: args.mirror };
    const trainset = await loadDataset(datasetName, { ...data, train: true, limit: args.limit });
    const testset = await loadDataset(datasetName, { ...data, train: false, limit: args.testLimit });
    const shuffleGenerator = new nb.Generator(args.seed);
    const trainloader = new nb.data.DataLoader(trainset, { batchSize: args.batchSize, shuffle: true, generator: shuffleGenerator });
    const testloader = new nb.data.DataLoader(testset, { batchSize: args.batchSize, shuffle: false });

    const model = createModel(modelName);
    const criterion = new nb.nn.CrossEntropyLoss();
    const optimizer = new nb.optim.SGD(model.parameters(), { lr: args.lr, momentum: args.momentum });
    const settings = { ...settingsToStore(args, flags, ['resume', 'json', 'backend', 'download', 'mirror']), out };
    const saveWeights = (epoch: number) => nb.save(model.stateDict(), out, { model: modelName, dataset: datasetName, epoch: String(epoch) });
    let startEpoch = 0;
    if (resumed) {
      try {
        model.loadStateDict(resumed.model as StateDict);
        optimizer.loadStateDict(resumed.optimizer as Parameters<typeof optimizer.loadStateDict>[0]);
        shuffleGenerator.setState(resumed.shuffleGenerator as number[]);
      } catch (e) {
        throw new UsageError(`--resume: the state in '${given.resume}' does not fit the ${modelName} model: ${(e as Error).message}`);
      }
      for (const group of optimizer.paramGroups) Object.assign(group, { lr: args.lr, momentum: args.momentum });
      startEpoch = resumed.epoch;
      saveWeights(startEpoch);
      log(`Resuming ${modelName} on ${datasetName} from ${given.resume} after epoch ${startEpoch} of ${args.epochs} (${trainset.length} training images)`);
      log(`The checkpoint is authoritative: ${out} rewritten from it (epoch ${startEpoch})`);
    }
    log(`weights: ${out} (after each epoch)`);
    log(`checkpoint: ${checkpointPath} (to continue: nabla train cnn --resume ${checkpointPath})`);

    const started = performance.now();
    let samples = 0, trainSeconds = 0;
    const history: { epoch: number; loss: number; testAccuracy: number }[] = [];
    let final = { correct: 0, total: 0, accuracy: 0 };
    for (let epoch = startEpoch; epoch < args.epochs; epoch++) {
      model.train();
      const bar = new ProgressBar({ total: trainloader.length, label: `Epoch ${epoch + 1}/${args.epochs}`, unit: 'samples', unitsPerStep: args.batchSize });
      // One loss figure: the mean of the last REPORT_EVERY batches, on the bar and in the printed lines.
      const recent: number[] = [];
      let epochLoss = 0, batches = 0;
      const epochStart = performance.now();
      for (const [inputs, labels] of trainloader as Iterable<[Tensor, Tensor]>) {
        optimizer.zeroGrad();
        const outputs = model.forward(inputs) as Tensor;
        const loss = criterion.forward(outputs, labels);
        const value = loss.item();
        if (!Number.isFinite(value)) bar.finish();
        checkFiniteLoss(value, `epoch ${epoch + 1}, batch ${batches + 1}`);
        loss.backward();
        optimizer.step();
        epochLoss += value;
        batches++;
        samples += labels.size(0);
        recent.push(value);
        if (recent.length > REPORT_EVERY) recent.shift();
        const recentMean = recent.reduce((a, b) => a + b, 0) / recent.length;
        if (batches % REPORT_EVERY === 0) {
          const line = `[Epoch ${epoch + 1}, Batch ${batches}] loss: ${recentMean.toFixed(3)}`;
          bar.interrupt(() => log(line));
        }
        bar.update(batches, { loss: recentMean });
      }
      bar.finish();
      trainSeconds += (performance.now() - epochStart) / 1000;
      const { correct, total, accuracy } = final = evaluate(model, testloader as Iterable<[Tensor, Tensor]> & { length: number });
      log(`Epoch ${epoch + 1}: mean training loss ${(epochLoss / batches).toFixed(3)}, test accuracy ${(100 * accuracy).toFixed(2)}% (${correct}/${total})`);
      history.push({ epoch: epoch + 1, loss: epochLoss / batches, testAccuracy: accuracy });
      // The checkpoint first: a crash between the two writes leaves the weights behind it, never ahead.
      nb.saveCheckpoint(checkpointPath, {
        format: CHECKPOINT_FORMAT, epoch: epoch + 1, model: model.stateDict(), optimizer: optimizer.stateDict(),
        shuffleGenerator: shuffleGenerator.getState(), args: settings,
      });
      saveWeights(epoch + 1);
    }
    log('Finished Training');
    log(`Saved the weights to ${out} and the checkpoint to ${checkpointPath}`);
    log(`Accuracy of the network on the ${final.total} test images: ${(100 * final.accuracy).toFixed(2)}%`);
    const seconds = (performance.now() - started) / 1000;
    if (args.json) {
      console.log(JSON.stringify({
        model: modelName, dataset: datasetName, backend: nb.getBackend().name, epochs: args.epochs, batchSize: args.batchSize, lr: args.lr, momentum: args.momentum,
        trainImages: trainset.length, testAccuracy: final.accuracy, correct: final.correct, total: final.total, seconds, trainSeconds,
        samplesPerSecond: trainSeconds > 0 ? samples / trainSeconds : 0, weights: out, checkpoint: checkpointPath, history,
      }));
    }
    return 0;
  },
});
