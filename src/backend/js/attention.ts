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

/**
 * out[b] = dropout(softmax(scale · Q[b]·K[b]ᵀ + mask[b])) · V[b], contiguous [batch, L, Ev].
 * probs receives the softmax before dropout, contiguous [batch, L, S] (saved for backward).
 */
export function attentionForward(gemm: Gemm, q: Float32Array, k: Float32Array, v: Float32Array,
  sh: AttentionShapes, out: Float32Array, probs: Float32Array): void {
  const { batch, l, s, e, ev, dropMask } = sh;
  const ls = l * s;
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
    gemm(false, false, l, ev, s, weights, wOff, s, v, sh.vOffsets[b], sh.vRowStride, 0, out, b * l * ev, ev);
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
        gemm(true, false, s, ev, l, weights, wOff, s, gradOut, b * l * ev, ev, 0, gradV, b * s * ev, ev);
      } else gradV.fill(0, b * s * ev, (b + 1) * s * ev);
    }
    if (!gradQ && !gradK) continue;
    // dWeights = dO · Vᵀ (+ the caller's gradient of the returned weights)
    if (gradOut) gemm(false, true, l, s, ev, gradOut, b * l * ev, ev, v, sh.vOffsets[b], sh.vRowStride, 0, dP, 0, s);
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
    if (gradQ) gemm(false, false, l, e, s, dP, 0, s, k, sh.kOffsets[b], sh.kRowStride, 0, gradQ, b * l * e, e);
    if (gradK) gemm(true, false, s, e, l, dP, 0, s, q, sh.qOffsets[b], sh.qRowStride, 0, gradK, b * s * e, e);
  }
}
