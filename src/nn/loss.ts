/**
 * Loss functions, in functional form (nb.F.crossEntropy, ...) and as modules (nn.CrossEntropyLoss, ...),
 * with PyTorch's options and semantics: reductions 'mean' | 'sum' | 'none', class weights with the
 * weighted mean, ignoreIndex, label smoothing, class-probability targets, posWeight, beta/delta.
 */
import { checkOptions } from '../util/options.js';
import { Tensor } from '../tensor/tensor.js';
import { broadcastShapes, formatShape, shapesEqual } from '../tensor/shape.js';
import { record } from '../autograd/node.js';
import { noGrad } from '../autograd/grad-mode.js';
import { abs, add, clamp, div, exp, log, lt, mul, neg, sub, toDtype, where } from '../ops/elementwise.js';
import { mean, sum } from '../ops/reduce.js';
import { logSoftmax } from '../ops/activation.js';
import { reshape } from '../ops/shape.js';
import { crossEntropyIndexed, nllFromLogProbs, type ClassTargets, type Reduction } from '../ops/loss.js';
import { Module } from './module.js';

export type { Reduction };


/** Options of NLLLoss: class weights, ignored index, reduction. */
export interface NLLLossOptions {
  /** A manual rescaling weight per class, shape [C]. */
  weight?: Tensor | null;
  /** Targets equal to this value contribute nothing, not even to the mean's denominator. Default -100. */
  ignoreIndex?: number;
  reduction?: Reduction;
}

/** Options of CrossEntropyLoss: those of NLLLoss and label smoothing. */
export interface CrossEntropyOptions extends NLLLossOptions {
  /** In [0, 1]: the target becomes (1 - s) * target + s / C (for class indices and probabilities alike). */
  labelSmoothing?: number;
}

/** Options of BCELoss: weights and reduction. */
export interface BCEOptions {
  /** A manual rescaling weight, broadcast to the input's shape. */
  weight?: Tensor | null;
  reduction?: Reduction;
}

/** Options of BCEWithLogitsLoss: those of BCELoss and the positive-class weight. */
export interface BCEWithLogitsOptions extends BCEOptions {
  /** Weight of positive examples per class, broadcast against the target (PyTorch's pos_weight). */
  posWeight?: Tensor | null;
}

// ---------- shared checks ----------

function requireTensorArg(op: string, name: string, t: unknown): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new Error(`${op}: expected ${name} to be a Tensor, got ${t === null ? 'null' : typeof t}`);
}

function checkReduction(op: string, reduction: unknown): Reduction {
  if (reduction === 'mean' || reduction === 'sum' || reduction === 'none') return reduction;
  throw new Error(`${op}: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(reduction)}`);
}

function reduce(loss: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return loss;
  return reduction === 'sum' ? sum(loss) : mean(loss);
}

const warned = new Set<string>();

function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  console.warn(`UserWarning: ${message}`);
}

function asFloat(t: Tensor): Tensor {
  return t.dtype === 'float32' ? t : toDtype(t, 'float32');
}

/** A hint for the common ways a prediction and its target disagree in shape. */
function shapeFix(input: readonly number[], target: readonly number[]): string {
  if (target.length === input.length + 1 && target[0] === input[0] && shapesEqual(target.slice(2), input.slice(1))) {
    return `The target has a dimension of ${target[1]} steps after the batch dimension that the prediction lacks: predict every step (an output of shape ${formatShape(target)}) or compare with the last step only, target[:, -1, :] (target.select(1, -1)).`;
  }
  if (input.length === target.length + 1 && input[0] === target[0] && shapesEqual(input.slice(2), target.slice(1))) {
    return `The prediction has a dimension of ${input[1]} steps after the batch dimension that the target lacks: compare its last step, input.select(1, -1), or give the target every step.`;
  }
  const n = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  if (n(input) === n(target)) return `They hold the same number of elements: reshape one to the other's shape (e.g. target.reshape(${formatShape(input)})).`;
  return 'Make the prediction and the target the same shape.';
}

