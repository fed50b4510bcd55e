/**
 * Runs the PyTorch parity fixtures written by tools/gen_op_fixtures.py: for every case of a family,
 * rebuild the inputs (and the views the op reads), run the op, compare the outputs, backpropagate
 * the stored upstream gradient and compare the inputs' gradients. CI has no torch: it only reads
 * the committed test/fixtures/ops/<family>.safetensors.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import * as nb from '../../src/node.js';
import type { Tensor } from '../../src/index.js';
import { assertClose, PARITY, type Tolerance } from './compare.js';

export type OpResult = Tensor | Tensor[];
/** Calls the nabla op for a fixture case; `args` are the case's JSON arguments (nabla's names). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OpFn = (inputs: Tensor[], args: any) => OpResult;

type ViewStep = [string, ...unknown[]];

interface CaseSpec {
  op: string;
  args: Record<string, unknown>;
  inputs: { view: ViewStep[]; grad: boolean }[];
  outputs: number;
}

export function fixturePath(family: string): string {
  return fileURLToPath(new URL(`../fixtures/ops/${family}.safetensors`, import.meta.url));
}

/** The strings the generator writes for non-finite floats, turned back into numbers. */
function reviveNonFinite(_key: string, value: unknown): unknown {
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  if (value === 'NaN') return NaN;
  return value;
}

/** Rebuilds the view the torch side applied, with nabla's own (differentiable) view ops. */
export function applyView(t: Tensor, steps: readonly ViewStep[]): Tensor {
  let out = t;
  for (const [kind, ...a] of steps) {
    switch (kind) {
      case 'transpose': out = nb.transpose(out, a[0] as number, a[1] as number); break;
      case 'permute': out = nb.permute(out, a[0] as number[]); break;
      case 'slice': out = nb.slice(out, a[0] as number, (a[1] ?? undefined) as number | undefined, (a[2] ?? undefined) as number | undefined, (a[3] ?? 1) as number); break;
      case 'expand': out = nb.expand(out, a[0] as number[]); break;
      case 'select': out = nb.select(out, a[0] as number, a[1] as number); break;
      case 'unsqueeze': out = nb.unsqueeze(out, a[0] as number); break;
      default: throw new Error(`fixture: unknown view step ${kind}`);
    }
  }
  return out;
}

export interface FamilyOptions {
  /** Per-case tolerance overrides (default PARITY: rtol 1e-4, atol 1e-5). */
  tolerance?: Record<string, Tolerance>;
}

/** Registers one test per fixture case of `family`, plus one checking that every op in `ops` has a case. */
export function runFixtureFamily(family: string, ops: Record<string, OpFn>, options: FamilyOptions = {}): void {
  const { tensors, metadata } = nb.loadWithMetadata(fixturePath(family));
  const cases = Object.keys(metadata).filter((k) => !k.startsWith('__')).sort();
  describe(`${family} parity with PyTorch (backend ${nb.getBackend().name})`, () => {
    it('has a case for every op in the table, and an op for every case', () => {
      const used = new Set(cases.map((c) => (JSON.parse(metadata[c]) as CaseSpec).op));
      assert.deepEqual([...used].filter((op) => !(op in ops)), [], 'fixture ops without a nabla call');
      assert.deepEqual(Object.keys(ops).filter((op) => !used.has(op)), [], 'ops without a fixture case');
    });
    for (const name of cases) {
      const spec = JSON.parse(metadata[name], reviveNonFinite) as CaseSpec;
      it(`${name} (${spec.op})`, () => {
        const tol = options.tolerance?.[name] ?? PARITY;
        const get = (key: string): Tensor => {
          const t = tensors[`${name}/${key}`];
          assert.ok(t, `fixture ${family}/${name} lacks ${key}`);
          return t;
        };
        const leaves = spec.inputs.map((inp, i) => {
          const t = get(`in${i}`).clone();
          if (inp.grad) t.requiresGrad = true;
          return t;
        });
        const inputs = leaves.map((t, i) => applyView(t, spec.inputs[i].view));
        const result = ops[spec.op](inputs, spec.args);
        const outs = Array.isArray(result) ? result : [result];
        assert.equal(outs.length, spec.outputs, `${name}: ${outs.length} outputs, expected ${spec.outputs}`);
        const single = spec.outputs === 1;
        const pairs: [Tensor, Tensor][] = [];
        outs.forEach((out, k) => {
          assertClose(out, get(single ? 'out' : `out${k}`), tol, `${name} output${single ? '' : ` ${k}`}`);
          const gout = tensors[`${name}/${single ? 'gout' : `gout${k}`}`];
          if (gout && out.requiresGrad) pairs.push([out, gout]);
        });
        if (!outs.some((_, k) => tensors[`${name}/${single ? 'gout' : `gout${k}`}`])) {
          // PyTorch gives no gradient here (comparisons, indices): nabla must not record one either
          outs.forEach((out, k) => assert.equal(out.requiresGrad, false, `${name}: output ${k} requires grad but PyTorch's does not`));
          return;
        }
        if (pairs.length === 1) pairs[0][0].backward(pairs[0][1]);
        else if (pairs.length > 1) pairs.map(([o, g]) => nb.sum(nb.mul(o, g))).reduce((a, b) => nb.add(a, b)).backward();
        spec.inputs.forEach((inp, i) => {
          if (!inp.grad) return;
          const expected = get(`grad${i}`);
          const grad = leaves[i].grad ?? nb.zerosLike(leaves[i]);
          assertClose(grad, expected, tol, `${name} gradient of input ${i}`);
        });
      });
    }
  });
}
