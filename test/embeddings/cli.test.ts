// `nabla train word2vec|glove` and `nabla embed neighbors|analogy|eval|plot` end to end on a small corpus,
// run in-process through their Command objects (src/cli/main.ts wires them under the same names).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commands as trainCommands } from '../../src/cli/commands/train-embeddings.js';
import { commands as embedCommands, parseWordGroups } from '../../src/cli/commands/embed.js';
import type { Command } from '../../src/cli/command.js';
import { decodePng } from '../../src/plot/png.js';
import { loadVectors } from '../../src/embeddings/node.js';
import { Generator } from '../../src/tensor/random.js';

const dir = mkdtempSync(join(tmpdir(), 'nabla-embed-cli-'));
const all: Command[] = [...trainCommands, ...embedCommands];

async function nabla(...argv: string[]): Promise<{ status: number; stdout: string; stderr: string; json: () => any }> {
  const cmd = all.find((c) => c.name.split(' ').every((w, i) => argv[i] === w));
  if (!cmd) throw new Error(`no command for ${argv.join(' ')}`);
  const out: string[] = [], err: string[] = [];
  const log = console.log, error = console.error, write = process.stderr.write;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  process.stderr.write = ((s: string) => { err.push(String(s)); return true; }) as typeof process.stderr.write;
  try {
    const status = await cmd.run(argv.slice(cmd.name.split(' ').length));
    return { status, stdout: out.join('\n'), stderr: err.join('\n'), json: () => JSON.parse(out.at(-1)!) };
  } finally {
    console.log = log; console.error = error; process.stderr.write = write;
  }
}

// two topics of words, one sentence a line
const g = new Generator(11);
const topics = [['red', 'green', 'blue', 'yellow'], ['cat', 'dog', 'horse', 'cow']];
const lines = Array.from({ length: 400 }, (_, s) => Array.from({ length: 8 }, () => topics[s % 2][g.randint(0, 4)]).join(' '));
const corpus = join(dir, 'corpus.txt');
writeFileSync(corpus, lines.join('.\n') + '.\n');

test('train word2vec writes vectors in the chosen format and reports words/s', async () => {
  const out = join(dir, 'w2v.bin');
  const r = await nabla('train', 'word2vec', '--corpus', corpus, '--dim', '12', '--epochs', '2', '--min-count', '1', '--batch-size', '64', '--sample', '0', '--out', out, '--neighbours', 'red', '--json');
  assert.equal(r.status, 0, r.stderr);
  const s = r.json();
  assert.equal(s.vocabSize, 8);
  assert.equal(s.format, 'word2vec-bin');
  assert.ok(s.wordsPerSecond > 0);
  assert.match(r.stderr, /Epoch 2\/2 \[=+\] 3200\/3200 .*words\/s/);
  const kv = loadVectors(out);
  assert.equal(kv.size, 8);
  assert.equal(kv.dim, 12);
});

test('train word2vec --engine: the fused kernel by default, the autograd formulation on request; hs has no kernel', async () => {
  const run = (...extra: string[]) => nabla('train', 'word2vec', '--corpus', corpus, '--dim', '8', '--epochs', '1', '--min-count', '1', '--sample', '0', '--out', join(dir, 'e.txt'), '--neighbours', 'red', '--json', ...extra);
  const byDefault = await run();
  assert.equal(byDefault.status, 0, byDefault.stderr);
  assert.equal(byDefault.json().options.engine, 'kernel');
  const autograd = await run('--engine', 'autograd', '--batch-size', '64');
  assert.equal(autograd.json().options.engine, 'autograd');
  assert.match(autograd.stderr, /\(autograd engine\)/);
  await assert.rejects(run('--engine', 'kernel', '--loss', 'hs'), /--engine kernel trains with negative sampling only/);
});