/** PyTorch's rule for elementwise regression losses: same shape, or a warning when they broadcast, or an error when they do not. */
function checkRegressionShapes(op: string, input: Tensor, target: Tensor): void {
  if (shapesEqual(input.shape, target.shape)) return;
  const fi = formatShape(input.shape), ft = formatShape(target.shape);
  let broadcastable = true;
  try {
    broadcastShapes(input.shape, target.shape, op);
  } catch {
    broadcastable = false;
  }
  if (!broadcastable) {
    throw new Error(`${op}: input of shape ${fi} and target of shape ${ft} do not broadcast, so the loss cannot be computed. ${shapeFix(input.shape, target.shape)}`);
  }
  let fix = shapeFix(input.shape, target.shape);
  const squeezable = (a: readonly number[], b: readonly number[]) => a.length === b.length + 1 && a[a.length - 1] === 1 && shapesEqual(a.slice(0, -1), b);
  if (squeezable(input.shape, target.shape)) fix = 'Squeeze the prediction\'s last dimension (input.squeeze(-1)) or unsqueeze the target (target.unsqueeze(-1)).';
  else if (squeezable(target.shape, input.shape)) fix = 'Squeeze the target\'s last dimension (target.squeeze(-1)) or unsqueeze the prediction (input.unsqueeze(-1)).';
  warnOnce(`${op}: using a target size (${ft}) that is different to the input size (${fi}). This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size. ${fix}`);
}

// ---------- classification ----------

function checkWeight(op: string, weight: Tensor | null | undefined, numClasses: number): Tensor | null {
  if (weight === null || weight === undefined) return null;
  requireTensorArg(op, 'weight', weight);
  if (weight.ndim !== 1 || weight.shape[0] !== numClasses) {
    throw new Error(`${op}: weight should be a 1-D tensor with one entry per class (${numClasses} classes), got shape ${formatShape(weight.shape)}`);
  }
  return asFloat(weight);
}

/** [1, C, 1, ...] (or [C] for unbatched input), to broadcast a class weight against the input. */
function classView(weight: Tensor, ndim: number, classDim: number): Tensor {
  if (ndim === 1) return weight;
  return reshape(weight, Array.from({ length: ndim }, (_, i) => (i === classDim ? weight.shape[0] : 1)));
}

function classTargets(op: string, input: Tensor, target: Tensor, weight: Tensor | null, ignoreIndex: number): ClassTargets {
  const classDim = input.ndim === 1 ? 0 : 1;
  const numClasses = input.shape[classDim];
  const expected = input.shape.filter((_, i) => i !== classDim);
  if (target.dtype !== 'int32') {
    const probHint = op === 'crossEntropy' ? `; class-probability targets must be float32 with the input's shape ${formatShape(input.shape)}` : '';
    throw new Error(`${op}: class-index targets must be int32, got a ${target.dtype} target of shape ${formatShape(target.shape)} (convert with target.int())${probHint}`);
  }
  if (!shapesEqual(target.shape, expected)) {
    let hint = '';
    if (target.ndim === expected.length + 1 && target.shape[target.ndim - 1] === 1 && shapesEqual(target.shape.slice(0, -1), expected)) hint = ` Squeeze the target: target.squeeze(-1).`;
    else if (shapesEqual(target.shape, input.shape)) hint = ` It has the input's shape: for one-hot or probability targets pass target.float() to crossEntropy, or class indices target.argmax(${classDim}).`;
    throw new Error(`${op}: expected a target of shape ${formatShape(expected)} (the input ${formatShape(input.shape)} without its class dimension ${classDim}), got ${formatShape(target.shape)}.${hint}`);
  }
  const t = target.contiguousData() as Int32Array;
  const w = weight ? (weight.contiguousData() as Float32Array) : null;
  const safe = new Int32Array(t.length);
  const picked = new Float32Array(t.length);
  const keep = new Uint8Array(t.length);
  let weightSum = 0, keptCount = 0;
  for (let i = 0; i < t.length; i++) {
    const v = t[i];
    if (v === ignoreIndex) continue;
    if (v < 0 || v >= numClasses) {
      throw new Error(`${op}: target class index ${v} (at position ${i}) is out of range for ${numClasses} classes: expected values in [0, ${numClasses - 1}]${ignoreIndex < 0 || ignoreIndex >= numClasses ? ` or ignoreIndex (${ignoreIndex})` : ''}. Check that the model's output has one column per class.`);
    }
    safe[i] = v;
    picked[i] = w ? w[v] : 1;
    keep[i] = 1;
    weightSum += picked[i];
    keptCount++;
  }
  return {
    classDim, numClasses,
    index: Tensor.fromData(safe, target.shape, 'int32'),
    picked: Tensor.fromData(picked, target.shape, 'float32'),
    keep: Tensor.fromData(keep, target.shape, 'bool'),
    weightSum, keptCount,
  };
}

