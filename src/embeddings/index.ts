/**
 * nabla's word embeddings (browser-safe part): Word2Vec (skip-gram / CBOW, negative sampling /
 * hierarchical softmax) and GloVe as nn.Modules with sparse nn.Embedding tables, their trainers,
 * KeyedVectors (neighbours, analogies), the word2vec / GloVe / safetensors file formats as bytes,
 * analogy and similarity evaluation, and 2-D projections. Files and corpora: `./node.js`.
 */
export * from './corpus.js';
export * from './sampling.js';
export * from './keyed-vectors.js';
export * from './word2vec.js';
export * from './glove.js';
export * from './formats.js';
export * from './evaluate.js';
export * from './projection.js';
export * from './plot.js';
export * from './fused.js';
