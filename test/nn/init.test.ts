/** nn.init: PyTorch's fans, gains and bounds, checked on the distribution of a big tensor; seeded draws repeat. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/node.js';
import { nn, type Tensor } from '../../src/node.js';

const { init } = nn;

function stats(t: Tensor): { mean: number; std: number; min: number; max: number } {
  const d = t.dataSync();
  let sum = 0, min = Infinity, max = -Infinity;
  for (const v of d) { sum += v; min = Math.min(min, v); max = Math.max(max, v); }
  const mean = sum / d.length;
  let sq = 0;
  for (const v of d) sq += (v - mean) ** 2;
  return { mean, std: Math.sqrt(sq / d.length), min, max };
}

/** Asserts the values look like U(-bound, bound): inside the bounds, reaching near them, uniform's std. */
function assertUniform(t: Tensor, bound: number): void {
  const s = stats(t);
  assert.ok(s.min >= -bound && s.max <= bound, `values leave ±${bound}: [${s.min}, ${s.max}]`);
  assert.ok(s.min < -0.99 * bound && s.max > 0.99 * bound, `values do not reach ±${bound}: [${s.min}, ${s.max}]`);
  assert.ok(Math.abs(s.mean) < 0.01 * bound, `mean ${s.mean}`);
  assert.ok(Math.abs(s.std - bound / Math.sqrt(3)) < 0.01 * bound, `std ${s.std}, expected ${bound / Math.sqrt(3)}`);
}

function assertNormal(t: Tensor, mean: number, std: number): void {
  const s = stats(t);
  assert.ok(Math.abs(s.mean - mean) < 0.01 * std + 1e-6, `mean ${s.mean}, expected ${mean}`);
  assert.ok(Math.abs(s.std - std) < 0.01 * std, `std ${s.std}, expected ${std}`);
}

describe('nn.init', () => {
  it('computes fans as PyTorch does', () => {
    assert.deepEqual(init.calculateFanInAndFanOut(nb.zeros([64, 32, 3, 3])), { fanIn: 288, fanOut: 576 });
    assert.deepEqual(init.calculateFanInAndFanOut(nb.zeros([10, 20])), { fanIn: 20, fanOut: 10 });
    assert.throws(() => init.calculateFanInAndFanOut(nb.zeros([5])), /fewer than 2 dimensions/);
  });

  it('has PyTorch\'s gains', () => {
    assert.equal(init.calculateGain('linear'), 1);
    assert.equal(init.calculateGain('sigmoid'), 1);
    assert.equal(init.calculateGain('conv2d'), 1);
    assert.equal(init.calculateGain('tanh'), 5 / 3);
    assert.equal(init.calculateGain('relu'), Math.sqrt(2));
    assert.equal(init.calculateGain('leaky_relu'), Math.sqrt(2 / (1 + 0.01 ** 2)));
    assert.equal(init.calculateGain('leaky_relu', 0.2), Math.sqrt(2 / 1.04));
    assert.equal(init.calculateGain('selu'), 0.75);
    assert.throws(() => init.calculateGain('swish' as 'relu'), /unsupported nonlinearity/);
  });

  it('kaimingUniform_ bounds by gain·√(3/fan), in fanIn or fanOut mode', () => {
    const w = nb.zeros([300, 200, 2]);
    init.kaimingUniform_(w);
    assertUniform(w, Math.sqrt(2) * Math.sqrt(3 / 400));
    init.kaimingUniform_(w, { a: Math.sqrt(5) });
    assertUniform(w, 1 / Math.sqrt(400));
    init.kaimingUniform_(w, { mode: 'fanOut', nonlinearity: 'relu' });
    assertUniform(w, Math.sqrt(2) * Math.sqrt(3 / 600));
    init.kaimingUniform_(w, { mode: 'fan_out', nonlinearity: 'tanh' });
    assertUniform(w, (5 / 3) * Math.sqrt(3 / 600));
  });

  it('kaimingNormal_ draws N(0, gain/√fan)', () => {
    const w = nb.zeros([400, 300]);
    init.kaimingNormal_(w, { nonlinearity: 'relu' });
    assertNormal(w, 0, Math.sqrt(2 / 300));
    init.kaimingNormal_(w, { mode: 'fanOut', a: 0.1 });
    assertNormal(w, 0, Math.sqrt(2 / 1.01) / Math.sqrt(400));
  });

  it('xavierUniform_ and xavierNormal_ use fanIn + fanOut and the gain', () => {
    const w = nb.zeros([300, 500]);
    init.xavierUniform_(w);
    assertUniform(w, Math.sqrt(6 / 800));
    init.xavierUniform_(w, init.calculateGain('tanh'));
    assertUniform(w, (5 / 3) * Math.sqrt(6 / 800));
    init.xavierNormal_(w, 2);
    assertNormal(w, 0, 2 * Math.sqrt(2 / 800));
  });

  it('uniform_, normal_, truncNormal_, constant_, zeros_, ones_, eye_', () => {
    const t = nb.zeros([200, 500]);
    init.uniform_(t, -3, 5);
    const s = stats(t);
    assert.ok(s.min >= -3 && s.max < 5 && Math.abs(s.mean - 1) < 0.05);
    init.normal_(t, 2, 0.5);
    assertNormal(t, 2, 0.5);
    init.truncNormal_(t, 0, 1, -1, 1);
    const tr = stats(t);
    assert.ok(tr.min >= -1 && tr.max <= 1 && tr.min < -0.99 && tr.max > 0.99);
    assert.ok(init.constant_(t, 0.25).dataSync().every((v) => v === 0.25));
    assert.ok(init.zeros_(t).dataSync().every((v) => v === 0));
    assert.ok(init.ones_(t).dataSync().every((v) => v === 1));
    assert.deepEqual(init.eye_(nb.zeros([2, 3])).toArray(), [[1, 0, 0], [0, 1, 0]]);
  });

  it('works in place on parameters that require grad, returning the same tensor', () => {
    const layer = new nn.Linear(4, 3);
    const w = layer.weight;
    assert.equal(init.xavierUniform_(layer.weight), w);
    assert.equal(layer.weight.requiresGrad, true);
    assert.equal(layer.weight.grad, null);
    init.zeros_(layer.bias!);
    assert.ok(layer.bias!.dataSync().every((v) => v === 0));
  });

  it('repeats with nb.manualSeed and with an explicit generator', () => {
    nb.manualSeed(42);
    const a = init.kaimingUniform_(nb.zeros([5, 5])).dataSync();
    nb.manualSeed(42);
    const b = init.kaimingUniform_(nb.zeros([5, 5])).dataSync();
    assert.deepEqual([...a], [...b]);
    nb.manualSeed(7);
    const viaInit = init.kaimingUniform_(nb.zeros([5, 5]), { a: Math.sqrt(5) }).dataSync();
    nb.manualSeed(7);
    assert.deepEqual([...new nn.Linear(5, 5).weight.dataSync()], [...viaInit], 'Linear draws its weight with kaimingUniform_(a=√5)');
    const g1 = new nb.Generator(3), g2 = new nb.Generator(3);
    assert.deepEqual([...init.normal_(nb.zeros([4]), 0, 1, { generator: g1 }).dataSync()], [...init.normal_(nb.zeros([4]), 0, 1, { generator: g2 }).dataSync()]);
  });
});
