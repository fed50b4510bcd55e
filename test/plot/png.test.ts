import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { decodePng, encodePng, readPngSize } from '../../src/plot/png.js';
import { imageToInput } from '../../src/cli/commands/predict.js';
import { pngChunk as chunk } from '../helpers/png-bytes.js';

/** An 8-bit greyscale PNG declaring width x height whose one IDAT holds `raw` deflated (whatever its size). */
function greyPng(width: number, height: number, raw: Uint8Array): Uint8Array {
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([8, 0, 0, 0, 0], 8);
  const signature = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', new Uint8Array(0))]);
}

const refuses = (f: () => unknown, message: RegExp) =>
  assert.throws(f, (err: Error) => {
    assert.equal(err.constructor, Error);
    assert.match(err.message, message);
    return true;
  });

test('readPngSize reads the IHDR size without decoding', () => {
  assert.deepEqual(readPngSize(greyPng(12000, 9000, new Uint8Array(10)), 'big.png'), { width: 12000, height: 9000 });
  assert.deepEqual(readPngSize(encodePng({ width: 3, height: 2, rgba: new Uint8Array(24) })), { width: 3, height: 2 });
  refuses(() => readPngSize(new Uint8Array(20), 'zero.png'), /^PNG: zero\.png is not a PNG file/);
  const bad = greyPng(5, 5, new Uint8Array(30));
  bad[20] ^= 1; // inside IHDR's data: the CRC no longer matches
  refuses(() => readPngSize(bad, 'flip.png'), /^PNG: flip\.png is damaged: chunk IHDR at byte 8 fails its CRC check/);
  refuses(() => readPngSize(bad.subarray(0, 20), 'cut.png'), /^PNG: cut\.png is truncated/);
});

test('decodePng refuses images over a pixel limit before inflating them', () => {
  // 12000x12000 would need 144 MB of pixel data and 576 MB of RGBA; the IDAT here is small, as in a real attack
  refuses(() => decodePng(greyPng(12000, 12000, new Uint8Array(1000)), 'big.png'), /^PNG: big\.png is 12000x12000 = 144000000 pixels, more than the limit of 67108864/);
  refuses(() => decodePng(greyPng(20, 20, new Uint8Array(21 * 20)), 'small.png', { maxPixels: 399 }), /small\.png is 20x20 = 400 pixels, more than the limit of 399/);
  assert.equal(decodePng(greyPng(20, 20, new Uint8Array(21 * 20)), 'ok.png', { maxPixels: 400 }).width, 20);
});

test('decodePng stops inflating at the size the header implies (zlib bombs in IDAT)', () => {
  const bomb = greyPng(4, 4, new Uint8Array(50 << 20)); // 50 MB of zero rows behind a 4x4 header
  const start = performance.now();
  refuses(() => decodePng(bomb, 'bomb.png'), /^PNG: bomb\.png has more pixel data than a 4x4 8-bit greyscale image needs \(20 bytes\)/);
  assert.ok(performance.now() - start < 1000, `${performance.now() - start} ms`);
});

test('predict refuses an image that is not 28x28 before decoding it', () => {
  refuses(() => imageToInput(greyPng(12000, 12000, new Uint8Array(1000)), 'huge.png', false), /^predict: huge\.png is 12000x12000; the model takes 28x28 images like MNIST/);
  const digit = new Uint8Array(29 * 28).fill(0);
  assert.deepEqual(imageToInput(greyPng(28, 28, digit), 'ok.png', false).shape, [1, 1, 28, 28]);
});