function checkClassInput(op: string, input: Tensor): void {
  requireTensorArg(op, 'input', input);
  if (input.ndim === 0) throw new Error(`${op}: expected an input of shape [C], [N, C] or [N, C, d1, ...], got a 0-D tensor`);
  if (input.dtype !== 'float32') throw new Error(`${op}: expected a float32 input (the model's scores), got ${input.dtype}`);
}

/**
 * The negative log-likelihood of log-probabilities `input` ([N, C], [C] or [N, C, d1, ...]) at
 * int32 class indices `target` ([N], [] or [N, d1, ...]).
 */
export function nllLoss(input: Tensor, target: Tensor, options: NLLLossOptions = {}): Tensor {
  checkOptions('nllLoss', options, { weight: 'object|null', ignoreIndex: 'integer', reduction: ['mean', 'sum', 'none'] });
  checkClassInput('nllLoss', input);
  requireTensorArg('nllLoss', 'target', target);
  const reduction = checkReduction('nllLoss', options.reduction ?? 'mean');
  const classDim = input.ndim === 1 ? 0 : 1;
  const weight = checkWeight('nllLoss', options.weight, input.shape[classDim]);
  const info = classTargets('nllLoss', input, target, weight, options.ignoreIndex ?? -100);
  return nllFromLogProbs(input, info, reduction);
}

/**
 * Cross-entropy between raw scores `input` ([N, C], [C] or [N, C, d1, ...]) and either int32
 * class indices ([N], [] or [N, d1, ...]) or float32 class probabilities of the input's shape.
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  checkOptions('crossEntropy', options, { weight: 'object|null', ignoreIndex: 'integer', reduction: ['mean', 'sum', 'none'], labelSmoothing: 'number' });
  const op = 'crossEntropy';
  checkClassInput(op, input);
  requireTensorArg(op, 'target', target);
  const reduction = checkReduction(op, options.reduction ?? 'mean');
  const smoothing = options.labelSmoothing ?? 0;
  if (!(smoothing >= 0 && smoothing <= 1)) throw new Error(`${op}: labelSmoothing must be between 0.0 and 1.0, got ${smoothing}`);
  const classDim = input.ndim === 1 ? 0 : 1;
  const numClasses = input.shape[classDim];
  const weight = checkWeight(op, options.weight, numClasses);

  if (target.dtype === 'int32' && (smoothing === 0 || !weight) && input.ndim <= 2) {
    return crossEntropyIndexed(input, classTargets(op, input, target, weight, options.ignoreIndex ?? -100), reduction, smoothing);
  }
  const logp = logSoftmax(input, classDim);

  if (target.dtype === 'float32') {
    if (!shapesEqual(target.shape, input.shape)) {
      const expected = input.shape.filter((_, i) => i !== classDim);
      const hint = shapesEqual(target.shape, expected) ? ' For class indices the target must be int32: convert with target.int().' : '';
      throw new Error(`${op}: a float32 target holds class probabilities and must have the input's shape ${formatShape(input.shape)}, got ${formatShape(target.shape)}.${hint}`);
    }
    const probs = smoothing > 0 ? add(mul(target, 1 - smoothing), smoothing / numClasses) : target;
    let prod = mul(logp, probs);
    if (weight) prod = mul(prod, classView(weight, input.ndim, classDim));
    if (reduction === 'none') return neg(sum(prod, classDim));
    const total = neg(sum(prod));
    return reduction === 'sum' ? total : div(total, input.numel() / numClasses);
  }

  const info = classTargets(op, input, target, weight, options.ignoreIndex ?? -100);
  const nll = nllFromLogProbs(logp, info, reduction);
  if (smoothing === 0) return nll;
  const perClass = weight ? mul(logp, classView(weight, input.ndim, classDim)) : logp;
  const smooth = where(info.keep, neg(sum(perClass, classDim)), 0);
  let smoothReduced: Tensor;
  if (reduction === 'none') smoothReduced = smooth;
  else if (reduction === 'sum') smoothReduced = sum(smooth);
  else smoothReduced = div(sum(smooth), weight ? info.weightSum : info.keptCount);
  return add(mul(nll, 1 - smoothing), mul(smoothReduced, smoothing / numClasses));
}

// ---------- regression ----------

function regressionArgs(op: string, input: Tensor, target: Tensor, reductionIn: unknown): Reduction {
  requireTensorArg(op, 'input', input);
  requireTensorArg(op, 'target', target);
  const reduction = checkReduction(op, reductionIn ?? 'mean');
  checkRegressionShapes(op, input, target);
  return reduction;
}

/** Mean squared error: (input - target)². */
export function mseLoss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  checkOptions('mseLoss', options, { reduction: ['mean', 'sum', 'none'] });
  const reduction = regressionArgs('mseLoss', input, target, options.reduction);
  const d = sub(input, target);
  return reduce(mul(d, d), reduction);
}

