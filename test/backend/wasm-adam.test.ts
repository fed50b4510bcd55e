// Adam/AdamW's update on the wasm kernel against the reference loop (backend/js/adam.ts): the same
// bits for every option (L2 penalty, decoupled decay, amsgrad, maximize), with NaN, infinities and
// zeros of both signs in the parameters and gradients, over several update steps, at lengths that
// end mid-vector and cross the kernel's 2^20-float slices. PyTorch's own numbers are checked by
// test/optim/adam.test.ts and adamw.test.ts on whichever backend runs them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AdamUpdate } from '../../src/backend/backend.js';
import { adamStep as jsAdamStep } from '../../src/backend/js/adam.js';
import { adamStep as wasmAdamStep } from '../../src/backend/wasm/adam.js';
import { wasmAvailable } from '../../src/backend/wasm/instance.js';
import { randomArray as random, rng } from '../helpers/random.js';

const skip = wasmAvailable() ? false : 'WebAssembly SIMD unavailable';

function assertIdentical(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) assert.fail(`${what}: element ${i} is ${got[i]}, the reference gives ${want[i]}`);
  }
}

/** Gradients with a few NaNs, infinities and signed zeros among ordinary values. */
function awkward(n: number, rand: () => number, scale: number): Float32Array {
  return Float32Array.from({ length: n }, () => {
    const r = rand();
    return r < 0.01 ? NaN : r < 0.02 ? Infinity : r < 0.03 ? -Infinity : r < 0.06 ? 0 : r < 0.09 ? -0 : (rand() * 2 - 1) * scale;
  });
}

/** The constants optim/adam.ts passes at update `step`. */
function constants(step: number, o: { lr: number; wd: number; decoupled: boolean; maximize: boolean; betas?: [number, number]; eps?: number }): AdamUpdate {
  const [beta1, beta2] = o.betas ?? [0.9, 0.999];
  return {
    beta1, beta2, eps: o.eps ?? 1e-8, maximize: o.maximize,
    stepSize: o.lr / (1 - beta1 ** step), biasCorrection2Sqrt: Math.sqrt(1 - beta2 ** step),
    l2: o.decoupled ? 0 : o.wd, decay: o.decoupled ? 1 - o.lr * o.wd : 1,
  };
}

test('the wasm Adam/AdamW update gives the bits of the reference for every option, over three steps', { skip }, () => {
  const rand = rng(31);
  const settings = [
    { lr: 1e-3, wd: 0, decoupled: false, maximize: false, amsgrad: false },
    { lr: 1e-2, wd: 0.1, decoupled: false, maximize: false, amsgrad: false },
    { lr: 1e-3, wd: 0.01, decoupled: true, maximize: false, amsgrad: false },
    { lr: 3e-4, wd: 0.05, decoupled: true, maximize: true, amsgrad: true },
    { lr: 0.1, wd: 0.2, decoupled: false, maximize: true, amsgrad: true, betas: [0.5, 0.75] as [number, number], eps: 1e-3 },
  ];
  for (const n of [1, 2, 4099, 2 ** 20 + 37]) {
    for (const s of settings) {
      if (n > 4099 && s !== settings[2]) continue; // the slices are the same code for every option
      const what = `n ${n}, ${JSON.stringify(s)}`;
      const p0 = awkward(n, rand, 2);
      const state = [0, 1].map(() => ({ p: p0.slice(), m: new Float32Array(n), v: new Float32Array(n), vmax: s.amsgrad ? new Float32Array(n) : null }));
      for (let step = 1; step <= 3; step++) {
        const g = awkward(n, rand, step === 2 ? 1e-3 : 1);
        // a NaN in the odd last element (the kernel's scalar tail) after a finite first step
        if (step === 2) g[n - 1] = NaN;
        const h = constants(step, s);
        // the parameters sit at an offset in their array, as a view's storage does
        const [w, r] = state as [typeof state[0], typeof state[0]];
        const pw = new Float32Array(n + 3), gw = new Float32Array(n + 5);
        pw.set(w.p, 3);
        gw.set(g, 5);
        wasmAdamStep(pw, 3, gw, 5, n, w.m, w.v, w.vmax, h);
        w.p = pw.slice(3);
        jsAdamStep(r.p, 0, g, 0, n, r.m, r.v, r.vmax, h);
        assertIdentical(w.p, r.p, `${what}, step ${step}: parameters`);
        assertIdentical(w.m, r.m, `${what}, step ${step}: first moment`);
        assertIdentical(w.v, r.v, `${what}, step ${step}: second moment`);
        if (w.vmax) assertIdentical(w.vmax, r.vmax!, `${what}, step ${step}: running maximum`);
      }
    }
  }
});

test('the wasm Adam update changes nothing outside its n parameters', { skip }, () => {
  const rand = rng(32);
  const p = random(20, rand), g = random(20, rand), m = new Float32Array(20), v = new Float32Array(20);
  const before = p.slice();
  wasmAdamStep(p, 4, g, 2, 11, m, v, null, constants(1, { lr: 0.1, wd: 0, decoupled: false, maximize: false }));
  assertIdentical(p.subarray(0, 4), before.subarray(0, 4), 'before the parameters');
  assertIdentical(p.subarray(15), before.subarray(15), 'after the parameters');
  assert.ok(p.subarray(4, 15).every((x, i) => x !== before[4 + i]), 'every parameter moved');
  assertIdentical(m.subarray(11), new Float32Array(9), 'the first moment past n');
});
