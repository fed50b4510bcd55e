/** torch.optim.Adam / AdamW's update as an op on raw parameter storage (optim/adam.ts keeps the state), run by the backend's adamStep kernel. */
import { getBackend } from '../backend/registry.js';
import type { AdamUpdate } from '../backend/backend.js';

export type { AdamUpdate };

/**
 * Updates n parameters p[po..] in place from the gradient g[go..] and the moments m, v (and vmax,
 * the running maximum of v, with amsgrad; else null), which it updates too.
 */
export function adamKernelUpdate(p: Float32Array, po: number, g: Float32Array, go: number, n: number,
  m: Float32Array, v: Float32Array, vmax: Float32Array | null, h: AdamUpdate): void {
  getBackend().adamStep(p, po, g, go, n, m, v, vmax, h);
}
