/**
 * conv2d on the wasm kernels, with every step in wasm memory, so only the operands and the result
 * cross into and out of it (the patch matrix, KH·KW times larger than the input, never does).
 *
 * Ungrouped convolutions with at least PIXEL_MAJOR_MIN_CHANNELS input channels run pixel-major:
 * images as [N, H, W, C], one patch row per output pixel in (ky, kx, c) order, so each tap moves C
 * contiguous floats and the GEMM reads the tall patch matrix in place. The others (grouped, or few
 * channels: a first layer on grey images) use the reference backend's channel-major im2col layout
 * (src/backend/js/conv.ts). Stride-1 3x3 convolutions with many channels take Winograd's
 * F(2x2, 3x3) for the forward pass and both gradients (winograd.ts).
 */
import type { Conv2dShapes, ConvReluPoolBackward } from '../backend.js';
import type { WasmKernelExports } from './instance.js';
import { sgemmInMemory } from './gemm.js';
import { wasmScratch } from './scratch.js';
import { parallelRange, type RangeArg } from './threads.js';
import {
  forwardPlan, inputGradientPlan, transformWeight, winogradApplies, winogradConv, winogradScratch, winogradWeightGradient,
  winogradWeightScratch,
} from './winograd.js';

/**
 * The convolution data movement's exports (kernels/conv.ts), each over images [start, end) of the
 * batch; `shape` stands for the 14 arguments n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow.
 */
export interface ConvExports {
  im2colRange(start: number, end: number, x: number, cols: number, ...shape: number[]): void;
  col2imRange(start: number, end: number, cols: number, x: number, ...shape: number[]): void;
  channelMajorToNchwRange(start: number, end: number, src: number, out: number, n: number, oc: number, pixels: number, bias: number): void;
  nchwToChannelMajorRange(start: number, end: number, src: number, out: number, n: number, oc: number, pixels: number): void;
  nchwToNhwcRange(start: number, end: number, src: number, out: number, c: number, pixels: number): void;
  nhwcToNchwRange(start: number, end: number, src: number, out: number, c: number, pixels: number, bias: number): void;
  im2rowRange(start: number, end: number, x: number, rows: number, ...shape: number[]): void;
  row2imRange(start: number, end: number, rows: number, x: number, ...shape: number[]): void;
}

const PIXEL_MAJOR_MIN_CHANNELS = 4;

function pixelMajor(s: Conv2dShapes): boolean {
  return s.groups === 1 && s.c >= PIXEL_MAJOR_MIN_CHANNELS;
}

/** dst (from float index at) = w [OC, C, KH, KW] with its taps reordered to [OC, KH, KW, C], or back when `back`. */
function reorderTaps(w: Float32Array, s: Conv2dShapes, dst: Float32Array, at: number, back = false): void {
  const taps = s.kh * s.kw, c = s.c;
  for (let o = 0; o < s.oc; o++) {
    const base = o * c * taps;
    for (let ch = 0; ch < c; ch++) {
      for (let t = 0; t < taps; t++) {
        const channelMajor = base + ch * taps + t, tapMajor = base + t * c + ch;
        if (back) dst[at + channelMajor] = w[tapMajor]!;
        else dst[at + tapMajor] = w[channelMajor]!;
      }
    }
  }
}

function sizes(s: Conv2dShapes) {
  const pixels = s.oh * s.ow, columns = s.n * pixels, ckk = s.c * s.kh * s.kw, ckkGroup = ckk / s.groups;
  return {
    pixels, columns, ckk, ckkGroup, ocGroup: s.oc / s.groups, inputSize: s.n * s.c * s.h * s.w,
    weightSize: s.oc * ckkGroup, outSize: s.oc * columns,
  };
}

/** The shape arguments of the patch kernels (im2col, im2row and their adjoints). */
function shapeArgs(s: Conv2dShapes): RangeArg[] {
  return [s.n, s.c, s.h, s.w, s.kh, s.kw, s.stride[0], s.stride[1], s.padding[0], s.padding[1], s.dilation[0], s.dilation[1], s.oh, s.ow];
}

