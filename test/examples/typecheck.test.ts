// Every example in examples/ type-checks against the built package (`import * as nb from 'nabla'`, resolved
// through the package's own exports) and imports nothing but 'nabla', its subpaths and Node's modules, so a
// user can copy it into their own project; the benchmarks type-check against the sources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

for (const [what, project] of [['examples/', 'examples/tsconfig.json'], ['bench/', 'tsconfig.bench.json']]) {
  test(`${what} type-check`, () => {
    const r = spawnSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
}

test('examples import only nabla, its public subpaths and node: modules', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { exports: Record<string, unknown> };
  const allowed = new Set(Object.keys(pkg.exports).filter((k) => k !== './package.json').map((k) => k.replace(/^\./, 'nabla')));
  const files = readdirSync('examples').filter((f) => f.endsWith('.ts'));
  assert.ok(files.length > 0);
  for (const file of files) {
    const source = readFileSync(join('examples', file), 'utf8');
    const specifiers = [...source.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]/gm)].map((m) => m[1] ?? m[2]!);
    assert.ok(specifiers.includes('nabla'), `${file} does not import 'nabla'`);
    const internal = specifiers.filter((s) => !allowed.has(s) && !s.startsWith('node:'));
    assert.deepEqual(internal, [], `${file} imports what a user of the package cannot`);
  }
});
