/**
 * Fused recurrent layers (Elman RNN with tanh or relu, LSTM with optional projection, GRU): one
 * layer, one or two directions, the whole sequence in one op and one autograd node.
 *
 * Each direction runs as one backend call (`recurrenceForward` / `recurrenceBackward`), given the
 * caller's row of every step and sorted sequence, and states in [T+1, B, *] slots with the initial
 * states placed before the call and the final states read after it.
 *
 * Variable lengths: sequences are processed sorted by length (longest first), so at step t the
 * active ones are a prefix of the batch of size batchSizes[t] (exactly PyTorch's packed layout).
 * Steps t >= length give zero output and leave the state alone; a sequence's final state is the one
 * after its own last step, and the reverse direction starts at each sequence's own end.
 */
import { Tensor } from '../tensor/tensor.js';
import { formatShape, opError } from '../tensor/shape.js';
import { getBackend } from '../backend/registry.js';
import { hasShorterSequences } from '../backend/backend.js';
import { record } from '../autograd/node.js';
import { requireDtype, requireTensor } from './util.js';
import { narrow, reshape } from './shape.js';
import { releaseArray, takeFloat32 } from '../tensor/pool.js';

export type RecurrentMode = 'rnnTanh' | 'rnnRelu' | 'lstm' | 'gru';

/** Gates per mode, stacked in the rows of W_ih and W_hh: LSTM i,f,g,o; GRU r,z,n. */
export const GATE_COUNT: Readonly<Record<RecurrentMode, number>> = { rnnTanh: 1, rnnRelu: 1, lstm: 4, gru: 3 };

/** One direction's parameters, PyTorch's shapes: W_ih [G*H, I], W_hh [G*H, P], biases [G*H], W_hr [P, H]. */
export interface RecurrentWeights {
  weightIh: Tensor;
  weightHh: Tensor;
  biasIh?: Tensor | null;
  biasHh?: Tensor | null;
  /** LSTM only: the projection of h (PyTorch's proj_size); P = W_hr's rows, else P = H. */
  weightHr?: Tensor | null;
}

export interface RecurrentLayerOptions {
  /** Input [B, T, I] and output [B, T, D*P] instead of [T, B, ...]. */
  batchFirst?: boolean;
  /** Per-sequence lengths, in batch order, each in 1..T; steps at or past a length are padding. */
  lengths?: ArrayLike<number> | Tensor | null;
}

export interface RecurrentLayerResult {
  /** [T, B, D*P] (or [B, T, D*P] with batchFirst), directions side by side, zero at padded steps. */
  output: Tensor;
  /** Final hidden state of each direction, [D, B, P]. */
  hN: Tensor;
  /** LSTM: final cell state [D, B, H]; null otherwise. */
  cN: Tensor | null;
}

/** dst[dstOffset + i] = src[srcOffset + i] for i < n (a loop: subarray+set costs an allocation per row). */
function copyRow(src: Float32Array, srcOffset: number, dst: Float32Array, dstOffset: number, n: number): void {
  for (let i = 0; i < n; i++) dst[dstOffset + i] = src[srcOffset + i];
}

function floatData(t: Tensor): Float32Array {
  return t.contiguousData() as Float32Array;
}

function requireShape(op: string, arg: string, t: Tensor, shape: readonly number[]): void {
  requireTensor(op, arg, t);
  requireDtype(op, arg, t, ['float32']);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw opError(op, `expected ${arg} of shape ${formatShape(shape)}, got ${formatShape(t.shape)}`);
  }
}

/** Sorted order (longest first, stable) and the number of active sequences at each step. */
function lengthLayout(op: string, lengths: RecurrentLayerOptions['lengths'], T: number, B: number): { order: Int32Array; batchSizes: Int32Array } {
  const order = new Int32Array(B);
  for (let b = 0; b < B; b++) order[b] = b;
  const batchSizes = new Int32Array(T);
  if (lengths === undefined || lengths === null) {
    batchSizes.fill(B);
    return { order, batchSizes };
  }
  const values = lengths instanceof Tensor ? Array.from(lengths.contiguousData()) : Array.from(lengths);
  if (values.length !== B) throw opError(op, `expected ${B} lengths (one per sequence in the batch), got ${values.length}`);
  values.forEach((v, b) => {
    if (!Number.isInteger(v) || v < 1 || v > T) {
      throw opError(op, `lengths[${b}] = ${v}: every length must be an integer from 1 to the sequence length ${T}`);
    }
  });
  const sorted = Array.from(order).sort((a, b) => values[b] - values[a] || a - b);
  sorted.forEach((b, j) => { order[j] = b; });
  for (let t = 0; t < T; t++) {
    let n = 0;
    while (n < B && values[order[n]] > t) n++;
    batchSizes[t] = n;
  }
  return { order, batchSizes };
}

