// Shared by the optimiser tests: the PyTorch reference values written by tools/gen_optim_fixtures.py
// (test/fixtures/optim), and replaying them through nabla's optimisers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Tensor } from '../../src/tensor/tensor.js';
import { loadWithMetadata } from '../../src/io/node-io.js';
import { deserialize, serialize } from '../../src/io/serialize.js';
import * as optim from '../../src/optim/index.js';
import { toCamel, type Optimizer, type OptimizerStateDict } from '../../src/optim/optimizer.js';

const dir = fileURLToPath(new URL('../fixtures/optim/', import.meta.url));

export interface OptimizerCase {
  name: string;
  optimizer: 'SGD' | 'Adam' | 'AdamW' | 'RMSprop' | 'Adagrad';
  kwargs: Record<string, unknown>;
  groups: (Record<string, unknown> & { params: number[] })[] | null;
  state2: Record<string, Record<string, unknown>>;
  state5: Record<string, Record<string, unknown>>;
  param_groups: Record<string, unknown>[];
}

export interface SchedulerCase {
  name: string;
  optimizer: 'SGD' | 'Adam' | 'RMSprop';
  optimizer_kwargs: Record<string, unknown>;
  group_lrs: number[];
  schedulers: { scheduler: string; kwargs: Record<string, unknown> }[];
  lrs: number[][];
  last_lr: number[][];
  momentum: (number | null)[][];
  state_dicts: Record<string, unknown>[];
  state_dict_at: number;
}

export interface ClipCase {
  name: string;
  max_norm: number;
  norm_type: number | string | null;
  total_norm: number | null;
}

export interface Cases {
  torch_version: string;
  steps: number;
  none_grad: [number, number];
  optimizers: OptimizerCase[];
  schedulers: SchedulerCase[];
  clip: ClipCase[];
}

export const cases: Cases = JSON.parse(readFileSync(dir + 'cases.json', 'utf8'));
export const tensors: Record<string, Tensor> = loadWithMetadata(dir + 'optim.safetensors').tensors;

export function fixture(name: string): Tensor {
  const t = tensors[name];
  if (!t) throw new Error(`no fixture tensor ${name}`);
  return t;
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, rtol = 1e-5, atol = 1e-6): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      assert.fail(`${what}[${i}]: got ${a}, expected ${e} (|diff| ${Math.abs(a - e)})`);
    }
  }
}

/** snake_case kwargs -> nabla's camelCase options. */
export function camelize(kwargs: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(kwargs)) out[k === 'T_max' ? 'tMax' : toCamel(k)] = v;
  return out;
}

/** Fresh leaf parameters with the fixtures' starting values (or given tensors' values). */
export function initialParams(from?: Tensor[]): Tensor[] {
  const src = from ?? [fixture('init/p0'), fixture('init/p1')];
  return src.map((t) => Tensor.fromData(Float32Array.from(t.contiguousData()), t.shape, 'float32').requiresGrad_());
}

export function makeOptimizer(c: OptimizerCase, params: Tensor[]): Optimizer<any> {
  const Cls = optim[c.optimizer] as unknown as new (p: unknown, o: unknown) => Optimizer<any>;
  const arg = c.groups
    ? c.groups.map(({ params: idx, ...over }) => ({ ...camelize(over), params: idx.map((i) => params[i]) }))
    : params;
  return new Cls(arg, camelize(c.kwargs));
}

/** Sets each param's grad to the fixture's gradient of step s (null where PyTorch had None). */
export function setGrads(params: Tensor[], s: number): void {
  params.forEach((p, i) => {
    p.grad = s === cases.none_grad[0] && i === cases.none_grad[1] ? null : fixture(`grad/s${s}/p${i}`);
  });
}

export function checkParams(c: OptimizerCase, params: Tensor[], s: number): void {
  params.forEach((p, i) => assertClose(p.contiguousData(), fixture(`${c.name}/s${s}/p${i}`).contiguousData(), `${c.name} step ${s} p${i}`));
}

/** PyTorch's state_dict after `after` (2 or 5) steps, rebuilt from the fixtures. */
export function torchStateDict(c: OptimizerCase, after: 2 | 5): OptimizerStateDict {
  const meta = after === 2 ? c.state2 : c.state5;
  const state: OptimizerStateDict['state'] = {};
  for (const [id, entry] of Object.entries(meta)) {
    const s: Record<string, Tensor | number | null> = {};
    for (const [k, v] of Object.entries(entry)) {
      if (v === 'tensor') s[k] = fixture(`${c.name}/state${after}/${id}/${k}`);
      else if (k === 'step' && typeof v === 'number') s[k] = Tensor.fromData(new Float32Array([v]), [], 'float32'); // a 0-d tensor, as PyTorch
      else s[k] = v as number | null;
    }
    state[Number(id)] = s;
  }
  return { state, param_groups: c.param_groups as OptimizerStateDict['param_groups'] };
}

/** Replays every case of these optimisers against PyTorch: parameters after each of the 5 steps. */
export function replay(c: OptimizerCase): { opt: Optimizer<any>; params: Tensor[] } {
  const params = initialParams();
  const opt = makeOptimizer(c, params);
  for (let s = 0; s < cases.steps; s++) {
    setGrads(params, s);
    opt.step();
    checkParams(c, params, s);
  }
  return { opt, params };
}

