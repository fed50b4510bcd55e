/**
 * Recurrent layers on the wasm kernels: a whole direction of a layer in one call, so the weights,
 * states and gates enter wasm memory once per sequence rather than once per step (as they would
 * through gemm and a per-step gate kernel), and every step's gemm and SIMD gate kernel
 * (kernels/rnn.ts) runs on data already there, as do the permutations between the caller's row
 * order and time-major order. Same algorithm and buffer layouts as the reference
 * (src/backend/js/recurrence.ts).
 */
import { hasShorterSequences, type RecurrenceBackward, type RecurrenceForward } from '../backend.js';
import { sgemmInMemory } from './gemm.js';
import { wasmScratch, type WasmScratch } from './scratch.js';
import { claimSaved, findSaved, keepSaved, spillSaved } from './recurrence-saved.js';

/** The recurrent gate kernels, one time step (kernels/rnn.ts), column sums of bias gradients and row permutations. */
export interface RecurrenceExports {
  rnnStepForward(relu: number, rows: number, H: number, gates: number, x: number, wIh: number, gh: number, bias: number, h: number): void;
  rnnStepBackward(relu: number, n: number, h: number, dh: number, dOut: number, dGates: number): void;
  lstmStepForward(rows: number, H: number, gates: number, x: number, wIh: number, gh: number, bias: number, cPrev: number, c: number, h: number, tanhC: number): void;
  lstmStepBackward(rows: number, H: number, gates: number, cPrev: number, c: number, dh: number, dOut: number, dc: number, dGates: number, tanhC: number): void;
  gruStepForward(rows: number, H: number, gates: number, x: number, wIh: number, gh: number, bias: number, biasHn: number, hPrev: number, h: number, hn: number): void;
  gruStepBackward(rows: number, H: number, gates: number, hn: number, hPrev: number, dh: number, dOut: number, dGatesX: number, dGatesH: number): void;
  sumColumnsF32(x: number, rows: number, cols: number, out: number): void;
  gatherRows(src: number, stride: number, index: number, rows: number, width: number, dst: number): void;
  scatterRows(src: number, rows: number, width: number, index: number, stride: number, dst: number): void;
}

/** kernels/elementwise.ts op code of add. */
const ADD = 0;

/** Copies src into wasm memory at ptr (zeros when src is null). */
function put(m: WasmScratch, ptr: number, src: Float32Array | null, length: number): void {
  if (src) m.put(ptr, src, length);
  else m.f32.fill(0, ptr >> 2, (ptr >> 2) + length);
}

/** Where the operands both passes start from live in wasm memory. */
interface SequencePointers { rows: number; x: number; xs: number; wIh: number; wHh: number; wHr: number; h: number; c: number }

/** State slots [first, first + count) of h and c. */
type SlotRange = readonly [first: number, count: number];

/**
 * What the forward and the backward pass both bring in: the row order, the inputs (x in the
 * caller's row order, gathered into time-major order at xs), the weights, and the state slots asked for.
 */
function putSequence(m: WasmScratch, a: RecurrenceForward | RecurrenceBackward, p: SequencePointers, slots: SlotRange | null): void {
  const { steps: T, batch: B, input: I, hidden: H, state: P } = a;
  const n = T * B, GH = a.wHh.length / P;
  m.i32.set(a.rows, p.rows >> 2);
  put(m, p.x, a.x, n * I);
  m.exports.gatherRows(p.x, I, p.rows, n, I, p.xs);
  put(m, p.wIh, a.wIh, GH * I);
  put(m, p.wHh, a.wHh, GH * P);
  if (a.wHr) put(m, p.wHr, a.wHr, P * H);
  if (!slots) return;
  const [first, count] = slots;
  m.put(p.h + 4 * first * B * P, a.h.subarray(first * B * P), count * B * P);
  if (a.mode === 'lstm') m.put(p.c + 4 * first * B * H, a.c!.subarray(first * B * H), count * B * H);
}

