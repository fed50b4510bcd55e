// The flag parser's ranges (one rule and one message for every numeric flag) and the command skeleton.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlags, UsageError, type FlagSpecs } from '../../src/cli/args.js';
import { defineCommand } from '../../src/cli/command.js';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const specs = {
  k: { type: 'int', help: 'neighbours', default: 10, min: 1, max: 1000 },
  lr: { type: 'number', help: 'rate', default: 0.1, above: 0, max: 10 },
  momentum: { type: 'number', help: 'momentum', default: 0.9, min: 0, below: 1 },
} satisfies FlagSpecs;

test('numeric flags outside their declared range are usage errors in one format', () => {
  const bad: [string[], RegExp][] = [
    [['--k', '0'], /^--k must be at least 1 and at most 1000, got 0$/],
    [['--k', '1e12'], /^--k must be at least 1 and at most 1000, got 1e12$/],
    [['--lr', '0'], /^--lr must be greater than 0 and at most 10, got 0$/],
    [['--lr=-1'], /^--lr must be greater than 0 and at most 10, got -1$/],
    [['--momentum', '1'], /^--momentum must be at least 0 and less than 1, got 1$/],
  ];
  for (const [argv, message] of bad) assert.throws(() => parseFlags(argv, specs), (e: Error) => e instanceof UsageError && message.test(e.message), argv.join(' '));
  const ok = parseFlags(['--k', '1000', '--lr', '10', '--momentum', '0'], specs);
  assert.deepEqual([ok.k, ok.lr, ok.momentum], [1000, 10, 0]);
});

test('parseFlags says which flags were given on the command line', () => {
  const parsed = parseFlags(['--lr', '0.5'], specs);
  assert.deepEqual([...parsed.given], ['lr']);
  assert.equal(parsed.k, 10);
});

test('defineCommand prints --help, refuses stray arguments and passes parsed flags to run', async () => {
  const seen: number[] = [];
  const command = defineCommand({
    name: 'demo run', summary: 'a demo', flags: specs,
    run: (args) => { seen.push(args.k); return 0; },
  });
  const printed: string[] = [];
  const log = console.log;
  console.log = (s: string) => void printed.push(s);
  try {
    assert.equal(await command.run(['--help']), 0);
  } finally {
    console.log = log;
  }
  assert.match(printed.join('\n'), /Usage: nabla demo run/);
  assert.match(printed.join('\n'), /--k INT +neighbours \(default: 10; at least 1 and at most 1000\)/);
  await assert.rejects(command.run(['extra']), (e: Error) => e instanceof UsageError && /unexpected argument 'extra'/.test(e.message));
  await assert.rejects(command.run(['--k', '-1']), /--k must be at least 1/);
  assert.equal(await command.run(['--k', '3']), 0);
  assert.deepEqual(seen, [3]);
});

test('defineCommand holds a lock taken with lockOutput while run() works and releases it however run() ends', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'nabla-lock-')), 'w.safetensors');
  let heldDuringRun = false;
  const command = defineCommand({
    name: 'demo train', summary: 'a demo', flags: { fail: { type: 'boolean', help: 'throw' } },
    run: (args, { lockOutput }) => {
      lockOutput(out);
      heldDuringRun = existsSync(`${out}.lock`);
      if (args.fail) throw new Error('diverged');
      return 0;
    },
  });
  assert.equal(await command.run([]), 0);
  assert.ok(heldDuringRun && !existsSync(`${out}.lock`));
  await assert.rejects(command.run(['--fail']), /diverged/);
  assert.ok(!existsSync(`${out}.lock`));
});
