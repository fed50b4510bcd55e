/**
 * Cache-blocked single-precision GEMM in plain TypeScript: C = op(A)·op(B) + beta·C, row-major.
 * Panels of op(B) are packed contiguous (KC x NC) so the inner loop streams one row of B while
 * four rows of A are held in registers; V8 does not vectorise, so this is the reference, not the fast path.
 */
const KC = 256;
const NC = 512;

let packedB: Float32Array = new Float32Array(KC * NC);
let packedA: Float32Array = new Float32Array(4 * KC);

export function gemm(transA: boolean, transB: boolean, m: number, n: number, k: number,
  a: Float32Array, aOffset: number, lda: number,
  b: Float32Array, bOffset: number, ldb: number,
  beta: number, c: Float32Array, cOffset: number, ldc: number): void {
  for (let i = 0; i < m; i++) {
    const row = cOffset + i * ldc;
    if (beta === 0) c.fill(0, row, row + n);
    else if (beta !== 1) for (let j = 0; j < n; j++) c[row + j] *= beta;
  }
  if (k === 0) return;
  if (packedB.length < KC * NC) packedB = new Float32Array(KC * NC);
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = Math.min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = Math.min(KC, k - p0);
      // pack op(B)[p0:p0+kc, j0:j0+nc] row-major with row length nc
      for (let p = 0; p < kc; p++) {
        const dst = p * nc;
        if (transB) for (let j = 0; j < nc; j++) packedB[dst + j] = b[bOffset + (j0 + j) * ldb + p0 + p];
        else {
          const src = bOffset + (p0 + p) * ldb + j0;
          for (let j = 0; j < nc; j++) packedB[dst + j] = b[src + j];
        }
      }
      let i = 0;
      for (; i + 4 <= m; i += 4) {
        packRowsOfA(transA, a, aOffset, lda, i, 4, p0, kc);
        const c0 = cOffset + i * ldc + j0, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        for (let p = 0; p < kc; p++) {
          const a0 = packedA[p], a1 = packedA[kc + p], a2 = packedA[2 * kc + p], a3 = packedA[3 * kc + p];
          const bp = p * nc;
          for (let j = 0; j < nc; j++) {
            const bv = packedB[bp + j];
            c[c0 + j] += a0 * bv;
            c[c1 + j] += a1 * bv;
            c[c2 + j] += a2 * bv;
            c[c3 + j] += a3 * bv;
          }
        }
      }
      for (; i < m; i++) {
        packRowsOfA(transA, a, aOffset, lda, i, 1, p0, kc);
        const c0 = cOffset + i * ldc + j0;
        for (let p = 0; p < kc; p++) {
          const a0 = packedA[p];
          const bp = p * nc;
          for (let j = 0; j < nc; j++) c[c0 + j] += a0 * packedB[bp + j];
        }
      }
    }
  }
}

/** Copies rows [i, i+rows) of op(A), columns [p0, p0+kc), into packedA as `rows` runs of length kc. */
function packRowsOfA(transA: boolean, a: Float32Array, aOffset: number, lda: number, i: number, rows: number, p0: number, kc: number): void {
  if (packedA.length < rows * kc) packedA = new Float32Array(4 * KC);
  for (let r = 0; r < rows; r++) {
    const dst = r * kc;
    if (transA) for (let p = 0; p < kc; p++) packedA[dst + p] = a[aOffset + (p0 + p) * lda + i + r];
    else {
      const src = aOffset + (i + r) * lda + p0;
      for (let p = 0; p < kc; p++) packedA[dst + p] = a[src + p];
    }
  }
}
