/** torch.optim.SGD's update as an op on raw parameter storage (optim/sgd.ts keeps the state), run by the backend's sgdStep kernel. */
import { getBackend } from '../backend/registry.js';
import type { SgdUpdate } from '../backend/backend.js';

export type { SgdUpdate };

/**
 * Updates n parameters p[po..] in place from the gradient g[go..]: buf is the momentum buffer (null
 * when momentum is 0); `first` is its first update (buf = direction).
 */
export function sgdUpdate(p: Float32Array, po: number, g: Float32Array, go: number, n: number, buf: Float32Array | null, first: boolean, h: SgdUpdate): void {
  getBackend().sgdStep(p, po, g, go, n, buf, first, h);
}
