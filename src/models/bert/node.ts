/** BERT with file access (Node-only): everything in `./index.js`, with fromPretrained / savePretrained reading and writing directories and the Hub cache. */
export * from './index.js';
export { readModelDirectory, writeModelDirectory, downloadFromHub, hubCachePath, readPretrainedFiles } from './pretrained-node.js';
export { pretrainingDocuments } from './corpora.js';
