import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor/tensor.js';
import { tensor } from '../../src/tensor/creation.js';
import { isGradEnabled } from '../../src/autograd/grad-mode.js';
import * as nabla from '../../src/index.js';
import { optim } from '../../src/index.js';
import type { Optimizer } from '../../src/optim/index.js';
import { assertClose } from './fixtures.js';

const leaf = (values: number[], shape = [values.length]) => Tensor.fromData(Float32Array.from(values), shape, 'float32').requiresGrad_();
const grad = (values: number[], shape = [values.length]) => Tensor.fromData(Float32Array.from(values), shape, 'float32');

test('optim is exported from the public entry', () => {
  assert.equal(typeof nabla.optim.SGD, 'function');
  assert.equal(typeof nabla.optim.lrScheduler.OneCycleLR, 'function');
});

test('zeroGrad: to null by default, to zeros in place with setToNone = false', () => {
  const a = leaf([1, 2]);
  const b = leaf([3]);
  const opt = new optim.SGD([a, b], { lr: 0.1 });
  a.grad = grad([5, 6]);
  const g = a.grad;
  opt.zeroGrad(false);
  assert.equal(a.grad, g);
  assert.deepEqual([...g.storage.data], [0, 0]);
  assert.equal(b.grad, null);
  opt.zeroGrad();
  assert.equal(a.grad, null);
  // a non-contiguous grad is zeroed through its view only
  const base = grad([1, 2, 3, 4, 5, 6]).reshape(2, 3);
  const c = leaf([0, 0], [2]);
  c.grad = base.select(1, 1);
  new optim.SGD([c], { lr: 1 }).zeroGrad(false);
  assert.deepEqual([...base.storage.data], [1, 0, 3, 4, 0, 6]);
});

test('step skips parameters without a grad and bumps the version of the updated ones only', () => {
  const a = leaf([1, 2]);
  const b = leaf([3]);
  const opt = new optim.Adam([a, b], { lr: 0.1 });
  a.grad = grad([1, 1]);
  const [va, vb] = [a.version, b.version];
  opt.step();
  assert.equal(a.version, va + 1);
  assert.equal(b.version, vb);
  assert.deepEqual([...b.storage.data], [3]);
  assert.ok(opt.state.has(a) && !opt.state.has(b));
  assert.equal(opt.state.get(a)!.step, 1);
});

test('step(closure) runs the closure with grad enabled and returns its loss; step itself runs under noGrad', () => {
  const p = leaf([2]);
  const opt = new optim.SGD([p], { lr: 0.5 });
  let enabled: boolean | undefined;
  const loss = opt.step(() => {
    enabled = isGradEnabled();
    const l = p.mul(p).sum();
    l.backward();
    return l;
  });
  assert.equal(enabled, true);
  assert.equal(loss!.item(), 4);
  assert.deepEqual([...p.storage.data], [0]); // 2 - 0.5 * 4
  assert.equal(opt.step(), undefined);
});

test('non-contiguous and offset parameters update through their view', () => {
  for (const make of ['transpose', 'narrow'] as const) {
    const base = grad([1, 2, 3, 4, 5, 6]).reshape(2, 3);
    const view = make === 'transpose' ? base.t().detach() : base.narrow(1, 1, 2).detach();
    view.requiresGrad = true;
    const dense = leaf([...view.contiguousData()], [...view.shape]);
    const o1 = new optim.SGD([view], { lr: 0.1, momentum: 0.9 });
    const o2 = new optim.SGD([dense], { lr: 0.1, momentum: 0.9 });
    for (let s = 0; s < 3; s++) {
      const g = grad(view.shape[0] === 3 ? [1, -2, 3, 0.5, 2, -1] : [1, -2, 3, 0.5], [...view.shape]);
      view.grad = make === 'transpose' ? g.t().contiguous().t() : g; // a non-contiguous grad too
      dense.grad = g;
      o1.step();
      o2.step();
    }
    assert.deepEqual([...view.contiguousData()], [...dense.contiguousData()], make);
    if (make === 'narrow') assert.equal(base.storage.data[0], 1); // untouched outside the view
  }
});

