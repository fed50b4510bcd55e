/**
 * The WebAssembly backend: the reference backend with its hot kernels replaced by SIMD128 ones:
 * GEMM (threaded for large products), whole-sequence recurrent layers, convolution with its data
 * movement, max pooling, the common elementwise ops (GELU included), softmax, layer / batch norm,
 * fused attention resident in wasm memory and SGD's update. Everything else falls back to the reference kernels.
 */
import type { Backend, RecurrenceBackward, RecurrenceForward } from '../backend.js';
import * as reference from '../js/recurrence.js';
import * as jsConv from '../js/conv.js';
import * as jsAttention from '../js/attention.js';
import { JsBackend } from '../js/index.js';
import { gemm as jsGemm } from '../js/gemm.js';
import { prepareSgemm, WasmMemoryFull } from './loader.js';
import { conv2d, conv2dBackwardInput, conv2dBackwardWeight } from './conv.js';
import { maxPool2d, maxPool2dBackward } from './pool.js';
import { binary, reduce, unary } from './elementwise.js';
import { crossEntropyBackward, softmax, softmaxBackward } from './softmax.js';
import { batchNormBackward, channelMoments, channelNormalize, layerNorm, layerNormBackward } from './norm.js';
import { attention, attentionBackward } from './attention.js';
import { recurrenceBackward, recurrenceForward } from './rnn.js';
import { sgdStep } from './sgd.js';

/** Below this many multiply-adds the copy into wasm memory costs more than it saves. */
const WASM_GEMM_MIN_WORK = 16 * 16 * 16;
/** Larger products run on the reference GEMM: wasm memory ends at 4 GiB. */
const WASM_GEMM_MAX_BYTES = 3 * 2 ** 30;

/** Copies a rows x cols matrix stored with leading dimension ld into dense dst. */
function packDense(src: Float32Array, offset: number, ld: number, rows: number, cols: number, dst: Float32Array): void {
  if (ld === cols || rows === 1) {
    dst.set(src.subarray(offset, offset + rows * cols));
    return;
  }
  for (let r = 0; r < rows; r++) dst.set(src.subarray(offset + r * ld, offset + r * ld + cols), r * cols);
}

/**
 * The wasm kernel, or the reference one when its operands do not fit in wasm memory (4 GiB at most):
 * a model too big for the fast path still runs, only slower.
 */
export function orReference<F extends (...args: never[]) => void>(fast: F, reference: F): F {
  return ((...args: Parameters<F>) => {
    try {
      fast(...args);
    } catch (e) {
      if (!(e instanceof WasmMemoryFull)) throw e;
      reference(...args);
    }
  }) as F;
}

const js = new JsBackend();

export class WasmBackend extends JsBackend {
  override readonly name: string = 'wasm';
  // The reference conv and attention run on this backend's gemm, which falls back by itself.
  override conv2d: Backend['conv2d'] = orReference(conv2d, (x, w, bias, s, out) => jsConv.conv2d(this.gemm, x, w, bias, s, out));
  override conv2dBackwardInput: Backend['conv2dBackwardInput'] =
    orReference(conv2dBackwardInput, (g, w, s, gx) => jsConv.conv2dBackwardInput(this.gemm, g, w, s, gx));
  override conv2dBackwardWeight: Backend['conv2dBackwardWeight'] =
    orReference(conv2dBackwardWeight, (g, x, s, gw) => jsConv.conv2dBackwardWeight(this.gemm, g, x, s, gw));
  override maxPool2d = orReference(maxPool2d, js.maxPool2d);
  override maxPool2dBackward = orReference(maxPool2dBackward, js.maxPool2dBackward);
  override unary = orReference(unary, js.unary);
  override binary = orReference(binary, js.binary);
  override reduce = orReference(reduce, js.reduce);
  override softmax = orReference(softmax, js.softmax);
  override softmaxBackward = orReference(softmaxBackward, js.softmaxBackward);
  override crossEntropyBackward = orReference(crossEntropyBackward, js.crossEntropyBackward);
  override layerNorm = orReference(layerNorm, js.layerNorm);
  override layerNormBackward = orReference(layerNormBackward, js.layerNormBackward);
  override channelMoments = orReference(channelMoments, js.channelMoments);
  override channelNormalize = orReference(channelNormalize, js.channelNormalize);
  override batchNormBackward = orReference(batchNormBackward, js.batchNormBackward);
  override attention: NonNullable<Backend['attention']> =
    orReference(attention, (q, k, v, sh, out, probs) => jsAttention.attentionForward(this.gemm, q, k, v, sh, out, probs));
  override attentionBackward: NonNullable<Backend['attentionBackward']> = orReference(attentionBackward,
    (gOut, gW, q, k, v, probs, sh, gq, gk, gv) => jsAttention.attentionBackward(this.gemm, gOut, gW, q, k, v, probs, sh, gq, gk, gv));
  recurrenceForward: NonNullable<Backend['recurrenceForward']> =
    orReference(recurrenceForward, (a: RecurrenceForward): void => reference.recurrenceForward(this, a));
  recurrenceBackward: NonNullable<Backend['recurrenceBackward']> =
    orReference(recurrenceBackward, (a: RecurrenceBackward): void => reference.recurrenceBackward(this, a));
  override sgdStep = orReference(sgdStep, js.sgdStep);

  override gemm: Backend['gemm'] = (transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc) => {
    if (m * n * k < WASM_GEMM_MIN_WORK || m === 0 || n === 0 || !fitsInWasm(m, n, k)) {
      jsGemm(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
      return;
    }
    const p = prepareSgemm(transA, transB, m, n, k, beta);
    packDense(a, aOffset, lda, transA ? k : m, transA ? m : k, p.a);
    packDense(b, bOffset, ldb, transB ? n : k, transB ? k : n, p.b);
    if (beta !== 0) packDense(c, cOffset, ldc, m, n, p.c);
    p.run();
    if (ldc === n) c.set(p.c, cOffset);
    else for (let r = 0; r < m; r++) c.set(p.c.subarray(r * n, (r + 1) * n), cOffset + r * ldc);
  };
}

/** Whether the three operands of an m x n x k product fit in wasm memory with room to spare. */
function fitsInWasm(m: number, n: number, k: number): boolean {
  return (m * k + k * n + m * n) * 4 <= WASM_GEMM_MAX_BYTES;
}
