/** Tensor comparison for tests: shape, dtype and values, reporting the worst element by index. */
import assert from 'node:assert/strict';
import { Tensor } from '../../src/index.js';

export interface Tolerance {
  rtol: number;
  atol: number;
}

/** The parity tolerance the issue asks for: |a - e| <= atol + rtol * |e| elementwise. */
export const PARITY: Tolerance = { rtol: 1e-4, atol: 1e-5 };

function unravel(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return index;
}

/**
 * Asserts actual ≈ expected: same shape and dtype, NaN where expected is NaN, equal infinities, and
 * |a - e| <= atol + rtol·|e| everywhere else (exact equality for int32 and bool). On failure the
 * message names the label, the worst element's index, both values and how far over it is.
 */
export function assertClose(actual: Tensor, expected: Tensor, tol: Tolerance = PARITY, label = 'tensor'): void {
  assert.ok(actual instanceof Tensor, `${label}: expected a Tensor, got ${actual === null ? 'null' : typeof actual}`);
  assert.deepEqual([...actual.shape], [...expected.shape], `${label}: shape [${actual.shape}] differs from expected [${expected.shape}]`);
  assert.equal(actual.dtype, expected.dtype, `${label}: dtype ${actual.dtype} differs from expected ${expected.dtype}`);
  const a = actual.dataSync(), e = expected.dataSync();
  const exact = expected.dtype !== 'float32';
  let worst = -1, worstExcess = 0, mismatches = 0;
  for (let i = 0; i < e.length; i++) {
    const av = a[i], ev = e[i];
    let excess: number;
    if (Number.isNaN(ev) || Number.isNaN(av)) excess = Number.isNaN(ev) && Number.isNaN(av) ? 0 : Infinity;
    else if (!Number.isFinite(ev) || !Number.isFinite(av)) excess = av === ev ? 0 : Infinity;
    else if (exact) excess = av === ev ? 0 : Infinity;
    else excess = Math.abs(av - ev) / (tol.atol + tol.rtol * Math.abs(ev));
    if (excess > 1) {
      mismatches++;
      if (excess > worstExcess || worst < 0) { worst = i; worstExcess = excess; }
    }
  }
  if (worst >= 0) {
    const at = `[${unravel(worst, expected.shape).join(', ')}]`;
    const over = Number.isFinite(worstExcess) ? `${worstExcess.toFixed(1)}x the tolerance` : 'exact mismatch';
    assert.fail(`${label}: ${mismatches} of ${e.length} elements differ (rtol ${tol.rtol}, atol ${tol.atol}); ` +
      `worst at ${at}: got ${a[worst]}, expected ${e[worst]} (|diff| ${Math.abs(a[worst] - e[worst]).toExponential(2)}, ${over})`);
  }
}