/** Copies state slots of h and c out of wasm memory into the caller's arrays. */
function takeStates(m: WasmScratch, a: RecurrenceForward, h: number, c: number, [first, count]: SlotRange): void {
  const { batch: B, hidden: H, state: P } = a;
  m.take(h + 4 * first * B * P, a.h.subarray(first * B * P), count * B * P);
  if (a.mode === 'lstm') m.take(c + 4 * first * B * H, a.c!.subarray(first * B * H), count * B * H);
}

export function recurrenceForward(a: RecurrenceForward): void {
  const { mode, steps: T, batch: B, input: I, hidden: H, state: P, batchSizes, reverse } = a;
  const GH = a.wHh.length / P;
  const lstm = mode === 'lstm', gru = mode === 'gru';
  const n = T * B;
  // the gates backward reads, h and c in the region the backward pass looks for them (before the scratch space: it may grow)
  const saved = claimSaved(a, GH);
  const gatesSaved = saved !== null && (lstm || gru);
  const m = wasmScratch(mode, [n, n * I, n * I, GH * I, GH * P, a.wHr ? P * H : 0, GH, gru ? H : 0,
    gatesSaved ? 0 : n * GH, saved ? 0 : (T + 1) * B * P, saved || !lstm ? 0 : (T + 1) * B * H, a.r || gru ? n * H : 0, B * GH, n * a.outStride]);
  const [rows, x, xs, wIh, wHh, wHr, bias, biasHn, scratchGates, scratchH, scratchC, rh, gh, out] = m.ptrs as number[] as
    [number, number, number, number, number, number, number, number, number, number, number, number, number, number];
  const gates = gatesSaved ? saved.gates : scratchGates, h = saved ? saved.h : scratchH, c = saved ? saved.c : scratchC;
  const ex = m.exports;
  // with shorter sequences, all of h and c: the initial states, and zeros in slots padded steps never write
  // (backward reads them; likewise r); else the steps write every slot but the initial one, which alone comes in
  const padded = hasShorterSequences(a);
  const initial: SlotRange = [reverse ? T : 0, 1], final: SlotRange = [reverse ? 0 : T, 1], all: SlotRange = [0, T + 1];
  putSequence(m, a, { rows, x, xs, wIh, wHh, wHr, h, c }, padded ? all : initial);
  put(m, bias, a.bias, GH);
  if (gru) put(m, biasHn, a.biasHn, H);
  if ((a.r || gru) && padded) put(m, rh, null, n * H);
  // out: only this direction's columns change, so the others must come in; a single direction owns all
  // of them, and only padded rows keep zeros
  if (a.outStride !== P) put(m, out, a.out, n * a.outStride);
  else if (padded) put(m, out, null, n * a.outStride);
  // one input feature: the gate kernels multiply it in themselves (x_t·W_ihᵀ is one product per gate),
  // else one gemm projects the inputs of all steps; the kernels get x = 0 then
  const single = I === 1;
  if (!single) sgemmInMemory(false, true, n, GH, I, xs, I, wIh, I, 0, gates, GH);
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const bt = batchSizes[t]!;
    if (bt === 0) continue;
    const prev = (reverse ? t + 1 : t) * B, next = (reverse ? t : t + 1) * B;
    const g = gates + 4 * t * B * GH;
    const xt = single ? xs + 4 * t * B : 0;
    sgemmInMemory(false, true, bt, GH, P, h + 4 * prev * P, P, wHh, P, 0, gh, GH);
    if (lstm) {
      const hidden = a.r ? rh + 4 * t * B * H : h + 4 * next * P;
      ex.lstmStepForward(bt, H, g, xt, wIh, gh, bias, c + 4 * prev * H, c + 4 * next * H, hidden, saved ? saved.tanhC + 4 * t * B * H : 0);
      if (a.r) sgemmInMemory(false, true, bt, P, H, hidden, H, wHr, H, 0, h + 4 * next * P, P);
    } else if (gru) {
      ex.gruStepForward(bt, H, g, xt, wIh, gh, bias, biasHn, h + 4 * prev * P, h + 4 * next * P, rh + 4 * t * B * H);
    } else {
      ex.rnnStepForward(mode === 'rnnRelu' ? 1 : 0, bt, H, g, xt, wIh, gh, bias, h + 4 * next * P);
    }
    ex.scatterRows(h + 4 * next * P, bt, P, rows + 4 * t * B, a.outStride, out + 4 * a.outOffset);
  }
  // Elman's backward works from h alone: its gates never leave wasm memory; saved ones leave only when spilled
  if ((lstm || gru) && !gatesSaved) m.take(gates, a.gates, n * GH);
  // the layer reads the final states; saved h and c (each sequence's final state in the last slot) leave only when spilled
  const statesKept = saved !== null && !padded;
  takeStates(m, a, h, c, statesKept ? final : all);
  m.take(rh, a.r ?? a.hn, a.r || gru ? n * H : 0);
  m.take(out, a.out, n * a.outStride);
  if (saved) keepSaved(a, GH, saved, statesKept);
}

