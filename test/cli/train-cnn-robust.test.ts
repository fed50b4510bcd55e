// `nabla train cnn` / `eval cnn` as a user meets them: broken checkpoints refused, a resumed run keeping its
// settings, outputs checked and locked before training, default paths shared by train and eval.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '../../src/node.js';
import { acquireLock } from '../../src/io/lock.js';
import { nabla } from './run.js';

const dir = fs.mkdtempSync(join(tmpdir(), 'nabla-cnn-robust-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const tiny = ['--limit', '64', '--test-limit', '32', '--batch-size', '16'];

test('a resumed run keeps the settings it started with and rewrites the weights from the checkpoint', async () => {
  const out = join(dir, 'small.safetensors');
  const first = await nabla(['train', 'cnn', ...tiny, '--epochs', '1', '--out', out, '--json']);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stderr, new RegExp(`weights: ${out}.*\\n.*checkpoint: ${join(dir, 'small.checkpoint.safetensors')}`));
  // A weights file a crash left one epoch ahead of its checkpoint.
  nb.save(nb.load(out), out, { model: 'simple', dataset: 'mnist', epoch: '2' });
  const resumed = await nabla(['train', 'cnn', '--resume', join(dir, 'small.checkpoint.safetensors'), '--epochs', '2', '--json']);
  assert.equal(resumed.status, 0, resumed.stderr);
  const summary = resumed.json();
  assert.equal(summary.trainImages, 64, 'the --limit of the first run');
  assert.equal(summary.total, 32, 'the --test-limit of the first run');
  assert.equal(summary.weights, out);
  assert.match(resumed.stderr, /checkpoint is authoritative/);
  assert.equal(nb.loadWithMetadata(out).metadata.epoch, '2');
});

test('a checkpoint with no usable metadata is refused instead of training from scratch', async () => {
  const cases: [string, RegExp][] = [
    ['null', /not a checkpoint of `nabla train cnn`/],
    [JSON.stringify({ format: 'nabla-cnn-checkpoint-v1', model: {}, optimizer: {}, args: {} }), /epoch/],
    [JSON.stringify({ format: 'nabla-cnn-checkpoint-v1', epoch: 'two', model: {}, optimizer: {}, args: {} }), /epoch/],
    [JSON.stringify({ format: 'nabla-cnn-checkpoint-v1', epoch: -2, model: {}, optimizer: {}, args: {} }), /epoch.*-2/],
  ];
  const results = await Promise.all(cases.map(([document], i) => {
    const path = join(dir, `broken-${i}.checkpoint.safetensors`);
    nb.save({ x: nb.zeros([1]) }, path, { 'nabla.checkpoint': document, format: 'pt' });
    return nabla(['train', 'cnn', '--resume', path, ...tiny, '--epochs', '3', '--out', join(dir, `broken-${i}.safetensors`)], { timeoutMs: 60_000 });
  }));
  results.forEach((r, i) => {
    assert.notEqual(r.status, 0, `case ${i} trained: ${r.stdout}`);
    assert.match(r.stderr, cases[i]![1]);
    assert.doesNotMatch(r.stdout, /Epoch 1|undefined/);
  });
});

test('an output that cannot be written is refused before training, and a folder gets the default name', async () => {
  const file = join(dir, 'plain-file');
  fs.writeFileSync(file, 'x');
  const under = await nabla(['train', 'cnn', ...tiny, '--epochs', '1', '--out', join(file, 'w.safetensors')]);
  assert.equal(under.status, 2);
  assert.match(under.stderr, /--out .*plain-file is a file/);
  assert.doesNotMatch(under.stdout + under.stderr, /Epoch 1/);

  const folder = join(dir, 'runs-folder');
  fs.mkdirSync(folder);
  const inFolder = await nabla(['train', 'cnn', ...tiny, '--epochs', '1', '--out', folder, '--json']);
  assert.equal(inFolder.status, 0, inFolder.stderr);
  assert.equal(inFolder.json().weights, join(folder, 'cnn-simple.safetensors'));
  assert.match(inFolder.stderr, /is a folder: writing/);

  const bare = await nabla(['train', 'cnn', ...tiny, '--epochs', '1', '--out', join(dir, 'run1'), '--json']);
  assert.equal(bare.status, 0, bare.stderr);
  assert.equal(bare.json().weights, join(dir, 'run1.safetensors'));
  assert.ok(fs.existsSync(join(dir, 'run1.safetensors')) && fs.existsSync(join(dir, 'run1.checkpoint.safetensors')));
});

test('a training whose --out another process is writing is refused; a finished one leaves no lock', async () => {
  const out = join(dir, 'shared.safetensors');
  const held = acquireLock(out, 'nabla train cnn'); // this test process plays the first training
  const second = await nabla(['train', 'cnn', ...tiny, '--epochs', '1', '--out', out]);
  held.release();
  assert.equal(second.status, 1, second.stdout);
  assert.match(second.stderr, new RegExp(`being written by another process \\(pid ${process.pid}, nabla train cnn\\)`));
  assert.doesNotMatch(second.stdout + second.stderr, /Epoch 1/);
  const alone = await nabla(['train', 'cnn', ...tiny, '--epochs', '1', '--out', out]);
  assert.equal(alone.status, 0, alone.stderr);
  assert.ok(fs.existsSync(out) && !fs.existsSync(`${out}.lock`), 'the lock is released at the end');
});

test('eval cnn reads the weights train cnn wrote by default (in the working folder)', async () => {
  const cwd = fs.mkdtempSync(join(dir, 'cwd-'));
  const train = await nabla(['train', 'cnn', ...tiny, '--epochs', '1'], { cwd });
  assert.equal(train.status, 0, train.stderr);
  assert.match(train.stdout, /weights: runs\/cnn-simple\.safetensors/);
  const evaluated = await nabla(['eval', 'cnn', '--limit', '32', '--json'], { cwd });
  assert.equal(evaluated.status, 0, evaluated.stderr);
  assert.equal(evaluated.json().weights, 'runs/cnn-simple.safetensors');
});
