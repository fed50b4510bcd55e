/** nabla.data for Node: everything in the browser-safe `data`, with `datasets` adding MNIST and FashionMNIST, plus IDX file helpers. */
export * from './index.js';
// An explicit export wins over the star re-export's `datasets`.
export * as datasets from './datasets/node.js';
export {
  readIdxFile,
  type ReadIdxOptions,
  locateMnist,
  loadMnistArrays,
  downloadMnist,
  mnistRawDir,
  mnistFolderName,
  MNIST_FILES,
  MNIST_MD5,
  MNIST_MIRRORS,
  type MnistKind,
  type MnistPaths,
  type MnistArrays,
  type DownloadEvent,
  type DownloadOptions,
  type DownloadResult,
} from './mnist-files.js';