/** Mean absolute error: |input - target|. */
export function l1Loss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  checkOptions('l1Loss', options, { reduction: ['mean', 'sum', 'none'] });
  const reduction = regressionArgs('l1Loss', input, target, options.reduction);
  return reduce(abs(sub(input, target)), reduction);
}

/** 0.5 d² / beta where |d| < beta, else |d| - 0.5 beta (beta = 0 is the L1 loss). */
export function smoothL1Loss(input: Tensor, target: Tensor, options: { reduction?: Reduction; beta?: number } = {}): Tensor {
  checkOptions('smoothL1Loss', options, { reduction: ['mean', 'sum', 'none'], beta: 'number' });
  const reduction = regressionArgs('smoothL1Loss', input, target, options.reduction);
  const beta = options.beta ?? 1;
  if (!(beta >= 0)) throw new Error(`smoothL1Loss: beta must be non-negative, got ${beta}`);
  const d = sub(input, target);
  const ad = abs(d);
  if (beta === 0) return reduce(ad, reduction);
  return reduce(where(lt(ad, beta), div(mul(mul(d, d), 0.5), beta), sub(ad, 0.5 * beta)), reduction);
}

/** 0.5 d² where |d| < delta, else delta (|d| - 0.5 delta). */
export function huberLoss(input: Tensor, target: Tensor, options: { reduction?: Reduction; delta?: number } = {}): Tensor {
  checkOptions('huberLoss', options, { reduction: ['mean', 'sum', 'none'], delta: 'number' });
  const reduction = regressionArgs('huberLoss', input, target, options.reduction);
  const delta = options.delta ?? 1;
  if (!(delta > 0)) throw new Error(`huberLoss: delta must be positive, got ${delta}`);
  const d = sub(input, target);
  const ad = abs(d);
  return reduce(where(lt(ad, delta), mul(mul(d, d), 0.5), mul(sub(ad, 0.5 * delta), delta)), reduction);
}

// ---------- binary ----------

function binaryArgs(op: string, input: Tensor, target: Tensor, options: BCEOptions, what: string): { reduction: Reduction; target: Tensor; weight: Tensor | null } {
  requireTensorArg(op, 'input', input);
  requireTensorArg(op, 'target', target);
  const reduction = checkReduction(op, options.reduction ?? 'mean');
  if (input.dtype !== 'float32') throw new Error(`${op}: expected a float32 input (${what}), got ${input.dtype}`);
  if (!shapesEqual(input.shape, target.shape)) {
    throw new Error(`${op}: the target's shape ${formatShape(target.shape)} must be the same as the input's shape ${formatShape(input.shape)}. ${shapeFix(input.shape, target.shape)}`);
  }
  let weight: Tensor | null = null;
  if (options.weight !== null && options.weight !== undefined) {
    requireTensorArg(op, 'weight', options.weight);
    weight = asFloat(options.weight);
    let ok = true;
    try {
      ok = shapesEqual(broadcastShapes(weight.shape, input.shape, op), input.shape);
    } catch {
      ok = false;
    }
    if (!ok) throw new Error(`${op}: weight of shape ${formatShape(weight.shape)} does not broadcast to the input's shape ${formatShape(input.shape)}`);
  }
  return { reduction, target: asFloat(target), weight };
}