/** Our stateDict against PyTorch's (state after 5 steps, param_groups). */
export function checkStateDict(c: OptimizerCase, opt: Optimizer<any>): void {
  const ours = opt.stateDict();
  const theirs = c.state5;
  assert.deepEqual(Object.keys(ours.state).sort(), Object.keys(theirs).sort(), `${c.name}: state ids`);
  for (const [id, entry] of Object.entries(theirs)) {
    const mine = ours.state[Number(id)];
    assert.deepEqual(Object.keys(mine).sort(), Object.keys(entry).sort(), `${c.name}: state[${id}] keys`);
    for (const [k, v] of Object.entries(entry)) {
      if (v === 'tensor') {
        assert.ok(mine[k] instanceof Tensor, `${c.name}: state[${id}].${k} is a Tensor`);
        assertClose((mine[k] as Tensor).contiguousData(), fixture(`${c.name}/state5/${id}/${k}`).contiguousData(), `${c.name}: state[${id}].${k}`);
      } else assert.equal(mine[k], v, `${c.name}: state[${id}].${k}`);
    }
  }
  const flags = new Set(['foreach', 'differentiable', 'capturable', 'fused']);
  assert.equal(ours.param_groups.length, c.param_groups.length);
  ours.param_groups.forEach((g, i) => {
    const t = c.param_groups[i];
    for (const [k, v] of Object.entries(g)) assert.deepEqual(v, t[k], `${c.name}: param_groups[${i}].${k}`);
    for (const k of Object.keys(t)) if (!(k in g)) assert.ok(flags.has(k), `${c.name}: param_groups[${i}] lacks ${k}`);
  });
}

/** Loads PyTorch's state_dict after step 2 into a fresh optimiser over the step-2 parameters, runs steps 3-5. */
export function resumeFromTorch(c: OptimizerCase): void {
  const params = initialParams([fixture(`${c.name}/s1/p0`), fixture(`${c.name}/s1/p1`)]);
  const opt = makeOptimizer(c, params);
  opt.loadStateDict(torchStateDict(c, 2));
  for (let s = 2; s < cases.steps; s++) {
    setGrads(params, s);
    opt.step();
    checkParams(c, params, s);
  }
}

/** The cases of some optimisers, by class name. */
export function casesOf(...names: OptimizerCase['optimizer'][]): OptimizerCase[] {
  const found = cases.optimizers.filter((c) => names.includes(c.optimizer));
  assert.ok(found.length > 0);
  return found;
}

/**
 * stateDict round trip as a checkpoint would do it: after 2 steps, state tensors go through
 * safetensors bytes and everything else through JSON text; a fresh optimiser over fresh parameters
 * loads it and must continue exactly as the original does (and as PyTorch does).
 */
export function checkpointRoundTrip(c: OptimizerCase): void {
  const params = initialParams();
  const opt = makeOptimizer(c, params);
  for (let s = 0; s < 2; s++) {
    setGrads(params, s);
    opt.step();
  }
  const sd = opt.stateDict();
  const blobs: Record<string, Tensor> = {};
  const state: Record<string, Record<string, unknown>> = {};
  for (const [id, entry] of Object.entries(sd.state)) {
    state[id] = {};
    for (const [k, v] of Object.entries(entry)) {
      if (v instanceof Tensor) {
        blobs[`state.${id}.${k}`] = v;
        state[id][k] = { tensor: `state.${id}.${k}` };
      } else state[id][k] = v;
    }
  }
  const bytes = serialize(blobs);
  const text = JSON.stringify({ state, param_groups: sd.param_groups });

  // ... later, elsewhere
  const back = deserialize(bytes).tensors;
  const parsed = JSON.parse(text) as { state: Record<string, Record<string, unknown>>; param_groups: OptimizerStateDict['param_groups'] };
  const loaded: OptimizerStateDict = { state: {}, param_groups: parsed.param_groups };
  for (const [id, entry] of Object.entries(parsed.state)) {
    loaded.state[Number(id)] = Object.fromEntries(
      Object.entries(entry).map(([k, v]) => [k, v !== null && typeof v === 'object' ? back[(v as { tensor: string }).tensor] : (v as number | null)]),
    );
  }
  const params2 = initialParams(params);
  const opt2 = makeOptimizer(c, params2);
  opt2.loadStateDict(loaded);
  for (let s = 2; s < cases.steps; s++) {
    setGrads(params, s);
    setGrads(params2, s);
    opt.step();
    opt2.step();
    checkParams(c, params2, s);
    params.forEach((p, i) => assert.deepEqual(params2[i].contiguousData(), p.contiguousData(), `${c.name}: resumed step ${s} p${i} identical`));
  }
}

/** The standard test set for one optimiser class. */
export function parityTests(test: (name: string, fn: () => void) => unknown, ...names: OptimizerCase['optimizer'][]): void {
  for (const c of casesOf(...names)) {
    test(`${c.name}: 5 steps match PyTorch ${cases.torch_version}`, () => {
      const { opt } = replay(c);
      checkStateDict(c, opt);
    });
    test(`${c.name}: loads PyTorch's state_dict after 2 steps and continues as PyTorch`, () => resumeFromTorch(c));
    test(`${c.name}: stateDict round trip through safetensors + JSON continues identically`, () => checkpointRoundTrip(c));
  }
}