test('train glove writes GloVe text (W + W~) by default', async () => {
  const out = join(dir, 'glove.txt');
  const r = await nabla('train', 'glove', '--corpus', corpus, '--dim', '8', '--epochs', '3', '--min-count', '1', '--batch-size', '16', '--x-max', '10', '--out', out, '--json');
  assert.equal(r.status, 0, r.stderr);
  const s = r.json();
  assert.equal(s.format, 'glove');
  assert.ok(s.entries > 0 && s.epochLoss[2] < s.epochLoss[0], JSON.stringify(s.epochLoss));
  assert.doesNotMatch(readFileSync(out, 'utf8').split('\n')[0], /^\d+ \d+$/);
  assert.equal(loadVectors(out).size, 8);
});

test('embed neighbors, analogy, eval and plot read the trained vectors', async () => {
  const vectors = join(dir, 'w2v.bin');
  const n = await nabla('embed', 'neighbors', '--vectors', vectors, 'cat', 'nosuchword', '--k', '3', '--json');
  assert.equal(n.status, 0, n.stderr);
  const nj = n.json();
  assert.equal(nj.nosuchword, null);
  assert.equal(nj.cat.length, 3);
  assert.ok(nj.cat.every((x: { word: string }) => topics[1].includes(x.word)), JSON.stringify(nj.cat));

  const a = await nabla('embed', 'analogy', '--vectors', vectors, 'red', 'green', 'cat', '--k', '2');
  assert.equal(a.status, 0, a.stderr);
  assert.match(a.stdout, /red : green :: cat : \?/);

  const questions = join(dir, 'q.txt');
  writeFileSync(questions, ': colours\nred green blue yellow\nred blue cat dog\nred green unknown words\n');
  const pairs = join(dir, 'p.txt');
  writeFileSync(pairs, 'red\tgreen\t0.9\ncat\tdog\t0.8\nred\tcat\t0.1\nblue\thorse\t0.15\n');
  const e = await nabla('embed', 'eval', '--vectors', vectors, '--analogies', questions, '--similarity', pairs, '--json');
  assert.equal(e.status, 0, e.stderr);
  const ej = e.json();
  assert.equal(ej.analogies.total, 3);
  assert.equal(ej.analogies.answered, 2);
  assert.equal(ej.similarity.pairs, 4);
  assert.ok(ej.similarity.spearman > 0, `spearman ${ej.similarity.spearman}`);
  const text = await nabla('embed', 'eval', '--vectors', vectors, '--analogies', questions, '--similarity', pairs);
  assert.match(text.stdout, /overall .* coverage 66\.7%/);

  const png = join(dir, 'words.png');
  const p = await nabla('embed', 'plot', '--vectors', vectors, '--words', 'colours:red,green,blue,yellow;animals:cat,dog,horse,cow', '--out', png);
  assert.equal(p.status, 0, p.stderr);
  const img = decodePng(readFileSync(png));
  assert.equal(img.width, 900);
  const t = await nabla('embed', 'plot', '--vectors', vectors, '--words', 'red,green,blue,cat,dog,horse', '--method', 'tsne', '--out', join(dir, 'tsne.png'));
  assert.equal(t.status, 0, t.stderr);
  const svg = join(dir, 'words.svg');
  const v = await nabla('embed', 'plot', '--vectors', vectors, '--words', 'couleurs:red,green,blue;animaux:cat,dog', '--title', 'Mots · 단어', '--out', svg);
  assert.equal(v.status, 0, v.stderr);
  const doc = readFileSync(svg, 'utf8');
  assert.match(doc, /^<svg /);
  for (const label of ['red', 'dog', 'couleurs', 'Mots · 단어']) assert.ok(doc.includes(`>${label}</text>`), `${label} as SVG text`);
});

test('usage errors name the problem', async () => {
  await assert.rejects(nabla('embed', 'analogy', '--vectors', join(dir, 'w2v.bin'), 'red', 'green'), /give three words/);
  await assert.rejects(nabla('embed', 'neighbors', 'red'), /--vectors FILE is required/);
  await assert.rejects(nabla('train', 'word2vec', '--model', 'bow'), /must be one of skipgram, cbow/);
  assert.deepEqual(parseWordGroups('a:x,y;b:z'), [{ word: 'x', group: 'a' }, { word: 'y', group: 'a' }, { word: 'z', group: 'b' }]);
});
