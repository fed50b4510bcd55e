/**
 * Single-precision GEMM in plain TypeScript: C = op(A)·op(B) + beta·C, row-major, BLAS-style
 * leading dimensions. Goto-style: op(B) is packed into KC x 4 column slivers and op(A) into
 * 4 x KC row slivers, so a 4x4 block of C accumulates in 16 locals that V8 keeps in registers.
 * V8 does not vectorise, so this is the reference backend's speed, not the fast path.
 */
const KC = 256;
const MC = 64;
const NC = 1024;

let packedA: Float32Array = new Float32Array(MC * KC);
let packedB: Float32Array = new Float32Array(KC * NC);

export function gemm(transA: boolean, transB: boolean, m: number, n: number, k: number,
  a: Float32Array, aOffset: number, lda: number,
  b: Float32Array, bOffset: number, ldb: number,
  beta: number, c: Float32Array, cOffset: number, ldc: number): void {
  for (let i = 0; i < m; i++) {
    const row = cOffset + i * ldc;
    if (beta === 0) c.fill(0, row, row + n);
    else if (beta !== 1) for (let j = 0; j < n; j++) c[row + j] *= beta;
  }
  if (k === 0 || m === 0 || n === 0) return;
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = Math.min(NC, n - j0);
    const ncPadded = (nc + 3) & ~3;
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = Math.min(KC, k - p0);
      packB(transB, b, bOffset, ldb, p0, kc, j0, nc, ncPadded);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = Math.min(MC, m - i0);
        packA(transA, a, aOffset, lda, i0, mc, p0, kc);
        macroKernel(mc, nc, kc, c, cOffset + i0 * ldc + j0, ldc);
      }
    }
  }
}

/** op(B)[p0:p0+kc, j0:j0+nc] as slivers of 4 columns: sliver s holds kc rows of 4 values (zero-padded). */
function packB(transB: boolean, b: Float32Array, bOffset: number, ldb: number, p0: number, kc: number, j0: number, nc: number, ncPadded: number): void {
  if (packedB.length < kc * ncPadded) packedB = new Float32Array(kc * ncPadded);
  const pb = packedB;
  for (let js = 0; js < ncPadded; js += 4) {
    const base = js * kc;
    for (let q = 0; q < 4; q++) {
      const j = js + q;
      if (j >= nc) {
        for (let p = 0; p < kc; p++) pb[base + p * 4 + q] = 0;
      } else if (transB) {
        const src = bOffset + (j0 + j) * ldb + p0;
        for (let p = 0; p < kc; p++) pb[base + p * 4 + q] = b[src + p];
      } else {
        const src = bOffset + p0 * ldb + j0 + j;
        for (let p = 0; p < kc; p++) pb[base + p * 4 + q] = b[src + p * ldb];
      }
    }
  }
}

/** op(A)[i0:i0+mc, p0:p0+kc] as slivers of 4 rows: sliver s holds kc columns of 4 values (zero-padded). */
function packA(transA: boolean, a: Float32Array, aOffset: number, lda: number, i0: number, mc: number, p0: number, kc: number): void {
  const mcPadded = (mc + 3) & ~3;
  if (packedA.length < mcPadded * kc) packedA = new Float32Array(mcPadded * kc);
  const pa = packedA;
  for (let is = 0; is < mcPadded; is += 4) {
    const base = is * kc;
    for (let q = 0; q < 4; q++) {
      const i = is + q;
      if (i >= mc) {
        for (let p = 0; p < kc; p++) pa[base + p * 4 + q] = 0;
      } else if (transA) {
        const src = aOffset + p0 * lda + i0 + i;
        for (let p = 0; p < kc; p++) pa[base + p * 4 + q] = a[src + p * lda];
      } else {
        const src = aOffset + (i0 + i) * lda + p0;
        for (let p = 0; p < kc; p++) pa[base + p * 4 + q] = a[src + p];
      }
    }
  }
}

function macroKernel(mc: number, nc: number, kc: number, c: Float32Array, cBase: number, ldc: number): void {
  const pa = packedA, pb = packedB;
  for (let is = 0; is < mc; is += 4) {
    const aBase = is * kc;
    const rows = Math.min(4, mc - is);
    for (let js = 0; js < nc; js += 4) {
      const bBase = js * kc;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let p = 0, ai = aBase, bi = bBase; p < kc; p++, ai += 4, bi += 4) {
        const a0 = pa[ai], a1 = pa[ai + 1], a2 = pa[ai + 2], a3 = pa[ai + 3];
        const b0 = pb[bi], b1 = pb[bi + 1], b2 = pb[bi + 2], b3 = pb[bi + 3];
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
        c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
      }
      const cols = Math.min(4, nc - js);
      const r0 = cBase + is * ldc + js;
      if (rows === 4 && cols === 4) {
        const r1 = r0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
        c[r0] += c00; c[r0 + 1] += c01; c[r0 + 2] += c02; c[r0 + 3] += c03;
        c[r1] += c10; c[r1 + 1] += c11; c[r1 + 2] += c12; c[r1 + 3] += c13;
        c[r2] += c20; c[r2 + 1] += c21; c[r2 + 2] += c22; c[r2 + 3] += c23;
        c[r3] += c30; c[r3 + 1] += c31; c[r3 + 2] += c32; c[r3 + 3] += c33;
      } else {
        const block = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
        for (let r = 0; r < rows; r++) for (let q = 0; q < cols; q++) c[r0 + r * ldc + q] += block[r * 4 + q];
      }
    }
  }
}
