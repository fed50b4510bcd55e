/** layerNorm and batchNorm with fused kernels; batchNorm updates running statistics in training mode like PyTorch. */
import { checkOptions } from '../util/options.js';
import { Tensor } from '../tensor/tensor.js';
import { formatShape, numel, opError } from '../tensor/shape.js';
import { getBackend } from '../backend/registry.js';
import { record } from '../autograd/node.js';
import { noGrad } from '../autograd/grad-mode.js';
import { emptyTensor, requireDtype, requireTensor } from './util.js';
import { mul } from './elementwise.js';
import { reduceRaw } from './reduce.js';
import { reshape } from './shape.js';

function floatData(t: Tensor | null): Float32Array | null {
  return t ? (t.contiguousData() as Float32Array) : null;
}

/** Normalises over the last dimensions to mean 0 and variance 1, then scales and shifts. */
export function layerNorm(x: Tensor, normalizedShape: readonly number[], weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  requireTensor('layerNorm', 'input', x);
  requireDtype('layerNorm', 'input', x, ['float32']);
  const k = normalizedShape.length;
  const trailing = x.shape.slice(x.ndim - k);
  if (k === 0 || k > x.ndim || trailing.join() !== normalizedShape.join()) {
    throw opError('layerNorm', `given normalizedShape=${formatShape(normalizedShape)}, expected input with shape [*, ${normalizedShape.join(', ')}], but got input of size ${formatShape(x.shape)}`);
  }
  for (const [name, p] of [['weight', weight], ['bias', bias]] as const) {
    if (p && p.shape.join() !== normalizedShape.join()) throw opError('layerNorm', `expected ${name} of shape ${formatShape(normalizedShape)}, got ${formatShape(p.shape)}`);
  }
  const cols = numel(normalizedShape), rows = cols === 0 ? 0 : x.numel() / cols;
  const backend = getBackend();
  const xData = x.contiguousData() as Float32Array;
  const out = emptyTensor(x.shape);
  const mean = new Float32Array(rows), rstd = new Float32Array(rows);
  const wData = floatData(weight);
  backend.layerNorm(xData, rows, cols, wData, floatData(bias), eps, out.storage.data as Float32Array, mean, rstd);
  return record(out, 'layerNorm', [x, weight, bias], (g) => {
    const gx = emptyTensor(x.shape);
    const gw = weight?.requiresGrad ? emptyTensor(weight.shape) : null;
    const gb = bias?.requiresGrad ? emptyTensor(bias.shape) : null;
    backend.layerNormBackward(g.contiguousData() as Float32Array, xData, mean, rstd, wData, rows, cols,
      gx.storage.data as Float32Array, (gw?.storage.data ?? null) as Float32Array | null, (gb?.storage.data ?? null) as Float32Array | null);
    return [gx, gw, gb];
  }, weight ? [x, weight] : [x]);
}

/** Options of batchNorm: running statistics, training, momentum, eps. */
export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  training?: boolean;
  momentum?: number | null;
  eps?: number;
  /** With momentum null, running stats are a cumulative average over this many batches (PyTorch's num_batches_tracked). */
  numBatchesTracked?: number;
}

/**
 * F.batch_norm over [N, C, *]. In training the batch statistics normalise and the running stats
 * (if given) move by `momentum` using the unbiased variance; in eval the running stats normalise.
 */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, options: BatchNormOptions = {}): Tensor {
  requireTensor('batchNorm', 'input', x);
  checkOptions('batchNorm', options, { weight: 'object|null', bias: 'object|null', training: 'boolean', momentum: 'number|null', eps: 'number', numBatchesTracked: 'integer' });
  requireDtype('batchNorm', 'input', x, ['float32']);
  if (x.ndim < 2) throw opError('batchNorm', `expected an input of at least 2 dims [N, C, *], got ${formatShape(x.shape)}`);
  const { weight = null, bias = null, training = false, eps = 1e-5 } = options;
  const momentum = options.momentum === undefined ? 0.1 : options.momentum;
  const [n, c] = x.shape;
  const spatial = numel(x.shape.slice(2));
  for (const [name, p] of [['weight', weight], ['bias', bias], ['runningMean', runningMean], ['runningVar', runningVar]] as const) {
    if (p && (p.ndim !== 1 || p.shape[0] !== c)) throw opError('batchNorm', `expected ${name} of shape [${c}] for input ${formatShape(x.shape)}, got ${formatShape(p.shape)}`);
  }
  if (!training && (!runningMean || !runningVar)) throw opError('batchNorm', 'running_mean and running_var must be given when training is false');
  const count = n * spatial;
  if (training && count <= 1) throw opError('batchNorm', `expected more than 1 value per channel when training, got input size ${formatShape(x.shape)}`);
  const backend = getBackend();
  const xData = x.contiguousData() as Float32Array;
  const mean = new Float32Array(c), invstd = new Float32Array(c);
  if (training) {
    const variance = new Float32Array(c);
    backend.channelMoments(xData, n, c, spatial, mean, variance);
    for (let i = 0; i < c; i++) invstd[i] = 1 / Math.sqrt(variance[i] + eps);
    if (runningMean && runningVar) {
      const factor = momentum ?? 1 / ((options.numBatchesTracked ?? 0) + 1);
      noGrad(() => {
        const rm = runningMean.contiguousData(), rv = runningVar.contiguousData();
        const newMean = rm.map((v, i) => (1 - factor) * v + factor * mean[i]);
        const newVar = rv.map((v, i) => (1 - factor) * v + factor * variance[i] * count / (count - 1));
        runningMean.copy_(Tensor.fromData(newMean, [c], 'float32'));
        runningVar.copy_(Tensor.fromData(newVar, [c], 'float32'));
      });
    }
  } else {
    mean.set(runningMean!.contiguousData());
    const rv = runningVar!.contiguousData();
    for (let i = 0; i < c; i++) invstd[i] = 1 / Math.sqrt(rv[i] + eps);
  }
  const wData = floatData(weight);
  const out = emptyTensor(x.shape);
  backend.channelNormalize(xData, n, c, spatial, mean, invstd, wData, floatData(bias), out.storage.data as Float32Array);
  return record(out, 'batchNorm', [x, weight, bias], (g) => {
    const gData = g.contiguousData() as Float32Array;
    const gw = weight?.requiresGrad ? emptyTensor([c]) : null;
    const gb = bias?.requiresGrad ? emptyTensor([c]) : null;
    if (training) {
      const gx = emptyTensor(x.shape);
      backend.batchNormBackward(gData, xData, n, c, spatial, mean, invstd, wData,
        gx.storage.data as Float32Array, (gw?.storage.data ?? null) as Float32Array | null, (gb?.storage.data ?? null) as Float32Array | null);
      return [gx, gw, gb];
    }
    // eval mode is an affine map per channel: gx = g * weight * invstd
    const scale = Tensor.fromData(invstd.map((v, i) => v * (wData ? wData[i] : 1)), [1, c, ...x.shape.slice(2).map(() => 1)], 'float32');
    const xhat = emptyTensor(x.shape);
    backend.channelNormalize(xData, n, c, spatial, mean, invstd, null, null, xhat.storage.data as Float32Array);
    const dims = [0, ...x.shape.slice(2).map((_, i) => i + 2)];
    return [mul(g, scale), gw && reshape(reduceRaw('sum', mul(g, xhat), dims, false, 'float32'), [c]),
      gb && reduceRaw('sum', g, dims, false, 'float32')];
  }, weight ? [x, weight] : [x]);
}