export function recurrenceBackward(a: RecurrenceBackward): void {
  const { mode, steps: T, batch: B, input: I, hidden: H, state: P, batchSizes, reverse } = a;
  const GH = a.wHh.length / P;
  const lstm = mode === 'lstm', gru = mode === 'gru';
  const proj = a.r !== null;
  const n = T * B;
  // the forward pass's gates, h and c where it left them, unless another call has taken that region since
  const saved = findSaved(a, GH);
  const gatesIn = lstm || gru;
  const scratch = (): WasmScratch => wasmScratch(`${mode} backward`, [n, n * I, n * I, GH * I, GH * P, a.wHr ? P * H : 0, saved || !gatesIn ? 0 : n * GH,
    saved ? 0 : (T + 1) * B * P, saved || !lstm ? 0 : (T + 1) * B * H, proj || gru ? n * H : 0, n * a.outStride, n * P, B * P, lstm ? B * H : 0,
    proj ? B * H : 0, proj ? n * P : 0, n * GH, gru ? n * GH : 0, GH * I, GH * P, P * H, GH, GH]);
  let m: WasmScratch;
  try {
    m = scratch();
  } catch (e) {
    // the reference backward runs instead (WasmMemoryFull): it reads the gates from the array
    if (saved) spillSaved();
    throw e;
  }
  const [rows, x, xs, wIh, wHh, wHr, scratchGates, scratchH, scratchC, rh, gOut, dOut, dh, dc, dr, dhAll, dG, dGhBuf, gWih, gWhh, gWhr, gBih, gBhh] =
    m.ptrs as number[] as [number, number, number, number, number, number, number, number, number, number, number,
      number, number, number, number, number, number, number, number, number, number, number, number];
  const gates = saved ? saved.gates : scratchGates, h = saved ? saved.h : scratchH, c = saved ? saved.c : scratchC;
  const dGh = gru ? dGhBuf : dG;
  const ex = m.exports;
  putSequence(m, a, { rows, x, xs, wIh, wHh, wHr, h, c }, saved === null ? [0, T + 1] : null);
  if (gatesIn && !saved) put(m, gates, a.gates, n * GH);
  if (proj || gru) put(m, rh, a.r ?? a.hn, n * H);
  put(m, gOut, a.gOut, n * a.outStride);
  ex.gatherRows(gOut + 4 * a.outOffset, a.outStride, rows, n, P, dOut);
  put(m, dh, a.dh, B * P);
  if (lstm) put(m, dc, a.dc, B * H);
  // padded rows of the gradients must be zero for the whole-sequence gemms below (the steps write all others)
  if (hasShorterSequences(a)) {
    put(m, dG, null, n * GH);
    if (gru) put(m, dGh, null, n * GH);
    if (proj) put(m, dhAll, null, n * P);
  }
  for (let s = T - 1; s >= 0; s--) {
    const t = reverse ? T - 1 - s : s;
    const bt = batchSizes[t]!;
    if (bt === 0) continue;
    const prev = (reverse ? t + 1 : t) * B, next = (reverse ? t : t + 1) * B;
    // the gradient reaching h_t from the output joins the one from step t + 1: the step kernels add
    // them, except with a projection, whose product needs the sum first
    const dOutT = dOut + 4 * t * B * P;
    const gOff = 4 * t * B * GH;
    if (lstm) {
      if (proj) {
        ex.binaryF32(ADD, dh, dOutT, dh, bt * P, bt * P);
        m.f32.copyWithin((dhAll >> 2) + t * B * P, dh >> 2, (dh >> 2) + bt * P);
        sgemmInMemory(false, false, bt, H, P, dh, P, wHr, H, 0, dr, H);
      }
      ex.lstmStepBackward(bt, H, gates + gOff, c + 4 * prev * H, c + 4 * next * H, proj ? dr : dh, proj ? 0 : dOutT, dc, dG + gOff,
        saved ? saved.tanhC + 4 * t * B * H : 0);
    } else if (gru) {
      ex.gruStepBackward(bt, H, gates + gOff, rh + 4 * t * B * H, h + 4 * prev * P, dh, dOutT, dG + gOff, dGh + gOff);
    } else {
      ex.rnnStepBackward(mode === 'rnnRelu' ? 1 : 0, bt * H, h + 4 * next * P, dh, dOutT, dG + gOff);
    }
    sgemmInMemory(false, false, bt, P, GH, dGh + gOff, GH, wHh, P, gru ? 1 : 0, dh, P);
  }
  // with one input feature, dW_ih and dx are computed transposed (same layout): one row instead of a GEMM tile of columns mostly empty
  const single = I === 1;
  if (a.gWih && single) sgemmInMemory(true, false, 1, GH, n, xs, 1, dG, GH, 0, gWih, GH);
  else if (a.gWih) sgemmInMemory(true, false, GH, I, n, dG, GH, xs, I, 0, gWih, I);
  if (a.gWhh) sgemmInMemory(true, false, GH, P, n, dGh, GH, h + 4 * (reverse ? B : 0) * P, P, 0, gWhh, P);
  if (a.gWhr) sgemmInMemory(true, false, P, H, n, dhAll, P, rh, H, 0, gWhr, H);
  if (a.gBiasIh) ex.sumColumnsF32(dG, n, GH, gBih);
  // without GRU's separate hidden path, b_hh's gradient is b_ih's
  const bhhFromBih = a.gBiasIh !== null && !gru;
  if (a.gBiasHh && !bhhFromBih) ex.sumColumnsF32(dGh, n, GH, gBhh);
  if (a.dx) {
    // dx in time-major order (xs's space, free now), then into the caller's (x's)
    if (a.accumulateDx) {
      put(m, x, a.dx, n * I);
      ex.gatherRows(x, I, rows, n, I, xs);
    }
    const beta = a.accumulateDx ? 1 : 0;
    if (single) sgemmInMemory(true, true, 1, n, GH, wIh, 1, dG, GH, beta, xs, n);
    else sgemmInMemory(false, false, n, I, GH, dG, GH, wIh, I, beta, xs, I);
    ex.scatterRows(xs, n, I, rows, I, x);
  }
  m.take(dh, a.dh, B * P);
  if (lstm) m.take(dc, a.dc, B * H);
  m.take(x, a.dx, n * I);
  m.take(gWih, a.gWih, GH * I);
  m.take(gWhh, a.gWhh, GH * P);
  m.take(gWhr, a.gWhr, P * H);
  m.take(gBih, a.gBiasIh, GH);
  m.take(bhhFromBih ? gBih : gBhh, a.gBiasHh, GH);
}
