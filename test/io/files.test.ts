// One atomic write for every file nabla writes (fsync, stale temp files of killed writes removed), and the
// lock that keeps two trainings from writing the same output.
import { test, mock, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/util/files.js';
import { acquireLock } from '../../src/io/lock.js';
import { savePng } from '../../src/plot/png.js';
import { downloadMnist, MNIST_FILES } from '../../src/data/mnist-files.js';
import { createHash } from 'node:crypto';

const dir = fs.mkdtempSync(join(tmpdir(), 'nabla-files-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The pid of a process that has already exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  return r.pid!;
}

test('writeFileAtomic removes the temp files that killed writes of the same file left behind, and nothing else', () => {
  const target = join(dir, 'model.safetensors');
  const dead = deadPid();
  const stale = [`model.safetensors.tmp-${dead}-0123456789ab`, `model.safetensors.${dead}.89abcdef.tmp`];
  const live = `model.safetensors.tmp-${process.ppid}-0123456789ab`; // a write still running in another process
  const unrelated = ['other.safetensors.tmp-1-0123456789ab', 'model.safetensors.tmp-notes.txt'];
  for (const name of [...stale, live, ...unrelated]) fs.writeFileSync(join(dir, name), 'x');
  writeFileAtomic(target, new Uint8Array([1, 2, 3]));
  assert.deepEqual([...fs.readFileSync(target)], [1, 2, 3]);
  const left = fs.readdirSync(dir).sort();
  for (const name of stale) assert.ok(!left.includes(name), `${name} should be removed`);
  for (const name of [live, ...unrelated]) assert.ok(left.includes(name), `${name} should be kept`);
});

test('savePng writes through the atomic helper (file and folder fsynced)', () => {
  const fsync = mock.method(fs, 'fsyncSync');
  try {
    savePng(join(dir, 'img.png'), { width: 1, height: 1, rgba: new Uint8Array([255, 0, 0, 255]) });
    assert.ok(fsync.mock.callCount() >= 2, `fsync called ${fsync.mock.callCount()} times`);
  } finally {
    fsync.mock.restore();
  }
  assert.ok(fs.readdirSync(dir).includes('img.png'));
});

test('the MNIST download writes its archives through the atomic helper', async () => {
  const bytes = new Uint8Array([31, 139, 8, 0, 1, 2, 3]);
  const md5 = createHash('md5').update(bytes).digest('hex');
  const fetchImpl = (async () => new Response(bytes)) as unknown as typeof fetch;
  const checksums = Object.fromEntries(MNIST_FILES.map((f) => [f, md5]));
  const fsync = mock.method(fs, 'fsyncSync');
  try {
    await downloadMnist(join(dir, 'download'), 'mnist', { mirrors: ['http://127.0.0.1:9/'], fetchImpl, checksums });
    assert.ok(fsync.mock.callCount() >= 2 * MNIST_FILES.length, `fsync called ${fsync.mock.callCount()} times`);
  } finally {
    fsync.mock.restore();
  }
});

test('a lock names its owner, refuses a second writer while the owner lives, and replaces a stale one', () => {
  const out = join(dir, 'run.safetensors');
  const lock = acquireLock(out, 'train cnn');
  assert.equal(fs.readFileSync(lock.path, 'utf8').split('\n')[0], String(process.pid));
  // Another live process holding it: refused, with its pid and the way out.
  fs.writeFileSync(lock.path, `${process.ppid}\ntrain cnn\n`);
  assert.throws(() => acquireLock(out, 'train cnn'), (e: Error) => e.message.includes(String(process.ppid)) && /run\.safetensors/.test(e.message) && /another --out/.test(e.message));
  // Its owner is gone: the lock is stale and taken over.
  fs.writeFileSync(lock.path, `${deadPid()}\ntrain cnn\n`);
  const again = acquireLock(out, 'train cnn');
  assert.equal(fs.readFileSync(again.path, 'utf8').split('\n')[0], String(process.pid));
  again.release();
  assert.ok(!fs.existsSync(again.path));
});
