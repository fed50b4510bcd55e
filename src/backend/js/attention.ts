/**
 * Fused scaled dot-product attention over `batch` independent [L, E] x [S, E] problems (every
 * batch x head pair): per problem, two gemms forward (Q·Kᵀ, P·V) with the mask, the row softmax
 * and dropout in one pass between them; three gemms backward (dV = Pᵀ·dO, dP = dO·Vᵀ, then
 * dQ = dS·K and dK = dSᵀ·Q) around the softmax backward. Runs on whatever gemm it is given, so a
 * backend with a faster gemm speeds attention up too (as conv2d does).
 */
import type { AttentionShapes, Backend } from '../backend.js';

type Gemm = Backend['gemm'];

/**
 * Turns the raw scores of problem `b` (already in probs[pOff .. pOff + L*S]) into softmax rows:
 * x = score * scale + mask (+ -inf above the diagonal when causal). A row with no finite entry
 * (fully masked) becomes NaN, as PyTorch's softmax gives.
 */
function maskedSoftmaxRows(probs: Float32Array, pOff: number, sh: AttentionShapes, b: number): void {
  const { l, s, scale, mask, causal } = sh;
  const maskOff = mask && sh.maskOffsets ? sh.maskOffsets[b] : 0;
  for (let i = 0; i < l; i++) {
    const row = pOff + i * s;
    const end = causal ? Math.min(s, i + 1) : s;
    let max = -Infinity;
    if (mask) {
      const mrow = maskOff + i * s;
      for (let j = 0; j < end; j++) {
        const x = probs[row + j] * scale + mask[mrow + j];
        probs[row + j] = x;
        if (x > max) max = x;
      }
    } else {
      for (let j = 0; j < end; j++) {
        const x = probs[row + j] * scale;
        probs[row + j] = x;
        if (x > max) max = x;
      }
    }
    if (max === -Infinity) {
      // every key masked for this query: PyTorch's softmax gives NaN for the whole row
      probs.fill(NaN, row, row + s);
      continue;
    }
    let sum = 0;
    for (let j = 0; j < end; j++) {
      const p = Math.exp(probs[row + j] - max);
      probs[row + j] = p;
      sum += p;
    }
    const inv = 1 / sum;
    for (let j = 0; j < end; j++) probs[row + j] *= inv;
    if (end < s) probs.fill(0, row + end, row + s);
  }
}

/** Problem b's output (and output-gradient) offset and row stride: sh.outOffsets's layout, or contiguous [batch, L, Ev]. */
export function outputLayout(sh: AttentionShapes): { offset: (b: number) => number; rowStride: number } {
  const { outOffsets, l, ev } = sh;
  return { offset: outOffsets ? (b) => outOffsets[b]! : (b) => b * l * ev, rowStride: sh.outRowStride ?? ev };
}

/** The gradients' offsets and row strides: the inputs' own with gradsLikeInputs, else contiguous per problem. */
function gradLayout(sh: AttentionShapes): { q: (b: number) => number; k: (b: number) => number; v: (b: number) => number; ldq: number; ldk: number; ldv: number } {
  const { l, s, e, ev } = sh;
  if (sh.gradsLikeInputs) {
    return { q: (b) => sh.qOffsets[b]!, k: (b) => sh.kOffsets[b]!, v: (b) => sh.vOffsets[b]!, ldq: sh.qRowStride, ldk: sh.kRowStride, ldv: sh.vRowStride };
  }
  return { q: (b) => b * l * e, k: (b) => b * s * e, v: (b) => b * s * ev, ldq: e, ldk: e, ldv: ev };
}

/** The stretch [lo, hi) of its array that an operand's problems cover. */
export function operandSpan(offsets: Int32Array, rows: number, rowStride: number, cols: number): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const o of offsets) {
    lo = Math.min(lo, o);
    hi = Math.max(hi, o + (rows - 1) * rowStride + cols);
  }
  return [lo, hi];
}

/**
 * out[b] = dropout(softmax(scale · Q[b]·K[b]ᵀ + mask[b])) · V[b], contiguous [batch, L, Ev] (or in sh.outOffsets's layout).
 * probs receives the softmax before dropout, contiguous [batch, L, S] (saved for backward).
 */
