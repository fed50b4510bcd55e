/** `nabla eval cnn`: test accuracy of saved weights. */
import * as nb from '../../node.js';
import { parseCommandLine, UsageError, type FlagSpecs } from '../args.js';
import type { Command } from '../command.js';
import type { Tensor } from '../../tensor/tensor.js';
import { createModel, DATASET_NAMES, evaluate, loadDataset, MODEL_NAMES, type DatasetName } from './cnn-common.js';

const flags = {
  weights: { type: 'string', help: 'weights written by `nabla train cnn --out` (or a PyTorch state dict as safetensors)', value: 'FILE' },
  model: { type: 'string', help: 'architecture (default: the one recorded in the weights file, else simple)', choices: MODEL_NAMES },
  dataset: { type: 'string', help: 'data set', default: 'mnist', choices: DATASET_NAMES },
  root: { type: 'string', help: 'folder with the IDX files', value: 'DIR' },
  batchSize: { type: 'int', help: 'batch size', default: 256 },
  limit: { type: 'int', help: 'evaluate on the first N test images', value: 'N' },
  json: { type: 'boolean', help: 'print a JSON summary as the last line of stdout' },
} satisfies FlagSpecs;

const usage = 'nabla eval cnn --weights FILE [--model NAME] [--dataset mnist|fashion-mnist] [--root DIR] [--json]';

export const command: Command = {
  name: 'eval cnn',
  summary: 'test accuracy of saved CNN weights',
  usage,
  async run(argv) {
    const args = parseCommandLine(argv, flags, usage, 'Evaluate saved CNN weights on the test split.');
    if (!args) return 0;
    if (!args.weights) throw new UsageError('--weights FILE is required');
    const { tensors, metadata } = nb.loadWithMetadata(args.weights);
    const model = createModel(args.model ?? metadata.model ?? 'simple');
    model.loadStateDict(tensors);
    const dataset = loadDataset(args.dataset as DatasetName, args.root, false, args.limit);
    const loader = new nb.data.DataLoader(dataset, { batchSize: args.batchSize });
    const { correct, total, accuracy } = evaluate(model, loader as Iterable<[Tensor, Tensor]>);
    if (args.json) console.log(JSON.stringify({ testAccuracy: accuracy, correct, total, weights: args.weights }));
    else console.log(`Accuracy of the network on the ${total} test images: ${(100 * accuracy).toFixed(2)}%`);
    return 0;
  },
};
