/**
 * The WebAssembly backend: the reference backend with its hot kernels replaced by SIMD128 ones:
 * GEMM (threaded for large products), whole-sequence recurrent layers, convolution with its data
 * movement, max pooling, the common elementwise ops (GELU included), softmax, layer / batch norm,
 * fused attention resident in wasm memory and SGD's update. Everything else, and every call that
 * routed() sends back, runs on the reference kernels.
 */
import type { Backend } from '../backend.js';
import * as jsConv from '../js/conv.js';
import * as jsAttention from '../js/attention.js';
import * as jsRecurrence from '../js/recurrence.js';
import { JsBackend } from '../js/index.js';
import { gemm as jsGemm } from '../js/gemm.js';
import { prepareSgemm } from './gemm.js';
import { WasmMemoryFull } from './scratch.js';
import { profileHooks } from '../../util/profile-hooks.js';
import { conv2d, conv2dBackwardInput, conv2dBackwardWeight, conv2dReluMaxPoolBackward } from './conv.js';
import { maxPool2d, maxPool2dBackward } from './pool.js';
import { binary, binaryHandles, unary, unaryHandles } from './elementwise.js';
import { reduce, reduceHandles } from './reduce.js';
import { crossEntropyBackward, logSumExp, softmax, softmaxBackward } from './softmax.js';
import { batchNormBackward, channelMoments, channelNormalize, layerNorm, layerNormBackward } from './norm.js';
import { attention, attentionBackward, attentionHandles } from './attention.js';
import { recurrenceBackward, recurrenceForward } from './recurrence.js';
import { dropSaved } from './recurrence-saved.js';
import { sgdStep } from './sgd.js';
import { adamStep } from './adam.js';
import { word2vecTrain } from './word2vec.js';
import { gloveTrain } from './glove.js';

/** Below this many elements a reference loop is as fast as copying its data into wasm memory and back. */
const WASM_MIN_ELEMENTS = 1024;
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

/** When a kernel runs in wasm: `elements` of the call (compared with WASM_MIN_ELEMENTS) and whether it `handles` the operands. */
interface Route<F extends (...args: never[]) => void> {
  elements?: (...args: Parameters<F>) => number;
  handles?: (...args: Parameters<F>) => boolean;
}

/**
 * The fallback policy of this backend, in one place: a call runs on the reference kernel when it is
 * too small to pay for the copies into wasm memory, when the wasm kernel does not take its operands,
 * and when they do not fit in wasm memory (orReference).
 */
function routed<F extends (...args: never[]) => void>(fast: F, reference: F, route: Route<F> = {}): F {
  const guarded = orReference(fast, reference);
  const { elements, handles } = route;
  return ((...args: Parameters<F>) => {
    if ((elements && elements(...args) < WASM_MIN_ELEMENTS) || (handles && !handles(...args))) reference(...args);
    else guarded(...args);
  }) as F;
}

const js = new JsBackend();

export class WasmBackend extends JsBackend {
  override readonly name: string = 'wasm';
  // The reference conv and attention run on this backend's gemm, which falls back by itself.
  override conv2d: Backend['conv2d'] = routed(conv2d, (x, w, bias, s, out) => jsConv.conv2d(this.gemm, x, w, bias, s, out));
  override conv2dBackwardInput: Backend['conv2dBackwardInput'] =
    routed(conv2dBackwardInput, (g, w, s, gx) => jsConv.conv2dBackwardInput(this.gemm, g, w, s, gx));
  override conv2dBackwardWeight: Backend['conv2dBackwardWeight'] =
    routed(conv2dBackwardWeight, (g, x, s, gw) => jsConv.conv2dBackwardWeight(this.gemm, g, x, s, gw));
  // The reference is the unfused chain on this backend's kernels.
  override conv2dReluMaxPoolBackward: Backend['conv2dReluMaxPoolBackward'] =
    routed(conv2dReluMaxPoolBackward, (a) => jsConv.conv2dReluMaxPoolBackward(this, a));
  override maxPool2d = routed(maxPool2d, js.maxPool2d);
  override maxPool2dBackward = routed(maxPool2dBackward, js.maxPool2dBackward);
  override unary = routed(unary, js.unary, { elements: (op, x) => x.length, handles: unaryHandles });
  override binary = routed(binary, js.binary, { elements: (op, a, b, out) => out.length, handles: binaryHandles });
  override reduce = routed(reduce, js.reduce, {
    elements: (op, x, outer, size, inner) => outer * size * inner, handles: (op, x, outer, size, inner, out) => reduceHandles(op, x, out),
  });
  override softmax = routed(softmax, js.softmax, { elements: (x, rows, cols) => rows * cols });
  override softmaxBackward = routed(softmaxBackward, js.softmaxBackward, { elements: (y, g, rows, cols) => rows * cols });
  override logSumExp = routed(logSumExp, js.logSumExp, { elements: (x, rows, cols) => rows * cols });
  override crossEntropyBackward = routed(crossEntropyBackward, js.crossEntropyBackward, { elements: (x, logSum, rows, cols) => rows * cols });
  override layerNorm = routed(layerNorm, js.layerNorm, { elements: (x, rows, cols) => rows * cols });
  override layerNormBackward = routed(layerNormBackward, js.layerNormBackward, { elements: (g, x, mean, rstd, w, rows, cols) => rows * cols });
  override channelMoments = routed(channelMoments, js.channelMoments, { elements: (x, n, c, spatial) => n * c * spatial });
  override channelNormalize = routed(channelNormalize, js.channelNormalize, { elements: (x, n, c, spatial) => n * c * spatial });
  override batchNormBackward = routed(batchNormBackward, js.batchNormBackward, { elements: (g, x, n, c, spatial) => n * c * spatial });
  override attention: Backend['attention'] = routed(attention,
    (q, k, v, sh, out, probs) => jsAttention.attentionForward(this.gemm, q, k, v, sh, out, probs),
    { handles: (q, k, v, sh) => attentionHandles(sh) });
  override attentionBackward: Backend['attentionBackward'] = routed(attentionBackward,
    (gOut, gW, q, k, v, probs, sh, gq, gk, gv) => jsAttention.attentionBackward(this.gemm, gOut, gW, q, k, v, probs, sh, gq, gk, gv),
    { handles: (gOut, gW, q, k, v, probs, sh) => attentionHandles(sh) });
  override recurrenceForward: Backend['recurrenceForward'] = routed(recurrenceForward, (a) => jsRecurrence.recurrenceForward(this.gemm, a));
  override recurrenceBackward: Backend['recurrenceBackward'] = routed(recurrenceBackward, (a) => jsRecurrence.recurrenceBackward(this.gemm, a));
  override recurrenceDone: Backend['recurrenceDone'] = dropSaved;
  override sgdStep = routed(sgdStep, js.sgdStep, { elements: (p, po, g, go, n) => n });
  override adamStep = routed(adamStep, js.adamStep, { elements: (p, po, g, go, n) => n });
  override word2vecTrain: Backend['word2vecTrain'] = (job) => word2vecTrain(job, js.word2vecTrain);
  override gloveTrain: Backend['gloveTrain'] = (job) => gloveTrain(job, js.gloveTrain);

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
    if (profileHooks) profileHooks.wasmCopy((m * k + k * n + (beta !== 0 ? 2 : 1) * m * n) * 4, beta !== 0 ? 4 : 3);
  };
}

/** Whether the three operands of an m x n x k product fit in wasm memory with room to spare. */
function fitsInWasm(m: number, n: number, k: number): boolean {
  return (m * k + k * n + m * n) * 4 <= WASM_GEMM_MAX_BYTES;
}
