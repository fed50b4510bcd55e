/**
 * End to end against PyTorch: BatchNorm's running statistics over several training steps
 * (test/fixtures/nn/batchnorm.safetensors) and a small SimpleCNN loaded from a PyTorch state dict,
 * trained one step and evaluated (test/fixtures/nn/model.safetensors).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import * as nb from '../../src/node.js';
import { nn, F, type Tensor } from '../../src/node.js';
import { assertClose } from '../helpers/compare.js';

const fixture = (name: string) => nb.loadWithMetadata(fileURLToPath(new URL(`../fixtures/nn/${name}.safetensors`, import.meta.url)));

function group(tensors: Record<string, Tensor>, prefix: string): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(tensors)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}

describe('BatchNorm over three training steps matches PyTorch', () => {
  const { tensors, metadata } = fixture('batchnorm');
  const specs = JSON.parse(metadata.cases) as { name: string; layer: string; args: unknown[]; opts: Record<string, unknown> }[];
  for (const spec of specs) {
    it(spec.name, () => {
      const Layer = (nn as unknown as Record<string, new (...args: unknown[]) => nb.nn.Module>)[spec.layer];
      const bn = new Layer(...spec.args, spec.opts);
      bn.loadStateDict(group(tensors, `${spec.name}/state.`));
      bn.train();
      for (let step = 0; step < 3; step++) {
        const out = bn.call(tensors[`${spec.name}/step${step}.input`]) as Tensor;
        assertClose(out, tensors[`${spec.name}/step${step}.output`], undefined, `output of step ${step}`);
      }
      const state = bn.stateDict();
      for (const [key, expected] of Object.entries(group(tensors, `${spec.name}/after.`))) {
        assertClose(state[key], expected, undefined, `${key} after 3 steps`);
      }
      assert.equal(state.num_batches_tracked.item(), 3);
      bn.eval();
      assertClose(bn.call(tensors[`${spec.name}/eval.input`]) as Tensor, tensors[`${spec.name}/eval.output`], undefined, 'eval output');
    });
  }
});

/** The same network as tools/gen_nn_fixtures.py's SimpleCNN, field for field. */
class SimpleCNN extends nn.Module {
  conv1 = new nn.Conv2d(1, 4, 3, { padding: 1 });
  bn1 = new nn.BatchNorm2d(4);
  pool = new nn.MaxPool2d(2, 2);
  conv2 = new nn.Conv2d(4, 8, 3, { padding: 1 });
  features = new nn.Sequential(new nn.Conv2d(8, 8, 3, { padding: 1 }), new nn.ReLU(), new nn.Dropout(0.0));
  fc1 = new nn.Linear(8 * 3 * 3, 16);
  fc2 = new nn.Linear(16, 10);

  override forward(x: Tensor): Tensor {
    x = this.pool.call(F.relu(this.bn1.call(this.conv1.call(x))));
    x = this.pool.call(F.relu(this.conv2.call(x)));
    x = this.features.call(x);
    x = nb.flatten(x, 1);
    return this.fc2.call(F.relu(this.fc1.call(x)));
  }
}

describe('a SimpleCNN loaded from a PyTorch state dict', () => {
  const { tensors, metadata } = fixture('model');
  const [spec] = JSON.parse(metadata.cases) as { repr: string; keys: string[] }[];

  it('has PyTorch\'s repr and state-dict keys, in order', () => {
    const model = new SimpleCNN();
    assert.equal(String(model), spec.repr);
    assert.deepEqual(Object.keys(model.stateDict()), spec.keys);
  });

  it('gives PyTorch\'s loss, gradients, running statistics and eval output', () => {
    const model = new SimpleCNN();
    const result = model.loadStateDict(group(tensors, 'state.'));
    assert.deepEqual(result, { missingKeys: [], unexpectedKeys: [] });
    model.train();
    const loss = F.crossEntropy(model.call(tensors.input), tensors.target);
    assertClose(loss, tensors.loss, undefined, 'loss');
    loss.backward();
    for (const [key, p] of model.namedParameters()) assertClose(p.grad!, tensors[`grad.${key}`], undefined, `gradient of ${key}`);
    const state = model.stateDict();
    for (const [key, expected] of Object.entries(group(tensors, 'after.'))) assertClose(state[key], expected, undefined, `${key} after the step`);
    model.eval();
    assertClose(nb.noGrad(() => model.call(tensors.input)), tensors['eval.output'], undefined, 'eval output');
  });
});
