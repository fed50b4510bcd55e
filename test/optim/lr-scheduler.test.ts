import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor/tensor.js';
import * as optim from '../../src/optim/index.js';
import type { LRScheduler, Optimizer } from '../../src/optim/index.js';
import { camelize, cases, type SchedulerCase } from './fixtures.js';

/** The same functions as LAMBDAS in tools/gen_optim_fixtures.py. */
const LAMBDAS: Record<string, (e: number) => number> = {
  pow095: (e) => 0.95 ** e,
  inv: (e) => 1.0 / (1.0 + e),
  warmup5: (e) => Math.min(1.0, (e + 1) / 5),
};

/** Scheduler values are doubles computed by the same formulas: equal up to libm's last bit. */
function near(actual: number | null, expected: number | null, what: string): void {
  if (expected === null || actual === null) return assert.equal(actual, expected, what);
  if (!(Math.abs(actual - expected) <= 1e-12 * Math.abs(expected) + 1e-300)) assert.fail(`${what}: got ${actual}, expected ${expected}`);
}

function nearDeep(actual: unknown, expected: unknown, what: string): void {
  if (typeof expected === 'number') {
    assert.equal(typeof actual, 'number', `${what}: type`);
    return near(actual as number, expected, what);
  }
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${what}: array`);
    assert.equal((actual as unknown[]).length, expected.length, `${what}: length`);
    return expected.forEach((e, i) => nearDeep((actual as unknown[])[i], e, `${what}[${i}]`));
  }
  if (expected !== null && typeof expected === 'object') {
    assert.ok(actual !== null && typeof actual === 'object', `${what}: object`);
    assert.deepEqual(Object.keys(actual as object).sort(), Object.keys(expected).sort(), `${what}: keys`);
    for (const [k, v] of Object.entries(expected)) nearDeep((actual as Record<string, unknown>)[k], v, `${what}.${k}`);
    return;
  }
  assert.equal(actual, expected, what);
}

function build(c: SchedulerCase): { opt: Optimizer<any>; scheds: LRScheduler[] } {
  const params = c.group_lrs.map((_, i) => Tensor.fromData(new Float32Array(i + 2), [i + 2], 'float32').requiresGrad_());
  const Opt = optim[c.optimizer] as unknown as new (p: unknown, o: unknown) => Optimizer<any>;
  const opt = new Opt(c.group_lrs.map((lr, i) => ({ params: [params[i]], lr })), camelize(c.optimizer_kwargs));
  const scheds = c.schedulers.map(({ scheduler, kwargs }) => {
    const o = camelize(kwargs);
    if (scheduler === 'LambdaLR') {
      const f = o.lrLambda as string | string[];
      o.lrLambda = Array.isArray(f) ? f.map((n) => LAMBDAS[n]) : LAMBDAS[f];
    }
    const Cls = (optim as unknown as Record<string, new (opt: Optimizer<any>, o: unknown) => LRScheduler>)[scheduler];
    return new Cls(opt, o);
  });
  return { opt, scheds };
}

const momenta = (opt: Optimizer<any>) =>
  opt.paramGroups.map((g) => (Array.isArray(g.betas) ? (g.betas[0] as number) : typeof g.momentum === 'number' ? g.momentum : null));

for (const c of cases.schedulers) {
  const label = c.schedulers.map((s) => s.scheduler).join(' + ');
  test(`${c.name} (${label}): lr${c.name.startsWith('onecycle') ? ' and momentum' : ''} over ${c.lrs.length - 1} steps match PyTorch`, () => {
    const { opt, scheds } = build(c);
    const last = scheds[scheds.length - 1];
    for (let e = 0; e < c.lrs.length; e++) {
      if (e > 0) for (const s of scheds) s.step();
      opt.paramGroups.forEach((g, i) => near(g.lr, c.lrs[e][i], `epoch ${e} group ${i} lr`));
      last.getLastLr().forEach((lr, i) => near(lr, c.last_lr[e][i], `epoch ${e} getLastLr()[${i}]`));
      momenta(opt).forEach((m, i) => near(m, c.momentum[e][i], `epoch ${e} group ${i} momentum`));
      assert.equal(last.lastEpoch, e);
    }
  });

  test(`${c.name}: stateDict matches PyTorch's; optimizer + scheduler state dicts resume the schedule`, () => {
    const { opt, scheds } = build(c);
    for (let e = 1; e <= c.state_dict_at; e++) for (const s of scheds) s.step();
    const extra = new Set(['anneal_strategy']); // PyTorch pickles the anneal function instead
    scheds.forEach((s, i) => {
      const ours = s.stateDict();
      const theirs = c.state_dicts[i];
      for (const k of Object.keys(ours)) assert.ok(k in theirs || extra.has(k), `our key ${k} is not PyTorch's`);
      nearDeep(Object.fromEntries(Object.entries(ours).filter(([k]) => !extra.has(k))), theirs, `${c.name} stateDict`);
    });
    // Resume: JSON through text, into a fresh optimizer and fresh schedulers (PyTorch's recipe:
    // construct both, then load both).
    const optSd = opt.stateDict();
    const schedSds = JSON.parse(JSON.stringify(scheds.map((s) => s.stateDict())));
    const fresh = build(c);
    fresh.opt.loadStateDict(optSd);
    fresh.scheds.forEach((s, i) => s.loadStateDict(schedSds[i]));
    for (let e = c.state_dict_at + 1; e < c.lrs.length; e++) {
      for (const s of fresh.scheds) s.step();
      fresh.opt.paramGroups.forEach((g, i) => near(g.lr, c.lrs[e][i], `resumed epoch ${e} group ${i} lr`));
      momenta(fresh.opt).forEach((m, i) => near(m, c.momentum[e][i], `resumed epoch ${e} group ${i} momentum`));
    }
  });
}

