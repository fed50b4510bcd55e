/** Incremental decoding: TransformerDecoderLayer.step / TransformerDecoder.step against forward with the causal mask. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import * as nn from '../../src/nn/index.js';

function values(t: Tensor): number[] {
  return Array.from(t.contiguousData() as Float32Array);
}
function maxDiff(a: Tensor, b: Tensor): number {
  assert.deepEqual(a.shape, b.shape);
  const x = values(a), y = values(b);
  return x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i]!)), 0);
}
/** Positions [from, from + n) of a sequence tensor (dim 1 with batchFirst, else dim 0). */
function positions(t: Tensor, batchFirst: boolean, from: number, n: number): Tensor {
  return t.narrow(batchFirst ? 1 : 0, from, n);
}

const B = 3, T = 6, S = 5, E = 16;
const activations: [string, nn.TransformerActivation][] = [['relu', 'relu'], ['gelu', 'gelu'], ['a module (Tanh)', new nn.Tanh()]];

for (const [name, activation] of activations) {
  for (const normFirst of [false, true]) {
    for (const batchFirst of [true, false]) {
      test(`decoder step = forward with the causal mask: activation ${name}, normFirst ${normFirst}, batchFirst ${batchFirst}`, () => {
        nb.manualSeed(7);
        const layer = new nn.TransformerDecoderLayer(E, 4, { dimFeedforward: 24, dropout: 0.1, activation, batchFirst, normFirst });
        const decoder = new nn.TransformerDecoder(layer, 2, { norm: new nn.LayerNorm(E) }).eval();
        const shape = (n: number) => (batchFirst ? [B, n, E] : [n, B, E]);
        const tgt = nb.randn(shape(T));
        const memory = nb.randn(shape(S));
        // row 1 has two padded memory positions
        const pad = nb.Tensor.fromData(Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1]), [B, S], 'bool');
        const full = decoder.call(tgt, memory, { tgtMask: nn.Transformer.generateSquareSubsequentMask(T), memoryKeyPaddingMask: pad }) as Tensor;

        // one position at a time
        const caches = decoder.createCache();
        for (let t = 0; t < T; t++) {
          const out = decoder.step(positions(tgt, batchFirst, t, 1), memory, caches, { memoryKeyPaddingMask: pad });
          assert.ok(maxDiff(out, positions(full, batchFirst, t, 1)) < 1e-5, `position ${t}`);
        }
        assert.equal(caches[0]!.length, T);

        // several positions per step (a prefix of 4, then 2): the causal mask inside a chunk
        const chunked = decoder.createCache();
        const first = decoder.step(positions(tgt, batchFirst, 0, 4), memory, chunked, { memoryKeyPaddingMask: pad });
        const rest = decoder.step(positions(tgt, batchFirst, 4, 2), memory, chunked);
        assert.ok(maxDiff(first, positions(full, batchFirst, 0, 4)) < 1e-5);
        assert.ok(maxDiff(rest, positions(full, batchFirst, 4, 2)) < 1e-5);

        // a single layer steps the same way
        const one = decoder.layers.at(0) as nn.TransformerDecoderLayer;
        const oneFull = one.call(tgt, memory, { tgtMask: nn.Transformer.generateSquareSubsequentMask(T), memoryKeyPaddingMask: pad }) as Tensor;
        const cache = new nn.KeyValueCache();
        for (let t = 0; t < T; t++) {
          const out = one.step(positions(tgt, batchFirst, t, 1), memory, cache, { memoryKeyPaddingMask: pad });
          assert.ok(maxDiff(out, positions(oneFull, batchFirst, t, 1)) < 1e-5, `layer, position ${t}`);
        }
      });
    }
  }
}

test('selecting cache rows (as beam search reorders beams) carries each row\'s keys, values and memory mask along', () => {
  nb.manualSeed(8);
  const decoder = new nn.TransformerDecoder(new nn.TransformerDecoderLayer(E, 2, { dimFeedforward: 20, batchFirst: true }), 2).eval();
  const tgt = nb.randn([B, 3, E]);
  const memory = nb.randn([B, S, E]);
  const pad = nb.Tensor.fromData(Uint8Array.from([0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), [B, S], 'bool');
  const full = decoder.call(tgt, memory, { tgtMask: nn.Transformer.generateSquareSubsequentMask(3), memoryKeyPaddingMask: pad }) as Tensor;
  const caches = decoder.createCache();
  decoder.step(tgt.narrow(1, 0, 2), memory, caches, { memoryKeyPaddingMask: pad });
  const rows = [0, 0, 2, 1];
  for (const c of caches) c.select(rows);
  const idx = nb.Tensor.fromData(Int32Array.from(rows), [4], 'int32');
  const out = decoder.step(tgt.narrow(1, 2, 1).indexSelect(0, idx), memory, caches);
  assert.ok(maxDiff(out, full.narrow(1, 2, 1).indexSelect(0, idx)) < 1e-5);
  // a cache made with the memory can be reordered before the first step; later steps need no memory
  const primed = decoder.createCache(memory, { memoryKeyPaddingMask: pad });
  for (const c of primed) c.select(rows);
  const picked = tgt.indexSelect(0, idx);
  decoder.step(picked.narrow(1, 0, 1), null, primed);
  const third = decoder.step(picked.narrow(1, 1, 2), null, primed);
  assert.ok(maxDiff(third, full.indexSelect(0, idx).narrow(1, 1, 2)) < 1e-5);
});

test('step errors name the function and what was given', () => {
  const decoder = new nn.TransformerDecoder(new nn.TransformerDecoderLayer(E, 2, { dimFeedforward: 20, batchFirst: true }), 2).eval();
  const memory = nb.randn([2, S, E]);
  assert.throws(() => decoder.step(nb.randn([2, 1, E]), memory, [new nn.KeyValueCache()]), /TransformerDecoder.step: 1 caches for 2 layers/);
  assert.throws(() => decoder.step(nb.randn([1, E]), memory, decoder.createCache()), /TransformerDecoderLayer.step: x must be a batched 3-D tensor, got \[1, 16\]/);
  assert.throws(() => decoder.step(nb.randn([2, 1, E]), null, decoder.createCache()), /the cache holds no memory yet/);
  const caches = decoder.createCache();
  decoder.step(nb.randn([2, 1, E]), memory, caches);
  assert.throws(() => decoder.step(nb.randn([3, 1, E]), memory, caches), /batch of 3 rows but the cache 2/);
  assert.throws(() => decoder.step(nb.randn([2, 1, E]), memory, decoder.createCache(), { memoryKeyPaddingMask: nb.zeros([2, 4]).bool() }), /memoryKeyPaddingMask should be \[2, 5\], got \[2, 4\]/);
});
