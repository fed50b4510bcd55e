/**
 * Reference recurrence: one direction of a recurrent layer step by step on a backend's gemm and the
 * reference gate kernels (./rnn.ts).
 *
 * Forward: the inputs of all steps, gathered time-major, are projected with one gemm; each step runs one gemm
 * h_{t-1}·W_hhᵀ for all gates at once and the fused gate kernel. Backward (BPTT), walking the steps
 * back: the gate-backward kernel and one gemm dgates·W_hh per step, then one gemm each over all
 * steps for dW_ih, dW_hh, dW_hr and dx.
 */
import type { Backend, RecurrenceBackward, RecurrenceForward, RecurrenceShapes } from '../backend.js';
import * as gate from './rnn.js';

/** dst row i (width floats, dense) = src row rows[i] (stride floats apart, from offset). */
function gatherRows(src: Float32Array, stride: number, offset: number, rows: Int32Array, n: number, width: number, dst: Float32Array): void {
  for (let i = 0; i < n; i++) {
    for (let k = 0, s = rows[i] * stride + offset, o = i * width; k < width; k++) dst[o + k] = src[s + k];
  }
}

/** dst row rows[i] (stride floats apart, from offset) = (or +=) src row i (width floats, dense). */
function scatterRows(src: Float32Array, rows: Int32Array, n: number, width: number, dst: Float32Array, stride: number, offset: number, accumulate: boolean): void {
  for (let i = 0; i < n; i++) {
    for (let k = 0, d = rows[i] * stride + offset, o = i * width; k < width; k++) dst[d + k] = (accumulate ? dst[d + k] : 0) + src[o + k];
  }
}

/** The inputs time-major in length order: x itself when that is its layout. */
function timeMajor(a: RecurrenceShapes & { x: Float32Array }): Float32Array {
  const n = a.steps * a.batch;
  if (a.rows.every((row, i) => row === i)) return a.x;
  const xs = new Float32Array(n * a.input);
  gatherRows(a.x, a.input, 0, a.rows, n, a.input, xs);
  return xs;
}

export function recurrenceForward(gemm: Backend['gemm'], a: RecurrenceForward): void {
  const { mode, steps: T, batch: B, input: I, hidden: H, state: P, batchSizes, reverse } = a;
  const { wIh, wHh, wHr, bias, biasHn, gates, h, c, r, hn } = a;
  const xs = timeMajor(a);
  const GH = wHh.length / P;
  const nonlinearity = mode === 'rnnRelu' ? 'relu' : 'tanh';
  gemm(false, true, T * B, GH, I, xs, 0, I, wIh, 0, I, 0, gates, 0, GH);
  const gh = new Float32Array(B * GH);
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const bt = batchSizes[t];
    if (bt === 0) continue;
    const prev = (reverse ? t + 1 : t) * B, next = (reverse ? t : t + 1) * B;
    const gOff = t * B * GH;
    gemm(false, true, bt, GH, P, h, prev * P, P, wHh, 0, P, 0, gh, 0, GH);
    if (mode === 'lstm') {
      gate.lstmCellForward(bt, H, gates, gOff, gh, 0, bias, c!, prev * H, c!, next * H, r ?? h, r ? t * B * H : next * P);
      if (r) gemm(false, true, bt, P, H, r, t * B * H, H, wHr!, 0, H, 0, h, next * P, P);
    } else if (mode === 'gru') {
      gate.gruCellForward(bt, H, gates, gOff, gh, 0, bias, biasHn, h, prev * P, h, next * P, hn!, t * B * H);
    } else {
      gate.rnnCellForward(nonlinearity, bt, H, gates, gOff, gh, 0, bias, h, next * P);
    }
    scatterRows(h.subarray(next * P), a.rows.subarray(t * B), bt, P, a.out, a.outStride, a.outOffset, false);
  }
}

export function recurrenceBackward(gemm: Backend['gemm'], a: RecurrenceBackward): void {
  const { mode, steps: T, batch: B, input: I, hidden: H, state: P, batchSizes, reverse } = a;
  const { wIh, wHh, wHr, gates, h, c, r, hn, dh, dc } = a;
  const xs = timeMajor(a);
  const dOut = new Float32Array(T * B * P);
  gatherRows(a.gOut, a.outStride, a.outOffset, a.rows, T * B, P, dOut);
  const GH = wHh.length / P;
  const gru = mode === 'gru';
  const nonlinearity = mode === 'rnnRelu' ? 'relu' : 'tanh';
  const dG = new Float32Array(T * B * GH);
  const dGh = gru ? new Float32Array(T * B * GH) : dG;
  const dr = r ? new Float32Array(B * H) : null;
  const dhAll = r ? new Float32Array(T * B * P) : null;
  for (let s = T - 1; s >= 0; s--) {
    const t = reverse ? T - 1 - s : s;
    const bt = batchSizes[t];
    if (bt === 0) continue;
    const prev = (reverse ? t + 1 : t) * B, next = (reverse ? t : t + 1) * B;
    for (let i = 0, o = t * B * P; i < bt * P; i++) dh[i] += dOut[o + i];
    const gOff = t * B * GH;
    if (mode === 'lstm') {
      let dhCell = dh;
      if (r) {
        dhAll!.set(dh.subarray(0, bt * P), t * B * P);
        gemm(false, false, bt, H, P, dh, 0, P, wHr!, 0, H, 0, dr!, 0, H);
        dhCell = dr!;
      }
      gate.lstmCellBackward(bt, H, gates, gOff, c!, prev * H, c!, next * H, dhCell, 0, dc!, 0, dG, gOff);
    } else if (gru) {
      gate.gruCellBackward(bt, H, gates, gOff, hn!, t * B * H, h, prev * P, dh, 0, dG, gOff, dGh, gOff);
    } else {
      gate.rnnCellBackward(nonlinearity, bt, H, h, next * P, dh, 0, dG, gOff);
    }
    gemm(false, false, bt, P, GH, dGh, gOff, GH, wHh, 0, P, gru ? 1 : 0, dh, 0, P);
  }
  // whole-sequence gemms: padded rows of dG are zero, so they add nothing
  const rows = T * B;
  if (a.gWih) gemm(true, false, GH, I, rows, dG, 0, GH, xs, 0, I, 0, a.gWih, 0, I);
  if (a.gWhh) gemm(true, false, GH, P, rows, dGh, 0, GH, h, (reverse ? B : 0) * P, P, 0, a.gWhh, 0, P);
  if (a.gWhr) gemm(true, false, P, H, rows, dhAll!, 0, P, r!, 0, H, 0, a.gWhr, 0, H);
  if (a.gBiasIh) columnSums(dG, rows, GH, a.gBiasIh);
  if (a.gBiasHh) {
    if (a.gBiasIh && dGh === dG) a.gBiasHh.set(a.gBiasIh);
    else columnSums(dGh, rows, GH, a.gBiasHh);
  }
  if (a.dx) {
    const dxs = new Float32Array(rows * I);
    gemm(false, false, rows, I, GH, dG, 0, GH, wIh, 0, I, 0, dxs, 0, I);
    scatterRows(dxs, a.rows, rows, I, a.dx, I, 0, a.accumulateDx);
  }
}

function columnSums(m: Float32Array, rows: number, cols: number, out: Float32Array): void {
  out.fill(0);
  for (let row = 0; row < rows; row++) for (let i = 0, o = row * cols; i < cols; i++) out[i] += m[o + i];
}
