// Entry of nabla's WebAssembly kernels: one module holds them all, so they share one memory and arena.
export * from './arena';
export * from './gemm';
export * from './conv';
export * from './pool';
export * from './elementwise';
export * from './math';
export * from './softmax';
export * from './norm';
export * from './attention';
export * from './rnn';
export * from './sgd';
export * from './adam';
export * from './word2vec';
export * from './glove';
export * from './winograd';
