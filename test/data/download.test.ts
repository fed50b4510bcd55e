import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { encodeIdx } from '../../src/data/idx.js';
import {
  MNIST_FILES,
  downloadMnist,
  locateMnist,
  loadMnistArrays,
  type DownloadEvent,
} from '../../src/data/mnist-files.js';

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

/** Four small gzipped IDX archives, shaped like MNIST's (3 train and 2 test images of 4x4). */
function makeArchives(): Record<string, Buffer> {
  const images = (n: number) => encodeIdx([n, 4, 4], Uint8Array.from({ length: n * 16 }, (_, i) => (i * 11) % 256));
  const labels = (n: number) => encodeIdx([n], Uint8Array.from({ length: n }, (_, i) => (i + 5) % 10));
  return {
    'train-images-idx3-ubyte.gz': gzipSync(images(3)),
    'train-labels-idx1-ubyte.gz': gzipSync(labels(3)),
    't10k-images-idx3-ubyte.gz': gzipSync(images(2)),
    't10k-labels-idx1-ubyte.gz': gzipSync(labels(2)),
  };
}

interface Mirrors {
  base: string;
  requests: string[];
  close: () => Promise<void>;
}

/** A server with three mirrors: /missing/ answers 404, /corrupt/ serves damaged archives, /good/ the right ones. */
async function serve(archives: Record<string, Buffer>): Promise<Mirrors> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const [, mirror, file] = (req.url ?? '').split('/');
    const body = archives[file ?? ''];
    if (mirror === 'good' && body) {
      res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': body.length });
      res.end(body);
    } else if (mirror === 'corrupt' && body) {
      const bad = Buffer.from(body);
      bad[bad.length >> 1] ^= 0x55;
      res.writeHead(200, { 'content-type': 'application/gzip' });
      res.end(bad);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

test('downloadMnist skips a 404 mirror and a corrupt one, verifies checksums and writes the files in place', async () => {
  const archives = makeArchives();
  const checksums = Object.fromEntries(Object.entries(archives).map(([k, v]) => [k, md5(v)]));
  const mirrors = await serve(archives);
  const root = mkdtempSync(join(tmpdir(), 'nabla-dl-'));
  try {
    const events: DownloadEvent[] = [];
    const result = await downloadMnist(root, 'mnist', {
      mirrors: [`${mirrors.base}/missing/`, `${mirrors.base}/corrupt`, `${mirrors.base}/good/`],
      checksums,
      onProgress: (e) => events.push(e),
    });
    const dir = join(root, 'MNIST', 'raw');
    assert.equal(result.dir, dir);
    assert.deepEqual(result.files.map((f) => f.status), ['downloaded', 'downloaded', 'downloaded', 'downloaded']);
    for (const file of MNIST_FILES) {
      const path = join(dir, file);
      assert.ok(existsSync(path), `${file} written`);
      assert.equal(md5(readFileSync(path)), checksums[file]);
    }
    // Only the four archives: no temporary files left behind.
    assert.deepEqual(readdirSync(dir).sort(), [...MNIST_FILES].sort());
    // Every file was tried on all three mirrors, in order.
    assert.equal(mirrors.requests.length, 12);
    assert.deepEqual(mirrors.requests.slice(0, 3), [
      '/missing/train-images-idx3-ubyte.gz',
      '/corrupt/train-images-idx3-ubyte.gz',
      '/good/train-images-idx3-ubyte.gz',
    ]);
    const failures = events.filter((e) => e.type === 'failed');
    assert.equal(failures.length, 8);
    assert.match(failures[0]!.type === 'failed' ? failures[0]!.reason : '', /HTTP 404/);
    assert.match(failures[1]!.type === 'failed' ? failures[1]!.reason : '', /checksum mismatch/);
    assert.ok(events.some((e) => e.type === 'progress' && e.total !== undefined && e.received === e.total));

    // The downloaded files are found and read back.
    const paths = locateMnist(root, 'mnist', true);
    assert.equal(paths.images, join(dir, 'train-images-idx3-ubyte.gz'));
    const train = loadMnistArrays(root, 'mnist', true);
    assert.equal(train.count, 3);
    assert.deepEqual(Array.from(train.labels), [5, 6, 7]);

    // A second run finds everything in place and fetches nothing.
    const again = await downloadMnist(root, 'mnist', { mirrors: [`${mirrors.base}/good/`], checksums });
    assert.deepEqual(again.files.map((f) => f.status), ['cached', 'cached', 'cached', 'cached']);
    assert.equal(mirrors.requests.length, 12);

    // A file damaged on disk is fetched again.
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), 'garbage');
    const repaired = await downloadMnist(root, 'mnist', { mirrors: [`${mirrors.base}/good/`], checksums });
    assert.deepEqual(repaired.files.map((f) => f.status), ['cached', 'cached', 'cached', 'downloaded']);
    assert.equal(md5(readFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'))), checksums['t10k-labels-idx1-ubyte.gz']);
  } finally {
    await mirrors.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test('downloadMnist with only bad mirrors fails with an error naming the file and every mirror', async () => {
  const archives = makeArchives();
  const checksums = Object.fromEntries(Object.entries(archives).map(([k, v]) => [k, md5(v)]));
  const mirrors = await serve(archives);
  // A port that was just closed: connection refused.
  const dead = await serve({});
  const deadBase = dead.base;
  await dead.close();
  const root = mkdtempSync(join(tmpdir(), 'nabla-dl-'));
  try {
    const list = [`${mirrors.base}/missing/`, `${mirrors.base}/corrupt/`, `${deadBase}/good/`];
    await assert.rejects(downloadMnist(root, 'fashion-mnist', { mirrors: list, checksums }), (err: Error) => {
      assert.match(err.message, /^Fashion-MNIST download: could not get train-images-idx3-ubyte\.gz from any of 3 mirrors/);
      assert.ok(err.message.includes(`${mirrors.base}/missing/train-images-idx3-ubyte.gz: HTTP 404`), err.message);
      assert.ok(err.message.includes(`${mirrors.base}/corrupt/train-images-idx3-ubyte.gz: checksum mismatch`), err.message);
      assert.ok(err.message.includes(`${deadBase}/good/train-images-idx3-ubyte.gz: `), err.message);
      assert.ok(err.message.includes(join(root, 'FashionMNIST', 'raw')), err.message);
      return true;
    });
    // Nothing (not even a partial or temporary file) was written.
    assert.deepEqual(readdirSync(join(root, 'FashionMNIST', 'raw')), []);
  } finally {
    await mirrors.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test('downloadMnist uses the fetchImpl it is given and checks the built-in checksums by default', async () => {
  const root = mkdtempSync(join(tmpdir(), 'nabla-dl-'));
  const urls: string[] = [];
  const fakeFetch = (async (input: string | URL | Request) => {
    urls.push(String(input));
    return new Response(new Uint8Array([1, 2, 3]), { status: 200 });
  }) as typeof fetch;
  try {
    await assert.rejects(downloadMnist(root, 'mnist', { fetchImpl: fakeFetch }), (err: Error) => {
      assert.match(err.message, /expected f68b3c2dcbeaaa9fbdd348bbdeb94873/);
      assert.ok(err.message.includes('https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz'));
      assert.ok(err.message.includes('http://yann.lecun.com/exdb/mnist/train-images-idx3-ubyte.gz'));
      return true;
    });
    assert.deepEqual(urls, [
      'https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz',
      'http://yann.lecun.com/exdb/mnist/train-images-idx3-ubyte.gz',
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