test('steps allocate no typed arrays once the state exists', () => {
  const ps = [leaf([1, 2, 3, 4], [2, 2]), leaf([5, 6])];
  const base = grad([1, 2, 3, 4, 5, 6]).reshape(2, 3);
  const view = base.t().detach().requiresGrad_(); // non-contiguous: scratch is cached
  const gs = [grad([0.1, -0.2, 0.3, 0.4], [2, 2]), grad([1, -1]), grad([1, 2, 3, 4, 5, 6], [3, 2])];
  const opts: Optimizer<any>[] = [
    new optim.SGD([...ps, view], { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.1 }),
    new optim.Adam([...ps, view], { amsgrad: true, weightDecay: 0.1 }),
    new optim.AdamW([...ps, view], { amsgrad: true }),
    new optim.RMSprop([...ps, view], { centered: true, momentum: 0.9, weightDecay: 0.1 }),
    new optim.Adagrad([...ps, view], { lrDecay: 0.1, weightDecay: 0.1 }),
  ];
  [...ps, view].forEach((p, i) => (p.grad = gs[i]));
  for (const o of opts) o.step();
  const Real = globalThis.Float32Array;
  let count = 0;
  globalThis.Float32Array = new Proxy(Real, {
    construct(target, args) {
      count++;
      return Reflect.construct(target, args);
    },
  });
  try {
    for (let s = 0; s < 5; s++) for (const o of opts) o.step();
  } finally {
    globalThis.Float32Array = Real;
  }
  assert.equal(count, 0);
});

