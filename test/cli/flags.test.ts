// Every command's numeric flags: values that used to mean something else (0 as "all", negative counts) or to
// crash deep inside are refused up front, naming the flag. A few through the real executable, the rest through
// runCli in this process (the same code path after argv, without a Node start per case).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../../src/cli/cli.js';
import { nabla } from './run.js';

async function inProcess(argv: string[]): Promise<{ status: number; stderr: string }> {
  const lines: string[] = [];
  const error = console.error;
  console.error = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
  try {
    return { status: await runCli(argv), stderr: lines.join('\n') };
  } finally {
    console.error = error;
  }
}

const cases: [string[], RegExp][] = [
  [['train', 'cnn', '--test-limit', '-1'], /--test-limit must be at least 1/],
  [['train', 'cnn', '--lr', '1e12'], /--lr must be greater than 0 and at most \d+, got 1e12/],
  [['train', 'cnn', '--momentum', '5'], /--momentum must be at least 0 and less than 1, got 5/],
  [['train', 'charlm', '--batch-size', '1e12'], /--batch-size must be at least 1 and at most \d+, got 1e12/],
  [['train', 'sine', '--lr', '1e12'], /--lr must be greater than 0 and at most \d+, got 1e12/],
  [['train', 'word2vec', '--min-count', '-1'], /--min-count must be at least 1/],
  [['train', 'translate', '--pairs', 'x.tsv', '--length-penalty', '-1'], /--length-penalty must be at least 0/],
  [['embed', 'eval', '--vectors', 'v.txt', '--restrict', '0'], /--restrict must be at least 1/],
  [['embed', 'analogy', '--vectors', 'v.txt', '--k', '-1', 'a', 'b', 'c'], /--k must be at least 1/],
  [['sample', '--temperature', '-1'], /--temperature must be at least 0/],
];

test('out-of-range numeric flags are usage errors (exit 2) naming the flag', async () => {
  for (const [argv, message] of cases) {
    const r = await inProcess(argv);
    assert.equal(r.status, 2, `${argv.join(' ')}: exit ${r.status}\n${r.stderr}`);
    assert.match(r.stderr, message, argv.join(' '));
    assert.match(r.stderr, /Usage: nabla/);
  }
});

test('the messages the issue quoted, through the executable', async () => {
  const spawned: [string[], RegExp][] = [
    [['embed', 'neighbors', '--vectors', 'v.txt', '--k', '0', 'king'], /nabla embed neighbors: --k must be at least 1/],
    [['embed', 'neighbors', '--vectors', 'v.txt', '--restrict', '-1', 'king'], /--restrict must be at least 1, got -1/],
    [['train', 'charlm', '--layers', '1e12'], /--layers must be at least 1 and at most \d+, got 1e12/],
    [['train', 'cnn', '--limit', '0'], /--limit must be at least 1, got 0/],
  ];
  const results = await Promise.all(spawned.map(([argv]) => nabla(argv, { timeoutMs: 60_000 })));
  results.forEach((r, i) => {
    assert.equal(r.status, 2, `${spawned[i]![0].join(' ')}: exit ${r.status}\n${r.stderr}`);
    assert.match(r.stderr, spawned[i]![1]);
  });
});
