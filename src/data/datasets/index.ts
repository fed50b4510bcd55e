/** Browser-safe datasets: MNIST-style data from IDX bytes. The Node entry adds MNIST and FashionMNIST, which read files. */
export {
  MnistDataset,
  MNIST_CLASSES,
  FASHION_MNIST_CLASSES,
  mnistSourceFromIdx,
  type MnistSource,
  type MnistDatasetOptions,
  type MnistFromIdxOptions,
} from './mnist-base.js';
