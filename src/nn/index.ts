/** nb.nn: Module, Parameter, containers, layers, losses, init, functional and utils. */
export { Module, type StateDict, type LoadStateDictOptions, type LoadStateDictResult, type StateDictOptions, type HookHandle, type ForwardHook, type ForwardPreHook } from './module.js';
export { Parameter } from './parameter.js';
export { Sequential, ModuleList, ModuleDict } from './containers.js';
export { Linear, Identity } from './linear.js';
export { Conv1d, Conv2d, type Conv1dOptions, type Conv2dOptions } from './conv.js';
export { MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool2d, type MaxPool2dOptions, type AvgPool2dOptions, type Pool1dOptions } from './pooling.js';
export { BatchNorm1d, BatchNorm2d, LayerNorm, type BatchNormOptions, type LayerNormOptions } from './normalization.js';
export { Dropout } from './dropout.js';
export { Flatten, Unflatten } from './flatten.js';
export { ReLU, LeakyReLU, ELU, Softplus, Tanh, Sigmoid, GELU, SiLU, Softmax, LogSoftmax } from './activation.js';
export { Embedding, type EmbeddingOptions } from './embedding.js';
export {
  CrossEntropyLoss, NLLLoss, MSELoss, L1Loss, SmoothL1Loss, HuberLoss, BCELoss, BCEWithLogitsLoss,
  type Reduction, type CrossEntropyOptions, type NLLLossOptions, type BCEOptions, type BCEWithLogitsOptions,
} from './loss.js';
export * as init from './init.js';
export * as functional from './functional.js';
export * as utils from './utils/index.js';
export { MultiheadAttention, TransformerEncoderLayer, TransformerEncoder, TransformerDecoderLayer, TransformerDecoder, Transformer, KeyValueCache, SinusoidalPositionalEncoding, LearnedPositionalEmbedding, type MultiheadAttentionOptions, type MultiheadAttentionForwardOptions, type TransformerLayerOptions, type TransformerOptions, type TransformerForwardOptions, type EncoderLayerForwardOptions, type DecoderLayerForwardOptions, type DecoderStepOptions, type EncoderForwardOptions, type TransformerActivation, type PositionalEncodingOptions } from './transformer.js';
export * from './rnn.js';
export * from './rnn-utils.js';
