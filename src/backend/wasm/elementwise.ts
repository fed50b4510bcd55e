/**
 * Elementwise float32 ops on the wasm kernels (kernels/elementwise.ts) for large contiguous data:
 * V8 does not vectorise the reference loops, and their data-dependent branches (relu and its
 * backward) mispredict on every other element, so even with the copies into and out of wasm memory
 * this is several times faster. Likewise row sums (bias gradients of conv layers). Everything else
 * goes to the reference kernels.
 */
import type { Backend, BinaryOp, UnaryOp } from '../backend.js';
import { reduce as jsReduce } from '../js/reduce.js';
import { binary as jsBinary, isDense, isScalarView, unary as jsUnary } from '../js/elementwise.js';
import { wasmScratch } from './loader.js';

/** Below this many elements the reference loop is as fast as the copies. */
const MIN_ELEMENTS = 1024;

// Op codes of kernels/elementwise.ts.
const UNARY_CODES: Partial<Record<UnaryOp, number>> = { relu: 0, neg: 1, abs: 2, sqrt: 3, square: 4, leakyRelu: 5, gelu: 6 };
const BINARY_CODES: Partial<Record<BinaryOp, number>> = { add: 0, sub: 1, mul: 2, div: 3, reluBackward: 4, geluBackward: 5 };

export const unary: Backend['unary'] = (op, x, out, p0, p1) => {
  const code = UNARY_CODES[op];
  const n = x.length;
  if (code === undefined || n < MIN_ELEMENTS || !(x instanceof Float32Array) || !(out instanceof Float32Array)) {
    jsUnary(op, x, out, p0, p1);
    return;
  }
  const m = wasmScratch(op, [n, n]);
  const [px, pout] = m.ptrs as [number, number];
  m.f32.set(x, px >> 2);
  m.exports.unaryF32(code, px, pout, n, p0);
  out.set(m.f32.subarray(pout >> 2, (pout >> 2) + n));
};

export const binary: Backend['binary'] = (op, a, b, out, p) => {
  const code = BINARY_CODES[op];
  const n = out.length;
  const fast = code !== undefined && n >= MIN_ELEMENTS && out instanceof Float32Array &&
    a.data instanceof Float32Array && b.data instanceof Float32Array && isDense(a);
  const bScalar = fast && !isDense(b) && isScalarView(b);
  if (!fast || (!bScalar && !isDense(b))) {
    jsBinary(op, a, b, out, p);
    return;
  }
  const m = wasmScratch(op, [n, bScalar ? 1 : n, n]);
  const [pa, pb, pout] = m.ptrs as [number, number, number];
  m.f32.set(a.data.subarray(a.offset, a.offset + n), pa >> 2);
  if (bScalar) m.f32[pb >> 2] = b.data[b.offset]!;
  else m.f32.set(b.data.subarray(b.offset, b.offset + n), pb >> 2);
  m.exports.binaryF32(code, pa, pb, pout, n, bScalar ? 1 : 0);
  out.set(m.f32.subarray(pout >> 2, (pout >> 2) + n));
};

export const reduce: Backend['reduce'] = (op, x, outer, size, inner, out) => {
  const n = outer * size;
  if (op !== 'sum' || inner !== 1 || n < MIN_ELEMENTS || !(x instanceof Float32Array) || !(out instanceof Float32Array)) {
    jsReduce(op, x, outer, size, inner, out);
    return;
  }
  const m = wasmScratch(op, [n, outer]);
  const [px, pout] = m.ptrs as [number, number];
  m.f32.set(x.length === n ? x : x.subarray(0, n), px >> 2);
  m.exports.sumRowsF32(px, outer, size, pout);
  out.set(m.f32.subarray(pout >> 2, (pout >> 2) + outer));
};
