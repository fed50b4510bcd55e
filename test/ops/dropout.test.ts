/**
 * dropout is random, so it is tested statistically rather than against PyTorch's values: the kept
 * fraction is ~ 1 - p (within 5 standard deviations of a binomial), survivors are scaled by
 * exactly 1/(1 - p), the gradient is the same mask, and eval mode is the identity.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';

const N = 200 * 500;

describe(`dropout (backend ${nb.getBackend().name})`, () => {
  for (const p of [0.1, 0.5, 0.8]) {
    it(`p = ${p}: keeps ~${1 - p} of the elements and scales them by 1/(1-p); the gradient is the same mask`, () => {
      const x = nb.add(nb.rand([200, 500], { generator: new nb.Generator(1) }), 0.5).requiresGrad_();
      const y = nb.dropout(x, p, true, new nb.Generator(2));
      const xs = x.dataSync(), ys = y.dataSync();
      const scale = Math.fround(1 / (1 - p));
      let kept = 0, sum = 0;
      for (let i = 0; i < N; i++) {
        if (ys[i] !== 0) {
          kept++;
          assert.equal(ys[i], Math.fround(xs[i] * scale), `element ${i} is not x·1/(1-p)`);
        }
        sum += ys[i] / xs[i];
      }
      const sigma = Math.sqrt(p * (1 - p) / N);
      assert.ok(Math.abs(kept / N - (1 - p)) < 5 * sigma, `kept fraction ${kept / N}, expected ${1 - p} ± ${5 * sigma}`);
      // E[y/x] = 1: inverted dropout keeps the expectation
      assert.ok(Math.abs(sum / N - 1) < 5 * sigma * scale, `mean of y/x is ${sum / N}`);
      y.backward(nb.onesLike(y));
      const g = x.grad!.dataSync();
      for (let i = 0; i < N; i++) assert.equal(g[i], ys[i] === 0 ? 0 : scale, `gradient at ${i}`);
    });
  }

  it('the mask is independent of position: no long runs or stripes', () => {
    const y = nb.dropout(nb.ones([1000, 100]), 0.5, true, new nb.Generator(3));
    const rows = nb.mean(nb.toDtype(nb.ne(y, 0), 'float32'), 1).dataSync();
    const cols = nb.mean(nb.toDtype(nb.ne(y, 0), 'float32'), 0).dataSync();
    // per-row fraction of 100 draws: sd 0.05; per-column fraction of 1000 draws: sd 0.016
    assert.ok(rows.every((r) => Math.abs(r - 0.5) < 0.3), 'a row is far from half kept');
    assert.ok(cols.every((c) => Math.abs(c - 0.5) < 0.09), 'a column is far from half kept');
  });

  it('a seeded generator gives the same mask; successive calls give different masks', () => {
    const x = nb.ones([50, 40]);
    const a = nb.dropout(x, 0.3, true, new nb.Generator(9)).dataSync();
    const b = nb.dropout(x, 0.3, true, new nb.Generator(9)).dataSync();
    assert.deepEqual(a, b);
    const g = new nb.Generator(9);
    const c = nb.dropout(x, 0.3, true, g).dataSync();
    const d = nb.dropout(x, 0.3, true, g).dataSync();
    assert.notDeepEqual(c, d);
  });

  it('the mask is the one drawing random() per element gives, and the generator ends in the same state', () => {
    // p * 2^24 fractional (1/3), exact (0.5), at the ends of the range; and at each of the first draws,
    // half a step above it and a step above it (kept, then dropped twice), so that a draw or a
    // threshold off by its last bit shows
    const ahead = new nb.Generator(11);
    ahead.random();
    const ties = Array.from({ length: 24 }, () => ahead.random()).flatMap((v) => [v, v + 2 ** -25, v + 2 ** -24]);
    for (const p of [0.1, 1 / 3, 0.5, 1 - 2 ** -24, 1e-9, ...ties]) {
      const drawn = new nb.Generator(11), filled = new nb.Generator(11);
      drawn.random();
      filled.random();
      const want = new Float32Array(4097), got = new Float32Array(4097);
      for (let i = 0; i < want.length; i++) want[i] = drawn.random() >= p ? 1 / (1 - p) : 0;
      filled.fillDropoutMask(got, p, 1 / (1 - p));
      assert.deepEqual(got, want, `p = ${p}`);
      assert.deepEqual(filled.getState(), drawn.getState(), `p = ${p}: generator state after the mask`);
    }
  });

  it('eval mode and p = 0 are the identity (values and gradient)', () => {
    const x = nb.randn([4, 5], { generator: new nb.Generator(4) }).requiresGrad_();
    for (const y of [nb.dropout(x, 0.5, false), nb.dropout(x, 0)]) {
      assert.deepEqual(y.dataSync(), x.dataSync());
    }
    nb.sum(nb.mul(nb.dropout(x, 0.5, false), 3)).backward();
    assert.ok(x.grad!.dataSync().every((v) => v === 3));
  });

  it('p = 1 zeroes everything, and its gradient', () => {
    const x = nb.randn([3, 4], { generator: new nb.Generator(5) }).requiresGrad_();
    const y = nb.dropout(x, 1);
    assert.ok(y.dataSync().every((v) => v === 0));
    nb.sum(y).backward();
    assert.ok(x.grad!.dataSync().every((v) => v === 0));
  });

  it('gives the values and gradient of x · mask with the float mask of the same draws (strided x, NaN, ±inf, ±0)', () => {
    const base = nb.randn([37, 61], { generator: new nb.Generator(6) }).dataSync();
    base.set([NaN, Infinity, -Infinity, 0, -0, -1e-30, 3e38], 0);
    for (const p of [0.1, 1 / 3, 0.5, 0.9]) {
      // a transposed view, so the op reads through the strides
      const x = nb.tensor(base).reshape([37, 61]).t().requiresGrad_();
      const y = nb.dropout(x, p, true, new nb.Generator(7));
      const mask = new Float32Array(x.numel());
      new nb.Generator(7).fillDropoutMask(mask, p, 1 / (1 - p));
      const xr = nb.tensor(base).reshape([37, 61]).t().requiresGrad_();
      const want = nb.mul(xr, nb.tensor(mask).reshape(x.shape));
      assert.deepEqual(y.dataSync(), want.dataSync(), `p = ${p}: values`);
      const g = nb.randn(x.shape, { generator: new nb.Generator(8) });
      y.backward(g);
      want.backward(g);
      assert.deepEqual(x.grad!.dataSync(), xr.grad!.dataSync(), `p = ${p}: gradient`);
    }
  });

  it('p outside [0, 1] throws', () => {
    assert.throws(() => nb.dropout(nb.ones([2]), -0.1), /dropout: .*-0.1/);
    assert.throws(() => nb.dropout(nb.ones([2]), 1.1), /dropout: .*1.1/);
    assert.throws(() => nb.dropout(nb.ones([2]), NaN), /dropout: .*NaN/);
  });
});
