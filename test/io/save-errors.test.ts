/**
 * nb.save refuses the mistakes PyTorch habits lead to, with a message that says what to do: a
 * Module instead of its state dict, a .pt/.pth name for what is a safetensors file, a folder that
 * does not exist (not a raw ENOENT on a temp file's name); loading a PyTorch pickle says what it is.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '../../src/node.js';

let dir = '';
before(() => { dir = mkdtempSync(join(tmpdir(), 'nabla-save-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

describe('save and load: clear errors for PyTorch habits', () => {
  it('a Module is refused with a pointer to stateDict()', () => {
    const model = new nb.nn.Linear(2, 3);
    assert.throws(() => nb.save(model as never, join(dir, 'm.safetensors')), /save: got a Linear, .*model\.stateDict\(\)/);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('a .pt or .pth name is refused: the file would be safetensors, which torch.load cannot read', () => {
    for (const name of ['m.pt', 'm.pth', 'M.PT']) {
      assert.throws(() => nb.save({ w: nb.ones([2]) }, join(dir, name)), (e: Error) => {
        assert.match(e.message, /save: .*safetensors/);
        assert.match(e.message, /\.safetensors/);
        assert.match(e.message, /torch\.load/);
        return true;
      });
    }
    assert.deepEqual(readdirSync(dir), []);
  });

  it('a missing folder is named, with how to create it', () => {
    const missing = join(dir, 'no', 'such');
    assert.throws(() => nb.save({ w: nb.ones([2]) }, join(missing, 'm.safetensors')), (e: Error) => {
      assert.ok(e.message.includes(`folder ${missing} does not exist`), e.message);
      assert.ok(!e.message.includes('.tmp-'), e.message);
      return true;
    });
    assert.throws(() => nb.saveCheckpoint(join(missing, 'c.ckpt'), { epoch: 1 }), /folder .* does not exist/);
  });

  it('saving and loading still round-trip', () => {
    const path = join(dir, 'ok.safetensors');
    nb.save({ w: nb.tensor([1, 2]) }, path);
    assert.deepEqual([...nb.load(path).w.dataSync()], [1, 2]);
    rmSync(path);
  });

  it('loading a PyTorch pickle (torch.save) says what it is and how to convert it', () => {
    const path = join(dir, 'torch.pt');
    writeFileSync(path, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0, 0, 0, 0, 0]));
    assert.throws(() => nb.load(path), /load .*torch\.pt: .*PyTorch .*safetensors\.torch\.save_file/);
    rmSync(path);
  });
});
