// The layering of src/ (scripts/check-layers.mjs): no file imports a layer above its own, and nn/,
// optim/, models/, ops/ reach the backends only through backend.ts and registry.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a plain .mjs script without declarations
import { checkLayers } from '../../scripts/check-layers.mjs';

const check = checkLayers as (srcDir: string) => string[];

test('src/ keeps its layering', () => {
  const src = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');
  assert.deepEqual(check(src), []);
});

test('the check finds an upward import and a backend internal used by an op, and lets type-only imports pass', () => {
  const root = mkdtempSync(join(tmpdir(), 'nabla-layers-'));
  try {
    const put = (path: string, text: string) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    put('tensor/tensor.ts', "export class Tensor {}\n");
    put('backend/registry.ts', "export const getBackend = () => null;\n");
    put('backend/js/gemm.ts', "export function gemm(): void {}\n");
    put('nn/module.ts', "import { Tensor } from '../tensor/tensor.js';\nexport class Module { t = Tensor; }\n");
    put('ops/linalg.ts', [
      "import type { Module } from '../nn/module.js';", // type-only: erased, allowed
      "import { getBackend } from '../backend/registry.js';",
      "import { gemm } from '../backend/js/gemm.js';",
      "export { Module as M } from '../nn/module.js';",
      '',
    ].join('\n'));
    const problems = check(root);
    assert.ok(problems.some((p) => p.startsWith('ops/linalg.ts -> backend/js/gemm.ts: only backend/backend.ts')), problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('ops/linalg.ts -> nn/module.ts: ops is below nn')), problems.join('\n'));
    assert.ok(!problems.some((p) => p.startsWith('ops/linalg.ts -> backend/registry.ts')), 'the registry is open to ops');
    assert.equal(problems.length, 2, problems.join('\n'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
