// Sequential.call is typed (Tensor in, Tensor out), not `any`: test/nn/types/sequential-call.ts
// holds uses that must compile and misuses marked @ts-expect-error that must not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const file = fileURLToPath(new URL('./types/sequential-call.ts', import.meta.url));

test('Sequential.call: Tensor in, Tensor out', () => {
  const r = spawnSync(process.execPath, [tsc, '--noEmit', '--strict', '--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext',
    '--skipLibCheck', '--noImplicitOverride', '--types', 'node', '--lib', 'ES2022,DOM', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
