/**
 * PyTorch parity for the layer options that change the arithmetic (tools/gen_nn_fixtures.py →
 * test/fixtures/nn/options.safetensors): Conv1d/Conv2d paddingMode reflect/replicate/circular, the
 * indices of MaxPool1d/2d with returnIndices, Embedding's scaleGradByFreq, and the Conv2d shapes
 * that the wasm backend runs with Winograd's algorithm. Output, indices, the input's and every
 * parameter's gradient are compared with PyTorch's.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import * as nb from '../../src/node.js';
import { nn, type Tensor } from '../../src/node.js';
import { assertClose } from '../helpers/compare.js';

interface LayerSpec { name: string; layer: string; args: unknown[]; opts: Record<string, unknown>; repr: string }

const path = fileURLToPath(new URL('../fixtures/nn/options.safetensors', import.meta.url));
const { tensors, metadata } = nb.loadWithMetadata(path);
const specs = JSON.parse(metadata.cases) as LayerSpec[];

function group(name: string, prefix: string): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  const head = `${name}/${prefix}.`;
  for (const [k, v] of Object.entries(tensors)) if (k.startsWith(head)) out[k.slice(head.length)] = v;
  return out;
}

describe(`nn layer options: parity with PyTorch (backend ${nb.getBackend().name})`, () => {
  it('covers every option', () => {
    const seen = new Set(specs.flatMap((s) => Object.entries(s.opts).map(([k, v]) => (k === 'paddingMode' ? `${s.layer}:${String(v)}` : `${s.layer}:${k}`))));
    for (const needed of ['Conv2d:reflect', 'Conv2d:replicate', 'Conv2d:circular', 'Conv1d:reflect', 'Conv1d:replicate', 'Conv1d:circular',
      'MaxPool2d:returnIndices', 'MaxPool1d:returnIndices', 'Embedding:scaleGradByFreq']) assert.ok(seen.has(needed), needed);
  });

  for (const spec of specs) {
    it(spec.name, () => {
      const Layer = (nn as unknown as Record<string, new (...args: unknown[]) => nb.nn.Module>)[spec.layer];
      const layer = new Layer(...spec.args, spec.opts);
      assert.equal(String(layer), spec.repr, 'repr differs from PyTorch\'s');
      layer.loadStateDict(group(spec.name, 'state'));
      const stored = tensors[`${spec.name}/input`];
      const x = stored.dtype === 'float32' ? stored.clone().requiresGrad_() : stored;
      const result = layer.call(x) as Tensor | [Tensor, Tensor];
      const expectedIndices = tensors[`${spec.name}/indices`];
      assert.equal(Array.isArray(result), expectedIndices !== undefined, 'returns [output, indices] exactly when PyTorch does');
      const out = Array.isArray(result) ? result[0] : result;
      if (Array.isArray(result)) assertClose(result[1], expectedIndices, { rtol: 0, atol: 0 }, 'indices');
      assertClose(out, tensors[`${spec.name}/output`], undefined, 'output');
      out.backward(tensors[`${spec.name}/gout`]);
      const expectedGrads = group(spec.name, 'grad');
      if (expectedGrads.input) assertClose(x.grad!, expectedGrads.input, undefined, 'gradient of the input');
      const params = Object.fromEntries(layer.namedParameters());
      for (const [key, g] of Object.entries(expectedGrads)) {
        if (key !== 'input') assertClose(params[key].grad ?? nb.zerosLike(params[key]), g, undefined, `gradient of ${key}`);
      }
    });
  }

  it('scaleGradByFreq gives each row the finite-difference gradient divided by how often the batch looks it up', () => {
    nb.manualSeed(4);
    const emb = new nn.Embedding(5, 3, { scaleGradByFreq: true });
    const idList = [2, 0, 2, 4, 2, 0];
    const ids = nb.tensor(Int32Array.from(idList), { shape: [2, 3] });
    const v = nb.randn([2, 3, 3]);
    emb.call(ids).mul(v).sum().backward();
    const loss = (w: Tensor) => nb.noGrad(() => nb.embedding(ids, w).mul(v).sum().item());
    const w = emb.weight.detach().clone();
    const data = w.storage.data as Float32Array;
    const expected = new Float32Array(15);
    for (let i = 0; i < 15; i++) {
      const keep = data[i];
      data[i] = keep + 0.01; const up = loss(w);
      data[i] = keep - 0.01; const down = loss(w);
      data[i] = keep;
      const count = idList.filter((r) => r === Math.floor(i / 3)).length;
      expected[i] = (up - down) / 0.02 / Math.max(count, 1);
    }
    assertClose(emb.weight.grad!, nb.tensor(expected, { shape: [5, 3] }), { rtol: 1e-2, atol: 2e-3 }, 'scaled gradient');
  });

  it('a sparse Embedding scales its row gradients by frequency as the dense one does', () => {
    nb.manualSeed(3);
    const dense = new nn.Embedding(6, 2, { scaleGradByFreq: true });
    const sparse = new nn.Embedding(6, 2, { scaleGradByFreq: true, sparse: true, weight: dense.weight.detach().clone() });
    const ids = nb.tensor(Int32Array.from([1, 4, 1, 1, 5]), { shape: [5] });
    const gout = nb.randn([5, 2]);
    dense.call(ids).backward(gout);
    sparse.call(ids).backward(gout);
    const g = sparse.weight.grad as unknown as { toDense(): Tensor };
    assertClose(g.toDense(), dense.weight.grad!, undefined, 'sparse gradient');
  });
});
