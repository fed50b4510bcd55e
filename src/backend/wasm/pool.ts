/** Max pooling on the wasm kernels (kernels/pool.ts), with the reference backend's NaN and tie rules. */
import type { Pool2dShapes } from '../backend.js';
import { wasmScratch } from './scratch.js';
import { parallelRange } from './threads.js';

/** The pooling kernels' exports (kernels/pool.ts), each over planes [start, end) of the pass. */
export interface PoolExports {
  maxPool2dRange(start: number, end: number, x: number, h: number, w: number, oh: number, ow: number,
    kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, dh: number, dw: number,
    out: number, argmax: number): void;
  maxPool2dBackwardRange(start: number, end: number, gradOut: number, argmax: number, planeIn: number, planeOut: number, gradInput: number): void;
}

export function maxPool2d(x: Float32Array, s: Pool2dShapes, out: Float32Array, argmax: Int32Array | null): void {
  const planes = s.n * s.c, inSize = planes * s.h * s.w, outSize = planes * s.oh * s.ow;
  const m = wasmScratch('maxPool2d', [inSize, outSize, outSize]);
  const [px, pout, parg] = m.ptrs as [number, number, number];
  m.put(px, x, inSize);
  parallelRange(m.exports, 'maxPool2dRange', planes, 1, inSize + 2 * outSize, [px, s.h, s.w, s.oh, s.ow, s.kernel[0], s.kernel[1],
    s.stride[0], s.stride[1], s.padding[0], s.padding[1], s.dilation[0], s.dilation[1], pout, parg]);
  m.take(pout, out, outSize);
  if (argmax) argmax.set(m.i32.subarray(parg >> 2, (parg >> 2) + outSize));
}

export function maxPool2dBackward(gradOut: Float32Array, argmax: Int32Array, s: Pool2dShapes, gradInput: Float32Array): void {
  const planes = s.n * s.c, planeIn = s.h * s.w, planeOut = s.oh * s.ow;
  const outSize = planes * planeOut, inSize = planes * planeIn;
  const m = wasmScratch('maxPool2dBackward', [outSize, outSize, inSize]);
  const [pg, parg, pgx] = m.ptrs as [number, number, number];
  m.put(pg, gradOut, outSize);
  m.i32.set(argmax.subarray(0, outSize), parg >> 2);
  parallelRange(m.exports, 'maxPool2dBackwardRange', planes, 1, inSize + 2 * outSize, [pg, parg, planeIn, planeOut, pgx]);
  m.take(pgx, gradInput, inSize);
}
