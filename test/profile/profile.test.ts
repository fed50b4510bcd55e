/** The profiler: op and kernel rows for known graphs, times, allocation and copy counts, and that it leaves nothing installed. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as nb from '../../src/index.js';
import type { Backend, ProfileReport, ProfileRow } from '../../src/index.js';
import { JsBackend } from '../../src/backend/js/index.js';

const backend = nb.getBackend();
const b = backend.name;

/** name -> calls of every row. */
const calls = (rows: ProfileRow[]): Record<string, number> => Object.fromEntries(rows.map((r) => [r.name, r.calls]));
const row = (rows: ProfileRow[], name: string): ProfileRow => {
  const r = rows.find((x) => x.name === name);
  assert.ok(r, `no row ${name} in ${rows.map((x) => x.name).join(', ')}`);
  return r;
};

/** Every method of the backend (own and inherited) as it is now, and (under '#own') which are its own properties. */
function methods(target: Backend): Map<string, unknown> {
  const out = new Map<string, unknown>([['#own', Object.getOwnPropertyNames(target).sort().join()]]);
  for (let o: object | null = target; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) {
      const value = (target as unknown as Record<string, unknown>)[name];
      if (name !== 'constructor' && typeof value === 'function' && !out.has(name)) out.set(name, value);
    }
  }
  return out;
}

function assertUnwrapped(before: Map<string, unknown>, target: Backend = backend): void {
  assert.equal(nb.isProfiling(), false);
  for (const [name, fn] of methods(target)) assert.equal(fn, before.get(name), `${target.name}.${name} is not the original after profiling`);
  assert.deepEqual([...methods(target).keys()].sort(), [...before.keys()].sort());
}

function linearStep(): { report: ProfileReport; lin: nb.nn.Linear } {
  const lin = new nb.nn.Linear(3, 4);
  const x = nb.randn([2, 3]);
  const { report } = nb.profile(() => {
    const loss = lin.forward(x).sum();
    loss.backward();
  });
  return { report, lin };
}

