/**
 * The WebAssembly backend: the reference backend with its hot kernels replaced by SIMD128 ones:
 * GEMM (threaded for large products), whole-sequence recurrent layers, convolution with its data
 * movement, max pooling, the common elementwise ops (GELU included), softmax, layer / batch norm and
 * fused attention resident in wasm memory. Everything else falls back to the reference kernels.
 */
import type { Backend } from '../backend.js';
import { JsBackend } from '../js/index.js';
import { gemm as jsGemm } from '../js/gemm.js';
import { prepareSgemm } from './loader.js';
import { conv2d, conv2dBackwardInput, conv2dBackwardWeight } from './conv.js';
import { maxPool2d, maxPool2dBackward } from './pool.js';
import { binary, reduce, unary } from './elementwise.js';
import { softmax, softmaxBackward } from './softmax.js';
import { batchNormBackward, channelMoments, channelNormalize, layerNorm, layerNormBackward } from './norm.js';
import { attention, attentionBackward } from './attention.js';
import { recurrenceBackward, recurrenceForward } from './rnn.js';

/** Below this many multiply-adds the copy into wasm memory costs more than it saves. */
const WASM_GEMM_MIN_WORK = 16 * 16 * 16;

/** Copies a rows x cols matrix stored with leading dimension ld into dense dst. */
function packDense(src: Float32Array, offset: number, ld: number, rows: number, cols: number, dst: Float32Array): void {
  if (ld === cols || rows === 1) {
    dst.set(src.subarray(offset, offset + rows * cols));
    return;
  }
  for (let r = 0; r < rows; r++) dst.set(src.subarray(offset + r * ld, offset + r * ld + cols), r * cols);
}

export class WasmBackend extends JsBackend {
  override readonly name: string = 'wasm';
  override conv2d = conv2d;
  override conv2dBackwardInput = conv2dBackwardInput;
  override conv2dBackwardWeight = conv2dBackwardWeight;
  override maxPool2d = maxPool2d;
  override maxPool2dBackward = maxPool2dBackward;
  override unary = unary;
  override binary = binary;
  override reduce = reduce;
  override softmax = softmax;
  override softmaxBackward = softmaxBackward;
  override layerNorm = layerNorm;
  override layerNormBackward = layerNormBackward;
  override channelMoments = channelMoments;
  override channelNormalize = channelNormalize;
  override batchNormBackward = batchNormBackward;
  override attention = attention;
  override attentionBackward = attentionBackward;
  recurrenceForward = recurrenceForward;
  recurrenceBackward = recurrenceBackward;

  override gemm: Backend['gemm'] = (transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc) => {
    if (m * n * k < WASM_GEMM_MIN_WORK || m === 0 || n === 0) {
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
