/**
 * packedSelfAttention (multi-head self-attention on the in-projection's [q | k | v] columns, output
 * merged, gradient packed) against its unfused formulation on the same backend: chunk, head views,
 * scaledDotProductAttention, merge. Same draws for dropout, so values and gradients must agree
 * bit for bit, in both layouts (batch first or not), with float and padding masks.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { packedSelfAttention, scaledDotProductAttention } from '../../src/ops/attention.js';

const B = 3, T = 7, H = 4, HD = 5, E = H * HD;

/** The unfused path: [.., 3E] -> head views [B, H, T, hd] -> attention -> merged [.., E]. */
function reference(qkv: Tensor, seqDim: 0 | 1, options: { attnMask: Tensor | null; dropoutP: number; generator: nb.Generator }): Tensor {
  const heads = (t: Tensor) => (seqDim === 1 ? t.reshape(B, T, H, HD).permute(0, 2, 1, 3) : t.reshape(T, B, H, HD).permute(1, 2, 0, 3));
  const [q, k, v] = qkv.chunk(3, -1) as [Tensor, Tensor, Tensor];
  const out = scaledDotProductAttention(heads(q), heads(k), heads(v), options);
  return seqDim === 1 ? out.permute(0, 2, 1, 3).reshape(B, T, E) : out.permute(2, 0, 1, 3).reshape(T, B, E);
}

function masks(): [string, Tensor | null][] {
  const causal = nb.nn.Transformer.generateSquareSubsequentMask(T);
  const padding = nb.zeros([B, 1, 1, T]);
  const pd = padding.dataSync();
  pd[T - 1] = -Infinity;
  pd[T + T - 2] = -Infinity;
  pd[T + T - 1] = -Infinity;
  return [['no mask', null], ['causal [T, T]', causal], ['padding [B, 1, 1, T]', padding]];
}

describe(`packedSelfAttention (backend ${nb.getBackend().name})`, () => {
  for (const seqDim of [1, 0] as const) {
    for (const [maskName, attnMask] of masks()) {
      for (const dropoutP of [0, 0.25]) {
        it(`${seqDim === 1 ? 'batch first' : 'sequence first'}, ${maskName}, dropout ${dropoutP}: the unfused values and gradient, bit for bit`, () => {
          const shape = seqDim === 1 ? [B, T, 3 * E] : [T, B, 3 * E];
          const data = nb.randn(shape, { generator: new nb.Generator(1) }).mul(2);
          const packed = data.clone().requiresGrad_();
          const unfused = data.clone().requiresGrad_();
          const got = packedSelfAttention(packed, H, seqDim, { attnMask, dropoutP, generator: new nb.Generator(9) });
          const want = reference(unfused, seqDim, { attnMask, dropoutP, generator: new nb.Generator(9) });
          assert.deepEqual(got.shape, want.shape);
          assert.deepEqual(got.dataSync(), want.dataSync(), 'values');
          const g = nb.randn(got.shape, { generator: new nb.Generator(2) });
          got.backward(g);
          want.backward(g);
          assert.deepEqual(packed.grad!.dataSync(), unfused.grad!.dataSync(), 'gradient of the packed projection');
        });
      }
    }
  }

  it('reads a strided qkv (a transposed view) like its contiguous copy', () => {
    const data = nb.randn([3 * E, T, B], { generator: new nb.Generator(3) });
    const strided = data.clone().requiresGrad_();
    const copy = data.clone().permute(2, 1, 0).contiguous().detach().requiresGrad_();
    const got = packedSelfAttention(strided.permute(2, 1, 0), H, 1);
    const want = packedSelfAttention(copy, H, 1);
    assert.deepEqual(got.dataSync(), want.dataSync());
    got.sum().backward();
    want.sum().backward();
    assert.deepEqual(strided.grad!.permute(2, 1, 0).contiguous().dataSync(), copy.grad!.dataSync());
  });

  it('nn.MultiheadAttention takes it for self-attention without weights, with the same output and gradients', () => {
    nb.manualSeed(4);
    const mha = new nb.nn.MultiheadAttention(E, H, { batchFirst: true });
    const x = nb.randn([B, T, E], { generator: new nb.Generator(5) }).requiresGrad_();
    const [fast] = mha.call(x, x, x, { needWeights: false }) as [Tensor, Tensor | null];
    const [slow] = mha.call(x, x, x, { needWeights: true }) as [Tensor, Tensor | null];
    assert.deepEqual(fast.dataSync(), slow.dataSync());
    const grads = (out: Tensor) => {
      mha.zeroGrad();
      x.grad = null;
      out.sum().backward();
      return [x.grad!.dataSync(), mha.in_proj_weight!.grad!.dataSync()];
    };
    assert.deepEqual(grads(fast), grads(slow));
  });

  it('names the op and the expected shape in its errors', () => {
    assert.throws(() => packedSelfAttention(nb.zeros([2, 3, 10]), 4, 1), /packedSelfAttention: .*3·E.*\[2, 3, 10\]/);
    assert.throws(() => packedSelfAttention(nb.zeros([2, 3, 12]), 4, 1, { dropoutP: 2 }), /packedSelfAttention: dropoutP .* 2/);
  });
});
