// The recurrent layers' work buffers and output gradient: the saved gates and states come from a
// pool and go back to it when the graph is freed (a reused buffer must not leak the last call's
// values into the next), and the output's gradient goes straight to the layer's rule when nothing
// reads the final states (the same gradients as the unfused walk through the zero-filled slice).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor/tensor.js';
import { randn } from '../../src/tensor/creation.js';
import { manualSeed } from '../../src/tensor/random.js';
import { setBackwardFusion } from '../../src/autograd/node.js';
import { mul } from '../../src/ops/elementwise.js';
import { sum } from '../../src/ops/reduce.js';
import { recurrentLayer, type RecurrentMode, type RecurrentWeights } from '../../src/ops/rnn.js';
import { storagePoolStats } from '../../src/tensor/pool.js';

const GATES: Record<RecurrentMode, number> = { rnnTanh: 1, rnnRelu: 1, lstm: 4, gru: 3 };
// big enough that the layer's saved buffers are pooled (the pool leaves small ones to the GC)
const T = 12, B = 160, I = 2, H = 40;

function weights(mode: RecurrentMode): RecurrentWeights {
  const GH = GATES[mode] * H;
  const p = (shape: number[]) => randn(shape).mul(0.3).requiresGrad_();
  return { weightIh: p([GH, I]), weightHh: p([GH, H]), biasIh: p([GH]), biasHh: p([GH]) };
}

/** Input and parameter gradients of sum(output * probe) (+ sum(hN) when useFinal), and the output. */
function run(mode: RecurrentMode, ws: RecurrentWeights[], x: Tensor, probe: Tensor, useFinal: boolean, lengths?: number[]): Float32Array[] {
  const params = ws.flatMap((w) => [w.weightIh, w.weightHh, w.biasIh!, w.biasHh!]);
  for (const p of [...params, x]) p.grad = null;
  const { output, hN } = recurrentLayer(mode, x, ws, null, null, { batchFirst: true, lengths });
  let loss = sum(mul(output, probe));
  if (useFinal) loss = loss.add(sum(hN));
  loss.backward();
  return [output, x.grad!, ...params.map((p) => p.grad!)].map((t) => Float32Array.from(t.contiguousData()));
}

function assertSame(got: Float32Array[], want: Float32Array[], what: string): void {
  got.forEach((g, k) => assert.deepEqual(g, want[k], `${what}: result ${k} differs`));
}

for (const mode of ['rnnTanh', 'lstm', 'gru'] as const) {
  test(`${mode}: the output's gradient straight to the layer gives the unfused gradients`, () => {
    manualSeed(1);
    const ws = [weights(mode), weights(mode)];
    const x = randn([B, T, I]).requiresGrad_(), probe = randn([B, T, 2 * H]);
    const lengths = Array.from({ length: B }, (_, b) => 1 + (b * 7) % T);
    for (const useFinal of [false, true]) {
      const previous = setBackwardFusion(false);
      let unfused: Float32Array[];
      try { unfused = run(mode, ws, x, probe, useFinal, lengths); } finally { setBackwardFusion(previous); }
      assertSame(run(mode, ws, x, probe, useFinal, lengths), unfused, `${mode} useFinal=${useFinal}`);
    }
  });

  test(`${mode}: pooled buffers come back after backward and carry nothing into the next call`, () => {
    manualSeed(2);
    // both directions: the reverse one starts each sequence from the zeros after its end
    const ws = [weights(mode), weights(mode)];
    const xa = randn([B, T, I]).requiresGrad_(), xb = randn([B, T, I]).mul(3).requiresGrad_(), probe = randn([B, T, 2 * H]);
    const lengths = Array.from({ length: B }, (_, b) => 1 + (b % T));
    const first = run(mode, ws, xa, probe, false, lengths);
    const pooled = storagePoolStats().pooledBytes;
    assert.ok(pooled >= 2 * 4 * (T + 1) * B * H, `the saved states should be back in the pool after backward, it holds ${pooled} bytes`);
    run(mode, ws, xb, probe, false);
    assertSame(run(mode, ws, xa, probe, false, lengths), first, `${mode} after another call`);
  });
}
