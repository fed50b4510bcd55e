/**
 * SGD's update on the wasm kernel (kernels/sgd.ts), bit-identical to the reference. The parameters,
 * gradient and momentum buffer stay in their arrays; they go through wasm memory in L2-sized chunks,
 * so the copies hit the cache and the whole update costs well under the reference loop's ~3 ns per
 * element (a 1.6M-parameter layer: ~8 ms in V8).
 */
import type { Backend } from '../backend.js';
import { wasmScratch } from './scratch.js';
import { profileHooks } from '../../util/profile-hooks.js';

/** SGD's kernel export (kernels/sgd.ts): n floats in place; buf 0 without momentum; flags: 1 first, 2 Nesterov, 4 maximize. */
export interface SgdExports {
  sgdStepF32(p: number, g: number, buf: number, n: number, lr: number, momentum: number, keep: number, wd: number, flags: number): void;
}

const CHUNK = 16384; // floats per array per pass: 3 x 64 KiB
const FIRST = 1, NESTEROV = 2, MAXIMIZE = 4; // kernels/sgd.ts

export const sgdStep: Backend['sgdStep'] = (p, po, g, go, n, buf, first, h) => {
  const chunk = Math.min(CHUNK, n);
  const m = wasmScratch('sgdStep', [chunk, chunk, buf ? chunk : 0]);
  const [pp, pg, pb] = m.ptrs as [number, number, number];
  const flags = (first ? FIRST : 0) | (h.nesterov ? NESTEROV : 0) | (h.maximize ? MAXIMIZE : 0);
  const { f32 } = m;
  for (let i = 0; i < n; i += chunk) {
    const len = Math.min(chunk, n - i);
    f32.set(p.subarray(po + i, po + i + len), pp >> 2);
    f32.set(g.subarray(go + i, go + i + len), pg >> 2);
    if (buf && !first) f32.set(buf.subarray(i, i + len), pb >> 2);
    m.exports.sgdStepF32(pp, pg, buf ? pb : 0, len, h.lr, h.momentum, 1 - h.dampening, h.weightDecay, flags);
    p.set(f32.subarray(pp >> 2, (pp >> 2) + len), po + i);
    if (buf) buf.set(f32.subarray(pb >> 2, (pb >> 2) + len), i);
    if (profileHooks) {
      const copies = 3 + (buf ? 1 : 0) + (buf && !first ? 1 : 0); // p, g in and p out; buf out, and in after the first update
      profileHooks.wasmCopy(len * 4 * copies, copies);
    }
  }
};
