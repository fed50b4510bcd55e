/**
 * Fused attention resident in wasm memory: q, k and v (one copy when they share storage, as the
 * packed in-projection of multi-head attention makes them), the mask and the dropout multipliers go
 * in once; every problem's gemms run with sgemmInMemory and the masked softmax (and its backward)
 * with kernels/attention.ts in between; only the results come back. Same algorithm and semantics
 * as the reference kernel (src/backend/js/attention.ts), which takes the empty shapes.
 */
import type { AttentionShapes, Backend } from '../backend.js';
import { outputLayout } from '../js/attention.js';
import { sgemmInMemory } from './gemm.js';
import { wasmScratch, type WasmScratch } from './scratch.js';
import { profileHooks } from '../../util/profile-hooks.js';

/** Fused attention's elementwise parts (kernels/attention.ts); mask / gradWeights / drop are 0 when absent. */
export interface AttentionExports {
  attentionSoftmax(p: number, l: number, s: number, scale: number, mask: number, causal: number): void;
  attentionDropout(a: number, b: number, out: number, n: number): void;
  attentionSoftmaxBackward(dp: number, probs: number, gradWeights: number, drop: number, l: number, s: number, scale: number): void;
}

/** A matrix operand per problem: rows x cols read from data at offsets[b], rows rowStride apart. */
interface Operand { data: Float32Array; offsets: Int32Array; rowStride: number; rows: number; cols: number }

/** A stretch [lo, hi) of one array that covers the operands read from it. */
interface Span { data: Float32Array; lo: number; hi: number }

function operands(sh: AttentionShapes, q: Float32Array, k: Float32Array, v: Float32Array): Operand[] {
  return [
    { data: q, offsets: sh.qOffsets, rowStride: sh.qRowStride, rows: sh.l, cols: sh.e },
    { data: k, offsets: sh.kOffsets, rowStride: sh.kRowStride, rows: sh.s, cols: sh.e },
    { data: v, offsets: sh.vOffsets, rowStride: sh.vRowStride, rows: sh.s, cols: sh.ev },
  ];
}

/** The stretches of storage the operands read, one per distinct array. */
function spans(ops: Operand[], batch: number): Span[] {
  const out: Span[] = [];
  for (const op of ops) {
    let lo = Infinity, hi = -Infinity;
    for (let b = 0; b < batch; b++) {
      lo = Math.min(lo, op.offsets[b]!);
      hi = Math.max(hi, op.offsets[b]! + (op.rows - 1) * op.rowStride + op.cols);
    }
    const same = out.find((s) => s.data === op.data);
    if (same) { same.lo = Math.min(same.lo, lo); same.hi = Math.max(same.hi, hi); } else out.push({ data: op.data, lo, hi });
  }
  return out;
}

/**
 * Copies the spans into their regions (the first spans.length of m.ptrs) and returns, per operand,
 * the byte address that element 0 of its array would have, so problem b starts at base + 4 * offsets[b].
 */
function place(m: WasmScratch, sp: Span[], ops: Operand[]): number[] {
  sp.forEach((s, i) => m.f32.set(s.data.subarray(s.lo, s.hi), m.ptrs[i]! >> 2));
  if (profileHooks) profileHooks.wasmCopy(sp.reduce((bytes, s) => bytes + (s.hi - s.lo) * 4, 0), sp.length);
  return ops.map((op) => {
    const i = sp.findIndex((s) => s.data === op.data);
    return m.ptrs[i]! - sp[i]!.lo * 4;
  });
}

/** Whether the kernels take these shapes: the reference handles the empty ones. */
export function attentionHandles(sh: AttentionShapes): boolean {
  return !empty(sh);
}

function empty(sh: AttentionShapes): boolean {
  return sh.batch === 0 || sh.l === 0 || sh.s === 0 || sh.e === 0 || sh.ev === 0;
}

export const attention: NonNullable<Backend['attention']> = (q, k, v, sh, out, probs) => {
  const { batch, l, s, e, ev, mask, maskOffsets, dropMask } = sh;
  const ls = l * s;
  const outAt = outputLayout(sh);
  const ops = operands(sh, q, k, v);
  const sp = spans(ops, batch);
  const m = wasmScratch('attention', [...sp.map((x) => x.hi - x.lo), mask ? mask.length : 0, dropMask ? batch * ls : 0,
    dropMask ? ls : 0, batch * ls, batch * l * ev]);
  const [pmask, pdrop, pdropped, pprobs, pout] = m.ptrs.slice(sp.length) as [number, number, number, number, number];
  const [qb, kb, vb] = place(m, sp, ops) as [number, number, number];
  if (mask) m.put(pmask, mask, mask.length);
  if (dropMask) m.put(pdrop, dropMask, batch * ls);
  const ex = m.exports;
  for (let b = 0; b < batch; b++) {
    const p = pprobs + b * ls * 4;
    sgemmInMemory(false, true, l, s, e, qb + sh.qOffsets[b]! * 4, sh.qRowStride, kb + sh.kOffsets[b]! * 4, sh.kRowStride, 0, p, s);
    ex.attentionSoftmax(p, l, s, sh.scale, mask && maskOffsets ? pmask + maskOffsets[b]! * 4 : 0, sh.causal ? 1 : 0);
    let weights = p;
    if (dropMask) {
      ex.attentionDropout(p, pdrop + b * ls * 4, pdropped, ls);
      weights = pdropped;
    }
    sgemmInMemory(false, false, l, ev, s, weights, s, vb + sh.vOffsets[b]! * 4, sh.vRowStride, 0, pout + outAt.offset(b) * 4, outAt.rowStride);
  }
  m.take(pprobs, probs, batch * ls);
  m.take(pout, out, batch * l * ev);
};

