/**
 * nabla.data: torch.utils.data and the parts of torchvision that go with it (browser-safe; the Node entry's
 * `data` adds MNIST/FashionMNIST file loading and downloading).
 */
export {
  Dataset,
  TensorDataset,
  Subset,
  ConcatDataset,
  randomSplit,
  canGetBatch,
  type DatasetLike,
} from './dataset.js';
export { defaultCollate, type Collated } from './collate.js';
export { DataLoader, type DataLoaderOptions } from './dataloader.js';
export {
  Sampler,
  SequentialSampler,
  RandomSampler,
  SubsetRandomSampler,
  BatchSampler,
  type SamplerLike,
  type BatchSamplerLike,
  type RandomSamplerOptions,
} from './sampler.js';
export * as transforms from './transforms.js';
export * as datasets from './datasets/index.js';
export { parseIdx, parseIdxHeader, encodeIdx, isGzip, idxTypeName, type IdxArray, type IdxData, type IdxHeader, type IdxTypeName } from './idx.js';
