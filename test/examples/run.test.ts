// Every example runs to its end on tiny settings, as a user would start it (`node --import tsx examples/X.ts`),
// importing 'nabla' through the package's own exports (the built dist/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'nabla-examples-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function example(name: string, ...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join('examples', name), ...args], { encoding: 'utf8', env: { ...process.env, NABLA_BACKEND: process.env.NABLA_BACKEND ?? '' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, all: r.stdout + r.stderr };
}

test('every example in examples/ has a run here', () => {
  const covered = ['attention.ts', 'bert-finetune.ts', 'bert-pretrain.ts', 'glove.ts', 'mnist-cnn.ts', 'sine-rnn.ts', 'translate.ts', 'word2vec.ts'];
  assert.deepEqual(readdirSync('examples').filter((f) => f.endsWith('.ts')).sort(), covered);
});

test('attention: the hand-made weights, the fused attention and the heatmap', () => {
  const r = example('attention.ts', '--out', join(dir, 'attention'));
  assert.equal(r.status, 0, r.all);
  assert.match(r.stdout, /"it" attends most to: cat/);
  assert.ok(existsSync(join(dir, 'attention', 'attention_weights.png')));
});

test('mnist-cnn: one epoch on 512 images with a progress bar, then the test accuracy', () => {
  const r = example('mnist-cnn.ts', '--epochs', '1', '--limit', '512', '--test-limit', '200');
  assert.equal(r.status, 0, r.all);
  assert.match(r.stderr, /Epoch 1\/1 \[=+\] 8\/8/);
  const accuracy = Number(/Accuracy of the network on the 200 test images: ([\d.]+)%/.exec(r.stdout)?.[1]);
  assert.ok(accuracy > 20, `accuracy ${accuracy}% after 8 steps`);
});

test('sine-rnn: a few epochs of both models and their plots', () => {
  const r = example('sine-rnn.ts', '--epochs', '10', '--out', join(dir, 'sine'));
  assert.equal(r.status, 0, r.all);
  assert.match(r.stdout, /Epoch \[10\/10\], Loss: /);
  assert.ok(existsSync(join(dir, 'sine', 'sine-rnn.png')) && existsSync(join(dir, 'sine', 'sine-lstm.png')));
});

test('translate: real message pairs from the installed gettext catalogs, or a clear word on what to install', () => {
  const r = example('translate.ts', '--epochs', '1', '--pairs', '40', '--out', join(dir, 'translate'));
  if (r.status !== 0) {
    assert.match(r.stderr, /No gettext catalogs for 'es'.*\n.*install/s);
    return;
  }
  assert.match(r.stdout, /== 1\. data: 40 short message pairs of \d+ \(English → es, \d+ gettext catalogs/);
  assert.match(r.stdout, /beam search 4: /);
  assert.ok(existsSync(join(dir, 'translate', 'cross_attention.png')));
});

test('translate: a locale folder without catalogs stops with what to install', () => {
  const r = example('translate.ts', '--dir', join(dir, 'no-locales'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /No gettext catalogs for 'es' under .*no-locales/);
  assert.match(r.stderr, /apt-get install/);
});

test('word2vec: one epoch on 20,000 words, with words/s the size of the corpus read per second', () => {
  const r = example('word2vec.ts', '--words', '20000', '--epochs', '1');
  assert.equal(r.status, 0, r.all);
  const m = /^(\d+) words, vocabulary/m.exec(r.stdout);
  const rate = /epoch 1: loss [\d.]+ per example, (\d+) words\/s/.exec(r.stdout);
  assert.ok(m && rate, r.stdout);
  // a whole epoch of the corpus cannot take under a millisecond: a rate above words * 1000 counts nothing read
  assert.ok(Number(rate[1]) > 0 && Number(rate[1]) < Number(m[1]) * 1000, `rate ${rate[1]} words/s on ${m[1]} words`);
  assert.match(r.stdout, /^war\s+\S+/m);
});

test('glove: one epoch on 20,000 words', () => {
  const r = example('glove.ts', '--words', '20000', '--epochs', '1');
  assert.equal(r.status, 0, r.all);
  assert.match(r.stdout, /epoch 1: loss [\d.]+ per entry/);
});

test('bert-pretrain then bert-finetune: a few steps on two chapters, fill-mask, the saved directory fine-tuned beside the baselines', () => {
  const out = join(dir, 'bert');
  const p = example('bert-pretrain.ts', '--steps', '2', '--limit', '2', '--out', out);
  assert.equal(p.status, 0, p.all);
  assert.match(p.stderr, /pretraining \[=+\] 2\/2/);
  assert.match(p.stdout, /^Call me \[MASK\]\.\s+\S+ \(0\.\d{3}\)/m);
  assert.ok(existsSync(join(out, 'config.json')) && existsSync(join(out, 'model.safetensors')) && existsSync(join(out, 'vocab.txt')));
  const f = example('bert-finetune.ts', '--from', out, '--epochs', '1', '--limit', '40');
  assert.equal(f.status, 0, f.all);
  for (const what of [/BERT \(.*\)\s+0\.\d{4}/, /AFINN rule\s+0\.\d{4}/, /bag-of-words regression\s+0\.\d{4}/, /-> negative 0\.\d{3}, positive 0\.\d{3}/]) assert.match(f.stdout, what);
});
