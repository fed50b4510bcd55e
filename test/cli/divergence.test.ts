// A diverging run stops with a message and exit code 1 instead of saving weights trained on Infinity or NaN.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkFiniteLoss } from '../../src/cli/training.js';
import { nabla } from './run.js';

const dir = fs.mkdtempSync(join(tmpdir(), 'nabla-divergence-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('checkFiniteLoss passes finite values and names where a loss stopped being finite', () => {
  checkFiniteLoss(1e30, 'epoch 1');
  for (const value of [NaN, Infinity, -Infinity]) {
    assert.throws(() => checkFiniteLoss(value, 'epoch 3, batch 7', 'Try a lower --alpha.'), new RegExp(`the loss became ${value} at epoch 3, batch 7.*Try a lower --alpha`));
  }
});

test('train charlm stops at an infinite validation perplexity and writes no checkpoint', async () => {
  const out = join(dir, 'charlm.safetensors');
  const r = await nabla(['train', 'charlm', '--lr', '1000', '--clip', '0', '--steps', '5', '--hidden', '32', '--embed', '8', '--layers', '1', '--seq-len', '20', '--batch-size', '4', '--eval-chars', '2000', '--out', out]);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stderr, /the loss became (Infinity|NaN) at epoch 1/);
  assert.ok(!fs.existsSync(out), 'no checkpoint of a diverged model');
});