function sgd(lr = 0.1, extra: Record<string, unknown> = {}): Optimizer<any> {
  return new optim.SGD([Tensor.fromData(new Float32Array(2), [2], 'float32')], { lr, ...extra });
}

test('schedulers set initialLr once; a second scheduler reads the same base', () => {
  const opt = sgd(0.1);
  const a = new optim.StepLR(opt, { stepSize: 2 });
  assert.equal(opt.paramGroups[0].initialLr, 0.1);
  opt.paramGroups[0].lr = 0.5;
  const b = new optim.ExponentialLR(opt, { gamma: 0.5 });
  assert.deepEqual(b.baseLrs, [0.1]);
  assert.deepEqual(a.getLastLr(), [0.1]);
});

test('resuming (lastEpoch >= 0) needs initialLr in every group', () => {
  assert.throws(() => new optim.StepLR(sgd(), { stepSize: 3, lastEpoch: 4 }), /param 'initial_lr' is not specified in param_groups\[0\] when resuming an optimizer/);
  const opt = sgd();
  opt.paramGroups[0].initialLr = 0.2;
  const s = new optim.ExponentialLR(opt, { gamma: 0.5, lastEpoch: 4 });
  assert.equal(s.lastEpoch, 5);
  const c = new optim.CosineAnnealingLR(sgd(0.3, {}), { tMax: 10, lastEpoch: -1 });
  assert.equal(c.lastEpoch, 0);
});

test('CosineAnnealingLR resumed at lastEpoch > 0 uses the closed form on its first step', () => {
  const opt = sgd(1);
  opt.paramGroups[0].initialLr = 1;
  const s = new optim.CosineAnnealingLR(opt, { tMax: 10, lastEpoch: 2 });
  near(s.getLastLr()[0], (1 + Math.cos((3 * Math.PI) / 10)) / 2, 'closed form');
});

test('OneCycleLR: stepping past totalSteps throws as PyTorch does', () => {
  const s = new optim.OneCycleLR(sgd(0.1, { momentum: 0.9 }), { maxLr: 1, totalSteps: 4 });
  for (let i = 0; i < 4; i++) s.step();
  assert.throws(() => s.step(), /Tried to step 6 times\. The specified number of total steps is 4/);
});

test('scheduler argument errors', () => {
  const adagrad = new optim.Adagrad([Tensor.fromData(new Float32Array(2), [2], 'float32')]);
  assert.throws(() => new optim.OneCycleLR(adagrad, { maxLr: 1, totalSteps: 10 }), /optimizer must support momentum/);
  new optim.OneCycleLR(adagrad, { maxLr: 1, totalSteps: 10, cycleMomentum: false });
  assert.throws(() => new optim.OneCycleLR(sgd(), { maxLr: 1 }), /You must define either totalSteps OR \(epochs AND stepsPerEpoch\)/);
  assert.throws(() => new optim.OneCycleLR(sgd(), { maxLr: 1, totalSteps: 0 }), /Expected positive integer totalSteps, but got 0/);
  assert.throws(() => new optim.OneCycleLR(sgd(), { maxLr: 1, totalSteps: 5, pctStart: 1.5 }), /Expected float between 0 and 1 pctStart/);
  assert.throws(() => new optim.OneCycleLR(sgd(), { maxLr: [1, 2], totalSteps: 5 }), /expected 1 values for max_lr, got 2/);
  assert.throws(() => new optim.OneCycleLR(sgd(), { maxLr: 1, totalSteps: 5, annealStrategy: 'exp' as 'cos' }), /annealStrategy must by one of 'cos' or 'linear'/);
  assert.throws(() => new optim.LinearLR(sgd(), { startFactor: 1.5 }), /Starting multiplicative factor expected to be between 0 and 1\./);
  assert.throws(() => new optim.LinearLR(sgd(), { endFactor: -1 }), /Ending multiplicative factor expected to be between 0 and 1\./);
  assert.throws(() => new optim.LambdaLR(sgd(), { lrLambda: [(e) => e, (e) => e] }), /Expected 1 lr_lambdas, but got 2/);
  assert.throws(() => new optim.StepLR({} as Optimizer<any>, { stepSize: 1 }), /Object is not an Optimizer/);
  assert.throws(() => new optim.StepLR(sgd(), { stepSize: 0 }), /stepSize must be a positive integer/);
});

test('scheduler loadStateDict validates and leaves the scheduler unchanged when refused', () => {
  const s = new optim.StepLR(sgd(), { stepSize: 3 });
  s.step();
  const before = s.stateDict();
  assert.throws(() => s.loadStateDict({ ...before, base_lrs: [0.1, 0.2] }), /base_lrs has 2 entries but the optimizer has 1 param groups/);
  assert.throws(() => s.loadStateDict({ ...before, last_epoch: 'x' }), /last_epoch must be an integer/);
  assert.throws(() => s.loadStateDict({ ...before, gamma: 'x' }), /gamma must be a number/);
  assert.deepEqual(s.stateDict(), before);
  assert.equal(optim.lrScheduler.StepLR, optim.StepLR);
});
