/** Datasets for Node: the browser-safe ones plus MNIST and FashionMNIST read from (and downloaded to) disk. */
export * from './index.js';
export { MNIST, FashionMNIST, type MnistOptions, type MnistCreateOptions } from './mnist.js';
