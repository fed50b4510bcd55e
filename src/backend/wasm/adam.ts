/**
 * Adam/AdamW's update on the wasm kernel (kernels/adam.ts), bit-identical to the reference and split
 * over the thread pool. The parameters, gradient and moments stay in their arrays and pass through
 * wasm memory a slice at a time, which bounds the scratch space a vocabulary-sized embedding needs.
 */
import type { Backend } from '../backend.js';
import { wasmScratch } from './scratch.js';
import { parallelRange } from './threads.js';
import { profileHooks } from '../../util/profile-hooks.js';

/** Adam's kernel export (kernels/adam.ts): elements [start, end) in place; vmax 0 without amsgrad; flags 1: maximize. */
export interface AdamExports {
  adamStepF32Range(start: number, end: number, p: number, g: number, m: number, v: number, vmax: number,
    beta1: number, beta2: number, stepSize: number, bc2Sqrt: number, eps: number, l2: number, decay: number, flags: number): void;
}

const SLICE = 1 << 20; // floats per array per pass: 4 MiB each
const GRAIN = 16; // elements: threads' chunks start on 64-byte lines
const MAXIMIZE = 1; // kernels/adam.ts

export const adamStep: Backend['adamStep'] = (p, po, g, go, n, m, v, vmax, h) => {
  const slice = Math.min(SLICE, n);
  const s = wasmScratch('adamStep', [slice, slice, slice, slice, vmax ? slice : 0]);
  const [pp, pg, pm, pv, px] = s.ptrs as [number, number, number, number, number];
  const { f32 } = s;
  const arrays = vmax ? 5 : 4;
  const args = [pp, pg, pm, pv, vmax ? px : 0, { f64: h.beta1 }, { f64: h.beta2 }, { f64: h.stepSize }, { f64: h.biasCorrection2Sqrt },
    { f64: h.eps }, { f64: h.l2 }, { f64: h.decay }, h.maximize ? MAXIMIZE : 0];
  for (let i = 0; i < n; i += slice) {
    const len = Math.min(slice, n - i);
    f32.set(p.subarray(po + i, po + i + len), pp >> 2);
    f32.set(g.subarray(go + i, go + i + len), pg >> 2);
    f32.set(m.subarray(i, i + len), pm >> 2);
    f32.set(v.subarray(i, i + len), pv >> 2);
    if (vmax) f32.set(vmax.subarray(i, i + len), px >> 2);
    parallelRange(s.exports, 'adamStepF32Range', len, GRAIN, len * (2 * arrays - 1), args);
    p.set(f32.subarray(pp >> 2, (pp >> 2) + len), po + i);
    m.set(f32.subarray(pm >> 2, (pm >> 2) + len), i);
    v.set(f32.subarray(pv >> 2, (pv >> 2) + len), i);
    if (vmax) vmax.set(f32.subarray(px >> 2, (px >> 2) + len), i);
    if (profileHooks) profileHooks.wasmCopy(len * 4 * (2 * arrays - 1), 2 * arrays - 1);
  }
};
