import { test } from 'node:test';
import assert from 'node:assert/strict';

import * as nb from '../../src/index.js';

const { transforms } = nb.data;

const img = (values: number[][]) => nb.tensor(values, { dtype: 'int32' });

test('ToTensor: [H, W] 0..255 -> float32 [1, H, W] in [0, 1]; [H, W, C] -> [C, H, W]; ImageData-like', () => {
  const t = transforms.ToTensor();
  const out = t(img([[0, 255], [51, 128]]));
  assert.equal(out.dtype, 'float32');
  assert.deepEqual(out.shape, [1, 2, 2]);
  const d = out.storage.data as Float32Array;
  assert.equal(d[0], 0);
  assert.equal(d[1], 1);
  assert.equal(d[2], Math.fround(0.2));
  assert.equal(d[3], Math.fround(128 / 255));
  // HWC: pixel (0,0) = [1,2,3], pixel (0,1) = [4,5,6]
  const hwc = nb.tensor([[[255, 0, 51], [0, 255, 102]]], { dtype: 'int32' });
  const chw = transforms.ToTensor()(hwc);
  assert.deepEqual(chw.shape, [3, 1, 2]);
  assert.deepEqual(chw.toArray(), [[[1, 0]], [[0, 1]], [[Math.fround(0.2), Math.fround(0.4)]]]);
  // float input keeps its values (no division), as torchvision does for float arrays
  assert.deepEqual(t(nb.tensor([[0.5, 2]])).toArray(), [[[0.5, 2]]]);
  // ImageData-like (RGBA interleaved)
  const rgba = { data: new Uint8ClampedArray([255, 0, 0, 255, 0, 255, 0, 255]), width: 2, height: 1 };
  const fromImage = t(rgba);
  assert.deepEqual(fromImage.shape, [4, 1, 2]);
  assert.deepEqual(fromImage.toArray(), [[[1, 0]], [[0, 1]], [[0, 0]], [[1, 1]]]);
  // `new` works too
  assert.deepEqual(new transforms.ToTensor()(img([[255]])).toArray(), [[[1]]]);
  assert.throws(() => t(nb.zeros([2, 2, 2, 2])), /ToTensor: expected an image of shape \[H, W\] or \[H, W, C\], got a tensor of shape \[2, 2, 2, 2\]/);
  assert.throws(() => t({ data: [1, 2, 3], width: 2, height: 1 }), /do not fill a 2x1 image/);
  assert.throws(() => t(42 as never), /ToTensor: expected a Tensor/);
});

test('Normalize(0.5, 0.5) after ToTensor maps pixel 0 to -1 and 255 to 1; per-channel means and stds', () => {
  const transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])]);
  const out = transform(img([[0, 255, 128]]));
  const d = out.storage.data as Float32Array;
  assert.equal(d[0], -1);
  assert.equal(d[1], 1);
  // float32 arithmetic as in PyTorch: (fround(128/255) - 0.5) rounded, then / 0.5
  assert.equal(d[2], Math.fround(Math.fround(Math.fround(128 / 255) - 0.5) / 0.5));
  // MNIST's usual mean/std
  const m = transforms.Normalize([0.1307], [0.3081]);
  assert.deepEqual(m.mean, [Math.fround(0.1307)]);
  const v = m(nb.tensor([[[0]]])).item();
  assert.equal(v, Math.fround(Math.fround(0 - Math.fround(0.1307)) / Math.fround(0.3081)));
  // per channel, on [C, H, W] and on a batch [N, C, H, W]
  const rgb = nb.tensor([[[1, 1]], [[1, 1]], [[1, 1]]]);
  const n3 = transforms.Normalize([0, 0.5, 1], [1, 0.5, 2]);
  assert.deepEqual(n3(rgb).toArray(), [[[1, 1]], [[1, 1]], [[0, 0]]]);
  const batch = nb.ones([2, 3, 1, 1]);
  assert.deepEqual(n3(batch).toArray(), [[[[1]], [[1]], [[0]]], [[[1]], [[1]], [[0]]]]);
  // the input is not modified
  assert.deepEqual(rgb.toArray(), [[[1, 1]], [[1, 1]], [[1, 1]]]);
  // errors
  assert.throws(() => n3(nb.ones([2, 1, 1])), /Normalize: mean has 3 values but the image has 2 channels/);
  assert.throws(() => transforms.Normalize([0.5], [0])(nb.ones([1, 1, 1])), /std evaluated to zero/);
  assert.throws(() => transforms.Normalize([0.5], [0.5])(nb.ones([1, 1])), /expected a tensor image of size \[\.\.\., C, H, W\]/);
  assert.throws(() => transforms.Normalize([0.5], [0.5])(nb.ones([1, 1, 1], { dtype: 'int32' })), /should be a float tensor, got int32/);
  assert.throws(() => transforms.Normalize([], [1]), /non-empty list/);
});

test('Compose applies in order, prints like torchvision, accepts plain functions; Lambda', () => {
  const c = transforms.Compose([transforms.ToTensor(), transforms.Lambda((t: nb.Tensor) => t.mul(255)), (t: nb.Tensor) => t.sum().item()]);
  assert.equal(c(img([[1, 2], [3, 4]])), 10);
  assert.deepEqual(c.transforms.length, 3);
  assert.equal(
    String(transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])])),
    'Compose(\n    ToTensor()\n    Normalize(mean=(0.5,), std=(0.5,))\n)',
  );
  assert.equal(String(transforms.Lambda((x: number) => x)), 'Lambda()');
  assert.equal(transforms.Compose([])(5), 5);
  assert.throws(() => transforms.Compose([transforms.ToTensor(), 3 as never]), /Compose: transforms\[1\] is number/);
  assert.throws(() => transforms.Lambda(3 as never), /Lambda: argument should be a function/);
  // functional forms
  assert.deepEqual(transforms.normalize(transforms.toTensor(img([[255]])), [0.5], [0.5]).toArray(), [[[1]]]);
});
