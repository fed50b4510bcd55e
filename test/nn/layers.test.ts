/**
 * PyTorch parity for every nn layer (tools/gen_nn_fixtures.py → test/fixtures/nn/layers.safetensors):
 * load the PyTorch state dict into the nabla layer, run forward and backward with the stored upstream
 * gradient, compare the output, the input's and every parameter's gradient, the state the forward
 * changed (running statistics, renormalised rows), and the module repr.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import * as nb from '../../src/node.js';
import { nn, type Tensor } from '../../src/node.js';
import { assertClose } from '../helpers/compare.js';

interface LayerSpec {
  name: string;
  layer: string;
  args: unknown[];
  opts: Record<string, unknown> | null;
  train: boolean;
  repr: string;
  factory?: 'fromPretrained';
}

const path = fileURLToPath(new URL('../fixtures/nn/layers.safetensors', import.meta.url));
const { tensors, metadata } = nb.loadWithMetadata(path);
const specs = JSON.parse(metadata.cases) as LayerSpec[];

/** The tensors stored under `<case>/<group>.`, keyed by the rest of the name. */
function group(name: string, prefix: string): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  const head = `${name}/${prefix}.`;
  for (const [k, v] of Object.entries(tensors)) if (k.startsWith(head)) out[k.slice(head.length)] = v;
  return out;
}

function build(spec: LayerSpec): nb.nn.Module {
  if (spec.factory === 'fromPretrained') {
    return nn.Embedding.fromPretrained(group(spec.name, 'state').weight.clone(), spec.opts as { freeze?: boolean; paddingIdx?: number });
  }
  const Layer = (nn as unknown as Record<string, new (...args: unknown[]) => nb.nn.Module>)[spec.layer];
  assert.ok(Layer, `nn.${spec.layer} does not exist`);
  return new Layer(...spec.args, ...(spec.opts === null ? [] : [spec.opts]));
}

describe('nn layers: parity with PyTorch', () => {
  it('covers every layer class', () => {
    const covered = new Set(specs.map((s) => s.layer));
    const layers = ['Linear', 'Identity', 'Conv1d', 'Conv2d', 'MaxPool1d', 'MaxPool2d', 'AvgPool1d', 'AvgPool2d', 'AdaptiveAvgPool2d',
      'BatchNorm1d', 'BatchNorm2d', 'LayerNorm', 'Dropout', 'Flatten', 'Unflatten', 'ReLU', 'LeakyReLU', 'ELU', 'Softplus', 'Tanh',
      'Sigmoid', 'GELU', 'SiLU', 'Softmax', 'LogSoftmax', 'Embedding'];
    assert.deepEqual(layers.filter((l) => !covered.has(l)), []);
  });

  for (const spec of specs) {
    it(spec.name, () => {
      const layer = build(spec);
      assert.equal(String(layer), spec.repr, 'repr differs from PyTorch\'s');
      const state = group(spec.name, 'state');
      assert.deepEqual(Object.keys(layer.stateDict()).sort(), Object.keys(state).sort(), 'state-dict keys differ from PyTorch\'s');
      layer.loadStateDict(state);
      layer.train(spec.train);

      const stored = tensors[`${spec.name}/input`];
      const x = stored.dtype === 'float32' ? stored.clone().requiresGrad_() : stored;
      const out = layer.call(x) as Tensor;
      assertClose(out, tensors[`${spec.name}/output`], undefined, 'output');

      const expectedGrads = group(spec.name, 'grad');
      if (Object.keys(expectedGrads).length === 0) {
        assert.equal(out.requiresGrad, false, 'PyTorch records no gradient here');
      } else {
        out.backward(tensors[`${spec.name}/gout`]);
        if (expectedGrads.input) assertClose(x.grad ?? nb.zerosLike(x), expectedGrads.input, undefined, 'gradient of the input');
        const params = Object.fromEntries(layer.namedParameters());
        for (const [key, g] of Object.entries(expectedGrads)) {
          if (key === 'input') continue;
          assert.ok(params[key], `no parameter ${key}`);
          assertClose(params[key].grad ?? nb.zerosLike(params[key]), g, undefined, `gradient of ${key}`);
        }
        for (const [key, p] of Object.entries(params)) {
          if (p.requiresGrad) assert.ok(key in expectedGrads, `parameter ${key} requires grad but PyTorch's does not`);
        }
      }

      const now = layer.stateDict();
      const after = group(spec.name, 'after');
      for (const [key, expected] of Object.entries(after)) assertClose(now[key], expected, undefined, `${key} after forward`);
      for (const [key, before] of Object.entries(state)) {
        if (!(key in after)) assertClose(now[key], before, { rtol: 0, atol: 0 }, `${key} (unchanged by forward)`);
      }
    });
  }
});