test('invalid hyper-parameters throw PyTorch messages', () => {
  const p = () => [leaf([1])];
  const cases: [() => unknown, RegExp][] = [
    [() => new optim.SGD(p(), { lr: -0.1 }), /^Invalid learning rate: -0\.1$/],
    [() => new optim.SGD(p(), { lr: 0.1, momentum: -1 }), /^Invalid momentum value: -1\.0$/],
    [() => new optim.SGD(p(), { lr: 0.1, weightDecay: -0.5 }), /^Invalid weight_decay value: -0\.5$/],
    [() => new optim.SGD(p(), { lr: 0.1, nesterov: true }), /^Nesterov momentum requires a momentum and zero dampening$/],
    [() => new optim.SGD(p(), { lr: 0.1, nesterov: true, momentum: 0.9, dampening: 0.1 }), /^Nesterov momentum requires a momentum and zero dampening$/],
    [() => new optim.SGD(p()), /^parameter group didn't specify a value of required optimization parameter lr$/],
    [() => new optim.SGD([{ params: p(), lr: -1 }], { lr: 0.1 }), /^Invalid learning rate: -1\.0$/],
    [() => new optim.Adam(p(), { lr: -0.1 }), /^Invalid learning rate: -0\.1$/],
    [() => new optim.Adam(p(), { eps: -1e-8 }), /^Invalid epsilon value: -1e-8$/],
    [() => new optim.Adam(p(), { betas: [1, 0.999] }), /^Invalid beta parameter at index 0: 1\.0$/],
    [() => new optim.Adam(p(), { betas: [0.9, -0.1] }), /^Invalid beta parameter at index 1: -0\.1$/],
    [() => new optim.Adam(p(), { weightDecay: -1 }), /^Invalid weight_decay value: -1\.0$/],
    [() => new optim.AdamW(p(), { lr: NaN }), /^Invalid learning rate: nan$/],
    [() => new optim.AdamW(p(), { betas: [0.9, 1.5] }), /^Invalid beta parameter at index 1: 1\.5$/],
    [() => new optim.RMSprop(p(), { alpha: -0.5 }), /^Invalid alpha value: -0\.5$/],
    [() => new optim.RMSprop(p(), { momentum: -0.5 }), /^Invalid momentum value: -0\.5$/],
    [() => new optim.RMSprop(p(), { eps: -1 }), /^Invalid epsilon value: -1\.0$/],
    [() => new optim.Adagrad(p(), { lrDecay: -1 }), /^Invalid lr_decay value: -1\.0$/],
    [() => new optim.Adagrad(p(), { initialAccumulatorValue: -1 }), /^Invalid initial_accumulator_value value: -1\.0$/],
    [() => new optim.Adagrad(p(), { eps: -1 }), /^Invalid epsilon value: -1\.0$/],
    [() => new optim.SGD(p(), { lr: '0.1' as unknown as number }), /SGD: lr must be a number, got string/],
  ];
  for (const [fn, re] of cases) assert.throws(fn, (e: Error) => (assert.match(e.message, re), true));
});

test('invalid parameters are refused', () => {
  const x = leaf([1, 2]);
  const y = x.mul(2);
  assert.throws(() => new optim.SGD([y], { lr: 0.1 }), /^Error: can't optimize a non-leaf Tensor$/);
  assert.throws(() => new optim.SGD([tensor([1, 2], { dtype: 'int32' })], { lr: 0.1 }), /optimizer can only optimize floating point Tensors, but one of the params has dtype int32/);
  assert.throws(() => new optim.SGD([], { lr: 0.1 }), /optimizer got an empty parameter list/);
  assert.throws(() => new optim.SGD(x as unknown as Tensor[], { lr: 0.1 }), /should be an iterable of Tensors or dicts, but got Tensor/);
  assert.throws(() => new optim.SGD([x, 3 as unknown as Tensor], { lr: 0.1 }), /optimizer can only optimize Tensors, but one of the params is number/);
  assert.throws(() => new optim.SGD([x, x], { lr: 0.1 }), /duplicate parameters/);
  assert.throws(() => new optim.SGD([{ params: [x] }, { params: x }], { lr: 0.1 }), /some parameters appear in more than one parameter group/);
  assert.throws(() => new optim.SGD([{ params: new Set([x]) }], { lr: 0.1 }), /ordered collections/);
  const opt = new optim.SGD([x], { lr: 0.1 });
  x.grad = grad([1, 2, 3]);
  assert.throws(() => opt.step(), /SGD\.step: the gradient of parameter 0 in group 0 has shape \[3\] but the parameter has shape \[2\]/);
});

test('param groups: defaults fill in, extra keys are kept, addParamGroup works after construction', () => {
  const a = leaf([1]);
  const b = leaf([1]);
  const opt = new optim.Adam([{ params: [a], lr: 0.5, tag: 'head' }], { betas: [0.8, 0.9] });
  assert.equal(opt.paramGroups[0].lr, 0.5);
  assert.equal(opt.paramGroups[0].tag, 'head');
  assert.deepEqual(opt.paramGroups[0].betas, [0.8, 0.9]);
  opt.addParamGroup({ params: b, weightDecay: 0.1 });
  assert.equal(opt.paramGroups[1].lr, 1e-3);
  assert.notEqual(opt.paramGroups[0].betas, opt.paramGroups[1].betas); // never shared
  assert.deepEqual(opt.stateDict().param_groups.map((g) => g.params), [[0], [1]]);
  // Adagrad creates state eagerly, and lazily for groups added later
  const ada = new optim.Adagrad([a], { initialAccumulatorValue: 0.25 });
  assert.deepEqual([...(ada.state.get(a)!.sum as Tensor).storage.data], [0.25]);
  ada.addParamGroup({ params: [b] });
  b.grad = grad([1]);
  ada.step();
  assert.equal(ada.state.get(b)!.step, 1);
});

test('stateDict is a snapshot, with snake_case keys', () => {
  const p = leaf([1, 2]);
  const opt = new optim.RMSprop([p], { centered: true, momentum: 0.5, weightDecay: 0.01 });
  p.grad = grad([1, -1]);
  opt.step();
  const sd = opt.stateDict();
  assert.deepEqual(Object.keys(sd.state[0]).sort(), ['grad_avg', 'momentum_buffer', 'square_avg', 'step']);
  assert.deepEqual(Object.keys(sd.param_groups[0]), ['lr', 'alpha', 'eps', 'weight_decay', 'momentum', 'centered', 'maximize', 'params']);
  const before = [...(sd.state[0].square_avg as Tensor).storage.data];
  opt.step();
  assert.deepEqual([...(sd.state[0].square_avg as Tensor).storage.data], before);
  assert.equal(sd.state[0].step, 1);
  sd.param_groups[0].lr = 99;
  assert.equal(opt.paramGroups[0].lr, 0.01);
});

test('loadStateDict validates, and changes nothing when it refuses', () => {
  const a = leaf([1, 2]);
  const b = leaf([3]);
  const opt = new optim.SGD([{ params: [a] }, { params: [b], lr: 0.01 }], { lr: 0.1, momentum: 0.9 });
  a.grad = grad([1, 1]);
  b.grad = grad([1]);
  opt.step();
  const sd = opt.stateDict();

  const one = new optim.SGD([a, b], { lr: 0.1, momentum: 0.9 });
  assert.throws(() => one.loadStateDict(sd), /loaded state dict has a different number of parameter groups \(2 saved, 1 in this optimizer\)/);
  const c = leaf([0]);
  const sizes = new optim.SGD([{ params: [a, c] }, { params: [b] }], { lr: 0.1, momentum: 0.9 });
  assert.throws(() => sizes.loadStateDict(sd), /loaded state dict contains a parameter group that doesn't match the size of optimizer's group \(group 0: 1 saved parameters, 2 in this optimizer\)/);

  const fresh = new optim.SGD([{ params: [a] }, { params: [b], lr: 0.5 }], { lr: 0.2 });
  const badShape = { ...sd, state: { ...sd.state, 1: { momentum_buffer: grad([1, 2, 3]) } } };
  assert.throws(() => fresh.loadStateDict(badShape), /state\[1\]\.momentum_buffer has shape \[3\] but its parameter has shape \[1\]/);
  const badLr = { ...sd, param_groups: [sd.param_groups[0], { ...sd.param_groups[1], lr: -3 }] };
  assert.throws(() => fresh.loadStateDict(badLr), /param_groups\[1\]: Invalid learning rate: -3\.0/);
  assert.throws(() => fresh.loadStateDict({ ...sd, state: { 7: {} } }), /state for parameter 7, which no saved param group lists/);
  assert.throws(() => fresh.loadStateDict(null as never), /expected \{state: \{\.\.\.\}, param_groups: \[\.\.\.\]\}/);
  assert.equal(fresh.paramGroups[1].lr, 0.5);
  assert.equal(fresh.state.size, 0);

  fresh.loadStateDict(sd);
  assert.equal(fresh.paramGroups[1].lr, 0.01);
  assert.equal(fresh.paramGroups[0].momentum, 0.9);
  assert.equal(fresh.paramGroups[0].params[0], a);
  // state is copied, not shared with the dict
  const buf = fresh.state.get(a)!.momentumBuffer as Tensor;
  assert.notEqual(buf.storage, (sd.state[0].momentum_buffer as Tensor).storage);
  assertClose(buf.storage.data, [1, 1], 'momentum buffer');
});

test('end to end: autograd + Adam + OneCycleLR + clipGradNorm fit y = 2x - 1', async () => {
  const { clipGradNorm } = await import('../../src/nn/utils/clip-grad.js');
  const x = grad([-1, -0.5, 0, 0.5, 1, 1.5], [6, 1]);
  const y = x.mul(2).sub(1);
  const w = leaf([0], [1, 1]);
  const b = leaf([0]);
  const opt = new optim.Adam([w, b], { lr: 0.1 });
  const sched = new optim.OneCycleLR(opt, { maxLr: 0.3, totalSteps: 300 });
  let first = 0;
  let last = 0;
  for (let i = 0; i < 300; i++) {
    opt.zeroGrad();
    const loss = x.matmul(w).add(b).sub(y).square().mean();
    loss.backward();
    clipGradNorm([w, b], 5);
    opt.step();
    sched.step();
    if (i === 0) first = loss.item();
    last = loss.item();
  }
  assert.ok(last < 1e-4 * first, `loss ${first} -> ${last}`);
  assertClose([w.item(), b.item()], [2, -1], 'fit', 1e-2, 1e-2);
});