/** Each image's data movement is independent of the others': the passes below split the batch across threads. */
type ImagePass = 'im2colRange' | 'col2imRange' | 'im2rowRange' | 'row2imRange' | 'nchwToNhwcRange' | 'nhwcToNchwRange' |
  'nchwToChannelMajorRange' | 'channelMajorToNchwRange';

function perImage(ex: WasmKernelExports, pass: ImagePass, s: Conv2dShapes, elements: number, args: RangeArg[]): void {
  parallelRange(ex, pass, s.n, 1, elements, args);
}

export function conv2d(x: Float32Array, weight: Float32Array, bias: Float32Array | null, s: Conv2dShapes, out: Float32Array): void {
  const { pixels, columns, ckk, ckkGroup, ocGroup, inputSize, weightSize, outSize } = sizes(s);
  if (winogradApplies(s)) {
    const plan = forwardPlan(s);
    const m = wasmScratch('conv2d', [inputSize, outSize, bias ? s.oc : 0, ...winogradScratch(plan)]);
    const [px, pout, pbias, ...regions] = m.ptrs as [number, number, number, ...number[]];
    m.put(px, x, inputSize);
    transformWeight(weight, s, false, m.f32, regions[2]! >> 2);
    if (bias) m.put(pbias, bias, s.oc);
    winogradConv(m.exports, m.f32, plan, px, pout, bias ? pbias : 0, regions);
    m.take(pout, out, outSize);
    return;
  }
  if (pixelMajor(s)) {
    // out [N·P, OC] = patches [N·P, CKK] · Wᵀ, then back to NCHW with the bias
    const m = wasmScratch('conv2d', [inputSize, inputSize, weightSize, ckk * columns, outSize, outSize, bias ? s.oc : 0]);
    const [px, pxh, pw, prows, ppm, pout, pbias] = m.ptrs as [number, number, number, number, number, number, number];
    m.put(px, x, inputSize);
    reorderTaps(weight, s, m.f32, pw >> 2);
    if (bias) m.put(pbias, bias, s.oc);
    perImage(m.exports, 'nchwToNhwcRange', s, 2 * inputSize, [px, pxh, s.c, s.h * s.w]);
    perImage(m.exports, 'im2rowRange', s, ckk * columns, [pxh, prows, ...shapeArgs(s)]);
    sgemmInMemory(false, true, columns, s.oc, ckk, prows, ckk, pw, ckk, 0, ppm, s.oc);
    perImage(m.exports, 'nhwcToNchwRange', s, 2 * outSize, [ppm, pout, s.oc, pixels, bias ? pbias : 0]);
    m.take(pout, out, outSize);
    return;
  }
  const m = wasmScratch('conv2d', [inputSize, weightSize, ckk * columns, outSize, outSize, bias ? s.oc : 0]);
  const [px, pw, pcols, pcm, pout, pbias] = m.ptrs as [number, number, number, number, number, number];
  m.put(px, x, inputSize);
  m.put(pw, weight, weightSize);
  if (bias) m.put(pbias, bias, s.oc);
  perImage(m.exports, 'im2colRange', s, ckk * columns, [px, pcols, ...shapeArgs(s)]);
  for (let g = 0; g < s.groups; g++) {
    sgemmInMemory(false, false, ocGroup, columns, ckkGroup, pw + g * ocGroup * ckkGroup * 4, ckkGroup,
      pcols + g * ckkGroup * columns * 4, columns, 0, pcm + g * ocGroup * columns * 4, columns);
  }
  perImage(m.exports, 'channelMajorToNchwRange', s, 2 * outSize, [pcm, pout, s.n, s.oc, pixels, bias ? pbias : 0]);
  m.take(pout, out, outSize);
}

