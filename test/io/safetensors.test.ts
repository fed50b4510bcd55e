import { test, after, mock } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { decodeSafetensors, encodeSafetensors, type RawTensor } from '../../src/io/safetensors.js';
import { readFileBytes, writeFileAtomic } from '../../src/util/files.js';
import { deserialize, serialize } from '../../src/io/serialize.js';
import { Tensor } from '../../src/tensor/tensor.js';

const dir = fs.mkdtempSync(join(tmpdir(), 'nabla-safetensors-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const f32 = (shape: number[], values: number[]): RawTensor => ({ dtype: 'float32', shape, data: Float32Array.from(values) });
const i32 = (shape: number[], values: number[]): RawTensor => ({ dtype: 'int32', shape, data: Int32Array.from(values) });
const bool = (shape: number[], values: number[]): RawTensor => ({ dtype: 'bool', shape, data: Uint8Array.from(values) });

/** Header length N and parsed JSON header of an encoded file. */
function parseHeader(bytes: Uint8Array): { n: number; text: string; header: Record<string, any> } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  return { n, text, header: JSON.parse(text) };
}

/** A file from a raw header (object, or string/bytes for malformed ones) and a data buffer. */
function build(header: unknown, data: ArrayLike<number> = [], headerLen?: bigint): Uint8Array {
  const json =
    header instanceof Uint8Array ? header : new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, headerLen ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const le = (Arr: { new (v: number[]): ArrayBufferView }, values: number[]) => {
  const a = new Arr(values);
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength); // test host is little-endian
};

function refuses(bytes: Uint8Array, message: RegExp) {
  assert.throws(() => decodeSafetensors(bytes), (err: Error) => {
    assert.match(err.message, /^safetensors: /);
    assert.match(err.message, message);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------

test('round trip of every nabla dtype, 0-d and empty tensors', () => {
  const tensors: Record<string, RawTensor> = {
    weight: f32([2, 3], [1.5, -2, 0, 3.25, -0, 1e-30]),
    special: f32([3], [NaN, Infinity, -Infinity]),
    idx: i32([4], [0, -1, 2147483647, -2147483648]),
    'bn.num_batches_tracked': i32([], [12345]),
    mask: bool([2, 2], [1, 0, 0, 1]),
    scalar: f32([], [7.25]),
    empty: f32([0, 3], []),
    empty_int: i32([0], []),
    empty_bool: bool([2, 0], []),
  };
  const bytes = encodeSafetensors(tensors, undefined, { int64Keys: (k) => k.endsWith('num_batches_tracked') });
  const { header } = parseHeader(bytes);
  assert.equal(header['bn.num_batches_tracked'].dtype, 'I64');
  assert.equal(header.idx.dtype, 'I32');
  assert.equal(header.mask.dtype, 'BOOL');
  assert.equal(header.weight.dtype, 'F32');

  const { tensors: back, metadata } = decodeSafetensors(bytes);
  assert.deepEqual(metadata, {});
  assert.deepEqual(Object.keys(back).sort(), Object.keys(tensors).sort());
  for (const [k, t] of Object.entries(tensors)) {
    assert.equal(back[k].dtype, t.dtype, k);
    assert.deepEqual(back[k].shape, t.shape, k);
    assert.equal(back[k].data.constructor, t.data.constructor, k);
    assert.deepEqual(back[k].data, t.data, k); // deepEqual uses Object.is: NaN and -0 are checked
    assert.notEqual(back[k].data.buffer, bytes.buffer, `${k} must be a fresh copy`);
  }
});

test('decoded F32 data is a fresh aligned copy even from an unaligned view', () => {
  const bytes = encodeSafetensors({ a: f32([3], [1, 2, 3]) });
  const shifted = new Uint8Array(bytes.length + 1);
  shifted.set(bytes, 1);
  const { tensors } = decodeSafetensors(shifted.subarray(1));
  assert.ok(tensors.a.data instanceof Float32Array);
  assert.equal(tensors.a.data.byteOffset, 0);
  assert.deepEqual(tensors.a.data, Float32Array.from([1, 2, 3]));
});

test('header: u64 length, space padding, 8-byte aligned data, sorted keys, no holes', () => {
  for (const name of ['a', 'ab', 'abc', 'abcd', 'abcde', 'abcdef', 'abcdefg', 'abcdefgh']) {
    const bytes = encodeSafetensors({ [name]: f32([1], [1]) });
    const { n, text } = parseHeader(bytes);
    assert.equal(n % 8, 0, `data start ${8 + n} must be 8-byte aligned`);
    assert.match(text, /^\{.*\} *$/);
    assert.equal(bytes.length, 8 + n + 4);
    assert.deepEqual(bytes.subarray(8 + n), le(Float32Array, [1]));
  }
  const bytes = encodeSafetensors({ zeta: f32([2], [1, 2]), alpha: i32([1], [3]), mid: bool([3], [1, 1, 0]), Beta: f32([], [5]) });
  const { n, header } = parseHeader(bytes);
  const order = Object.entries(header).sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]).map(([k]) => k);
  assert.deepEqual(order, ['Beta', 'alpha', 'mid', 'zeta']);
  assert.deepEqual(header.Beta.data_offsets, [0, 4]);
  assert.deepEqual(header.alpha.data_offsets, [4, 8]);
  assert.deepEqual(header.mid.data_offsets, [8, 11]);
  assert.deepEqual(header.zeta.data_offsets, [11, 19]);
  assert.deepEqual(header.zeta.shape, [2]);
  assert.deepEqual(header.Beta.shape, []);
  assert.equal(bytes.length, 8 + n + 19);
  assert.ok(!('__metadata__' in header));
});

test('metadata round trip', () => {
  const metadata = { format: 'pt', note: 'ünïcode ✓ "quoted"', empty: '' };
  const bytes = encodeSafetensors({ w: f32([1], [1]) }, metadata);
  assert.deepEqual(parseHeader(bytes).header.__metadata__, metadata);
  assert.deepEqual(decodeSafetensors(bytes).metadata, metadata);
  assert.deepEqual({ ...decodeSafetensors(encodeSafetensors({}, metadata)).metadata }, metadata);
  const empty = decodeSafetensors(encodeSafetensors({}));
  assert.deepEqual([Object.keys(empty.tensors), Object.keys(empty.metadata)], [[], []]);
});

test('odd tensor names stay ordinary keys', () => {
  const bytes = encodeSafetensors({ ['__proto__']: f32([1], [1]), 'a "b"': f32([1], [2]), 'ü.weight': f32([1], [3]) });
  const { tensors } = decodeSafetensors(bytes);
  assert.deepEqual(Object.keys(tensors).sort(), ['__proto__', 'a "b"', 'ü.weight']);
  assert.equal(Object.getPrototypeOf(tensors), null);
  assert.deepEqual(tensors['ü.weight'].data, Float32Array.from([3]));
  assert.deepEqual(tensors['__proto__'].data, Float32Array.from([1]));
  // and as Tensors: "__proto__" is a tensor like the others, not the record's prototype
  const loaded = deserialize(bytes).tensors;
  assert.equal(Object.getPrototypeOf(loaded), null);
  assert.deepEqual(Object.keys(loaded).sort(), ['__proto__', 'a "b"', 'ü.weight']);
  assert.ok(loaded['__proto__'] instanceof Tensor);
  assert.deepEqual(Array.from(loaded['__proto__'].dataSync()), [1]);
  assert.equal(loaded['toString'], undefined);
});

test('refuses duplicate keys, deep nesting and absurd ranks with a message', () => {
  const entry = '{"dtype":"F32","shape":[1],"data_offsets":[0,4]}';
  const refusesCleanly = (bytes: Uint8Array, message: RegExp) =>
    assert.throws(() => decodeSafetensors(bytes), (err: Error) => {
      assert.equal(err.constructor, Error); // not a RangeError from the stack or an allocation
      assert.match(err.message, /^safetensors: /);
      assert.match(err.message, message);
      return true;
    });
  const four = new Uint8Array(4);
  refusesCleanly(build(`{"a":${entry},"a":${entry}}`, four), /header: key "a" appears twice/);
  refusesCleanly(build(`{"\u0061":${entry},"a":${entry}}`, four), /key "a" appears twice/);
  refusesCleanly(build(`{"a":{"dtype":"F32","dtype":"I32","shape":[1],"data_offsets":[0,4]}}`, four), /key "dtype" appears twice/);
  refusesCleanly(build(`{"__metadata__":{"x":"1","x":"2"}}`), /key "x" appears twice/);
  // text that is not JSON still gets JSON.parse's verdict (the structure check runs first and must not trip on it)
  refusesCleanly(build('{"a'), /header is not valid JSON/);
  refusesCleanly(build('{"a\\'), /header is not valid JSON/);
  refusesCleanly(build(',"a":1}'), /header is not valid JSON/);
  // the same key in different objects is fine
  assert.deepEqual(Object.keys(decodeSafetensors(build(`{"a":${entry},"b":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}`, four)).tensors), ['a', 'b']);

  refusesCleanly(build(`{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`), /nested deeper than \d+ levels/);
  const deepShape = `${'['.repeat(10_000)}1${']'.repeat(10_000)}`;
  refusesCleanly(build(`{"a":{"dtype":"F32","shape":${deepShape},"data_offsets":[0,4]}}`, four), /nested deeper than/);
  const longShape = `[${new Array(10_000).fill(1).join(',')}]`;
  refusesCleanly(build(`{"a":{"dtype":"F32","shape":${longShape},"data_offsets":[0,4]}}`, four), /tensor "a": shape has 10000 dimensions; at most 64/);
  // the header length is checked before the header is read
  refusesCleanly(build('{}', [], 100_000_001n), /header length 100000001 is absurd \(limit 100000000 bytes\)/);
});

test('reads foreign dtypes, converting to nabla dtypes', () => {
  const parts: [string, string, number[], Uint8Array][] = [
    ['f64', 'F64', [3], le(Float64Array, [0.1, -2.5, 1e300])],
    // 1, -2, 65504, 2^-24 (smallest subnormal), 2^-15 (subnormal), inf, -0, NaN
    ['f16', 'F16', [8], le(Uint16Array, [0x3c00, 0xc000, 0x7bff, 0x0001, 0x0200, 0x7c00, 0x8000, 0x7e00])],
    ['bf16', 'BF16', [3], le(Uint16Array, [0x3f80, 0xc049, 0xff80])], // 1, -3.140625, -inf
    ['i64', 'I64', [4], le(BigInt64Array as any, [0n, -1n, 2147483647n, -2147483648n] as any)],
    ['i16', 'I16', [2], le(Int16Array, [-32768, 32767])],
    ['i8', 'I8', [2], le(Int8Array, [-128, 127])],
    ['u8', 'U8', [2], le(Uint8Array, [0, 255])],
    ['b', 'BOOL', [3], le(Uint8Array, [1, 0, 2])],
  ];
  let pos = 0;
  const header: Record<string, unknown> = {};
  for (const [k, dtype, shape, data] of parts) header[k] = { dtype, shape, data_offsets: [pos, (pos += data.length)] };
  const data = new Uint8Array(pos);
  pos = 0;
  for (const [, , , d] of parts) data.set(d, (pos += d.length) - d.length);

  const { tensors } = decodeSafetensors(build(header, data));
  const expect = (k: string, dtype: string, values: ArrayLike<number>) => {
    assert.equal(tensors[k].dtype, dtype, k);
    assert.deepEqual(tensors[k].data, values, k);
  };
  expect('f64', 'float32', Float32Array.from([0.1, -2.5, Infinity]));
  expect('f16', 'float32', Float32Array.from([1, -2, 65504, 2 ** -24, 2 ** -15, Infinity, -0, NaN]));
  expect('bf16', 'float32', Float32Array.from([1, -3.140625, -Infinity]));
  expect('i64', 'int32', Int32Array.from([0, -1, 2147483647, -2147483648]));
  expect('i16', 'int32', Int32Array.from([-32768, 32767]));
  expect('i8', 'int32', Int32Array.from([-128, 127]));
  expect('u8', 'int32', Int32Array.from([0, 255]));
  expect('b', 'bool', Uint8Array.from([1, 0, 1]));
});

test('F16 conversion is exact for all 65536 bit patterns', () => {
  const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
  const { tensors } = decodeSafetensors(build({ h: { dtype: 'F16', shape: [65536], data_offsets: [0, 131072] } }, le(Uint16Array, Array.from(all))));
  const got = tensors.h.data;
  for (let h = 0; h < 65536; h++) {
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    const mag = exp === 0x1f ? (frac ? NaN : Infinity) : exp === 0 ? frac * 2 ** -24 : (1 + frac / 1024) * 2 ** (exp - 15);
    const want = h & 0x8000 ? -mag : mag;
    if (!Object.is(got[h], want)) assert.fail(`half 0x${h.toString(16)}: got ${got[h]}, want ${want}`);
  }
});

test('refuses malformed files with a reason', () => {
  const entry = (dtype: unknown, shape: unknown, data_offsets: unknown) => ({ dtype, shape, data_offsets });
  const data24 = new Uint8Array(24);

  refuses(new Uint8Array(5), /buffer is 5 bytes, shorter than the 8-byte/);
  refuses(build('{}', [], 100n), /header length 100 is larger than the file \(2 bytes after/);
  refuses(build('{}', [], 1n << 40n), /header length 1099511627776 is absurd/);
  refuses(build('{}', [], 100_000_001n), /is absurd/);
  refuses(build(Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d])), /header is not valid UTF-8/);
  refuses(build('{"a": '), /header is not valid JSON/);
  refuses(build('[1, 2]'), /header is not a JSON object/);
  refuses(build('42'), /header is not a JSON object/);
  refuses(build('null'), /header is not a JSON object/);

  refuses(build({ w: 5 }), /tensor "w": header entry is not a JSON object/);
  refuses(build({ w: { shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)), /tensor "w": header entry is missing "dtype"/);
  refuses(build({ w: { dtype: 'F32', data_offsets: [0, 4] } }, new Uint8Array(4)), /tensor "w": header entry is missing "shape"/);
  refuses(build({ w: { dtype: 'F32', shape: [1] } }, new Uint8Array(4)), /tensor "w": header entry is missing "data_offsets"/);
  refuses(build({ w: entry(4, [1], [0, 4]) }, new Uint8Array(4)), /tensor "w": "dtype" is not a string/);
  refuses(build({ w: entry('F32', '1', [0, 4]) }, new Uint8Array(4)), /tensor "w": "shape" is not an array/);
  refuses(build({ w: entry('F32', [1], [4]) }, new Uint8Array(4)), /tensor "w": "data_offsets" \[4\] is not \[begin, end\]/);
  refuses(build({ w: entry('F32', [1], ['0', 4]) }, new Uint8Array(4)), /tensor "w": "data_offsets" .* is not \[begin, end\]/);
  refuses(build({ w: entry('F32', [1], [-4, 0]) }, new Uint8Array(4)), /tensor "w": "data_offsets" .* is not \[begin, end\]/);
  refuses(build({ w: entry('F32', [1], [4, 0]) }, new Uint8Array(4)), /tensor "w": data_offsets \[4,0\] end before they begin/);
  refuses(build({ w: entry('F32', [2, -3], [0, 24]) }, data24), /tensor "w": shape \[2,-3\] has dimension -3, not a non-negative integer/);
  refuses(build({ w: entry('F32', [2, 1.5], [0, 12]) }, data24), /tensor "w": shape .* has dimension 1.5, not a non-negative integer/);
  refuses(build({ w: entry('F32', ['2'], [0, 8]) }, data24), /tensor "w": shape .* has dimension "2"/);
  refuses(build({ w: entry('F8_E4M3', [4], [0, 4]) }, new Uint8Array(4)), /tensor "w": unknown dtype "F8_E4M3"/);

  refuses(build({ w: entry('F32', [2, 3], [0, 20]) }, new Uint8Array(20)), /tensor "w": header says \[2,3\] F32 = 24 bytes but data_offsets span 20/);
  refuses(build({ w: entry('F32', [2, 3], [0, 24]) }, new Uint8Array(20)), /file truncated: tensor "w" ends at data byte 24 .* \(4 bytes missing\)/);
  refuses(
    build({ a: entry('F32', [2], [0, 8]), b: entry('F32', [2], [4, 12]) }, new Uint8Array(12)),
    /tensors "a" \[0,8\] and "b" \[4,12\] overlap/,
  );
  refuses(build({ a: entry('F32', [1], [0, 4]), b: entry('F32', [1], [8, 12]) }, new Uint8Array(12)), /hole .* bytes \[4,8\) before tensor "b"/);
  refuses(build({ a: entry('F32', [1], [0, 4]) }, new Uint8Array(6)), /hole .* 2 trailing bytes after the last tensor/);

  refuses(build({ __metadata__: { format: 'pt', epoch: 3 } }), /__metadata__ value for "epoch" is number, not a string/);
  refuses(build({ __metadata__: ['pt'] }), /__metadata__ is not a JSON object/);
  refuses(
    build({ step: entry('I64', [2], [0, 16]) }, le(BigInt64Array as any, [1n, 1n << 40n] as any)),
    /tensor "step": I64 value 1099511627776 at index 1 does not fit in int32/,
  );
  refuses(build({ step: entry('I64', [1], [0, 8]) }, le(BigInt64Array as any, [-(1n << 31n) - 1n] as any)), /I64 value -2147483649/);
});

test('padding, empty tensors sharing an offset and unpadded headers are accepted', () => {
  const header = { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, e: { dtype: 'I32', shape: [0], data_offsets: [4, 4] } };
  const padded = build(JSON.stringify(header) + '      ', le(Float32Array, [2]));
  assert.deepEqual(decodeSafetensors(padded).tensors.a.data, Float32Array.from([2]));
  const e2 = { ...header, z: { dtype: 'BOOL', shape: [0, 2], data_offsets: [4, 4] } };
  assert.deepEqual(decodeSafetensors(build(e2, le(Float32Array, [2]))).tensors.z.shape, [0, 2]);
});

test('encode refuses inconsistent tensors', () => {
  const bad = (tensors: Record<string, unknown>, message: RegExp, metadata?: unknown) =>
    assert.throws(() => encodeSafetensors(tensors as any, metadata as any), { message });
  bad({ w: f32([2, 3], [1, 2]) }, /^safetensors: tensor "w": shape \[2,3\] has 6 elements but data has 2/);
  bad({ w: { dtype: 'float32', shape: [2], data: Int32Array.from([1, 2]) } }, /tensor "w": dtype float32 needs a Float32Array, got Int32Array/);
  bad({ w: { dtype: 'float64', shape: [1], data: Float64Array.from([1]) } }, /tensor "w": unknown nabla dtype "float64"/);
  bad({ w: f32([-1], []) }, /tensor "w": shape \[-1\] must be non-negative integers/);
  bad({ __metadata__: f32([1], [1]) }, /tensor name "__metadata__" is reserved/);
  bad({}, /__metadata__ value for "epoch" is number/, { epoch: 3 });
});

// ---------------------------------------------------------------------------------------------
// Files

const listDir = (d: string) => fs.readdirSync(d).sort();

test('writeFileAtomic writes and replaces, leaving no temp files', () => {
  const d = fs.mkdtempSync(join(dir, 'atomic-'));
  const path = join(d, 'model.safetensors');
  writeFileAtomic(path, Uint8Array.from([1, 2, 3]));
  assert.deepEqual(readFileBytes(path), Uint8Array.from([1, 2, 3]));
  const big = new Uint8Array(3 << 20).map((_, i) => i & 0xff);
  writeFileAtomic(path, big);
  assert.deepEqual(readFileBytes(path), big);
  writeFileAtomic(path, new Uint8Array(0));
  assert.equal(readFileBytes(path).length, 0);
  assert.deepEqual(listDir(d), ['model.safetensors']);
});

test('writeFileAtomic failure leaves the old target intact and no temp files', () => {
  const d = fs.mkdtempSync(join(dir, 'atomic-fail-'));
  // Target is a directory: the rename over it fails.
  const target = join(d, 'ckpt');
  fs.mkdirSync(target);
  fs.writeFileSync(join(target, 'inside'), 'old');
  assert.throws(() => writeFileAtomic(target, Uint8Array.from([9])), { code: 'EISDIR' });
  assert.deepEqual(listDir(d), ['ckpt']);
  assert.equal(fs.readFileSync(join(target, 'inside'), 'utf8'), 'old');

  // Old file present and the disk fills up mid-write.
  const path = join(d, 'model.safetensors');
  fs.writeFileSync(path, 'old contents');
  const enospc = mock.method(fs, 'writeSync', () => {
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  });
  try {
    assert.throws(() => writeFileAtomic(path, new Uint8Array(100)), { code: 'ENOSPC' });
  } finally {
    enospc.mock.restore();
  }
  assert.equal(fs.readFileSync(path, 'utf8'), 'old contents');
  assert.deepEqual(listDir(d), ['ckpt', 'model.safetensors']);

  // Missing directory: nothing is created anywhere.
  assert.throws(() => writeFileAtomic(join(d, 'no', 'such', 'x'), new Uint8Array(1)), { code: 'ENOENT' });
  assert.deepEqual(listDir(d), ['ckpt', 'model.safetensors']);
});

test('readFileBytes explains a missing file', () => {
  const missing = join(dir, 'nope.safetensors');
  assert.throws(() => readFileBytes(missing), { message: `cannot read ${missing}: no such file` });
  assert.throws(() => readFileBytes(dir), { message: `cannot read ${dir}: is a directory` });
});

test('files round trip through encode/decode', () => {
  const path = join(dir, 'roundtrip.safetensors');
  writeFileAtomic(path, encodeSafetensors({ w: f32([2], [1, 2]) }, { epoch: '3' }));
  const { tensors, metadata } = decodeSafetensors(readFileBytes(path));
  assert.deepEqual(tensors.w.data, Float32Array.from([1, 2]));
  assert.deepEqual(metadata, { epoch: '3' });
});

// ---------------------------------------------------------------------------------------------
// Cross-check with PyTorch (Debian's python3-torch): tools/safetensors_check.py

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../../tools/safetensors_check.py', import.meta.url));
const hasTorch = fs.existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

interface PyTensor {
  dtype: string;
  torch_dtype: string;
  shape: number[];
  values: (number | boolean | string)[];
}

function python(mode: 'read' | 'write', file: string): { tensors: Record<string, PyTensor>; metadata: Record<string, string>; header_len?: number } {
  const r = spawnSync(PYTHON, [SCRIPT, mode, file], { encoding: 'utf8' });
  assert.equal(r.status, 0, `safetensors_check.py ${mode} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

const pyNumber = (v: number | boolean | string) =>
  v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : typeof v === 'boolean' ? Number(v) : (v as number);

test('PyTorch reads what nabla writes', (t) => {
  if (!hasTorch) return t.skip('python3-torch not installed');
  const tensors: Record<string, RawTensor> = {
    'conv.weight': f32([2, 1, 2, 2], [0.5, -1, 2, NaN, Infinity, -0, 1e-38, 3.4e38]),
    'bn.num_batches_tracked': i32([], [42]),
    labels: i32([3], [-2147483648, 0, 2147483647]),
    steps: i32([2], [-5, 1 << 30]),
    mask: bool([2, 3], [1, 0, 1, 0, 0, 1]),
    scalar: f32([], [-7.5]),
    empty: f32([0, 4], []),
  };
  const file = join(dir, 'from-nabla.safetensors');
  const int64Keys = (k: string) => k === 'bn.num_batches_tracked' || k === 'steps';
  writeFileAtomic(file, encodeSafetensors(tensors, { format: 'pt', producer: 'nabla' }, { int64Keys }));
  const py = python('read', file);
  assert.deepEqual(py.metadata, { format: 'pt', producer: 'nabla' });
  assert.equal(py.header_len! % 8, 0);
  assert.deepEqual(Object.keys(py.tensors).sort(), Object.keys(tensors).sort());
  const torchDtype = { F32: 'torch.float32', I32: 'torch.int32', I64: 'torch.int64', BOOL: 'torch.bool' } as Record<string, string>;
  for (const [k, raw] of Object.entries(tensors)) {
    const p = py.tensors[k];
    const expected = raw.dtype === 'float32' ? 'F32' : raw.dtype === 'bool' ? 'BOOL' : int64Keys(k) ? 'I64' : 'I32';
    assert.equal(p.dtype, expected, k);
    assert.equal(p.torch_dtype, torchDtype[expected], k);
    assert.deepEqual(p.shape, raw.shape, k);
    assert.deepEqual(p.values.map(pyNumber), Array.from(raw.data), k);
  }
});

test('nabla reads what PyTorch writes', (t) => {
  if (!hasTorch) return t.skip('python3-torch not installed');
  const file = join(dir, 'from-torch.safetensors');
  const py = python('write', file);
  const { tensors, metadata } = decodeSafetensors(readFileBytes(file));
  assert.deepEqual(metadata, py.metadata);
  assert.deepEqual(Object.keys(tensors).sort(), Object.keys(py.tensors).sort());
  for (const [k, p] of Object.entries(py.tensors)) {
    const nablaDtype = p.dtype === 'BOOL' ? 'bool' : p.dtype.startsWith('F') || p.dtype === 'BF16' ? 'float32' : 'int32';
    assert.equal(tensors[k].dtype, nablaDtype, k);
    assert.deepEqual(tensors[k].shape, p.shape, k);
    const values = p.values.map(pyNumber).map((v) => (nablaDtype === 'float32' ? Math.fround(v) : v));
    assert.deepEqual(Array.from(tensors[k].data), values, k);
  }
});

// ---------------------------------------------------------------------------------------------
// Writing F16 and BF16 (floatDtype)

/** The uint16 words of a tensor's bytes in an encoded file. */
function words(bytes: Uint8Array, key: string): number[] {
  const { n, header } = parseHeader(bytes);
  const [begin, end] = header[key].data_offsets as [number, number];
  const view = new DataView(bytes.buffer, bytes.byteOffset + 8 + n + begin, end - begin);
  return Array.from({ length: (end - begin) / 2 }, (_, i) => view.getUint16(2 * i, true));
}

/** float32 values that probe rounding: halfway and near-halfway points, both overflow edges, subnormals, specials, random bit patterns. */
function roundingProbes(): Float32Array {
  const values = [0, -0, 1, -1, 65504, 65519, 65519.996, 65520, -65520, 1e9, 2 ** -24, 2 ** -25, 2 ** -25 * 1.0001, 3 * 2 ** -26, 2 ** -26, 1e-40, -1e-45,
    1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -11 + 2 ** -20, 2 ** -14 - 2 ** -25, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 3.3895e38, 3.4e38, Infinity, -Infinity, NaN, -NaN, Math.PI];
  const out = new Float32Array(values.length + 4000);
  out.set(values);
  const bits = new Uint32Array(out.buffer, values.length * 4);
  let s = 12345;
  for (let i = 0; i < bits.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    // half of them in the half's range (exponents 100..145), half anywhere
    bits[i] = i % 2 ? s : (s & 0x807fffff) | ((100 + (s % 46)) << 23);
  }
  return out;
}

test('F16 write: every half value round-trips bit-exactly, NaN as the quiet NaN', () => {
  const halves = Uint16Array.from({ length: 65536 }, (_, i) => i);
  const { tensors } = decodeSafetensors(build({ h: { dtype: 'F16', shape: [65536], data_offsets: [0, 131072] } }, le(Uint16Array, Array.from(halves))));
  const back = words(encodeSafetensors({ h: tensors.h }, undefined, { floatDtype: 'F16' }), 'h');
  for (let h = 0; h < 65536; h++) {
    const isNaN = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
    const want = isNaN ? (h & 0x8000) | 0x7e00 : h;
    if (back[h] !== want) assert.fail(`half 0x${h.toString(16)}: wrote 0x${back[h]!.toString(16)}, want 0x${want.toString(16)}`);
  }
});

test('F16 and BF16 write round to nearest, ties to even; overflow is inf; header and sizes', () => {
  const x = f32([8], [1 + 2 ** -11, 1 + 3 * 2 ** -11, 65519, 65520, 2 ** -25, 3 * 2 ** -25, 1 + 2 ** -8, 1 + 3 * 2 ** -8]);
  const f16 = encodeSafetensors({ x, n: i32([1], [3]) }, undefined, { floatDtype: 'F16' });
  assert.equal(parseHeader(f16).header.x.dtype, 'F16');
  assert.equal(parseHeader(f16).header.n.dtype, 'I32', 'integer tensors keep their dtype');
  assert.deepEqual(Array.from(decodeSafetensors(f16).tensors.x.data), [1, 1 + 2 ** -9, 65504, Infinity, 0, 2 ** -23, 1 + 2 ** -8, 1 + 3 * 2 ** -8]);
  const bf16 = encodeSafetensors({ x }, undefined, { floatDtype: 'BF16' });
  assert.equal(parseHeader(bf16).header.x.dtype, 'BF16');
  assert.equal(bf16.length - 8 - parseHeader(bf16).n, 16, '2 bytes a value');
  assert.deepEqual(Array.from(decodeSafetensors(bf16).tensors.x.data), [1, 1, 65536, 65536, 2 ** -25, 3 * 2 ** -25, 1, 1 + 2 ** -6]);
  assert.throws(() => encodeSafetensors({ x }, undefined, { floatDtype: 'F8' as 'F16' }), /safetensors: floatDtype must be 'F32', 'F16' or 'BF16', got "F8"/);
});

test('serialize with floatDtype float16 loads back as float32 tensors', () => {
  const t = Tensor.fromData(Float32Array.from([0.1, -2.5, 1000.3]), [3], 'float32');
  const bytes = serialize({ t }, { note: 'half' }, { floatDtype: 'float16' });
  const { tensors, metadata } = deserialize(bytes);
  assert.equal(tensors.t.dtype, 'float32');
  assert.deepEqual(Array.from(tensors.t.dataSync()), [0.0999755859375, -2.5, 1000.5]);
  assert.deepEqual(metadata, { note: 'half' });
  assert.throws(() => serialize({ t }, undefined, { floatDtype: 'half' as 'float16' }), /save: floatDtype must be 'float32', 'float16' or 'bfloat16', got "half"/);
});

test('F16 and BF16 that nabla writes are the bits PyTorch .half() and .bfloat16() give', (t) => {
  if (!hasTorch) return t.skip('python3-torch not installed');
  const x: RawTensor = { dtype: 'float32', shape: [roundingProbes().length], data: roundingProbes() };
  const file = join(dir, 'probes-f32.safetensors');
  writeFileAtomic(file, encodeSafetensors({ x }));
  const r = spawnSync(PYTHON, [SCRIPT, 'halve', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, `safetensors_check.py halve failed:\n${r.stderr}`);
  const torchBits = JSON.parse(r.stdout) as Record<string, { f16: number[]; bf16: number[] }>;
  for (const [dtype, key] of [['F16', 'f16'], ['BF16', 'bf16']] as const) {
    const mine = words(encodeSafetensors({ x }, undefined, { floatDtype: dtype }), 'x');
    const theirs = torchBits.x![key];
    // NaN: any NaN (PyTorch's own bfloat16 NaN differs between its scalar 0x7fc0 and its vectorised 0xffff)
    const isNaN16 = (w: number) => (dtype === 'F16' ? (w & 0x7c00) === 0x7c00 && (w & 0x3ff) !== 0 : (w & 0x7f80) === 0x7f80 && (w & 0x7f) !== 0);
    const same = (w: number, i: number) => w === theirs[i] || (dtype === 'BF16' && Number.isNaN(x.data[i]) && isNaN16(w) && isNaN16(theirs[i]!));
    const bad = mine.flatMap((w, i) => (same(w, i) ? [] : [`${x.data[i]} -> 0x${w.toString(16)}, torch 0x${theirs[i]!.toString(16)}`]));
    assert.deepEqual(bad.slice(0, 5), [], `${dtype}: ${bad.length} of ${mine.length} values differ from PyTorch`);
  }
  // and PyTorch reads nabla's F16 file as torch.float16 with the values nabla reads back
  const halfFile = join(dir, 'probes-f16.safetensors');
  const bytes = encodeSafetensors({ x }, undefined, { floatDtype: 'F16' });
  writeFileAtomic(halfFile, bytes);
  const py = python('read', halfFile);
  assert.equal(py.tensors.x!.torch_dtype, 'torch.float16');
  assert.deepEqual(py.tensors.x!.values.map(pyNumber), Array.from(decodeSafetensors(bytes).tensors.x.data));
});
