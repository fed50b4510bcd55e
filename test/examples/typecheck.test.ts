// Every example in examples/ type-checks against the built package (`import * as nb from 'nabla'`),
// and the benchmarks type-check against the sources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

for (const [what, project] of [['examples/', 'examples/tsconfig.json'], ['bench/', 'tsconfig.bench.json']]) {
  test(`${what} type-check`, () => {
    const r = spawnSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
}
