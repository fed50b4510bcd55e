/**
 * Winograd F(2x2, 3x3) convolution on pixel-major images (kernels/winograd.ts has the transforms).
 * It takes stride-1, undilated, ungrouped 3x3 convolutions with enough channels, and serves the
 * forward pass, the input gradient (a convolution of the output gradient with the weight turned 180°
 * and its channel axes swapped) and the weight gradient (the same algorithm's adjoint in U). Its
 * GEMMs do 16 multiplies per output 2x2 block and channel pair where im2row's do 36.
 */
import type { Conv2dShapes } from '../backend.js';
import type { WasmKernelExports } from './instance.js';
import { sgemmInMemory } from './gemm.js';
import { parallelRange } from './threads.js';

/** The transforms' exports (kernels/winograd.ts), each over images [start, end). */
export interface WinogradExports {
  winogradInputRange(start: number, end: number, x: number, v: number, zeros: number,
    n: number, c: number, h: number, w: number, ph: number, pw: number, th: number, tw: number): void;
  winogradOutputRange(start: number, end: number, m: number, y: number, oc: number, oh: number, ow: number, th: number, tw: number, n: number): void;
  winogradOutputGradientRange(start: number, end: number, gy: number, z: number, zeros: number,
    oc: number, oh: number, ow: number, th: number, tw: number, n: number): void;
  winogradWeightGradientRange(start: number, end: number, x: number, gy: number, v: number, z: number, partials: number,
    zeros: number, n: number, c: number, h: number, w: number, oc: number, oh: number, ow: number, ph: number, pw: number,
    th: number, tw: number, per: number, perGroup: number): number;
}

/**
 * Below this many channels on either side, the 16 GEMMs' short dimension cannot pay for the
 * transforms (against im2row, 8 -> 16 channels at 28x28: forward 4.7 -> 4.0 ms, input gradient
 * 5.4 -> 7.1 ms).
 */
const MIN_CHANNELS = 16;
/** Columns per block of the partial sums' reduction split across threads (whole SIMD vectors). */
const SUM_GRAIN = 64;

/** Whether conv2d and both its gradients take the Winograd path. */
export function winogradApplies(s: Conv2dShapes): boolean {
  return s.groups === 1 && s.kh === 3 && s.kw === 3 && s.stride[0] === 1 && s.stride[1] === 1 &&
    s.dilation[0] === 1 && s.dilation[1] === 1 && s.padding[0] <= 2 && s.padding[1] <= 2 &&
    s.c % 4 === 0 && s.oc % 4 === 0 && s.c >= MIN_CHANNELS && s.oc >= MIN_CHANNELS && s.oh > 0 && s.ow > 0;
}

/** One Winograd convolution: [N, C, H, W] to [N, OC, OH, OW], C and OC multiples of 4. */
export interface WinogradPlan {
  n: number; c: number; h: number; w: number; oc: number; oh: number; ow: number; ph: number; pw: number;
}

/** The forward convolution's plan. */
export function forwardPlan(s: Conv2dShapes): WinogradPlan {
  return { n: s.n, c: s.c, h: s.h, w: s.w, oc: s.oc, oh: s.oh, ow: s.ow, ph: s.padding[0], pw: s.padding[1] };
}

/** The input gradient's plan: a convolution of gradOut [N, OC, OH, OW] giving [N, C, H, W], padded by 2 - p. */
export function inputGradientPlan(s: Conv2dShapes): WinogradPlan {
  return { n: s.n, c: s.oc, h: s.oh, w: s.ow, oc: s.c, oh: s.h, ow: s.w, ph: 2 - s.padding[0], pw: 2 - s.padding[1] };
}

function tileCounts(p: WinogradPlan) {
  const th = Math.ceil(p.oh / 2), tw = Math.ceil(p.ow / 2);
  return { th, tw, tiles: p.n * th * tw };
}

/**
 * Scratch floats the plan needs beside its NCHW source and destination: the source and destination
 * pixel-major, U, V, M and a zero run (winogradConv's `regions`, in this order).
 */
export function winogradScratch(p: WinogradPlan): number[] {
  const { tiles } = tileCounts(p);
  return [p.n * p.h * p.w * p.c, p.n * p.oh * p.ow * p.oc, 16 * p.c * p.oc, 16 * tiles * p.c, 16 * tiles * p.oc, p.c];
}

