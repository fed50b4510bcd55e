/**
 * Finite-difference gradient check for float32 ops.
 *
 * For a function f of some tensors, fix a random "upstream" weighting v of its outputs and look at
 * the scalar L(x) = Σ v·f(x). Autograd gives ∂L/∂x in one backward pass (a vector-Jacobian
 * product); the check compares it, element by element, with the central difference
 *     (L(x + h·e_i) - L(x - h·e_i)) / (x_i⁺ - x_i⁻)
 * where x_i± are the float32 values actually stored after adding ±h (so the step's own rounding
 * does not count as error). L is summed in float64 from the op's float32 outputs.
 *
 * Why h = 1e-2 and the tolerances (nabla is float32-only, so no float64 evaluation is possible):
 * - truncation error of a central difference is h²/6·|L'''| ≈ 2e-5·|L'''|: small for smooth ops on
 *   O(1) inputs;
 * - rounding error: each output carries ~u·|f| with u = 6e-8 (more after a k-term sum, ~√k·u), which
 *   the difference divides by 2h: ≈ 3e-6·Σ|v||f| per element, i.e. 1e-5..1e-4 for our small shapes;
 *   with h = 1e-3 this term alone would reach 1e-3 and drown the check.
 * - hence atol 2e-3 + rtol 1e-2: an order of magnitude above both error sources, and far below
 *   what a wrong rule gives (a dropped term, a wrong sign or factor errs by O(|grad|) ≈ 0.1..1).
 * Inputs must stay ≥ h away from kinks (relu/abs at 0, ties in max/maxPool, clamp bounds, integer
 * boundaries of floor/round): the callers build them that way.
 */
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import type { Tensor } from '../../src/index.js';

export interface GradcheckOptions {
  /** Finite-difference step (default 1e-2). */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Seed for the upstream weighting v. */
  seed?: number;
}

export type Differentiable = (...inputs: Tensor[]) => Tensor | Tensor[];

function outputsOf(result: Tensor | Tensor[]): Tensor[] {
  return Array.isArray(result) ? result : [result];
}

/** L = Σ_k Σ v_k·out_k in float64, over the float outputs. */
function weightedSum(outs: Tensor[], weights: Float64Array[]): number {
  let total = 0;
  outs.forEach((o, k) => {
    if (o.dtype !== 'float32') return;
    const d = o.dataSync();
    const w = weights[k];
    for (let i = 0; i < d.length; i++) total += w[i] * d[i];
  });
  return total;
}

/**
 * Checks autograd's gradient of every float input with requiresGrad against central differences.
 * The perturbed inputs are fresh tensors built from the values (never writes into a storage), so
 * the check runs unchanged on any backend.
 */
export function gradcheck(fn: Differentiable, inputs: Tensor[], label: string, options: GradcheckOptions = {}): void {
  const eps = options.eps ?? 1e-2, atol = options.atol ?? 2e-3, rtol = options.rtol ?? 1e-2;
  const checked = inputs.filter((t) => t.requiresGrad);
  assert.ok(checked.length > 0, `${label}: no input requires grad`);
  for (const t of checked) {
    assert.ok(t.isLeaf && t.dtype === 'float32', `${label}: gradcheck inputs that require grad must be float32 leaves`);
    t.grad = null;
  }
  // analytic: one backward of L = Σ v·f
  const outs = outputsOf(fn(...inputs));
  const gen = new nb.Generator(options.seed ?? 1234);
  const weights = outs.map((o) => Float64Array.from({ length: o.numel() }, () => Math.fround(gen.normal())));
  const differentiable = outs.map((o, k) => [o, k] as const).filter(([o]) => o.dtype === 'float32' && o.requiresGrad);
  assert.ok(differentiable.length > 0, `${label}: no output requires grad`);
  const loss = differentiable
    .map(([o, k]) => nb.sum(nb.mul(o, nb.tensor(Float32Array.from(weights[k]), { shape: [...o.shape] }))))
    .reduce((a, b) => nb.add(a, b));
  loss.backward();

  // numerical, one element at a time, with no graph recorded
  nb.noGrad(() => {
    checked.forEach((t, which) => {
      const position = inputs.indexOf(t);
      const base = t.dataSync() as Float32Array;
      const analytic = t.grad ? t.grad.dataSync() : new Float32Array(t.numel());
      /** L with input `position`'s element i set to `value` (rounded to float32); returns [L, the stored value]. */
      const evaluate = (i: number, value: number): [number, number] => {
        const data = base.slice();
        data[i] = value;
        const perturbed = inputs.slice();
        perturbed[position] = nb.tensor(data, { shape: [...t.shape] });
        return [weightedSum(outputsOf(fn(...perturbed)), weights), data[i]];
      };
      let worst = -1, worstExcess = 0, worstNumeric = 0;
      for (let i = 0; i < base.length; i++) {
        const [lPlus, plus] = evaluate(i, base[i] + eps);
        const [lMinus, minus] = evaluate(i, base[i] - eps);
        const numeric = (lPlus - lMinus) / (plus - minus);
        const excess = Math.abs(analytic[i] - numeric) / (atol + rtol * Math.abs(numeric));
        if (!(excess <= 1) && (worst < 0 || !(excess <= worstExcess))) { worst = i; worstExcess = excess; worstNumeric = numeric; }
      }
      if (worst >= 0) {
        assert.fail(`${label}: gradient of input ${position} (checked input ${which}, shape [${t.shape}]) differs from finite differences ` +
          `at flat index ${worst}: autograd ${analytic[worst]}, numeric ${worstNumeric} (${worstExcess.toFixed(1)}x the tolerance atol ${atol}, rtol ${rtol}, eps ${eps})`);
      }
    });
  });
}