/**
 * Binary cross-entropy of probabilities `input` (in [0, 1]) against targets in [0, 1]; each log is
 * clamped at -100 as PyTorch does, and the gradient is w (x - t) / max(x (1 - x), 1e-12), finite at 0 and 1.
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: BCEOptions = {}): Tensor {
  checkOptions('binaryCrossEntropy', options, { weight: 'object|null', reduction: ['mean', 'sum', 'none'] });
  const op = 'binaryCrossEntropy';
  const { reduction, target: t, weight } = binaryArgs(op, input, target, options, 'probabilities in [0, 1]');
  const values = input.contiguousData();
  for (let i = 0; i < values.length; i++) {
    if (!(values[i] >= 0 && values[i] <= 1)) {
      throw new Error(`${op}: all elements of input should be between 0 and 1, found ${values[i]} at position ${i}. Apply sigmoid to the scores first, or use binaryCrossEntropyWithLogits on the raw scores (more stable).`);
    }
  }
  const x = input.detach(), td = t.detach();
  const [loss, logX, log1mX] = noGrad(() => {
    const lx = clamp(log(x), -100);
    const l1x = clamp(log(sub(1, x)), -100);
    let l = neg(add(mul(td, lx), mul(sub(1, td), l1x)));
    if (weight) l = mul(l, weight);
    return [l, lx, l1x];
  });
  const perElement = record(loss, op, [input, t], (g) => {
    const gw = weight ? mul(g, weight) : g;
    return [
      input.requiresGrad ? div(mul(gw, sub(x, td)), clamp(mul(x, sub(1, x)), 1e-12)) : null,
      t.requiresGrad ? mul(gw, sub(log1mX, logX)) : null,
    ];
  }, [input, t]);
  return reduce(perElement, reduction);
}

/**
 * Binary cross-entropy on raw scores (sigmoid folded in, computed stably):
 * (1 - t) x + (1 + (posWeight - 1) t) log(1 + exp(-x)), times weight.
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options: BCEWithLogitsOptions = {}): Tensor {
  checkOptions('binaryCrossEntropyWithLogits', options, { weight: 'object|null', reduction: ['mean', 'sum', 'none'], posWeight: 'object|null' });
  const op = 'binaryCrossEntropyWithLogits';
  const { reduction, target: t, weight } = binaryArgs(op, input, target, options, 'raw scores');
  const maxVal = clamp(neg(input), 0);
  // log(1 + exp(-x)) = log(exp(-m) + exp(-x - m)) + m with m = max(-x, 0): both exps are at most 1
  const softplusNeg = add(log(add(exp(neg(maxVal)), exp(sub(neg(input), maxVal)))), maxVal);
  let logWeighted = softplusNeg;
  if (options.posWeight !== null && options.posWeight !== undefined) {
    requireTensorArg(op, 'posWeight', options.posWeight);
    const pw = asFloat(options.posWeight);
    try {
      broadcastShapes(pw.shape, t.shape, op);
    } catch {
      throw new Error(`${op}: posWeight of shape ${formatShape(pw.shape)} does not broadcast against the target's shape ${formatShape(t.shape)} (give one weight per class, shape [${t.shape[t.ndim - 1] ?? 1}])`);
    }
    logWeighted = mul(add(mul(sub(pw, 1), t), 1), softplusNeg);
  }
  let loss = add(mul(sub(1, t), input), logWeighted);
  if (weight) loss = mul(loss, weight);
  return reduce(loss, reduction);
}

// ---------- modules ----------

/** nn.NLLLoss: forward(logProbs, classIndices). */
export class NLLLoss extends Module {
  declare readonly weight: Tensor | null;
  ignoreIndex: number;
  reduction: Reduction;