/**
 * dst (float index at) = U [16, C', OC'] = G g Gᵀ for each 3x3 filter g of weight [OC, C, 3, 3], in
 * float64 and rounded once, with G = (1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1). For the input gradient
 * (`flip`) the filters are turned 180° and C' = OC, OC' = C.
 */
export function transformWeight(weight: Float32Array, s: Conv2dShapes, flip: boolean, dst: Float32Array, at: number): void {
  const k = flip ? s.oc : s.c, nOut = flip ? s.c : s.oc;
  const position = k * nOut; // floats between two of U's 16 matrices
  const g = new Float64Array(9), t = new Float64Array(12);
  for (let o = 0; o < s.oc; o++) {
    for (let ch = 0; ch < s.c; ch++) {
      const base = (o * s.c + ch) * 9;
      for (let i = 0; i < 9; i++) g[i] = weight[base + (flip ? 8 - i : i)]!;
      // t = G g (4x3), then U = t Gᵀ (4x4)
      for (let j = 0; j < 3; j++) {
        const g0 = g[j]!, g1 = g[3 + j]!, g2 = g[6 + j]!;
        t[j] = g0; t[3 + j] = 0.5 * (g0 + g1 + g2); t[6 + j] = 0.5 * (g0 - g1 + g2); t[9 + j] = g2;
      }
      const row = flip ? o : ch, column = flip ? ch : o;
      for (let i = 0; i < 4; i++) {
        const t0 = t[3 * i]!, t1 = t[3 * i + 1]!, t2 = t[3 * i + 2]!;
        const u = at + 4 * i * position + row * nOut + column;
        dst[u] = t0;
        dst[u + position] = 0.5 * (t0 + t1 + t2);
        dst[u + 2 * position] = 0.5 * (t0 - t1 + t2);
        dst[u + 3 * position] = t2;
      }
    }
  }
}

/**
 * dst [N, OC, OH, OW] = the plan's convolution of src [N, C, H, W] (+ bias[oc] unless bias is 0), in
 * wasm memory; `regions` are winogradScratch's, U (the third) already filled by transformWeight.
 */
export function winogradConv(ex: WasmKernelExports, f32: Float32Array, p: WinogradPlan, src: number, dst: number, bias: number,
  regions: readonly number[]): void {
  const [srcNhwc, dstNhwc, u, v, m, zeros] = regions as [number, number, number, number, number, number];
  const { th, tw, tiles } = tileCounts(p);
  const inputSize = p.n * p.h * p.w * p.c, outSize = p.n * p.oh * p.ow * p.oc;
  f32.fill(0, zeros >> 2, (zeros >> 2) + p.c);
  parallelRange(ex, 'nchwToNhwcRange', p.n, 1, 2 * inputSize, [src, srcNhwc, p.c, p.h * p.w]);
  parallelRange(ex, 'winogradInputRange', p.n, 1, 16 * tiles * p.c, [srcNhwc, v, zeros, p.n, p.c, p.h, p.w, p.ph, p.pw, th, tw]);
  for (let e = 0; e < 16; e++) {
    sgemmInMemory(false, false, tiles, p.oc, p.c, v + e * tiles * p.c * 4, p.c, u + e * p.c * p.oc * 4, p.oc,
      0, m + e * tiles * p.oc * 4, p.oc);
  }
  parallelRange(ex, 'winogradOutputRange', p.n, 1, 16 * tiles * p.oc, [m, dstNhwc, p.oc, p.oh, p.ow, th, tw, p.n]);
  parallelRange(ex, 'nhwcToNchwRange', p.n, 1, 2 * outSize, [dstNhwc, dst, p.oc, p.oh * p.ow, bias]);
}

/** Floats of V and Z per chunk of the weight gradient (16·(C + OC) a tile): about what L2 holds. */
const CHUNK_FLOATS = 160 * 1024;
/**
 * The weight gradient's chunks form this many groups (fewer on small batches), each summed by one
 * thread: a fixed number, so the sum's order and bits do not depend on the thread count.
 */
const GROUPS = 8;

/** The weight gradient's work split: images per chunk, chunks per group, groups. */
function weightSplit(p: WinogradPlan) {
  const { th, tw } = tileCounts(p);
  const per = Math.max(1, Math.floor(CHUNK_FLOATS / (16 * (p.c + p.oc) * th * tw)));
  const chunks = Math.ceil(p.n / per), perGroup = Math.ceil(chunks / GROUPS);
  return { per, perGroup, groups: Math.ceil(chunks / perGroup) };
}

