/** The reference Adam/AdamW update (Backend.adamStep): float64 arithmetic on float32 data, rounded where stored. */
import type { Backend } from '../backend.js';

export const adamStep: Backend['adamStep'] = (p, po, g, go, n, m, v, vmax, h) => {
  const { beta1, beta2, stepSize, biasCorrection2Sqrt, eps, l2, decay } = h;
  const sign = h.maximize ? -1 : 1;
  const c1 = 1 - beta1;
  const c2 = 1 - beta2;
  for (let i = 0; i < n; i++) {
    let gi = sign * g[go + i]!;
    if (l2 !== 0) gi = Math.fround(gi + l2 * p[po + i]!);
    if (decay !== 1) p[po + i] *= decay;
    m[i] = m[i]! * beta1 + c1 * gi;
    v[i] = v[i]! * beta2 + c2 * gi * gi;
    let denomBase: number;
    if (vmax) {
      if (v[i]! > vmax[i]!) vmax[i] = v[i]!;
      denomBase = vmax[i]!;
    } else denomBase = v[i]!;
    const denom = Math.fround(Math.fround(Math.sqrt(denomBase) / biasCorrection2Sqrt) + eps);
    p[po + i] -= (stepSize * m[i]!) / denom;
  }
};