export const attentionBackward: NonNullable<Backend['attentionBackward']> = (gradOut, gradWeights, q, k, v, probs, sh, gradQ, gradK, gradV) => {
  const { batch, l, s, e, ev, dropMask } = sh;
  const ls = l * s;
  const outAt = outputLayout(sh);
  const ops = operands(sh, q, k, v);
  const sp = spans(ops, batch);
  const grads = [gradQ, gradK, gradV];
  // gradsLikeInputs: one zeroed region per input span, the gradients at the inputs' places in it
  const spanGrads = sh.gradsLikeInputs ? sp.map((x) => grads.find((g, i) => g && ops[i]!.data === x.data) ?? null) : [];
  const m = wasmScratch('attentionBackward', [...sp.map((x) => x.hi - x.lo), batch * ls, gradOut ? batch * l * ev : 0,
    gradWeights ? batch * ls : 0, dropMask ? batch * ls : 0, ls, dropMask ? ls : 0,
    ...(sh.gradsLikeInputs ? sp.map((x, i) => (spanGrads[i] ? x.hi - x.lo : 0)) : [gradQ ? batch * l * e : 0, gradK ? batch * s * e : 0, gradV ? batch * s * ev : 0])]);
  const [pprobs, pgo, pgw, pdrop, pdp, pdropped] = m.ptrs.slice(sp.length, sp.length + 6) as [number, number, number, number, number, number];
  const gradPtrs = m.ptrs.slice(sp.length + 6);
  const [qb, kb, vb] = place(m, sp, ops) as [number, number, number];
  // per gradient: the byte address of element 0 of its array (as place() gives for the inputs) and its row stride
  let gq: number, gk: number, gv: number, ldq: number, ldk: number, ldv: number;
  if (sh.gradsLikeInputs) {
    sp.forEach((x, i) => { if (spanGrads[i]) m.f32.fill(0, gradPtrs[i]! >> 2, (gradPtrs[i]! >> 2) + x.hi - x.lo); });
    const base = (op: number) => { const i = sp.findIndex((x) => x.data === ops[op]!.data); return gradPtrs[i]! - sp[i]!.lo * 4; };
    [gq, gk, gv] = [base(0), base(1), base(2)];
    [ldq, ldk, ldv] = [sh.qRowStride, sh.kRowStride, sh.vRowStride];
  } else {
    [gq, gk, gv] = gradPtrs as [number, number, number];
    [ldq, ldk, ldv] = [e, e, ev];
  }
  const gqAt = (b: number) => gq + (sh.gradsLikeInputs ? sh.qOffsets[b]! : b * l * e) * 4;
  const gkAt = (b: number) => gk + (sh.gradsLikeInputs ? sh.kOffsets[b]! : b * s * e) * 4;
  const gvAt = (b: number) => gv + (sh.gradsLikeInputs ? sh.vOffsets[b]! : b * s * ev) * 4;
  m.put(pprobs, probs, batch * ls);
  if (gradOut) m.put(pgo, gradOut, batch * l * ev);
  if (gradWeights) m.put(pgw, gradWeights, batch * ls);
  if (dropMask) m.put(pdrop, dropMask, batch * ls);
  const ex = m.exports;
  for (let b = 0; b < batch; b++) {
    const p = pprobs + b * ls * 4, go = pgo + outAt.offset(b) * 4, ldo = outAt.rowStride;
    if (gradV) {
      if (gradOut) {
        let weights = p;
        if (dropMask) {
          ex.attentionDropout(p, pdrop + b * ls * 4, pdropped, ls);
          weights = pdropped;
        }
        // dV = weightsᵀ · dO
        sgemmInMemory(true, false, s, ev, l, weights, s, go, ldo, 0, gvAt(b), ldv);
      } else for (let r = 0; r < s; r++) m.f32.fill(0, (gvAt(b) >> 2) + r * ldv, (gvAt(b) >> 2) + r * ldv + ev);
    }
    if (!gradQ && !gradK) continue;
    // dWeights = dO · Vᵀ (+ the caller's gradient of the returned weights), then the softmax backward
    if (gradOut) sgemmInMemory(false, true, l, s, ev, go, ldo, vb + sh.vOffsets[b]! * 4, sh.vRowStride, 0, pdp, s);
    else m.f32.fill(0, pdp >> 2, (pdp >> 2) + ls);
    ex.attentionSoftmaxBackward(pdp, p, gradWeights ? pgw + b * ls * 4 : 0, dropMask ? pdrop + b * ls * 4 : 0, l, s, sh.scale);
    if (gradQ) sgemmInMemory(false, false, l, e, s, pdp, s, kb + sh.kOffsets[b]! * 4, sh.kRowStride, 0, gqAt(b), ldq);
    if (gradK) sgemmInMemory(true, false, s, e, l, pdp, s, qb + sh.qOffsets[b]! * 4, sh.qRowStride, 0, gkAt(b), ldk);
  }
  if (sh.gradsLikeInputs) {
    sp.forEach((x, i) => {
      const g = spanGrads[i];
      if (!g) return;
      g.set(m.f32.subarray(gradPtrs[i]! >> 2, (gradPtrs[i]! >> 2) + x.hi - x.lo), x.lo);
      if (profileHooks) profileHooks.wasmCopy((x.hi - x.lo) * 4, 1);
    });
    return;
  }
  m.take(gq, gradQ, batch * l * e);
  m.take(gk, gradK, batch * s * e);
  m.take(gv, gradV, batch * s * ev);
};
