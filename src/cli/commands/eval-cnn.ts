/** `nabla eval cnn`: test accuracy of saved weights. */
import { existsSync } from 'node:fs';
import * as nb from '../../node.js';
import { UsageError, type FlagSpecs } from '../args.js';
import { defineCommand } from '../command.js';
import type { Tensor } from '../../tensor/tensor.js';
import { createModel, dataFlags, defaultWeightsPath, evaluate, loadDataset, MODEL_NAMES, type DatasetName } from './cnn-common.js';

const flags = {
  weights: { type: 'string', help: 'weights written by `nabla train cnn` (or a PyTorch state dict as safetensors); default: where `nabla train cnn` writes them, runs/cnn-<model>.safetensors', value: 'FILE' },
  model: { type: 'string', help: 'architecture (default: the one recorded in the weights file, else simple)', choices: MODEL_NAMES },
  ...dataFlags,
  batchSize: { type: 'int', help: 'batch size', default: 256, min: 1, max: 10000 },
  limit: { type: 'int', help: 'evaluate on the first N test images (default: all 10000)', value: 'N', min: 1 },
  json: { type: 'boolean', help: 'print a JSON summary as the last line of stdout' },
} satisfies FlagSpecs;

const usage = 'nabla eval cnn [--weights FILE] [--model NAME] [--dataset mnist|fashion-mnist] [--root DIR] [--download] [--json]';

export const command = defineCommand({
  name: 'eval cnn',
  summary: 'test accuracy of saved CNN weights',
  description: 'Evaluate saved CNN weights on the test split, as the course\'s CNN recipe does after training.',
  usage,
  flags,
  async run(args) {
    const weights = args.weights ?? defaultWeightsPath(args.model ?? 'simple');
    if (!existsSync(weights)) {
      throw new UsageError(`--weights: no such file '${weights}' (train one with \`nabla train cnn${args.model ? ` --model ${args.model}` : ''}\`, which writes ${weights}, or give --weights FILE)`);
    }
    const { tensors, metadata } = nb.loadWithMetadata(weights);
    const model = createModel(args.model ?? metadata.model ?? 'simple');
    model.loadStateDict(tensors);
    const dataset = await loadDataset(args.dataset as DatasetName, { root: args.root, download: args.download, mirror: args.mirror, train: false, limit: args.limit });
    const loader = new nb.data.DataLoader(dataset, { batchSize: args.batchSize });
    const { correct, total, accuracy } = evaluate(model, loader as Iterable<[Tensor, Tensor]> & { length: number });
    if (args.json) console.log(JSON.stringify({ testAccuracy: accuracy, correct, total, weights }));
    else console.log(`Accuracy of the network on the ${total} test images (${weights}): ${(100 * accuracy).toFixed(2)}%`);
    return 0;
  },
});
