/** Pooling: max and average (kernel, stride, padding, dilation, ceilMode), adaptive average, and 1-D forms. */
import { checkOptions, type OptionSpec } from '../util/options.js';
import { Tensor } from '../tensor/tensor.js';
import { formatShape, opError } from '../tensor/shape.js';
import type { Pool2dShapes } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { record } from '../autograd/node.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { emptyTensor, requireDtype, requireTensor, tensorFromRows } from './util.js';
import { matmul } from './linalg.js';
import { squeeze, transpose, unsqueeze } from './shape.js';
import { pair, type IntOrPair } from './conv.js';
import { convReluPoolRule } from './conv-relu-pool.js';

/** Options of the 2-d max pool: stride, padding, dilation, ceil mode. */
export interface Pool2dOptions {
  stride?: IntOrPair | null;
  padding?: IntOrPair;
  dilation?: IntOrPair;
  ceilMode?: boolean;
}

/** Options of the 2-d average pool. */
export interface AvgPool2dOptions extends Omit<Pool2dOptions, 'dilation'> {
  countIncludePad?: boolean;
  divisorOverride?: number;
}

/** PyTorch's pooling output size, including the ceil-mode rule that the last window must start inside the input. */
function pooledSize(size: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = size + 2 * p - d * (k - 1) - 1;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (out - 1) * s >= size + p) out--;
  return out;
}

function poolShapes(op: string, x: Tensor, kernelSize: IntOrPair, options: Pool2dOptions & AvgPool2dOptions): Pool2dShapes {
  requireTensor(op, 'input', x);
  requireDtype(op, 'input', x, ['float32']);
  if (x.ndim !== 4) throw opError(op, `expected a 3-D or 4-D input, got shape ${formatShape(x.shape)}`);
  const kernel = pair(kernelSize, op, 'kernelSize');
  const stride = pair(options.stride ?? kernelSize, op, 'stride');
  const padding = pair(options.padding ?? 0, op, 'padding');
  const dilation = pair(options.dilation ?? 1, op, 'dilation');
  if (kernel.some((k) => k === 0) || stride.some((s) => s === 0) || dilation.some((d) => d === 0)) {
    throw opError(op, `kernelSize, stride and dilation must be positive (kernel ${kernel}, stride ${stride}, dilation ${dilation})`);
  }
  if (padding[0] > kernel[0] / 2 || padding[1] > kernel[1] / 2) {
    throw opError(op, `pad should be at most half of effective kernel size, but got pad=${padding}, kernel=${kernel}`);
  }
  const [n, c, h, w] = x.shape;
  const ceil = options.ceilMode ?? false;
  const oh = pooledSize(h, kernel[0], stride[0], padding[0], dilation[0], ceil);
  const ow = pooledSize(w, kernel[1], stride[1], padding[1], dilation[1], ceil);
  if (oh <= 0 || ow <= 0) {
    throw opError(op, `given input size (${c}x${h}x${w}), calculated output size (${c}x${oh}x${ow}) is too small`);
  }
  return { n, c, h, w, oh, ow, kernel, stride, padding, dilation, countIncludePad: options.countIncludePad ?? true, divisorOverride: options.divisorOverride };
}

/** Runs a 4-D pooling on 3-D (unbatched) input too. */
function batched(x: Tensor, f: (x4: Tensor) => Tensor): Tensor {
  return x.ndim === 3 ? squeeze(f(unsqueeze(x, 0)), 0) : f(x);
}

const POOL_OPTIONS: OptionSpec<Pool2dOptions & AvgPool2dOptions> = {
  stride: 'integer|integers|null', padding: 'integer|integers', dilation: 'integer|integers', ceilMode: 'boolean', countIncludePad: 'boolean', divisorOverride: 'number|null',
};
const { dilation: _noDilation, ...AVG_POOL_OPTIONS } = POOL_OPTIONS;
const { countIncludePad: _noCount, divisorOverride: _noDivisor, ...MAX_POOL_OPTIONS } = POOL_OPTIONS;

/** The 2-d max pool and the flat index of each maximum. */
export function maxPool2dWithIndices(x: Tensor, kernelSize: IntOrPair, options: Pool2dOptions = {}): { values: Tensor; indices: Tensor } {
  const { values, indices } = maxPool2dAndMaybeIndices(x, kernelSize, options, true);
  return { values, indices: indices! };
}

/**
 * Max pooling, with the winners' positions when they are asked for or backward will need them:
 * inference (no grad) skips them, an int32 tensor as large as the output that is never read.
 */
function maxPool2dAndMaybeIndices(x: Tensor, kernelSize: IntOrPair, options: Pool2dOptions, keepIndices: boolean): { values: Tensor; indices: Tensor | null } {
  checkOptions('maxPool2d', options, MAX_POOL_OPTIONS);
  if (x.ndim === 3) {
    const r = maxPool2dAndMaybeIndices(unsqueeze(x, 0), kernelSize, options, keepIndices);
    return { values: squeeze(r.values, 0), indices: r.indices && squeeze(r.indices, 0) };
  }
  const s = poolShapes('maxPool2d', x, kernelSize, options);
  const backend = getBackend();
  const out = emptyTensor([s.n, s.c, s.oh, s.ow]);
  if (!keepIndices && !(isGradEnabled() && x.requiresGrad)) {
    backend.maxPool2d(x.contiguousData() as Float32Array, s, out.storage.data as Float32Array, null);
    return { values: out, indices: null };
  }
  const indices = emptyTensor([s.n, s.c, s.oh, s.ow], 'int32');
  backend.maxPool2d(x.contiguousData() as Float32Array, s, out.storage.data as Float32Array, indices.storage.data as Int32Array);
  record(out, 'maxPool2d', [x], (g) => {
    const gx = emptyTensor(x.shape);
    backend.maxPool2dBackward(g.contiguousData() as Float32Array, indices.storage.data as Int32Array, s, gx.storage.data as Float32Array);
    return [gx];
  });
  if (out.gradFn) {
    out.gradFn.fusedRule = convReluPoolRule(x, out, indices, s);
    if (!keepIndices) out.gradFn.freeWithGraph(indices);
  }
  return { values: out, indices };
}

