// BERT's optimisation recipe against PyTorch (tools/gen_bert_train_fixtures.py): Hugging Face's linear
// warm-up + linear decay schedule, AdamW with the two weight-decay groups, gradient clipping and
// gradient accumulation, together on a small module with BERT's parameter names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as nb from '../../src/index.js';
import { nn, optim } from '../../src/index.js';
import { Tensor } from '../../src/tensor/tensor.js';

const fixture = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/bert-train/recipe.json', import.meta.url)), 'utf8'));

test('LinearWarmupLR follows get_linear_schedule_with_warmup on every group', () => {
  const s = fixture.schedule;
  const groups = s.group_lrs.map((lr: number, i: number) => ({ params: [nb.zeros([i + 2]).requiresGrad_()], lr }));
  const opt = new optim.SGD(groups, { lr: 1 });
  const sched = new optim.lrScheduler.LinearWarmupLR(opt, { warmupSteps: s.warmup_steps, totalSteps: s.total_steps });
  const seen = [sched.getLastLr()];
  for (let i = 0; i < 12; i++) {
    opt.step();
    sched.step();
    seen.push(sched.getLastLr());
  }
  assert.equal(seen.length, s.lrs.length);
  seen.forEach((lrs, i) => lrs.forEach((lr, g) => assert.ok(Math.abs(lr - s.lrs[i][g]) <= 1e-15, `step ${i} group ${g}: ${lr} vs ${s.lrs[i][g]}`)));
  assert.equal(opt.paramGroups[0]!.lr, 0, 'the lr stays at 0 after totalSteps');
});

test('LinearWarmupLR resumes from its stateDict and rejects bad settings', () => {
  const make = () => new optim.SGD([nb.zeros([2]).requiresGrad_()], { lr: 0.1 });
  const a = make();
  const sa = new optim.lrScheduler.LinearWarmupLR(a, { warmupSteps: 3, totalSteps: 10 });
  for (let i = 0; i < 4; i++) sa.step();
  const b = make();
  const sb = new optim.lrScheduler.LinearWarmupLR(b, { warmupSteps: 1, totalSteps: 5 });
  sb.loadStateDict(JSON.parse(JSON.stringify(sa.stateDict())));
  sa.step();
  sb.step();
  assert.equal(b.paramGroups[0]!.lr, a.paramGroups[0]!.lr);
  assert.throws(() => new optim.lrScheduler.LinearWarmupLR(make(), { warmupSteps: -1, totalSteps: 10 }), /warmupSteps must be an integer >= 0, got -1/);
  assert.throws(() => new optim.lrScheduler.LinearWarmupLR(make(), { warmupSteps: 1, totalSteps: 0 }), /totalSteps must be an integer >= 1, got 0/);
});

class Small extends nn.Module {
  dense = new nn.Linear(4, 6);
  LayerNorm = new nn.LayerNorm(6);
  decoder = new nn.Linear(6, 5);
  override forward(x: Tensor): Tensor {
    return this.decoder.call(this.LayerNorm.call(nb.gelu(this.dense.call(x))));
  }
}

test('weightDecayGroups splits as HF: no decay on biases and LayerNorm weights', () => {
  const model = new Small();
  const groups = optim.weightDecayGroups(model.namedParameters());
  assert.equal(groups.length, 2);
  const names = new Map(model.namedParameters().map(([n, p]) => [p, n]));
  assert.deepEqual(groups[0]!.params.map((p) => names.get(p as never)), fixture.recipe.decay_names);
  assert.deepEqual(groups.map((g) => g.weightDecay), [0.01, 0]);
  assert.deepEqual(groups[1]!.params.map((p) => names.get(p as never)), ['dense.bias', 'LayerNorm.weight', 'LayerNorm.bias', 'decoder.bias']);
  assert.equal(optim.weightDecayGroups([['a.bias', nb.zeros([1])]]).length, 1, 'an empty group is dropped');
  assert.throws(() => optim.weightDecayGroups(model.namedParameters(), { weightDecay: -1 }), /weightDecay must be >= 0, got -1/);
});

test('AdamW + two groups + warm-up schedule + clipping + accumulation: the same weights as PyTorch', () => {
  const r = fixture.recipe;
  const model = new Small();
  const initial: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(r.initial as Record<string, number[] | number[][]>)) initial[k] = nb.tensor(v);
  model.loadStateDict(initial);
  const opt = new optim.AdamW(optim.weightDecayGroups(model.namedParameters()), { lr: r.lr });
  const sched = new optim.lrScheduler.LinearWarmupLR(opt, { warmupSteps: r.warmup_steps, totalSteps: r.updates });
  const x = nb.tensor(r.x);
  const y = nb.tensor(r.y, { dtype: 'int32' });
  for (let u = 0; u < r.updates; u++) {
    opt.zeroGrad();
    let total = 0;
    for (let m = 0; m < r.accumulation; m++) {
      const i = u * r.accumulation + m;
      const loss = nb.div(nn.functional.crossEntropy(model.call(x.select(0, i)), y.select(0, i)), r.accumulation);
      loss.backward();
      total += loss.item();
    }
    const norm = nn.utils.clipGradNorm(model.parameters(), r.max_norm);
    opt.step();
    sched.step();
    assert.ok(Math.abs(total - r.losses[u]) < 1e-5, `update ${u} loss ${total} vs ${r.losses[u]}`);
    assert.ok(Math.abs(norm - r.grad_norms[u]) < 1e-5, `update ${u} grad norm`);
    assert.deepEqual(sched.getLastLr().map((v) => Math.fround(v)), r.lrs[u].map((v: number) => Math.fround(v)));
  }
  const sd = model.stateDict();
  for (const [k, v] of Object.entries(r.final as Record<string, unknown>)) {
    const want = (v as number[]).flat(2) as number[];
    const got = Array.from(sd[k]!.contiguousData());
    got.forEach((g, i) => assert.ok(Math.abs(g - want[i]!) < 2e-5, `${k}[${i}]: ${g} vs ${want[i]}`));
  }
});
