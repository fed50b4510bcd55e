/** What the CNN commands share: the datasets, the model zoo by name, and evaluation. */
import * as nb from '../../node.js';
import { CNN_MODELS, type CnnModelName } from '../../models/cnn.js';
import type { Module } from '../../nn/module.js';
import type { Tensor } from '../../tensor/tensor.js';

export const MODEL_NAMES = Object.keys(CNN_MODELS) as CnnModelName[];
export const DATASET_NAMES = ['mnist', 'fashion-mnist'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

/** The course's preprocessing: ToTensor then Normalize((0.5,), (0.5,)). */
export function seedTransform() {
  const { transforms } = nb.data;
  return transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])]);
}

export function loadDataset(name: DatasetName, root: string | undefined, train: boolean, limit?: number) {
  const options = { root: root || undefined, train, transform: seedTransform() };
  const dataset = name === 'mnist' ? new nb.data.datasets.MNIST(options) : new nb.data.datasets.FashionMNIST(options);
  if (limit === undefined || limit <= 0 || limit >= dataset.length) return dataset;
  return new nb.data.Subset(dataset, Array.from({ length: limit }, (_, i) => i));
}

export function createModel(name: string): Module {
  const make = (CNN_MODELS as Record<string, () => Module>)[name];
  if (!make) throw new Error(`unknown model '${name}' (choose one of ${MODEL_NAMES.join(', ')})`);
  return make();
}

/** Accuracy under noGrad with the model in eval mode; the model's mode is restored after. */
export function evaluate(model: Module, loader: Iterable<[Tensor, Tensor]>): { correct: number; total: number; accuracy: number } {
  const wasTraining = model.training;
  model.eval();
  let correct = 0, total = 0;
  nb.noGrad(() => {
    for (const [images, labels] of loader) {
      const outputs = model.forward(images) as Tensor;
      const predicted = outputs.argmax(1);
      total += labels.size(0);
      correct += predicted.eq(labels).sum().item();
    }
  });
  model.train(wasTraining);
  return { correct, total, accuracy: total ? correct / total : 0 };
}

/** `runs/cnn-simple.safetensors` → `runs/cnn-simple.checkpoint.safetensors`. */
export function checkpointPathFor(weightsPath: string): string {
  return weightsPath.replace(/(\.safetensors)?$/, '.checkpoint.safetensors');
}
