// The wasm backend's whole-direction recurrence (SIMD gate kernels, in-memory gemms, row permutations)
// against the reference step-by-step one on the reference backend, on random data: every output of
// forward and backward, over the cell types, odd batch and hidden sizes, reverse, variable lengths,
// a strided output (second direction), projection and accumulated input gradients, and one input
// feature (which the gate kernels multiply in themselves); the backward pass with the forward's gates,
// states and (LSTM) tanh(c) still in wasm memory and after another forward pass took that memory, bit
// for bit alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RecurrenceBackward, RecurrenceForward } from '../../src/backend/backend.js';
import { gemm as jsGemm } from '../../src/backend/js/gemm.js';
import * as reference from '../../src/backend/js/recurrence.js';
import * as wasm from '../../src/backend/wasm/recurrence.js';
import { dropSaved } from '../../src/backend/wasm/recurrence-saved.js';
import { wasmAvailable } from '../../src/backend/wasm/instance.js';
import { randomArray as random, rng } from '../helpers/random.js';

const skip = wasmAvailable() ? false : 'WebAssembly SIMD unavailable';

function assertClose(got: Float32Array | null, want: Float32Array | null, what: string): void {
  assert.equal(got === null, want === null, `${what}: presence`);
  if (!got || !want) return;
  assert.equal(got.length, want.length, `${what}: length`);
  let scale = 0;
  for (const v of want) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i]! - want[i]!) <= 2e-5 * scale + 1e-6)) assert.fail(`${what}: element ${i} is ${got[i]}, the reference gives ${want[i]} (scale ${scale})`);
  }
}

type Mode = RecurrenceForward['mode'];
interface Case { mode: Mode; T: number; B: number; I: number; H: number; P?: number; reverse?: boolean; lengths?: number[]; bias?: boolean; accumulateDx?: boolean }

const GATES: Record<Mode, number> = { rnnTanh: 1, rnnRelu: 1, lstm: 4, gru: 3 };

function runCase(c: Case, seed: number): void {
  const rand = rng(seed);
  const { mode, T, B, I, H } = c;
  const P = c.P ?? H;
  const GH = GATES[mode] * H;
  const reverse = c.reverse ?? false;
  const lengths = c.lengths ?? Array.from({ length: B }, () => T);
  const batchSizes = Int32Array.from({ length: T }, (_, t) => lengths.filter((l) => l > t).length);
  // batch-first rows, and the second of two directions side by side when reversed
  const rows = Int32Array.from({ length: T * B }, (_, i) => (i % B) * T + Math.floor(i / B));
  const outStride = reverse ? 2 * P : P, outOffset = reverse ? P : 0;
  const lstm = mode === 'lstm', gru = mode === 'gru', proj = P !== H;
  const h = new Float32Array((T + 1) * B * P), c0 = lstm ? new Float32Array((T + 1) * B * H) : null;
  for (let j = 0; j < B; j++) {
    const slot = (reverse ? lengths[j]! : 0) * B + j;
    h.set(random(P, rand), slot * P);
    c0?.set(random(H, rand), slot * H);
  }
  const weightScale = 1 / Math.sqrt(H);
  const shared = {
    mode, steps: T, batch: B, input: I, hidden: H, state: P, batchSizes, reverse, rows, outStride, outOffset,
    x: random(T * B * I, rand), wIh: random(GH * I, rand, weightScale), wHh: random(GH * P, rand, weightScale),
    wHr: proj ? random(P * H, rand, weightScale) : null,
  };
  const bias = c.bias === false ? null : random(GH, rand, weightScale);
  const biasHn = gru && bias ? random(H, rand, weightScale) : null;
  const out0 = random(T * B * outStride, rand);
  for (let i = 0; i < T * B; i++) out0.fill(0, i * outStride + outOffset, i * outStride + outOffset + P);
  const gOut = random(T * B * outStride, rand), dh = random(B * P, rand), dc = lstm ? random(B * H, rand) : null;
  const dx0 = random(T * B * I, rand);

  const forwardArgs = (): RecurrenceForward => ({
    ...shared, bias, biasHn, gates: new Float32Array(T * B * GH), out: out0.slice(), h: h.slice(), c: c0 && c0.slice(),
    r: proj ? new Float32Array(T * B * H) : null, hn: gru ? new Float32Array(T * B * H) : null,
  });
  // wasm twice: its backward finding the forward's gates and states still in wasm memory, and reading
  // them from the arrays after another forward pass took that memory (spilling the gates out)
  const results = [reference, wasm, wasm].map((impl, k) => {
    const f = forwardArgs();
    if (impl === reference) reference.recurrenceForward(jsGemm, f);
    else wasm.recurrenceForward(f);
    if (k === 2) wasm.recurrenceForward({ ...forwardArgs(), x: random(T * B * I, rand) });
    const b: RecurrenceBackward = {
      ...shared, gates: f.gates, h: f.h, c: f.c, r: f.r, hn: f.hn, gOut, dh: dh.slice(), dc: dc && dc.slice(),
      dx: c.accumulateDx ? dx0.slice() : new Float32Array(T * B * I), accumulateDx: c.accumulateDx ?? false,
      gWih: new Float32Array(GH * I), gWhh: new Float32Array(GH * P), gWhr: proj ? new Float32Array(P * H) : null,
      gBiasIh: new Float32Array(GH), gBiasHh: new Float32Array(GH),
    };
    if (impl === reference) reference.recurrenceBackward(jsGemm, b);
    else wasm.recurrenceBackward(b);
    return { f, b };
  });
  const [want, ...gots] = results as [typeof results[0], typeof results[0], typeof results[0]];
  for (const [k, got] of gots.entries()) {
    const name = `${JSON.stringify(c)}${k === 1 ? ' after another forward pass' : ''}`;
    for (const key of ['out', 'h', 'c', 'r', 'hn'] as const) assertClose(got.f[key], want.f[key], `${name} forward ${key}`);
    // the gates backward reads (LSTM's and GRU's, of the active rows) are in the array once spilled
    if ((lstm || gru) && k === 1) {
      for (let t = 0; t < T; t++) {
        const from = t * B * GH, to = from + batchSizes[t]! * GH;
        assertClose(got.f.gates.subarray(from, to), want.f.gates.subarray(from, to), `${name} forward gates at step ${t}`);
      }
    }
    for (const key of ['dh', 'dc', 'dx', 'gWih', 'gWhh', 'gWhr', 'gBiasIh', 'gBiasHh'] as const) assertClose(got.b[key], want.b[key], `${name} backward ${key}`);
  }
  // what stayed in wasm memory (the LSTM's tanh(c) among it) gives the same bits as what the arrays hold
  for (const key of ['dh', 'dc', 'dx', 'gWih', 'gWhh', 'gWhr', 'gBiasIh', 'gBiasHh'] as const) {
    assert.deepEqual(gots[0].b[key], gots[1].b[key], `${JSON.stringify(c)} backward ${key}: from wasm memory and from the arrays`);
  }
}