export function conv2dBackwardInput(gradOut: Float32Array, weight: Float32Array, s: Conv2dShapes, gradInput: Float32Array): void {
  const { pixels, columns, ckk, ckkGroup, ocGroup, inputSize, weightSize, outSize } = sizes(s);
  if (winogradApplies(s)) {
    const plan = inputGradientPlan(s);
    const m = wasmScratch('conv2dBackwardInput', [outSize, inputSize, ...winogradScratch(plan)]);
    const [pg, pgx, ...regions] = m.ptrs as [number, number, ...number[]];
    m.put(pg, gradOut, outSize);
    transformWeight(weight, s, true, m.f32, regions[2]! >> 2);
    winogradConv(m.exports, m.f32, plan, pg, pgx, 0, regions);
    m.take(pgx, gradInput, inputSize);
    return;
  }
  if (pixelMajor(s)) {
    // patch gradients [N·P, CKK] = gradOut [N·P, OC] · W, added back onto the pixels they came from
    const m = wasmScratch('conv2dBackwardInput', [outSize, outSize, weightSize, ckk * columns, inputSize, inputSize]);
    const [pg, pgh, pw, prows, pxh, pgx] = m.ptrs as [number, number, number, number, number, number];
    m.put(pg, gradOut, outSize);
    reorderTaps(weight, s, m.f32, pw >> 2);
    perImage(m.exports, 'nchwToNhwcRange', s, 2 * outSize, [pg, pgh, s.oc, pixels]);
    sgemmInMemory(false, false, columns, ckk, s.oc, pgh, s.oc, pw, ckk, 0, prows, ckk);
    perImage(m.exports, 'row2imRange', s, ckk * columns, [prows, pxh, ...shapeArgs(s)]);
    perImage(m.exports, 'nhwcToNchwRange', s, 2 * inputSize, [pxh, pgx, s.c, s.h * s.w, 0]);
    m.take(pgx, gradInput, inputSize);
    return;
  }
  const m = wasmScratch('conv2dBackwardInput', [outSize, outSize, weightSize, ckk * columns, inputSize]);
  const [pg, pcm, pw, pcols, pgx] = m.ptrs as [number, number, number, number, number];
  m.put(pg, gradOut, outSize);
  m.put(pw, weight, weightSize);
  perImage(m.exports, 'nchwToChannelMajorRange', s, 2 * outSize, [pg, pcm, s.n, s.oc, pixels]);
  for (let g = 0; g < s.groups; g++) {
    sgemmInMemory(true, false, ckkGroup, columns, ocGroup, pw + g * ocGroup * ckkGroup * 4, ckkGroup,
      pcm + g * ocGroup * columns * 4, columns, 0, pcols + g * ckkGroup * columns * 4, columns);
  }
  perImage(m.exports, 'col2imRange', s, ckk * columns, [pcols, pgx, ...shapeArgs(s)]);
  m.take(pgx, gradInput, inputSize);
}