describe('nn layers: behaviour beyond the fixtures', () => {
  it('Dropout zeroes about p of the elements in training, scales the rest, and is the identity in eval', () => {
    nb.manualSeed(1);
    const drop = new nn.Dropout(0.3);
    const x = nb.ones([200, 100]);
    const y = drop.call(x).dataSync();
    const zeros = y.filter((v) => v === 0).length / y.length;
    assert.ok(Math.abs(zeros - 0.3) < 0.02, `zeroed fraction ${zeros}`);
    assert.ok(y.every((v) => v === 0 || Math.abs(v - 1 / 0.7) < 1e-6));
    drop.eval();
    assert.equal(drop.call(x), x);
    assert.throws(() => new nn.Dropout(1.5), /between 0 and 1/);
  });

  it('Linear names both shapes when the input has the wrong number of features', () => {
    const fc = new nn.Linear(3136, 512);
    assert.throws(() => fc.call(nb.zeros([2, 3137])), (e: Error) => /\[2, 3137\]/.test(e.message) && /3136/.test(e.message));
  });

  it('default initialisation follows PyTorch: Linear/Conv U(±1/√fanIn), BatchNorm 1/0, Embedding N(0, 1) with a zero padding row', () => {
    nb.manualSeed(0);
    const fc = new nn.Linear(400, 300);
    const bound = 1 / Math.sqrt(400);
    const w = fc.weight.dataSync();
    assert.ok(w.every((v) => Math.abs(v) <= bound));
    assert.ok(Math.max(...w) > 0.95 * bound && Math.min(...w) < -0.95 * bound);
    assert.ok(fc.bias!.dataSync().every((v) => Math.abs(v) <= bound));
    const conv = new nn.Conv2d(8, 16, 3);
    const cb = 1 / Math.sqrt(8 * 9);
    assert.ok(conv.weight.dataSync().every((v) => Math.abs(v) <= cb));
    const bn = new nn.BatchNorm2d(5);
    assert.deepEqual([...bn.weight!.dataSync()], [1, 1, 1, 1, 1]);
    assert.deepEqual([...bn.bias!.dataSync()], [0, 0, 0, 0, 0]);
    assert.equal(bn.numBatchesTracked!.dtype, 'int32');
    const emb = new nn.Embedding(1000, 20, { paddingIdx: 3 });
    const e = Array.from(emb.weight.dataSync());
    const mean = e.reduce((a, b) => a + b, 0) / e.length;
    const std = Math.sqrt(e.reduce((a, b) => a + (b - mean) ** 2, 0) / e.length);
    assert.ok(Math.abs(mean) < 0.02 && Math.abs(std - 1) < 0.02, `mean ${mean}, std ${std}`);
    assert.ok(emb.weight.select(0, 3).dataSync().every((v) => v === 0));
  });

  it('Embedding.fromPretrained freezes by default and shares the given storage', () => {
    const weights = nb.randn([5, 2]);
    const emb = nn.Embedding.fromPretrained(weights);
    assert.equal(emb.weight.requiresGrad, false);
    assert.equal(emb.weight.storage, weights.storage);
    assert.equal(nn.Embedding.fromPretrained(weights, { freeze: false }).weight.requiresGrad, true);
  });

  it('BatchNorm refuses inputs of the wrong rank or channel count', () => {
    assert.throws(() => new nn.BatchNorm2d(3).call(nb.zeros([2, 3, 4])), /expected 4D input \(got 3D input/);
    assert.throws(() => new nn.BatchNorm1d(3).call(nb.zeros([2, 4])), /3 channels/);
  });

  it('Conv2d refuses unsupported or inconsistent arguments', () => {
    assert.throws(() => new nn.Conv2d(3, 4, 3, { padding: 'same', stride: 2 }), /strided/);
    assert.throws(() => new nn.Conv2d(3, 4, 3, { groups: 2 }), /divisible by groups/);
  });
});