test('wasm recurrence matches the reference: Elman tanh and relu', { skip }, () => {
  runCase({ mode: 'rnnTanh', T: 5, B: 7, I: 3, H: 13 }, 1);
  runCase({ mode: 'rnnTanh', T: 6, B: 4, I: 1, H: 32, reverse: true }, 2);
  runCase({ mode: 'rnnRelu', T: 4, B: 5, I: 20, H: 6, lengths: [4, 4, 3, 2, 1] }, 3);
  runCase({ mode: 'rnnRelu', T: 3, B: 1, I: 2, H: 3, bias: false, reverse: true, accumulateDx: true }, 4);
  // one input feature: the gate kernels multiply it in (no input gemm), also on the H % 4 tail lanes and padded steps
  runCase({ mode: 'rnnRelu', T: 5, B: 4, I: 1, H: 7, lengths: [5, 4, 2, 2], bias: false }, 12);
});

test('wasm recurrence matches the reference: LSTM, with and without projection', { skip }, () => {
  runCase({ mode: 'lstm', T: 6, B: 9, I: 1, H: 32 }, 5);
  runCase({ mode: 'lstm', T: 5, B: 3, I: 4, H: 7, reverse: true, lengths: [5, 3, 2], accumulateDx: true }, 6);
  runCase({ mode: 'lstm', T: 4, B: 6, I: 3, H: 10, P: 5 }, 7);
  runCase({ mode: 'lstm', T: 5, B: 4, I: 2, H: 9, P: 3, reverse: true, lengths: [5, 4, 2, 1], bias: false }, 8);
  runCase({ mode: 'lstm', T: 5, B: 5, I: 1, H: 9, reverse: true, lengths: [5, 5, 3, 2, 1], accumulateDx: true }, 13);
  runCase({ mode: 'lstm', T: 4, B: 3, I: 1, H: 6, P: 4, lengths: [4, 2, 1] }, 14);
});

test('wasm recurrence matches the reference: GRU', { skip }, () => {
  runCase({ mode: 'gru', T: 6, B: 10, I: 1, H: 32 }, 9);
  runCase({ mode: 'gru', T: 4, B: 5, I: 17, H: 11, lengths: [4, 3, 3, 2, 1] }, 10);
  runCase({ mode: 'gru', T: 5, B: 2, I: 3, H: 5, reverse: true, bias: false, accumulateDx: true }, 11);
  runCase({ mode: 'gru', T: 5, B: 4, I: 1, H: 5, lengths: [5, 4, 4, 1] }, 15);
});

test('wasm recurrence: arrays of a finished call reused by the next one get nothing spilled into them', { skip }, () => {
  const rand = rng(16);
  const call = (mode: Mode, T: number, B: number, H: number, h: Float32Array): RecurrenceForward => {
    const GH = GATES[mode] * H;
    return {
      mode, steps: T, batch: B, input: 1, hidden: H, state: H, batchSizes: new Int32Array(T).fill(B), reverse: false,
      rows: Int32Array.from({ length: T * B }, (_, i) => i), outStride: H, outOffset: 0,
      x: random(T * B, rand), wIh: random(GH, rand, 0.5), wHh: random(GH * H, rand, 0.5), wHr: null, bias: random(GH, rand, 0.5), biasHn: null,
      gates: new Float32Array(T * B * GH), out: new Float32Array(T * B * H), h, c: mode === 'lstm' ? new Float32Array((T + 1) * B * H) : null, r: null, hn: null,
    };
  };
  // an LSTM whose gates (3 x 2 x 16 floats) the wasm backend keeps; once it is done, its gates array is the next call's h (12 x 2 x 4)
  const first = call('lstm', 3, 2, 4, new Float32Array(4 * 2 * 4));
  wasm.recurrenceForward(first);
  dropSaved(first.h);
  const h = first.gates;
  h.fill(0);
  h.set(random(2 * 4, rand));
  const next = call('rnnTanh', 11, 2, 4, h);
  const want = { ...next, h: h.slice(), out: next.out.slice(), gates: next.gates.slice() };
  reference.recurrenceForward(jsGemm, want);
  wasm.recurrenceForward(next);
  assertClose(next.out, want.out, 'out of the call reusing the finished call\'s gates array as its h');
});
