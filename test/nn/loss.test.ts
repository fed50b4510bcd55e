/**
 * Losses: PyTorch parity for every option combination (tools/gen_nn_fixtures.py →
 * test/fixtures/nn/losses.safetensors), in functional form and as modules, plus the shape errors
 * and warnings.
 */
import { describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import * as nb from '../../src/node.js';
import { nn, F, type Tensor } from '../../src/node.js';
import { assertClose } from '../helpers/compare.js';

interface LossSpec {
  name: string;
  fn: string;
  module: string;
  opts: Record<string, unknown>;
  weight: boolean;
  posWeight: boolean;
  targetGrad: boolean;
  warns: boolean;
}

const path = fileURLToPath(new URL('../fixtures/nn/losses.safetensors', import.meta.url));
const { tensors, metadata } = nb.loadWithMetadata(path);
const specs = JSON.parse(metadata.cases) as LossSpec[];

type LossFn = (input: Tensor, target: Tensor, options: Record<string, unknown>) => Tensor;
const functional = F as unknown as Record<string, LossFn>;
const modules = nn as unknown as Record<string, new (options: Record<string, unknown>) => nb.nn.Module>;

function run(spec: LossSpec, kind: 'functional' | 'module'): void {
  const get = (key: string): Tensor => tensors[`${spec.name}/${key}`];
  const input = get('input').clone().requiresGrad_();
  const storedTarget = get('target');
  const target = spec.targetGrad ? storedTarget.clone().requiresGrad_() : storedTarget;
  const options: Record<string, unknown> = { ...spec.opts };
  if (spec.weight) options.weight = get('weight');
  if (spec.posWeight) options.posWeight = get('pos_weight');
  const out = kind === 'functional'
    ? functional[spec.fn](input, target, options)
    : (new modules[spec.module](options).call(input, target) as Tensor);
  assertClose(out, get('output'), undefined, `${kind} output`);
  out.backward(get('gout'));
  assertClose(input.grad!, get('grad.input'), undefined, `${kind} gradient of the input`);
  if (spec.targetGrad) assertClose(target.grad!, get('grad.target'), undefined, `${kind} gradient of the target`);
}

describe('losses: parity with PyTorch', () => {
  it('covers every loss with every option', () => {
    const fns = new Set(specs.map((s) => s.fn));
    assert.deepEqual(['crossEntropy', 'nllLoss', 'mseLoss', 'l1Loss', 'smoothL1Loss', 'huberLoss', 'binaryCrossEntropy', 'binaryCrossEntropyWithLogits'].filter((f) => !fns.has(f)), []);
    const ce = specs.filter((s) => s.fn === 'crossEntropy');
    for (const red of ['mean', 'sum', 'none']) assert.ok(ce.some((s) => s.opts.reduction === red && s.weight && s.opts.labelSmoothing && s.opts.ignoreIndex !== undefined));
    assert.ok(ce.some((s) => s.name.includes('prob') && s.weight && s.opts.labelSmoothing));
    assert.ok(specs.some((s) => s.posWeight && s.weight));
  });

  for (const spec of specs) {
    it(spec.name, (t) => {
      const warn = t.mock.method(console, 'warn', () => {});
      run(spec, 'functional');
      run(spec, 'module');
      if (spec.warns) assert.ok(warn.mock.callCount() <= 1, 'warns once, not per call');
      else assert.equal(warn.mock.callCount(), 0, `unexpected warning: ${warn.mock.calls[0]?.arguments[0]}`);
    });
  }
});

describe('losses: shape errors and warnings', () => {
  it('MSELoss refuses shapes that do not broadcast, naming both and the fix', () => {
    const criterion = new nn.MSELoss();
    assert.throws(() => criterion.call(nb.zeros([1000, 1]), nb.zeros([1000, 50, 1])), (e: Error) => {
      assert.match(e.message, /\[1000, 1\]/);
      assert.match(e.message, /\[1000, 50, 1\]/);
      assert.match(e.message, /do not broadcast/);
      assert.match(e.message, /predict every step/);
      assert.match(e.message, /target\[:, -1, :\]/);
      return true;
    });
  });

  it('MSELoss warns once when the shapes differ but broadcast, and goes on', () => {
    const warn = mock.method(console, 'warn', () => {});
    try {
      const input = nb.tensor([[1], [2], [3]]);
      const target = nb.tensor([1, 2, 3]);
      const a = F.mseLoss(input, target);
      F.mseLoss(input, target);
      assert.equal(warn.mock.callCount(), 1);
      const message = String(warn.mock.calls[0].arguments[0]);
      assert.match(message, /target size \(\[3\]\).*input size \(\[3, 1\]\)/);
      assert.match(message, /squeeze/i);
      // broadcast to [3, 3]: (0 + 1 + 4 + 1 + 0 + 1 + 4 + 1 + 0) / 9
      assert.ok(Math.abs(a.item() - 12 / 9) < 1e-6);
    } finally {
      warn.mock.restore();
    }
  });

  it('crossEntropy names an out-of-range class index and the number of classes', () => {
    const scores = nb.zeros([3, 10]);
    assert.throws(() => F.crossEntropy(scores, nb.tensor([1, 10, 2], { dtype: 'int32' })), /class index 10 .*10 classes/);
    assert.throws(() => F.crossEntropy(scores, nb.tensor([-1, 0, 2], { dtype: 'int32' })), /class index -1 .*10 classes/);
    assert.equal(Number.isFinite(F.crossEntropy(scores, nb.tensor([-100, 0, 2], { dtype: 'int32' })).item()), true);
  });

  it('crossEntropy explains target dtype and shape mistakes', () => {
    const scores = nb.zeros([4, 3]);
    assert.throws(() => F.crossEntropy(scores, nb.tensor([0, 1, 2, 0])), /int32.*target\.int\(\)/);
    assert.throws(() => F.crossEntropy(scores, nb.tensor([[0], [1], [2], [0]], { dtype: 'int32' })), /squeeze/);
    assert.throws(() => F.crossEntropy(scores, nb.zeros([4, 2])), /class probabilities.*\[4, 3\]/);
    assert.throws(() => F.crossEntropy(scores, nb.tensor([0, 1, 2, 0], { dtype: 'int32' }), { weight: nb.ones([4]) }), /one entry per class/);
    assert.throws(() => F.crossEntropy(scores, nb.tensor([0, 1, 2, 0], { dtype: 'int32' }), { reduction: 'avg' as 'mean' }), /reduction/);
  });

  it('crossEntropy over all-ignored targets is NaN with mean, like PyTorch', () => {
    const loss = F.crossEntropy(nb.zeros([2, 3]), nb.tensor([-100, -100], { dtype: 'int32' }));
    assert.ok(Number.isNaN(loss.item()));
  });

  it('binaryCrossEntropy refuses inputs outside [0, 1] and mismatched shapes', () => {
    assert.throws(() => F.binaryCrossEntropy(nb.tensor([0.5, 1.5]), nb.tensor([0, 1])), /between 0 and 1.*WithLogits/);
    assert.throws(() => F.binaryCrossEntropy(nb.tensor([[0.5], [0.2]]), nb.tensor([0, 1])), /must be the same/);
    assert.throws(() => F.binaryCrossEntropyWithLogits(nb.tensor([[0.5], [0.2]]), nb.tensor([0, 1])), /must be the same/);
  });

  it('binaryCrossEntropy keeps finite gradients at probabilities of exactly 0 and 1', () => {
    const x = nb.tensor([0, 1, 1, 0]).requiresGrad_();
    F.binaryCrossEntropy(x, nb.tensor([0, 1, 0, 1]), { reduction: 'sum' }).backward();
    assert.ok(x.grad!.dataSync().every((v) => Number.isFinite(v)));
  });

  it('loss modules keep their weights as buffers, like PyTorch', () => {
    const criterion = new nn.CrossEntropyLoss({ weight: nb.ones([3]) });
    assert.deepEqual(Object.keys(criterion.stateDict()), ['weight']);
    assert.deepEqual(Object.keys(new nn.BCEWithLogitsLoss({ posWeight: nb.ones([2]) }).stateDict()), ['pos_weight']);
    assert.equal(String(criterion), 'CrossEntropyLoss()');
  });
});

describe('crossEntropy with class indices: the fused backward', () => {
  it('gives log-softmax + nllLoss values and gradients (weights, ignoreIndex, every reduction, 1-D and 2-D, a 5000-class head)', () => {
    nb.manualSeed(7);
    for (const [rows, cols] of [[64, 5000], [9, 7], [0, 4]] as const) {
      const scores = nb.randn([rows, cols]).mul(3);
      const target = nb.randint(0, cols, [rows], { dtype: 'int32' });
      if (rows > 2) { target.storage.data[1] = -100; target.storage.data[2] = cols - 1; }
      const weight = nb.rand([cols]).add(0.5);
      for (const reduction of ['mean', 'sum', 'none'] as const) {
        for (const w of [null, weight]) {
          const what = `${rows}x${cols} ${reduction}${w ? ' weighted' : ''}`;
          const a = scores.detach().requiresGrad_();
          const b = scores.detach().requiresGrad_();
          const fused = F.crossEntropy(a, target, { reduction, weight: w });
          const composed = F.nllLoss(F.logSoftmax(b, 1), target, { reduction, weight: w });
          assertClose(fused, composed, { atol: 1e-6, rtol: 1e-6 }, what);
          const g = reduction === 'none' ? nb.randn([rows]) : nb.tensor(1.5);
          fused.backward(g);
          composed.backward(g);
          assertClose(a.grad!, b.grad!, { atol: 1e-7, rtol: 1e-5 }, `${what} gradient`);
        }
      }
    }
    // one sample: [C] scores, [] target
    const x = nb.randn([11]).requiresGrad_();
    const y = nb.randn([11]).requiresGrad_();
    y.storage.data.set(x.storage.data);
    const t = nb.tensor(4, { dtype: 'int32' });
    F.crossEntropy(x, t).backward();
    F.nllLoss(F.logSoftmax(y, 0), t).backward();
    assertClose(x.grad!, y.grad!, { atol: 1e-7, rtol: 1e-5 }, '1-D');
  });
});