export function attentionForward(gemm: Gemm, q: Float32Array, k: Float32Array, v: Float32Array,
  sh: AttentionShapes, out: Float32Array, probs: Float32Array): void {
  const { batch, l, s, e, ev, dropMask } = sh;
  const ls = l * s;
  const outAt = outputLayout(sh);
  const dropped = dropMask ? new Float32Array(ls) : null;
  for (let b = 0; b < batch; b++) {
    const pOff = b * ls;
    gemm(false, true, l, s, e, q, sh.qOffsets[b], sh.qRowStride, k, sh.kOffsets[b], sh.kRowStride, 0, probs, pOff, s);
    maskedSoftmaxRows(probs, pOff, sh, b);
    let weights = probs, wOff = pOff;
    if (dropped && dropMask) {
      for (let i = 0; i < ls; i++) dropped[i] = probs[pOff + i] * dropMask[pOff + i];
      weights = dropped;
      wOff = 0;
    }
    gemm(false, false, l, ev, s, weights, wOff, s, v, sh.vOffsets[b], sh.vRowStride, 0, out, outAt.offset(b), outAt.rowStride);
  }
}

/**
 * Gradients of attentionForward. gradOut is dL/d(out) [batch, L, Ev]; gradWeights, when given, is
 * dL/d(weights) [batch, L, S] for the attention weights returned to the caller (the probabilities
 * after dropout). gradQ [batch, L, E], gradK [batch, S, E], gradV [batch, S, Ev] are overwritten;
 * pass null for those not needed.
 */
export function attentionBackward(gemm: Gemm, gradOut: Float32Array | null, gradWeights: Float32Array | null,
  q: Float32Array, k: Float32Array, v: Float32Array, probs: Float32Array, sh: AttentionShapes,
  gradQ: Float32Array | null, gradK: Float32Array | null, gradV: Float32Array | null): void {
  const { batch, l, s, e, ev, scale, dropMask } = sh;
  const ls = l * s;
  const outAt = outputLayout(sh), at = gradLayout(sh);
  if (sh.gradsLikeInputs) {
    for (const [g, offsets, rows, ld, cols] of [[gradQ, sh.qOffsets, l, at.ldq, e], [gradK, sh.kOffsets, s, at.ldk, e], [gradV, sh.vOffsets, s, at.ldv, ev]] as const) {
      if (g) g.fill(0, ...operandSpan(offsets, rows, ld, cols));
    }
  }
  const dP = new Float32Array(ls);
  const dropped = dropMask && gradV && gradOut ? new Float32Array(ls) : null;
  for (let b = 0; b < batch; b++) {
    const pOff = b * ls;
    if (gradV) {
      if (gradOut) {
        let weights = probs, wOff = pOff;
        if (dropped && dropMask) {
          for (let i = 0; i < ls; i++) dropped[i] = probs[pOff + i] * dropMask[pOff + i];
          weights = dropped;
          wOff = 0;
        }
        // dV = weightsᵀ · dO
        gemm(true, false, s, ev, l, weights, wOff, s, gradOut, outAt.offset(b), outAt.rowStride, 0, gradV, at.v(b), at.ldv);
      } else for (let r = 0; r < s; r++) gradV.fill(0, at.v(b) + r * at.ldv, at.v(b) + r * at.ldv + ev);
    }
    if (!gradQ && !gradK) continue;
    // dWeights = dO · Vᵀ (+ the caller's gradient of the returned weights)
    if (gradOut) gemm(false, true, l, s, ev, gradOut, outAt.offset(b), outAt.rowStride, v, sh.vOffsets[b], sh.vRowStride, 0, dP, 0, s);
    else dP.fill(0);
    if (gradWeights) for (let i = 0; i < ls; i++) dP[i] += gradWeights[pOff + i];
    if (dropMask) for (let i = 0; i < ls; i++) dP[i] *= dropMask[pOff + i];
    // softmax backward, with the score scale folded in: dS = scale · P ∘ (dP - rowsum(dP ∘ P))
    for (let i = 0; i < l; i++) {
      const row = i * s, prow = pOff + i * s;
      let dot = 0;
      for (let j = 0; j < s; j++) dot += dP[row + j] * probs[prow + j];
      for (let j = 0; j < s; j++) dP[row + j] = probs[prow + j] * (dP[row + j] - dot) * scale;
    }
    if (gradQ) gemm(false, false, l, e, s, dP, 0, s, k, sh.kOffsets[b], sh.kRowStride, 0, gradQ, at.q(b), at.ldq);
    if (gradK) gemm(true, false, s, e, l, dP, 0, s, q, sh.qOffsets[b], sh.qRowStride, 0, gradK, at.k(b), at.ldk);
  }
}