export function conv2dBackwardWeight(gradOut: Float32Array, x: Float32Array, s: Conv2dShapes, gradWeight: Float32Array): void {
  const { pixels, columns, ckk, ckkGroup, ocGroup, inputSize, weightSize, outSize } = sizes(s);
  if (winogradApplies(s)) {
    const plan = forwardPlan(s);
    const m = wasmScratch('conv2dBackwardWeight', [outSize, inputSize, ...winogradWeightScratch(plan)]);
    const [pg, px, ...regions] = m.ptrs as [number, number, ...number[]];
    m.put(pg, gradOut, outSize);
    m.put(px, x, inputSize);
    winogradWeightGradient(m.exports, m.f32, plan, px, pg, regions, gradWeight);
    return;
  }
  if (pixelMajor(s)) {
    // gradW [OC, CKK] = gradOut [OC, N·P] · patches [N·P, CKK], taps then reordered back
    const m = wasmScratch('conv2dBackwardWeight', [outSize, outSize, inputSize, inputSize, ckk * columns, weightSize]);
    const [pg, pcm, px, pxh, prows, pgw] = m.ptrs as [number, number, number, number, number, number];
    m.put(pg, gradOut, outSize);
    m.put(px, x, inputSize);
    perImage(m.exports, 'nchwToChannelMajorRange', s, 2 * outSize, [pg, pcm, s.n, s.oc, pixels]);
    perImage(m.exports, 'nchwToNhwcRange', s, 2 * inputSize, [px, pxh, s.c, s.h * s.w]);
    perImage(m.exports, 'im2rowRange', s, ckk * columns, [pxh, prows, ...shapeArgs(s)]);
    sgemmInMemory(false, false, s.oc, ckk, columns, pcm, columns, prows, ckk, 0, pgw, ckk);
    reorderTaps(m.f32.subarray(pgw >> 2, (pgw >> 2) + weightSize), s, gradWeight, 0, true);
    return;
  }
  const m = wasmScratch('conv2dBackwardWeight', [outSize, outSize, inputSize, ckk * columns, weightSize]);
  const [pg, pcm, px, pcols, pgw] = m.ptrs as [number, number, number, number, number];
  m.put(pg, gradOut, outSize);
  m.put(px, x, inputSize);
  perImage(m.exports, 'nchwToChannelMajorRange', s, 2 * outSize, [pg, pcm, s.n, s.oc, pixels]);
  perImage(m.exports, 'im2colRange', s, ckk * columns, [px, pcols, ...shapeArgs(s)]);
  for (let g = 0; g < s.groups; g++) {
    sgemmInMemory(false, true, ocGroup, ckkGroup, columns, pcm + g * ocGroup * columns * 4, columns,
      pcols + g * ckkGroup * columns * 4, columns, 0, pgw + g * ocGroup * ckkGroup * 4, ckkGroup);
  }
  m.take(pgw, gradWeight, weightSize);
}

/** Elements per block of the relu-mask pass split across threads (whole SIMD vectors and cache lines). */
const MASK_GRAIN = 16;
/** Op code of reluBackward in kernels/elementwise.ts. */
const RELU_BACKWARD = 4;

/**
 * maxPool2d(relu(conv2d(...)))'s gradients in one scratch session: the convolution's output
 * gradient is built in wasm memory from the pooled gradient (relu's mask at the pooled values, then
 * the pooling's scatter), laid out for both GEMMs, and never copied out. Only the pooled operands,
 * x, the weight and the gradients cross.
 */
