/** Gradient clipping, as torch.nn.utils.clip_grad_norm_ / clip_grad_value_ (gradients change in place). */
import { checkOptions } from '../../util/options.js';
import { Tensor } from '../../tensor/tensor.js';
import { noGrad } from '../../autograd/grad-mode.js';
import '../../ops/tensor-methods.js'; // Tensor's op methods

export interface ClipGradNormOptions {
  /** Throw when the total norm is NaN or infinite instead of scaling by it (default false). */
  errorIfNonfinite?: boolean;
}

function gradsOf(params: Tensor | Iterable<Tensor>): Tensor[] {
  const list = params instanceof Tensor ? [params] : Array.from(params);
  const grads: Tensor[] = [];
  for (const p of list) {
    if (!(p instanceof Tensor)) throw new TypeError(`clip_grad: expected Tensors, got ${p === null ? 'null' : typeof p}`);
    // clipping scales in place and keeps no reference: the gradients stay the engine's alone
    const g = p.gradForUpdate();
    if (g !== null) grads.push(g);
  }
  return grads;
}

/** g *= factor in place (bumps its version). */
function scale(g: Tensor, factor: number): void {
  if (g.isContiguous()) {
    const d = g.storage.data as Float32Array;
    const end = g.offset + g.numel();
    for (let i = g.offset; i < end; i++) d[i] *= factor;
    g.bumpVersion();
  } else noGrad(() => g.copy_(g.detach().mul(factor)));
}

/** The p-norm of one gradient: max |x| for Infinity, count of non-zeros for 0. */
function norm(values: ArrayLike<number>, p: number): number {
  let acc = 0;
  const n = values.length;
  if (p === Infinity) {
    for (let i = 0; i < n; i++) {
      const a = Math.abs(values[i]);
      if (a > acc || Number.isNaN(a)) acc = a;
      if (Number.isNaN(acc)) return NaN;
    }
    return acc;
  }
  if (p === 0) {
    for (let i = 0; i < n; i++) if (values[i] !== 0) acc++;
    return acc;
  }
  if (p === 2) {
    for (let i = 0; i < n; i++) acc += values[i] * values[i];
    return Math.sqrt(acc);
  }
  if (p === 1) {
    for (let i = 0; i < n; i++) acc += Math.abs(values[i]);
    return acc;
  }
  for (let i = 0; i < n; i++) acc += Math.abs(values[i]) ** p;
  return acc ** (1 / p);
}

/**
 * Scales all gradients together so that their joint `normType`-norm (the norm of the per-tensor
 * norms, as if they were one concatenated vector) is at most `maxNorm`; the factor is
 * `min(1, maxNorm / (total + 1e-6))`. `normType` is any p > 0, 0, or `Infinity` (max |g|).
 *
 * Returns the total norm before clipping as a number (PyTorch returns a 0-d tensor), computed in
 * double precision; 0 when no parameter has a gradient. Parameters whose grad is null are skipped.
 */
export function clipGradNorm(
  params: Tensor | Iterable<Tensor>,
  maxNorm: number,
  normType = 2,
  options: ClipGradNormOptions = {},
): number {
  checkOptions('clipGradNorm', options, { errorIfNonfinite: 'boolean' });
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm)) throw new TypeError(`clipGradNorm: maxNorm must be a number, got ${maxNorm}`);
  if (typeof normType !== 'number' || Number.isNaN(normType) || normType < 0) {
    throw new RangeError(`clipGradNorm: normType must be a non-negative number or Infinity, got ${normType}`);
  }
  const grads = gradsOf(params);
  if (grads.length === 0) return 0;
  const norms = grads.map((g) => norm(g.contiguousData(), normType));
  const total = norm(norms, normType);
  if (options.errorIfNonfinite && !Number.isFinite(total)) {
    throw new Error(
      `The total norm of order ${normType === Infinity ? 'inf' : normType} for gradients from \`parameters\` is non-finite, so it cannot be clipped. ` +
        'To disable this error and scale the gradients by the non-finite norm anyway, set `errorIfNonfinite: false`',
    );
  }
  const coef = maxNorm / (total + 1e-6);
  // PyTorch multiplies by clamp(coef, max=1) always; multiplying by 1 changes nothing, so skip it.
  if (!(coef >= 1)) {
    const factor = Number.isNaN(coef) ? NaN : coef;
    noGrad(() => {
      for (const g of grads) scale(g, factor);
    });
  }
  return total;
}

/** Clamps every gradient element into [-clipValue, clipValue] in place (NaN stays NaN); returns nothing, as PyTorch. */
export function clipGradValue(params: Tensor | Iterable<Tensor>, clipValue: number): void {
  if (typeof clipValue !== 'number' || Number.isNaN(clipValue)) throw new TypeError(`clipGradValue: clipValue must be a number, got ${clipValue}`);
  // PyTorch would clamp to the empty range [-c, c] and set every element to c; refuse instead.
  if (clipValue < 0) throw new RangeError(`clipGradValue: clipValue must be non-negative, got ${clipValue}`);
  const c = clipValue;
  const grads = gradsOf(params);
  noGrad(() => {
    for (const g of grads) {
      if (g.isContiguous()) {
        const d = g.storage.data as Float32Array;
        const end = g.offset + g.numel();
        for (let i = g.offset; i < end; i++) {
          const v = d[i];
          if (v > c) d[i] = c;
          else if (v < -c) d[i] = -c;
        }
        g.bumpVersion();
      } else g.copy_(g.detach().clamp(-c, c));
    }
  });
}