/**
 * Scratch floats of the weight gradient beside its NCHW operands: x and gradOut pixel-major, V, Z,
 * the groups' partial sums, the float64 accumulators (two floats each), dU and a zero run
 * (winogradWeightGradient's `regions`, in this order).
 */
export function winogradWeightScratch(p: WinogradPlan): number[] {
  const { tiles } = tileCounts(p);
  const du = 16 * p.c * p.oc;
  return [p.n * p.h * p.w * p.c, p.n * p.oh * p.ow * p.oc, 16 * tiles * p.c, 16 * tiles * p.oc, weightSplit(p).groups * du, 2 * du, du,
    Math.max(p.c, p.oc)];
}

/**
 * gradWeight [OC, C, 3, 3] of the forward plan's convolution, from x [N, C, H, W] and gradOut
 * [N, OC, OH, OW] in wasm memory: dU[e] = Vₑᵀ Zₑ summed over the tiles, with V the input tiles'
 * transform and Z = A g Aᵀ the output gradient's, chunk by chunk in a fixed number of groups
 * (winogradWeightGradientRange), the groups' sums added in float64 in group order; then Gᵀ dU G
 * per channel pair in float64.
 */
export function winogradWeightGradient(ex: WasmKernelExports, f32: Float32Array, p: WinogradPlan, x: number, gradOut: number,
  regions: readonly number[], gradWeight: Float32Array): void {
  const [xNhwc, gNhwc, v, z, partials, acc, du, zeros] = regions as [number, number, number, number, number, number, number, number];
  const { th, tw, tiles } = tileCounts(p);
  const { per, perGroup, groups } = weightSplit(p), plane = p.c * p.oc;
  f32.fill(0, zeros >> 2, (zeros >> 2) + Math.max(p.c, p.oc));
  parallelRange(ex, 'nchwToNhwcRange', p.n, 1, 2 * p.n * p.h * p.w * p.c, [x, xNhwc, p.c, p.h * p.w]);
  parallelRange(ex, 'nchwToNhwcRange', p.n, 1, 2 * p.n * p.oh * p.ow * p.oc, [gradOut, gNhwc, p.oc, p.oh * p.ow]);
  parallelRange(ex, 'winogradWeightGradientRange', groups, 1, 32 * tiles * (p.c + p.oc), [xNhwc, gNhwc, v, z, partials, zeros,
    p.n, p.c, p.h, p.w, p.oc, p.oh, p.ow, p.ph, p.pw, th, tw, per, perGroup]);
  parallelRange(ex, 'sumMiddleF32Range', 16 * plane, SUM_GRAIN, groups * 16 * plane, [partials, 1, groups, 16 * plane, acc, du]);
  const base = du >> 2, d = new Float64Array(16), t = new Float64Array(12);
  for (let o = 0; o < p.oc; o++) {
    for (let ch = 0; ch < p.c; ch++) {
      for (let e = 0; e < 16; e++) d[e] = f32[base + e * plane + ch * p.oc + o]!;
      // t = Gᵀ D (3x4), then t G (3x3), with Gᵀ = (1 ½ ½ 0; 0 ½ -½ 0; 0 ½ ½ 1)
      for (let j = 0; j < 4; j++) {
        const d0 = d[j]!, d1 = d[4 + j]!, d2 = d[8 + j]!, d3 = d[12 + j]!;
        t[j] = d0 + 0.5 * (d1 + d2); t[4 + j] = 0.5 * (d1 - d2); t[8 + j] = 0.5 * (d1 + d2) + d3;
      }
      const out = (o * p.c + ch) * 9;
      for (let i = 0; i < 3; i++) {
        const t0 = t[4 * i]!, t1 = t[4 * i + 1]!, t2 = t[4 * i + 2]!, t3 = t[4 * i + 3]!;
        gradWeight[out + 3 * i] = t0 + 0.5 * (t1 + t2);
        gradWeight[out + 3 * i + 1] = 0.5 * (t1 - t2);
        gradWeight[out + 3 * i + 2] = 0.5 * (t1 + t2) + t3;
      }
    }
  }
}