export function conv2dReluMaxPoolBackward(a: ConvReluPoolBackward): void {
  const s = a.conv;
  const { pixels, columns, ckk, ckkGroup, ocGroup, inputSize, weightSize, outSize } = sizes(s);
  const pooledSize = a.gradPooled.length, planes = s.n * s.oc, planeOut = a.pool.oh * a.pool.ow;
  const needX = a.gradWeight !== null, needWeight = a.gradInput !== null, pm = pixelMajor(s);
  const winoInput = needWeight && winogradApplies(s), winoWeight = needX && winogradApplies(s);
  const channelMajor = (needX && !winoWeight) || a.gradBias !== null || (needWeight && !pm);
  const m = wasmScratch('conv2dReluMaxPoolBackward', [
    pooledSize, pooledSize, pooledSize, outSize, channelMajor ? outSize : 0, pm && needWeight && !winoInput ? outSize : 0,
    needWeight && !winoInput ? weightSize : 0, needX ? inputSize : 0, pm && needX && !winoWeight ? inputSize : 0,
    (needX && !winoWeight) || (needWeight && !winoInput) ? ckk * columns : 0, needWeight ? inputSize : 0,
    pm && needWeight && !winoInput ? inputSize : 0, needX && !winoWeight ? weightSize : 0, a.gradBias ? s.oc : 0,
    ...(winoInput ? winogradScratch(inputGradientPlan(s)) : [0, 0, 0, 0, 0, 0]),
    ...(winoWeight ? winogradWeightScratch(forwardPlan(s)) : []),
  ]);
  const [pg, ppool, parg, pgo, pcm, pgh, pw, px, pxh, pcols, pgx, pgxh, pgw, pgb, ...regions] = m.ptrs as number[] as
    [number, number, number, number, number, number, number, number, number, number, number, number, number, number, ...number[]];
  const inputRegions = regions.slice(0, 6), weightRegions = regions.slice(6);
  const ex = m.exports;
  m.put(pg, a.gradPooled, pooledSize);
  m.put(ppool, a.pooled, pooledSize);
  m.i32.set(a.argmax.subarray(0, pooledSize), parg >> 2);
  parallelRange(ex, 'binaryF32Range', pooledSize, MASK_GRAIN, 3 * pooledSize, [RELU_BACKWARD, pg, ppool, pg, pooledSize, pooledSize]);
  parallelRange(ex, 'maxPool2dBackwardRange', planes, 1, pixels * planes + 2 * pooledSize, [pg, parg, pixels, planeOut, pgo]);
  if (channelMajor) perImage(ex, 'nchwToChannelMajorRange', s, 2 * outSize, [pgo, pcm, s.n, s.oc, pixels]);
  if (a.gradBias) {
    parallelRange(ex, 'sumRowsF32Range', s.oc, 1, outSize, [pcm, columns, pgb]);
    m.take(pgb, a.gradBias, s.oc);
  }
  if (a.gradWeight) {
    m.put(px, a.x, inputSize);
    if (winoWeight) {
      winogradWeightGradient(ex, m.f32, forwardPlan(s), px, pgo, weightRegions, a.gradWeight);
    } else if (pm) {
      perImage(ex, 'nchwToNhwcRange', s, 2 * inputSize, [px, pxh, s.c, s.h * s.w]);
      perImage(ex, 'im2rowRange', s, ckk * columns, [pxh, pcols, ...shapeArgs(s)]);
      sgemmInMemory(false, false, s.oc, ckk, columns, pcm, columns, pcols, ckk, 0, pgw, ckk);
      reorderTaps(m.f32.subarray(pgw >> 2, (pgw >> 2) + weightSize), s, a.gradWeight, 0, true);
    } else {
      perImage(ex, 'im2colRange', s, ckk * columns, [px, pcols, ...shapeArgs(s)]);
      for (let g = 0; g < s.groups; g++) {
        sgemmInMemory(false, true, ocGroup, ckkGroup, columns, pcm + g * ocGroup * columns * 4, columns,
          pcols + g * ckkGroup * columns * 4, columns, 0, pgw + g * ocGroup * ckkGroup * 4, ckkGroup);
      }
      m.take(pgw, a.gradWeight, weightSize);
    }
  }
  if (a.gradInput) {
    if (winoInput) {
      transformWeight(a.weight, s, true, m.f32, inputRegions[2]! >> 2);
      winogradConv(ex, m.f32, inputGradientPlan(s), pgo, pgx, 0, inputRegions);
    } else if (pm) {
      reorderTaps(a.weight, s, m.f32, pw >> 2);
      perImage(ex, 'nchwToNhwcRange', s, 2 * outSize, [pgo, pgh, s.oc, pixels]);
      sgemmInMemory(false, false, columns, ckk, s.oc, pgh, s.oc, pw, ckk, 0, pcols, ckk);
      perImage(ex, 'row2imRange', s, ckk * columns, [pcols, pgxh, ...shapeArgs(s)]);
      perImage(ex, 'nhwcToNchwRange', s, 2 * inputSize, [pgxh, pgx, s.c, s.h * s.w, 0]);
    } else {
      m.put(pw, a.weight, weightSize);
      for (let g = 0; g < s.groups; g++) {
        sgemmInMemory(true, false, ckkGroup, columns, ocGroup, pw + g * ocGroup * ckkGroup * 4, ckkGroup,
          pcm + g * ocGroup * columns * 4, columns, 0, pcols + g * ckkGroup * columns * 4, columns);
      }
      perImage(ex, 'col2imRange', s, ckk * columns, [pcols, pgx, ...shapeArgs(s)]);
    }
    m.take(pgx, a.gradInput, inputSize);
  }
}