/** The maximum of each window of an [N, C, H, W] input. */
export function maxPool2d(x: Tensor, kernelSize: IntOrPair, options: Pool2dOptions = {}): Tensor {
  return maxPool2dAndMaybeIndices(x, kernelSize, options, false).values;
}

/** The mean of each window of an [N, C, H, W] input. */
export function avgPool2d(x: Tensor, kernelSize: IntOrPair, options: AvgPool2dOptions = {}): Tensor {
  checkOptions('avgPool2d', options, AVG_POOL_OPTIONS);
  return batched(x, (x4) => {
    const s = poolShapes('avgPool2d', x4, kernelSize, options);
    const backend = getBackend();
    const out = emptyTensor([s.n, s.c, s.oh, s.ow]);
    backend.avgPool2d(x4.contiguousData() as Float32Array, s, out.storage.data as Float32Array);
    return record(out, 'avgPool2d', [x4], (g) => {
      const gx = emptyTensor(x4.shape);
      backend.avgPool2dBackward(g.contiguousData() as Float32Array, s, gx.storage.data as Float32Array);
      return [gx];
    });
  });
}

/** Options of maxPool1d: stride, padding, dilation, ceil mode. */
export interface MaxPool1dOptions { stride?: number | null; padding?: number; dilation?: number; ceilMode?: boolean }

/** 1-D max pooling and the winning position along L of each output (PyTorch's max_pool1d_with_indices). */
export function maxPool1dWithIndices(x: Tensor, kernelSize: number, options: MaxPool1dOptions = {}): { values: Tensor; indices: Tensor } {
  checkOptions('maxPool1d', options, MAX_POOL_OPTIONS);
  if (!(x instanceof Tensor) || (x.ndim !== 2 && x.ndim !== 3)) throw opError('maxPool1d', `expected a 2-D or 3-D input [N, C, L], got ${x instanceof Tensor ? `shape ${formatShape(x.shape)}` : typeof x}`);
  const r = maxPool2dWithIndices(unsqueeze(x, -2), [1, kernelSize], {
    stride: [1, options.stride ?? kernelSize], padding: [0, options.padding ?? 0], dilation: [1, options.dilation ?? 1], ceilMode: options.ceilMode,
  });
  // in a 1 x L plane the flat index is the position along L
  return { values: squeeze(r.values, -2), indices: squeeze(r.indices, -2) };
}

/** The maximum of each window of an [N, C, L] input. */
export function maxPool1d(x: Tensor, kernelSize: number, options: MaxPool1dOptions = {}): Tensor {
  return maxPool1dWithIndices(x, kernelSize, options).values;
}

/** The mean of each window of an [N, C, L] input. */
export function avgPool1d(x: Tensor, kernelSize: number, options: { stride?: number | null; padding?: number; ceilMode?: boolean; countIncludePad?: boolean } = {}): Tensor {
  checkOptions('avgPool1d', options, { stride: 'integer|null', padding: 'integer', ceilMode: 'boolean', countIncludePad: 'boolean' });
  if (x.ndim !== 2 && x.ndim !== 3) throw opError('avgPool1d', `expected a 2-D or 3-D input [N, C, L], got shape ${formatShape(x.shape)}`);
  const out = avgPool2d(unsqueeze(x, -2), [1, kernelSize], {
    stride: [1, options.stride ?? kernelSize], padding: [0, options.padding ?? 0], ceilMode: options.ceilMode, countIncludePad: options.countIncludePad,
  });
  return squeeze(out, -2);
}

/** Row i averages input positions floor(i*in/out) .. ceil((i+1)*in/out), as PyTorch's adaptive pooling does. */
function adaptiveMatrix(inSize: number, outSize: number): Tensor {
  const rows: number[][] = [];
  for (let i = 0; i < outSize; i++) {
    const start = Math.floor((i * inSize) / outSize), end = Math.ceil(((i + 1) * inSize) / outSize);
    const row = new Array<number>(inSize).fill(0);
    for (let j = start; j < end; j++) row[j] = 1 / (end - start);
    rows.push(row);
  }
  return tensorFromRows(rows);
}

/** Adaptive average pooling as two small matmuls (rows, then columns), so its gradient comes for free. */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | readonly [number | null, number | null]): Tensor {
  requireTensor('adaptiveAvgPool2d', 'input', x);
  if (x.ndim !== 3 && x.ndim !== 4) throw opError('adaptiveAvgPool2d', `expected a 3-D or 4-D input, got shape ${formatShape(x.shape)}`);
  const h = x.shape[x.ndim - 2], w = x.shape[x.ndim - 1];
  const [oh, ow] = typeof outputSize === 'number' ? [outputSize, outputSize] : [outputSize[0] ?? h, outputSize[1] ?? w];
  if (!(oh > 0 && ow > 0)) throw opError('adaptiveAvgPool2d', `output size must be positive, got ${JSON.stringify(outputSize)}`);
  const rowsPooled = matmul(adaptiveMatrix(h, oh), x);
  return matmul(rowsPooled, transpose(adaptiveMatrix(w, ow), 0, 1));
}