describe(`profile (backend ${b})`, () => {
  it('gives the ops and kernels of a Linear forward and backward, with their call counts', () => {
    const { report, lin } = linearStep();
    assert.ok(lin.weight.grad && lin.bias!.grad, 'the profiled step computed the gradients');
    // weight.t() is a permute, x @ weight.t() a matmul, the bias add in place is linear; backward
    // seeds the gradient of the sum (outside any op), runs one node per forward op and stores the
    // weight's and the bias's first gradients.
    assert.deepEqual(calls(report.ops), {
      permute: 1, matmul: 1, linear: 1, sum: 1,
      'sum.backward': 1, 'linear.backward': 1, 'matmul.backward': 1, 'permute.backward': 1,
      accumulateGrad: 2, '(outside ops)': 1,
    });
    // gemm: the product and the weight's gradient; reduce: the sum and the bias gradient; binary: the
    // bias add; copy: the expanded gradient of the sum made contiguous for the weight's gemm.
    assert.deepEqual(calls(report.kernels), { [`${b}.gemm`]: 2, [`${b}.reduce`]: 2, [`${b}.binary`]: 1, [`${b}.copy`]: 1 });
  });

  it('counts the bytes of the tensors each op allocates', () => {
    const { report } = linearStep();
    const f32 = 4;
    assert.equal(row(report.ops, 'matmul').allocatedBytes, 2 * 4 * f32); // the [2, 4] product
    assert.equal(row(report.ops, 'sum').allocatedBytes, f32); // the scalar loss
    assert.equal(row(report.ops, 'linear').allocatedBytes, 0); // adds the bias into the product's storage
    assert.equal(row(report.ops, 'linear.backward').allocatedBytes, 4 * f32); // the bias gradient [4]
    assert.equal(row(report.ops, 'matmul.backward').allocatedBytes, (2 * 4 + 4 * 3) * f32); // contiguous gradient, weight gradient
    assert.equal(row(report.ops, '(outside ops)').allocatedBytes, f32); // backward's seed gradient
    // the weight's and the bias's gradients were made by their rules for them alone: .grad takes them, no copy
    assert.equal(row(report.ops, 'accumulateGrad').allocatedBytes, 0);
    assert.equal(report.allocations, 6);
    assert.equal(report.allocatedBytes, report.ops.reduce((s, r) => s + r.allocatedBytes, 0));

    const { report: created } = nb.profile(() => [nb.zeros([3, 5]), nb.zeros([7], { dtype: 'int32' }), nb.zeros([6], { dtype: 'bool' })]);
    assert.equal(created.allocations, 3);
    assert.equal(created.allocatedBytes, 3 * 5 * 4 + 7 * 4 + 6);
  });

  it('reports non-negative times, self at most total, totals within the wall time', () => {
    const conv = new nb.nn.Conv2d(2, 3, 3);
    const x = nb.randn([2, 2, 6, 6]);
    const { report } = nb.profile(() => nb.relu(conv.forward(x)).mean().backward());
    assert.ok(report.wallMs > 0);
    for (const r of [...report.ops, ...report.kernels]) {
      assert.ok(r.selfMs >= 0 && r.totalMs >= 0, `${r.name}: negative time`);
      assert.ok(r.selfMs <= r.totalMs + 1e-9, `${r.name}: self ${r.selfMs} > total ${r.totalMs}`);
    }
    // Ops do not overlap, so their times add up to no more than the profile's.
    assert.ok(report.ops.reduce((s, r) => s + r.totalMs, 0) <= report.wallMs + 1e-6);
    assert.ok(row(report.ops, 'conv2d.backward').totalMs >= row(report.kernels, `${b}.conv2dBackwardWeight`).totalMs);
    assert.deepEqual([row(report.kernels, `${b}.conv2d`).calls, row(report.kernels, `${b}.conv2dBackwardWeight`).calls], [1, 1]);
    assert.ok(!report.kernels.some((r) => r.name === `${b}.conv2dBackwardInput`), 'the input needs no gradient');
  });

  it('counts copies between JS arrays and wasm memory (none on the js backend)', () => {
    const x = nb.randn([4096]);
    const { report } = nb.profile(() => nb.relu(x));
    const expected = b === 'wasm' ? { copies: 2, copiedBytes: 2 * 4096 * 4 } : { copies: 0, copiedBytes: 0 };
    assert.deepEqual({ copies: report.copies, copiedBytes: report.copiedBytes }, expected);
    assert.deepEqual({ copies: row(report.kernels, `${b}.unary`).copies, copiedBytes: row(report.kernels, `${b}.unary`).copiedBytes }, expected);
    assert.equal(row(report.ops, 'relu').copiedBytes, expected.copiedBytes);
  });

  it('leaves the backend\'s original methods in place when it ends, and wraps them only while it runs', () => {
    const before = methods(backend);
    let during = 0;
    nb.profile(() => {
      assert.equal(nb.isProfiling(), true);
      for (const [name, fn] of methods(backend)) if (name !== '#own' && fn !== before.get(name)) during++;
    });
    assert.equal(during, before.size - 1, 'every method is timed while profiling');
    assertUnwrapped(before);
  });

  it('restores the state after nested profiles and after an exception in fn or in backward', () => {
    const before = methods(backend);
    const x = nb.randn([3]);
    const outer = nb.profile(() => {
      nb.exp(x);
      const inner = nb.profile(() => nb.neg(x));
      assert.equal(nb.isProfiling(), true, 'the outer profile still runs');
      nb.sin(x);
      return inner.report;
    });
    assert.deepEqual(calls(outer.result.ops), { neg: 1 });
    assert.deepEqual(calls(outer.report.ops), { exp: 1, neg: 1, sin: 1 });
    assertUnwrapped(before);

    assert.throws(() => nb.profile(() => { throw new RangeError('boom'); }), /boom/);
    assertUnwrapped(before);

    const leaf = nb.randn([3], { requiresGrad: true });
    const y = nb.exp(leaf);
    nb.noGrad(() => y.add_(1)); // exp saved its output: backward must refuse
    assert.throws(() => nb.profile(() => y.sum().backward()), /modified by an in-place operation/);
    assertUnwrapped(before);
    // A profile after the failed one counts from a clean slate.
    assert.deepEqual(calls(nb.profile(() => nb.exp(x)).report.ops), { exp: 1 });
  });

  it('profiles an async fn and checks its arguments', async () => {
    const before = methods(backend);
    const { result, report } = await nb.profile(async () => {
      await Promise.resolve();
      return nb.exp(nb.ones([2])).sum().item();
    });
    assert.ok(Math.abs(result - 2 * Math.E) < 1e-5);
    // ones() records no op: its tensor counts towards the op that follows.
    assert.deepEqual(calls(report.ops), { exp: 1, sum: 1 });
    assert.equal(row(report.ops, 'exp').allocatedBytes, 2 * 2 * 4);
    assertUnwrapped(before);
    await assert.rejects(nb.profile(async () => { throw new Error('later'); }), /later/);
    assertUnwrapped(before);
    assert.throws(() => nb.profile(() => 1, { sortBy: 'name' } as never), /profile/);
    assert.throws(() => nb.profile(42 as never), /profile: expected fn to be a function, got number/);
  });

  it('prints a table of ops and kernels', () => {
    const { report } = linearStep();
    const text = report.table({ rowLimit: 3 });
    const lines = text.split('\n');
    assert.match(lines[0]!, /^Op\s+Calls\s+Self ms\s+Self %\s+Total ms\s+Total %\s+Allocs\s+Alloc bytes\s+Copies\s+Copy bytes$/);
    assert.ok(lines.includes('(7 more)'), text);
    assert.ok(lines.some((l) => l.startsWith('Kernel ')), text);
    assert.match(text, /tensors allocated: 6 \(136 B\)/);
    const byCalls = report.table({ sortBy: 'calls' }).split('\n');
    const kernelHeader = byCalls.findIndex((l) => l.startsWith('Kernel '));
    assert.ok(byCalls[kernelHeader + 2]!.startsWith(`${b}.gemm`) || byCalls[kernelHeader + 2]!.startsWith(`${b}.reduce`), byCalls.join('\n'));
  });

  it('setProfiling turns a whole-program profile on and off', () => {
    const before = methods(backend);
    const log = console.log;
    const printed: string[] = [];
    console.log = (s: string) => printed.push(s);
    try {
      assert.equal(nb.setProfiling(true), null);
      nb.exp(nb.ones([2]));
      const report = nb.setProfiling(false);
      assert.ok(report);
      assert.equal(row(report.ops, 'exp').calls, 1);
      assert.equal(printed.length, 1);
      assert.match(printed[0]!, /^Op /);
      assert.equal(nb.setProfiling(false), null);
    } finally {
      console.log = log;
    }
    assertUnwrapped(before);
  });

  it('NABLA_PROFILE=1 prints the table of the whole run when the process exits', () => {
    const script = "import * as nb from './src/index.ts'; nb.relu(nb.randn([3, 3])); console.log('done');";
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8', env: { ...process.env, NABLA_PROFILE: '1' },
    });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, 'done\n');
    assert.match(run.stderr, /^Op\s+Calls/m);
    assert.match(run.stderr, /^relu\s+1\s/m);
    assert.match(run.stderr, new RegExp(`^${b}\\.unary\\s+1\\s`, 'm'));
  });

  // Last: it leaves a new instance of the backend active.
  it('wraps a backend made active during the profile, and restores methods that its prototype holds', () => {
    /** A backend whose unary lives on its prototype, not on the instance as the built-in ones' do. */
    class PrototypeBackend extends JsBackend {
      override readonly name: string = 'proto';
    }
    (PrototypeBackend.prototype as unknown as { unary: unknown }).unary = new JsBackend().unary;
    let made: { instance: Backend; before: Map<string, unknown> } | null = null;
    nb.registerBackend('proto', -1, () => {
      const instance = new PrototypeBackend();
      delete (instance as { unary?: unknown }).unary; // the class field would shadow the prototype's method
      made = { instance, before: methods(instance) };
      return instance;
    });
    const first = methods(backend);
    try {
      const { report } = nb.profile(() => {
        nb.exp(nb.ones([2]));
        nb.setBackend('proto');
        nb.exp(nb.ones([2]));
      });
      assert.equal(row(report.kernels, `${b}.unary`).calls, 1);
      assert.equal(row(report.kernels, 'proto.unary').calls, 1);
      assertUnwrapped(first);
      const { instance, before } = made!;
      assert.equal(Object.prototype.hasOwnProperty.call(instance, 'unary'), false, 'no own unary is left on the instance');
      assertUnwrapped(before, instance);
    } finally {
      nb.setBackend(b);
    }
  });
});
