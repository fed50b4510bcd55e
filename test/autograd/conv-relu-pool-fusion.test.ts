/**
 * The fused backward of maxPool2d(relu(conv2d(...))) (ops/conv-relu-pool.ts) against the unfused
 * chain of rules it replaces, on whichever backend runs the suite: same gradients within float32
 * rounding, the fused kernel really called (or really declined where another consumer, an in-place
 * change or a different graph forbids it), and the in-place checks of the skipped nodes kept.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import type { Backend } from '../../src/backend/backend.js';
import { setBackwardFusion } from '../../src/autograd/node.js';
import { assertClose } from '../helpers/compare.js';
import { randomArray, rng } from '../helpers/random.js';

interface Case {
  name: string;
  x: number[]; weight: number[];
  bias?: boolean; inputGrad?: boolean; weightGrad?: boolean;
  conv?: nb.ConvOptions;
  pool?: { kernel: number; stride?: number; padding?: number };
}

const CASES: Case[] = [
  // one input channel: the channel-major im2col path (the course's first layer)
  { name: 'SimpleCNN conv1 shape, 1 channel', x: [3, 1, 12, 12], weight: [8, 1, 3, 3], conv: { padding: 1 }, inputGrad: false },
  // enough channels for the pixel-major path, input gradient wanted (the second layer)
  { name: 'SimpleCNN conv2 shape, 6 channels', x: [2, 6, 10, 10], weight: [5, 6, 3, 3], conv: { padding: 1 } },
  // 16 channels in and out: the wasm backend's input gradient takes Winograd's F(2x2, 3x3)
  { name: 'Winograd-sized conv, odd size', x: [2, 16, 9, 9], weight: [16, 16, 3, 3], conv: { padding: 1 } },
  { name: 'no bias, odd sizes, strided conv', x: [2, 5, 11, 9], weight: [4, 5, 3, 3], bias: false, conv: { stride: 2, padding: 1 } },
  { name: 'overlapping padded pooling', x: [2, 4, 9, 9], weight: [3, 4, 2, 2], pool: { kernel: 3, stride: 2, padding: 1 } },
  { name: 'grouped conv, frozen weight', x: [2, 4, 8, 8], weight: [6, 2, 3, 3], conv: { padding: 1, groups: 2 }, weightGrad: false },
];

/** Counts the calls of the backend's fused kernel while fn runs. */
function countFusedCalls(fn: () => void): number {
  const backend = nb.getBackend() as Backend;
  const original = backend.conv2dReluMaxPoolBackward;
  let calls = 0;
  backend.conv2dReluMaxPoolBackward = (a) => { calls++; original(a); };
  try {
    fn();
  } finally {
    backend.conv2dReluMaxPoolBackward = original;
  }
  return calls;
}

function leaves(c: Case, seed: number) {
  const rand = rng(seed);
  const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
  const make = (shape: number[], scale: number, grad: boolean) =>
    nb.tensor(randomArray(numel(shape), rand, scale), { shape, requiresGrad: grad });
  return {
    x: make(c.x, 2, c.inputGrad ?? true),
    weight: make(c.weight, 0.5, c.weightGrad ?? true),
    bias: c.bias === false ? null : make([c.weight[0]!], 0.5, true),
  };
}

/** Forward and backward of the chain (optionally with extra uses of its intermediates); returns the leaves' gradients. */
function gradients(c: Case, fused: boolean, extra: (convOut: Tensor, reluOut: Tensor, pooled: Tensor) => Tensor | null = () => null) {
  const { x, weight, bias } = leaves(c, 7);
  const previous = setBackwardFusion(fused);
  try {
    const convOut = nb.conv2d(x, weight, bias, c.conv);
    const reluOut = nb.relu(convOut);
    const pool = c.pool ?? { kernel: 2 };
    const pooled = nb.maxPool2d(reluOut, pool.kernel, { stride: pool.stride, padding: pool.padding });
    const more = extra(convOut, reluOut, pooled);
    // a weighted sum, so every pooled position carries a different gradient
    const w = nb.tensor(randomArray(pooled.numel(), rng(11), 1), { shape: [...pooled.shape] });
    let loss = pooled.mul(w).sum();
    if (more) loss = loss.add(more);
    const calls = countFusedCalls(() => loss.backward());
    return { calls, x: x.grad, weight: weight.grad, bias: bias?.grad ?? null };
  } finally {
    setBackwardFusion(previous);
  }
}

function assertSameGradients(a: ReturnType<typeof gradients>, b: ReturnType<typeof gradients>, label: string): void {
  for (const key of ['x', 'weight', 'bias'] as const) {
    const ga = a[key], gb = b[key];
    assert.equal(ga === null, gb === null, `${label}: ${key}.grad present in one run only`);
    if (ga && gb) assertClose(ga, gb, { rtol: 1e-5, atol: 1e-5 }, `${label}: ${key}.grad`);
  }
}

describe(`fused maxPool2d(relu(conv2d)) backward (backend ${nb.getBackend().name})`, () => {
  for (const c of CASES) {
    it(`${c.name}: same gradients as the unfused rules, in one fused call`, () => {
      const fused = gradients(c, true);
      const unfused = gradients(c, false);
      assert.equal(fused.calls, 1, 'the fused kernel should run once');
      assert.equal(unfused.calls, 0, 'with fusion off the fused kernel should not run');
      assert.equal(fused.x === null, !(c.inputGrad ?? true), 'x.grad only when x requires grad');
      assertSameGradients(fused, unfused, c.name);
    });
  }

  it('declines when the relu output or the conv output has another consumer, and the sum of both paths is right', () => {
    const c = CASES[1]!;
    for (const [label, extra] of [
      ['relu output', (_: Tensor, r: Tensor) => r.mul(0.5).sum()],
      ['conv output', (a: Tensor) => a.square().sum()],
    ] as const) {
      const withFusion = gradients(c, true, extra);
      const without = gradients(c, false, extra);
      assert.equal(withFusion.calls, 0, `${label}: two consumers, no fusion`);
      assertSameGradients(withFusion, without, label);
    }
  });

  it('declines when the pooled values were changed in place after the forward pass (relu reads its mask there)', () => {
    const c = CASES[1]!;
    const changed = gradients(c, true, (_a, _r, pooled) => { pooled.storage.data.fill(-1); pooled.bumpVersion(); return null; });
    const reference = gradients(c, false);
    assert.equal(changed.calls, 0);
    assertSameGradients(changed, reference, 'pooled changed in place');
  });

  it('keeps the in-place check of the nodes it runs through', () => {
    const c = CASES[1]!;
    assert.throws(() => gradients(c, true, (_a, reluOut) => { reluOut.bumpVersion(); return null; }),
      /modified by an in-place operation.*saved by relu/);
  });

  it('a second backward through the freed graph still fails with the usual message', () => {
    const c = CASES[0]!;
    const { x, weight, bias } = leaves(c, 3);
    const loss = nb.maxPool2d(nb.relu(nb.conv2d(x, weight, bias, c.conv)), 2).sum();
    loss.backward();
    assert.throws(() => loss.backward(), /backward through the graph a second time/);
  });
});
