/** nabla's one public entry: re-exports, and the Tensor op methods installed. */
import './ops/tensor-methods.js';
export { Tensor, Storage, type NestedArray } from './tensor/tensor.js';
export type { DType, TypedArray } from './tensor/dtype.js';
export { Generator, manualSeed, defaultGenerator } from './tensor/random.js';
export * from './tensor/creation.js';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from './autograd/grad-mode.js';
export { getBackend, setBackend, listBackends, registerBackend, setNumThreads, numThreads, threadsReady } from './backend/registry.js';
export type { Backend } from './backend/backend.js';
export { profile, setProfiling, isProfiling, type ProfileReport, type ProfileRow, type ProfileOptions, type Profiled, type ProfileTableOptions, type ProfileSortKey } from './profile/profile.js';
export {
  add, sub, mul, div, pow, maximum, minimum, remainder, atan2, neg, exp, log, log1p, sqrt, rsqrt, abs, sin, cos, tanh,
  sigmoid, relu, leakyRelu, elu, gelu, silu, softplus, sign, square, reciprocal, clamp, floor, ceil, round,
  eq, ne, lt, le, gt, ge, logicalNot, logicalAnd, logicalOr, logicalXor, isnan, where, toDtype,
} from './ops/elementwise.js';
export { sum, mean, max, min, amax, amin, argmax, argmin, variance as var, std, logsumexp, all, any, type ValuesIndices, type VarianceOptions } from './ops/reduce.js';
export { view, reshape, flatten, unflatten, squeeze, unsqueeze, permute, transpose, t, expand, repeat, slice, narrow, select, split, chunk, flip, contiguous, clone, pad } from './ops/shape.js';
export { cat, stack } from './ops/join.js';
export { indexSelect, gather, scatter, scatterAdd, maskedFill, embedding } from './ops/indexing.js';
export { matmul, mm, bmm, dot } from './ops/linalg.js';
export { softmax, logSoftmax } from './ops/activation.js';
export { conv1d, conv2d, type ConvOptions } from './ops/conv.js';
export { maxPool2d, maxPool2dWithIndices, avgPool2d, maxPool1d, avgPool1d, adaptiveAvgPool2d } from './ops/pool.js';
export { layerNorm, batchNorm } from './ops/norm.js';
export { dropout } from './ops/dropout.js';
export { serialize, deserialize, type TensorRecord, type SerializeOptions } from './io/serialize.js';
export { encodeCheckpoint, decodeCheckpoint } from './io/checkpoint.js';
export * as optim from './optim/index.js';
export * as data from './data/index.js';
export * as nn from './nn/index.js';
export * as F from './nn/functional.js';
export * as text from './text/index.js';
export * as embeddings from './embeddings/index.js';
