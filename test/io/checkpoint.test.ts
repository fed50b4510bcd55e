import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/io/checkpoint.js';
import { encodeSafetensors } from '../../src/io/safetensors.js';
import { Tensor } from '../../src/tensor/tensor.js';

/** A checkpoint file holding one tensor "w" and a hand-written document. */
const withDocument = (document: string) =>
  encodeSafetensors({ w: { dtype: 'float32', shape: [1], data: Float32Array.from([3]) } }, { 'nabla.checkpoint': document, format: 'pt' });

const refuses = (bytes: Uint8Array, message: RegExp) =>
  assert.throws(() => decodeCheckpoint(bytes), (err: Error) => {
    assert.equal(err.constructor, Error);
    assert.match(err.message, message);
    return true;
  });

test('checkpoint round trip keeps odd keys as ordinary keys', () => {
  const state = decodeCheckpoint(encodeCheckpoint({ epoch: 3, model: { w: Tensor.fromData(Float32Array.from([1, 2]), [2], 'float32') } }));
  assert.equal(state.epoch, 3);
  assert.deepEqual(Array.from(((state.model as Record<string, Tensor>).w).dataSync()), [1, 2]);

  const odd = decodeCheckpoint(withDocument('{"__proto__":{"polluted":true},"w":{"$tensor":"w"}}'));
  assert.equal(Object.getPrototypeOf(odd), Object.prototype);
  assert.deepEqual(Object.keys(odd), ['__proto__', 'w']);
  assert.equal((odd as Record<string, unknown>).polluted, undefined);
  assert.ok(odd.w instanceof Tensor);
});

test('a hostile checkpoint document is refused with a message', () => {
  refuses(withDocument('{"w":{"$tensor":"constructor"}}'), /refers to tensor "constructor", which the file does not contain/);
  refuses(withDocument(`{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`), /^checkpoint: the checkpoint document: values are nested deeper than \d+ levels/);
  refuses(withDocument('{"epoch":1,"epoch":2}'), /^checkpoint: the checkpoint document: key "epoch" appears twice/);
});