/** What the forward pass keeps for backward, per direction. */
interface DirectionRecord {
  wIh: Float32Array;
  wHh: Float32Array;
  wHr: Float32Array | null;
  /** Activated gates per step [T, B, G*H] (the pre-activations are overwritten in place). */
  gates: Float32Array;
  /** States: slot s holds [B, P]; the state before time t is slot t (forward) or t+1 (reverse). */
  h: Float32Array;
  c: Float32Array | null;
  /** LSTM with projection: o*tanh(c) before W_hr, [T, B, H]. */
  r: Float32Array | null;
  /** GRU: W_hn·h + b_hn per step, [T, B, H]. */
  hn: Float32Array | null;
}

/**
 * One recurrent layer over a whole sequence, both directions when `weights` has two entries
 * (the second runs backwards in time). `h0` is [D, B, P], `c0` (LSTM) [D, B, H]; zeros when null.
 */
export function recurrentLayer(mode: RecurrentMode, input: Tensor, weights: readonly RecurrentWeights[],
  h0: Tensor | null = null, c0: Tensor | null = null, options: RecurrentLayerOptions = {}): RecurrentLayerResult {
  const op = mode;
  requireTensor(op, 'input', input);
  requireDtype(op, 'input', input, ['float32']);
  if (!(mode in GATE_COUNT)) throw opError('recurrentLayer', `unknown mode '${mode}' (expected rnnTanh, rnnRelu, lstm or gru)`);
  if (input.ndim !== 3) throw opError(op, `expected a 3-D input [${options.batchFirst ? 'batch, seq, feature' : 'seq, batch, feature'}], got ${formatShape(input.shape)}`);
  const batchFirst = options.batchFirst ?? false;
  const T = batchFirst ? input.shape[1] : input.shape[0];
  const B = batchFirst ? input.shape[0] : input.shape[1];
  const I = input.shape[2];
  const D = weights.length;
  if (D !== 1 && D !== 2) throw opError(op, `expected weights for 1 or 2 directions, got ${D}`);
  const G = GATE_COUNT[mode];
  const lstm = mode === 'lstm', gru = mode === 'gru';
  requireTensor(op, 'weightIh', weights[0].weightIh);
  const GH = weights[0].weightIh.shape[0];
  if (GH % G !== 0 || GH === 0) throw opError(op, `weightIh has ${GH} rows, expected ${G} * hiddenSize`);
  const H = GH / G;
  const proj = weights[0].weightHr ?? null;
  if (proj && !lstm) throw opError(op, 'weightHr (projSize) is only supported by LSTM');
  const P = proj ? proj.shape[0] : H;
  weights.forEach((w, d) => {
    const sfx = d === 1 ? '_reverse' : '';
    requireShape(op, `weightIh${sfx}`, w.weightIh, [GH, I]);
    requireShape(op, `weightHh${sfx}`, w.weightHh, [GH, P]);
    if (w.biasIh) requireShape(op, `biasIh${sfx}`, w.biasIh, [GH]);
    if (w.biasHh) requireShape(op, `biasHh${sfx}`, w.biasHh, [GH]);
    if (!!w.weightHr !== !!proj) throw opError(op, 'weightHr must be given for every direction or none');
    if (w.weightHr) requireShape(op, `weightHr${sfx}`, w.weightHr, [P, H]);
  });
  if (h0) requireShape(op, 'h0', h0, [D, B, P]);
  if (c0 && !lstm) throw opError(op, `c0 is only used by LSTM, not ${mode}`);
  if (c0) requireShape(op, 'c0', c0, [D, B, H]);
  const { order, batchSizes } = lengthLayout(op, options.lengths, T, B);

  const backend = getBackend();
  /** Row of (t, b) in the caller's layout. */
  const rowOf = batchFirst ? (t: number, b: number) => b * T + t : (t: number, b: number) => t * B + b;

  const xData = floatData(input);
  // the caller's row of each step and sorted sequence, in input, output and their gradients
  const rows = new Int32Array(T * B);
  for (let t = 0; t < T; t++) for (let j = 0; j < B; j++) rows[t * B + j] = rowOf(t, order[j]);
  const h0Data = h0 ? floatData(h0) : null;
  const c0Data = c0 ? floatData(c0) : null;

  const outSize = T * B * D * P, hSize = D * B * P, cSize = lstm ? D * B * H : 0;
  const all = new Float32Array(outSize + hSize + cSize);
  const out = all.subarray(0, outSize), hN = all.subarray(outSize, outSize + hSize), cN = all.subarray(outSize + hSize);
  const records: DirectionRecord[] = [];
  // steps of each sorted sequence
  const lengthOf = new Int32Array(B);
  for (let t = 0; t < T; t++) for (let j = 0; j < batchSizes[t]; j++) lengthOf[j]++;
  const padded = hasShorterSequences({ batchSizes, batch: B });

  for (let d = 0; d < D; d++) {
    const reverse = d === 1;
    const w = weights[d];
    const wIh = floatData(w.weightIh), wHh = floatData(w.weightHh), wHr = w.weightHr ? floatData(w.weightHr) : null;
    const bIh = w.biasIh ? floatData(w.biasIh) : null, bHh = w.biasHh ? floatData(w.biasHh) : null;
    // the biases, folded into one vector that the gate kernels add (GRU keeps b_hn apart: it sits inside r*(...))
    let bias: Float32Array | null = null, biasHn: Float32Array | null = null;
    if (bIh || bHh) {
      bias = new Float32Array(GH);
      if (bIh) for (let i = 0; i < GH; i++) bias[i] += bIh[i];
      if (bHh) {
        const folded = gru ? 2 * H : GH;
        for (let i = 0; i < folded; i++) bias[i] += bHh[i];
        if (gru) biasHn = bHh.slice(2 * H);
      }
    }
    // from the pool (the next step's forward pass reuses them once this one's backward is done); backward reads
    // only the gates of active rows, which the forward pass writes. Without shorter sequences the steps write
    // every state slot but the initial one, so only that one needs zeros.
    const gates = takeFloat32(T * B * GH, false);
    const h = takeFloat32((T + 1) * B * P, padded);
    const c = lstm ? takeFloat32((T + 1) * B * H, padded) : null;
    const r = wHr ? takeFloat32(T * B * H, padded) : null;
    const hn = gru ? takeFloat32(T * B * H, padded) : null;
    if (!padded) {
      const slot = reverse ? T : 0;
      h.fill(0, slot * B * P, (slot + 1) * B * P);
      c?.fill(0, slot * B * H, (slot + 1) * B * H);
    }
    // each sequence's initial state goes in the slot before its first step, its final state comes from the one after its last
    const firstSlot = (j: number) => (reverse ? lengthOf[j] : 0) * B + j;
    const lastSlot = (j: number) => (reverse ? 0 : lengthOf[j]) * B + j;
    for (let j = 0; j < B; j++) {
      if (h0Data) copyRow(h0Data, (d * B + order[j]) * P, h, firstSlot(j) * P, P);
      if (c && c0Data) copyRow(c0Data, (d * B + order[j]) * H, c, firstSlot(j) * H, H);
    }
    backend.recurrenceForward({ mode, steps: T, batch: B, input: I, hidden: H, state: P, batchSizes, reverse, rows, outStride: D * P, outOffset: d * P,
      x: xData, wIh, wHh, wHr, bias, biasHn, gates, out, h, c, r, hn });
    for (let j = 0; j < B; j++) {
      copyRow(h, lastSlot(j) * P, hN, (d * B + order[j]) * P, P);
      if (c) copyRow(c, lastSlot(j) * H, cN, (d * B + order[j]) * H, H);
    }
    records.push({ wIh, wHh, wHr, gates, h, c, r, hn });
  }

  const flat = Tensor.fromData(all, [all.length], 'float32');
  const inputs: (Tensor | null)[] = [input, h0, c0];
  // backward reads the input and the weights
  const saved: Tensor[] = [input];
  for (const w of weights) {
    inputs.push(w.weightIh, w.weightHh, w.biasIh ?? null, w.biasHh ?? null, w.weightHr ?? null);
    saved.push(w.weightIh, w.weightHh);
    if (w.weightHr) saved.push(w.weightHr);
  }

  /** The inputs' gradients from the output's and (when they have one) the final states' gradients. */
  const gradients = (gOut: Float32Array, gHN: Float32Array | null, gCN: Float32Array | null): (Tensor | null)[] => {
    const dx = input.requiresGrad ? new Float32Array(T * B * I) : null;
    const gH0 = h0?.requiresGrad ? new Float32Array(D * B * P) : null;
    const gC0 = c0?.requiresGrad ? new Float32Array(D * B * H) : null;
    const grads: (Tensor | null)[] = [null, null, null];
    const asTensor = (data: Float32Array, shape: readonly number[]) => Tensor.fromData(data, shape, 'float32');

    for (let d = 0; d < D; d++) {
      const reverse = d === 1;
      const w = weights[d];
      const { wIh, wHh, wHr, gates, h, c, r, hn } = records[d];
      // the final states' gradients in, the initial states' out
      const dh = new Float32Array(B * P);
      const dc = lstm ? new Float32Array(B * H) : null;
      for (let j = 0; j < B; j++) {
        if (gHN) copyRow(gHN, (d * B + order[j]) * P, dh, j * P, P);
        if (dc && gCN) copyRow(gCN, (d * B + order[j]) * H, dc, j * H, H);
      }
      const gWih = w.weightIh.requiresGrad ? new Float32Array(GH * I) : null;
      const gWhh = w.weightHh.requiresGrad ? new Float32Array(GH * P) : null;
      const gBih = w.biasIh?.requiresGrad ? new Float32Array(GH) : null;
      const gBhh = w.biasHh?.requiresGrad ? new Float32Array(GH) : null;
      const gWhr = w.weightHr?.requiresGrad ? new Float32Array(P * H) : null;
      backend.recurrenceBackward({ mode, steps: T, batch: B, input: I, hidden: H, state: P, batchSizes, reverse, rows, outStride: D * P, outOffset: d * P,
        x: xData, wIh, wHh, wHr, gates, h, c, r, hn, gOut, dh, dc, dx, accumulateDx: d > 0,
        gWih, gWhh, gWhr, gBiasIh: gBih, gBiasHh: gBhh });
      for (let j = 0; j < B; j++) {
        if (gH0) copyRow(dh, j * P, gH0, (d * B + order[j]) * P, P);
        if (gC0) copyRow(dc!, j * H, gC0, (d * B + order[j]) * H, H);
      }
      grads.push(gWih && asTensor(gWih, [GH, I]), gWhh && asTensor(gWhh, [GH, P]), gBih && asTensor(gBih, [GH]),
        gBhh && asTensor(gBhh, [GH]), gWhr && asTensor(gWhr, [P, H]));
    }
    grads[0] = dx && asTensor(dx, input.shape);
    grads[1] = gH0 && asTensor(gH0, [D, B, P]);
    grads[2] = gC0 && asTensor(gC0, [D, B, H]);
    return grads;
  };
  record(flat, mode, inputs, (g) => {
    const gData = floatData(g);
    return gradients(gData.subarray(0, outSize), gData.subarray(outSize, outSize + hSize), gData.subarray(outSize + hSize));
  }, saved);
  const giveBack = () => {
    for (const rec of records) {
      backend.recurrenceDone(rec.h);
      for (const buffer of [rec.gates, rec.h, rec.c, rec.r, rec.hn]) if (buffer) releaseArray('float32', buffer);
    }
  };
  if (flat.gradFn) flat.gradFn.onRelease = giveBack;
  else giveBack();

  const output = narrow(flat, 0, 0, outSize);
  // when nothing reads the final states (the usual case), the output's gradient goes straight to the
  // layer's rule instead of into a zero-filled gradient of the output and final states together
  const node = flat.gradFn;
  if (node && output.gradFn) {
    output.gradFn.fusedRule = (g, alone) => {
      if (!alone(node)) return null;
      node.checkSaved();
      return { through: [node], tail: node, grads: gradients(floatData(g), null, null) };
    };
  }
  const outShape = batchFirst ? [B, T, D * P] : [T, B, D * P];
  return {
    output: reshape(output, outShape),
    hN: reshape(narrow(flat, 0, outSize, hSize), [D, B, P]),
    cN: lstm ? reshape(narrow(flat, 0, outSize + hSize, cSize), [D, B, H]) : null,
  };
}