  constructor(options: NLLLossOptions = {}) {
    super();
    checkOptions('NLLLoss', options, { weight: 'object|null', ignoreIndex: 'integer', reduction: ['mean', 'sum', 'none'] });
    this.registerBuffer('weight', options.weight ?? null);
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.reduction = checkReduction('NLLLoss', options.reduction ?? 'mean');
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

/** nn.CrossEntropyLoss: forward(scores, classIndicesOrProbabilities). */
export class CrossEntropyLoss extends Module {
  declare readonly weight: Tensor | null;
  ignoreIndex: number;
  reduction: Reduction;
  labelSmoothing: number;

  constructor(options: CrossEntropyOptions = {}) {
    super();
    checkOptions('CrossEntropyLoss', options, { weight: 'object|null', ignoreIndex: 'integer', reduction: ['mean', 'sum', 'none'], labelSmoothing: 'number' });
    this.registerBuffer('weight', options.weight ?? null);
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.reduction = checkReduction('CrossEntropyLoss', options.reduction ?? 'mean');
    this.labelSmoothing = options.labelSmoothing ?? 0;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction, labelSmoothing: this.labelSmoothing });
  }
}

/** The mean squared error between input and target. */
export class MSELoss extends Module {
  reduction: Reduction;

  constructor(options: { reduction?: Reduction } = {}) {
    super();
    checkOptions('MSELoss', options, { reduction: ['mean', 'sum', 'none'] });
    this.reduction = checkReduction('MSELoss', options.reduction ?? 'mean');
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, { reduction: this.reduction });
  }
}

/** The mean absolute error between input and target. */
export class L1Loss extends Module {
  reduction: Reduction;

  constructor(options: { reduction?: Reduction } = {}) {
    super();
    checkOptions('L1Loss', options, { reduction: ['mean', 'sum', 'none'] });
    this.reduction = checkReduction('L1Loss', options.reduction ?? 'mean');
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, { reduction: this.reduction });
  }
}

/** Smooth L1 loss: squared below beta, absolute above. */
export class SmoothL1Loss extends Module {
  reduction: Reduction;
  beta: number;

  constructor(options: { reduction?: Reduction; beta?: number } = {}) {
    super();
    checkOptions('SmoothL1Loss', options, { reduction: ['mean', 'sum', 'none'], beta: 'number' });
    this.reduction = checkReduction('SmoothL1Loss', options.reduction ?? 'mean');
    this.beta = options.beta ?? 1;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

/** Huber loss: squared below delta, linear above. */
export class HuberLoss extends Module {
  reduction: Reduction;
  delta: number;

  constructor(options: { reduction?: Reduction; delta?: number } = {}) {
    super();
    checkOptions('HuberLoss', options, { reduction: ['mean', 'sum', 'none'], delta: 'number' });
    this.reduction = checkReduction('HuberLoss', options.reduction ?? 'mean');
    this.delta = options.delta ?? 1;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}

/** nn.BCELoss: forward(probabilities, targets). */
export class BCELoss extends Module {
  declare readonly weight: Tensor | null;
  reduction: Reduction;

  constructor(options: BCEOptions = {}) {
    super();
    checkOptions('BCELoss', options, { weight: 'object|null', reduction: ['mean', 'sum', 'none'] });
    this.registerBuffer('weight', options.weight ?? null);
    this.reduction = checkReduction('BCELoss', options.reduction ?? 'mean');
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

/** nn.BCEWithLogitsLoss: forward(rawScores, targets). */
export class BCEWithLogitsLoss extends Module {
  declare readonly weight: Tensor | null;
  declare readonly pos_weight: Tensor | null;
  reduction: Reduction;

  constructor(options: BCEWithLogitsOptions = {}) {
    super();
    checkOptions('BCEWithLogitsLoss', options, { weight: 'object|null', reduction: ['mean', 'sum', 'none'], posWeight: 'object|null' });
    this.registerBuffer('weight', options.weight ?? null);
    this.registerBuffer('pos_weight', options.posWeight ?? null);
    this.reduction = checkReduction('BCEWithLogitsLoss', options.reduction ?? 'mean');
  }

  get posWeight(): Tensor | null {
    return this.pos_weight;
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.pos_weight, reduction: this.reduction });
  }
}
