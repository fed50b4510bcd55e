// Every public export of the package (the entries behind 'nabla', 'nabla/models' and 'nabla/plot') has a doc
// comment, which the API reference (`npm run docs`, TypeDoc) shows; the main classes carry an example.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { undocumentedExports } from '../helpers/undocumented.js';

const entries = { nabla: 'src/node.ts', 'nabla/models': 'src/models/node.ts', 'nabla/plot': 'src/plot/node.ts' };

test('every public export has a doc comment, and the main ones an example', () => {
  const { checked, missing, examples } = undocumentedExports(entries);
  assert.ok(checked > 500, `only ${checked} exports found: the entries are not read`);
  assert.deepEqual(missing.map((m) => `${m.name} (${m.where})`), [], 'public exports without a doc comment');
  for (const name of ['nabla.Tensor', 'nabla.nn.Module', 'nabla.nn.Linear', 'nabla.nn.Conv2d', 'nabla.optim.SGD', 'nabla.optim.Adam', 'nabla.data.DataLoader', 'nabla.save', 'nabla.load']) {
    assert.ok(examples.has(name), `${name} has no @example`);
  }
});

test('the check finds an export without a doc comment, through a namespace re-export too', () => {
  const dir = mkdtempSync(join(process.cwd(), '.undocumented-'));
  try {
    writeFileSync(join(dir, 'inner.ts'), '/** Documented. */\nexport const a = 1;\nexport function b(): number { return 2; }\n');
    writeFileSync(join(dir, 'entry.ts'), "/** Documented too. */\nexport class C {}\nexport interface D { x: number }\nexport * as inner from './inner.js';\n");
    const { checked, missing } = undocumentedExports({ pkg: join(dir, 'entry.ts') });
    assert.equal(checked, 4);
    assert.deepEqual(missing.map((m) => m.name).sort(), ['pkg.D', 'pkg.inner.b']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
