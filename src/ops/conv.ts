/** conv1d and conv2d (stride, padding incl. 'same', dilation, groups); forward and both gradients run as backend kernels. */
import { Tensor } from '../tensor/tensor.js';
import { formatShape, opError } from '../tensor/shape.js';
import type { Conv2dShapes } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { record } from '../autograd/node.js';
import { emptyTensor, requireDtype, requireTensor } from './util.js';
import { checkOptions, type OptionSpec } from '../util/options.js';
import { reduceRaw } from './reduce.js';
import { pad, squeeze, unsqueeze } from './shape.js';
import type { ConvNodeInfo } from './conv-relu-pool.js';

export type IntOrPair = number | readonly [number, number];

/** Options of conv1d/conv2d: stride, padding, dilation, groups. */
export interface ConvOptions {
  stride?: IntOrPair;
  padding?: IntOrPair | 'same' | 'valid';
  dilation?: IntOrPair;
  groups?: number;
}

export function pair(v: IntOrPair, op: string, arg: string): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!p.every((x) => Number.isInteger(x) && x >= 0)) throw opError(op, `${arg} must be non-negative integers, got ${JSON.stringify(v)}`);
  return p;
}

const CONV_OPTIONS: OptionSpec<ConvOptions> = { stride: 'integer|integers', padding: "integer|integers|'same'|'valid'", dilation: 'integer|integers', groups: 'integer' };

/** 2-D convolution (cross-correlation) of an [N, C, H, W] input with [out, C / groups, kH, kW] weights. */
export function conv2d(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: ConvOptions = {}): Tensor {
  checkOptions('conv2d', options, CONV_OPTIONS);
  requireTensor('conv2d', 'input', input);
  requireTensor('conv2d', 'weight', weight);
  requireDtype('conv2d', 'input', input, ['float32']);
  requireDtype('conv2d', 'weight', weight, ['float32']);
  if (bias) requireDtype('conv2d', 'bias', bias, ['float32']);
  if (input.ndim === 3) return squeeze(conv2d(unsqueeze(input, 0), weight, bias, options), 0);
  if (input.ndim !== 4) throw opError('conv2d', `expected a 3-D (unbatched) or 4-D (batched) input, got shape ${formatShape(input.shape)}`);
  if (weight.ndim !== 4) throw opError('conv2d', `expected a 4-D weight [outChannels, inChannels/groups, kH, kW], got shape ${formatShape(weight.shape)}`);
  const groups = options.groups ?? 1;
  const stride = pair(options.stride ?? 1, 'conv2d', 'stride');
  const dilation = pair(options.dilation ?? 1, 'conv2d', 'dilation');
  const [n, c, h, w] = input.shape;
  const [oc, cPerGroup, kh, kw] = weight.shape;
  if (!Number.isInteger(groups) || groups < 1) throw opError('conv2d', `groups must be a positive integer, got ${groups}`);
  if (stride.some((s) => s === 0)) throw opError('conv2d', `stride must be positive, got ${JSON.stringify(options.stride)}`);
  if (c !== cPerGroup * groups) {
    throw opError('conv2d', `given groups=${groups}, weight of size ${formatShape(weight.shape)}, expected input ${formatShape(input.shape)} to have ${cPerGroup * groups} channels, but got ${c} channels instead`);
  }
  if (oc % groups !== 0) throw opError('conv2d', `out channels (${oc}) must be divisible by groups (${groups})`);
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== oc)) throw opError('conv2d', `expected bias of shape [${oc}], got ${formatShape(bias.shape)}`);
  let padding: [number, number];
  let x = input;
  if (options.padding === 'same') {
    if (stride.some((s) => s !== 1)) throw opError('conv2d', "padding='same' is not supported for strided convolutions");
    const total = [dilation[0] * (kh - 1), dilation[1] * (kw - 1)];
    padding = [Math.floor(total[0] / 2), Math.floor(total[1] / 2)];
    // an odd total pads one extra row/column at the end, as PyTorch does
    const extraH = total[0] % 2, extraW = total[1] % 2;
    if (extraH || extraW) x = pad(x, [0, extraW, 0, extraH]);
  } else padding = options.padding === 'valid' || options.padding === undefined ? [0, 0] : pair(options.padding, 'conv2d', 'padding');
  const [hp, wp] = [x.shape[2] + 2 * padding[0], x.shape[3] + 2 * padding[1]];
  const [ekh, ekw] = [dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1];
  if (hp < ekh || wp < ekw) {
    throw opError('conv2d', `calculated padded input size per channel: (${hp} x ${wp}). Kernel size: (${ekh} x ${ekw}). Kernel size can't be greater than actual input size (input ${formatShape(input.shape)})`);
  }
  const s: Conv2dShapes = {
    n, c, h: x.shape[2], w: x.shape[3], oc, kh, kw,
    oh: Math.floor((hp - ekh) / stride[0]) + 1, ow: Math.floor((wp - ekw) / stride[1]) + 1,
    stride, padding, dilation, groups,
  };
  const backend = getBackend();
  const xData = x.contiguousData() as Float32Array;
  const wData = weight.contiguousData() as Float32Array;
  const out = emptyTensor([n, oc, s.oh, s.ow]);
  backend.conv2d(xData, wData, bias ? (bias.contiguousData() as Float32Array) : null, s, out.storage.data as Float32Array);
  record(out, 'conv2d', [x, weight, bias], (g) => {
    const gData = g.contiguousData() as Float32Array;
    let gx: Tensor | null = null, gw: Tensor | null = null;
    if (x.requiresGrad) {
      gx = emptyTensor(x.shape);
      backend.conv2dBackwardInput(gData, wData, s, gx.storage.data as Float32Array);
    }
    if (weight.requiresGrad) {
      gw = emptyTensor(weight.shape);
      backend.conv2dBackwardWeight(gData, xData, s, gw.storage.data as Float32Array);
    }
    const gb = bias?.requiresGrad ? reduceRaw('sum', g, [0, 2, 3], false, 'float32') : null;
    return [gx, gw, gb];
  }, [x, weight]);
  if (out.gradFn) out.gradFn.fusionInfo = { s, x, weight, bias, xData, wData } satisfies ConvNodeInfo;
  return out;
}

/** conv1d runs as conv2d over a height of 1. */
export function conv1d(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: { stride?: number; padding?: number | 'same' | 'valid'; dilation?: number; groups?: number } = {}): Tensor {
  checkOptions('conv1d', options, CONV_OPTIONS);
  requireTensor('conv1d', 'input', input);
  requireTensor('conv1d', 'weight', weight);
  if (input.ndim === 2) return squeeze(conv1d(unsqueeze(input, 0), weight, bias, options), 0);
  if (input.ndim !== 3) throw opError('conv1d', `expected a 2-D (unbatched) or 3-D (batched) input [N, C, L], got shape ${formatShape(input.shape)}`);
  if (weight.ndim !== 3) throw opError('conv1d', `expected a 3-D weight [outChannels, inChannels/groups, k], got shape ${formatShape(weight.shape)}`);
  const padding = typeof options.padding === 'number' ? [0, options.padding] as const : options.padding;
  const out = conv2d(unsqueeze(input, 2), unsqueeze(weight, 2), bias, {
    stride: [1, options.stride ?? 1], padding, dilation: [1, options.dilation ?? 1], groups: options.groups,
  });
  return squeeze(out, 2);
}
