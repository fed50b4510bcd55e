import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatPairsTsv, parsePairsTsv, splitPairs, type TextPair } from '../../src/text/pairs.js';
import { readPairsTsv, writePairsTsv } from '../../src/text/corpora/tsv.js';

const dir = fs.mkdtempSync(join(tmpdir(), 'nabla-pairs-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const FIXTURES = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'fixtures', 'text');

test('TSV round trip; tabs and newlines inside fields become spaces', () => {
  const pairs: TextPair[] = [
    { source: 'Hello', target: 'Hola' },
    { source: 'two\tcolumns', target: 'line\nbreak\r\nhere' },
    { source: 'ünïcödé 中文', target: '🎉', id: 'not written' },
  ];
  const path = join(dir, 'pairs.tsv');
  writePairsTsv(pairs, path);
  assert.equal(fs.readFileSync(path, 'utf8'), 'Hello\tHola\ntwo columns\tline break here\nünïcödé 中文\t🎉\n');
  assert.deepEqual(readPairsTsv(path), [
    { source: 'Hello', target: 'Hola' },
    { source: 'two columns', target: 'line break here' },
    { source: 'ünïcödé 中文', target: '🎉' },
  ]);
  assert.equal(formatPairsTsv([]), '');
  // CRLF, no final newline, blank lines.
  assert.deepEqual(parsePairsTsv('a\tb\r\n\r\nc\td'), [
    { source: 'a', target: 'b' },
    { source: 'c', target: 'd' },
  ]);
  // Empty fields are allowed.
  assert.deepEqual(parsePairsTsv('\tb\n'), [{ source: '', target: 'b' }]);
});

test('a malformed line is reported with its line number', () => {
  assert.throws(() => parsePairsTsv('a\tb\nno tab here\nc\td\n'), /^Error: line 2: expected 2 tab-separated fields \(source, target\), found 1$/);
  assert.throws(() => parsePairsTsv('a\tb\n\nx\ty\tz\n'), /line 3: .* found 3/);
  const path = join(dir, 'bad.tsv');
  fs.writeFileSync(path, 'ok\tfine\nbroken\n');
  assert.throws(() => readPairsTsv(path), (e: Error) => e.message.startsWith(`${path}:2: expected 2`));
});

test('splitPairs: fixed, deterministic, disjoint, sized', () => {
  const pairs = readPairsTsv(join(FIXTURES, 'kjv_rv1909_sample.tsv'));
  const many: TextPair[] = [];
  for (let r = 0; r < 8; r++) for (const p of pairs) many.push({ source: `${r}: ${p.source}`, target: p.target });
  const a = splitPairs(many, { test: 0.05, valid: 0.05, seed: 7 });
  const b = splitPairs(many, { test: 0.05, valid: 0.05, seed: 7 });
  assert.deepEqual(a, b);
  assert.equal(a.test.length, Math.round(many.length * 0.05));
  assert.equal(a.valid.length, Math.round(many.length * 0.05));
  assert.equal(a.train.length + a.valid.length + a.test.length, many.length);
  const key = (p: TextPair) => p.source;
  const sets = [a.train, a.valid, a.test].map((s) => new Set(s.map(key)));
  for (const p of a.test) assert.ok(!sets[0]!.has(key(p)) && !sets[1]!.has(key(p)));
  // Each split keeps corpus order.
  const index = new Map(many.map((p, i) => [p, i]));
  for (const s of [a.train, a.valid, a.test]) for (let i = 1; i < s.length; i++) assert.ok(index.get(s[i - 1]!)! < index.get(s[i]!)!);
  // Another seed, another test set.
  const c = splitPairs(many, { seed: 8 });
  assert.notDeepEqual(c.test, a.test);
  // The held-out set depends on the pairs and the seed only, not on their order.
  const reordered = splitPairs([...many].reverse(), { test: 0.05, valid: 0.05, seed: 7 });
  assert.deepEqual(new Set(reordered.test), new Set(a.test));
  assert.deepEqual(new Set(reordered.valid), new Set(a.valid));
});

test('splitPairs keeps repeated sources in one split', () => {
  const pairs: TextPair[] = [];
  for (let i = 0; i < 200; i++) pairs.push({ source: `sentence ${i % 50}`, target: `target ${i}` });
  const s = splitPairs(pairs, { test: 0.1, valid: 0.1, seed: 1 });
  const where = new Map<string, string>();
  for (const [name, split] of Object.entries(s)) {
    for (const p of split as TextPair[]) {
      assert.ok(!where.has(p.source) || where.get(p.source) === name, `${p.source} in ${where.get(p.source)} and ${name}`);
      where.set(p.source, name);
    }
  }
  assert.equal(s.test.length, 20);
  const ungrouped = splitPairs(pairs, { test: 0.1, valid: 0.1, seed: 1, groupBySource: false });
  assert.equal(ungrouped.test.length, 20);
  assert.throws(() => splitPairs(pairs, { test: 0.7, valid: 0.5 }), /fractions/);
});
