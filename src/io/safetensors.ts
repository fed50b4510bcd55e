// The safetensors format (https://huggingface.co/docs/safetensors) as pure bytes, browser-safe.
// Layout: u64 little-endian header length N, N bytes of UTF-8 JSON header (space-padded),
// then the data buffer: every tensor little-endian, row-major, back to back with no holes.

import { jsonStructureProblem } from './json-check.js';

export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** A tensor as nabla stores it; 'bool' is a Uint8Array of 0/1. */
export interface RawTensor {
  dtype: 'float32' | 'int32' | 'bool';
  shape: number[];
  data: Float32Array | Int32Array | Uint8Array;
}

export interface EncodeSafetensorsOptions {
  /** Write these int32 tensors as I64 (PyTorch keeps e.g. BatchNorm's num_batches_tracked as int64). */
  int64Keys?: (key: string) => boolean;
  /** Write float32 tensors as F16 or BF16 (rounded to nearest, ties to even, as PyTorch's .half() and .bfloat16()): half the bytes. */
  floatDtype?: 'F32' | 'F16' | 'BF16';
}

const ITEMSIZE: Record<SafetensorsDType, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
const MAX_HEADER = 100_000_000; // the reference implementation's limit too
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const METADATA = '__metadata__';
// A header is an object of objects holding flat arrays: 3 levels; anything much deeper is not a safetensors header.
const MAX_HEADER_DEPTH = 16;
const MAX_DIMS = 64;

function fail(message: string): never {
  throw new Error(`safetensors: ${message}`);
}

const quote = (s: string): string => JSON.stringify(s);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function checkMetadata(metadata: unknown): [string, string][] {
  if (!isObject(metadata)) fail(`${METADATA} is not a JSON object`);
  const entries = Object.entries(metadata);
  for (const [k, v] of entries) {
    if (typeof v !== 'string') fail(`${METADATA} value for ${quote(k)} is ${v === null ? 'null' : typeof v}, not a string`);
  }
  return entries as [string, string][];
}

// ---------------------------------------------------------------------------------------------
// Encoding

export function encodeSafetensors(
  tensors: Record<string, RawTensor>,
  metadata?: Record<string, string>,
  options: EncodeSafetensorsOptions = {},
): Uint8Array {
  // Plain code-unit sort; matches Python's sorted() for every name without astral characters.
  const floatDtype = options.floatDtype ?? 'F32';
  if (!['F32', 'F16', 'BF16'].includes(floatDtype)) fail(`floatDtype must be 'F32', 'F16' or 'BF16', got ${quote(String(floatDtype))}`);
  const keys = Object.keys(tensors).sort();
  const fields: string[] = [];
  if (metadata !== undefined && Object.keys(metadata).length > 0) {
    checkMetadata(metadata);
    fields.push(`${quote(METADATA)}:${JSON.stringify(metadata)}`);
  }
  let offset = 0;
  const layout = keys.map((key) => {
    if (key === METADATA) fail(`tensor name ${quote(METADATA)} is reserved`);
    const t = tensors[key];
    const where = `tensor ${quote(key)}`;
    if (!Array.isArray(t.shape) || !t.shape.every(isIndex)) fail(`${where}: shape ${JSON.stringify(t.shape)} must be non-negative integers`);
    const expected = { float32: Float32Array, int32: Int32Array, bool: Uint8Array }[t.dtype];
    if (expected === undefined) fail(`${where}: unknown nabla dtype ${quote(String(t.dtype))}`);
    if (!(t.data instanceof expected)) fail(`${where}: dtype ${t.dtype} needs a ${expected.name}, got ${t.data?.constructor?.name}`);
    const n = numel(t.shape);
    if (t.data.length !== n) fail(`${where}: shape [${t.shape.join(',')}] has ${n} elements but data has ${t.data.length}`);
    const st: SafetensorsDType =
      t.dtype === 'float32' ? floatDtype : t.dtype === 'bool' ? 'BOOL' : options.int64Keys?.(key) ? 'I64' : 'I32';
    const begin = offset;
    offset += n * ITEMSIZE[st];
    fields.push(`${quote(key)}:{"dtype":"${st}","shape":[${t.shape.join(',')}],"data_offsets":[${begin},${offset}]}`);
    return { t, st, begin };
  });

  const json = new TextEncoder().encode(`{${fields.join(',')}}`);
  const n = json.length + ((8 - (json.length % 8)) % 8); // pad so the data buffer starts 8-byte aligned
  const out = new Uint8Array(8 + n + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + n);

  for (const { t, st, begin } of layout) {
    const pos = 8 + n + begin;
    const data = t.data;
    if (st === 'BOOL') {
      for (let i = 0; i < data.length; i++) out[pos + i] = data[i] ? 1 : 0;
    } else if (st === 'I64') {
      for (let i = 0; i < data.length; i++) {
        view.setInt32(pos + 8 * i, data[i], true);
        view.setInt32(pos + 8 * i + 4, data[i] < 0 ? -1 : 0, true);
      }
    } else if (st === 'F16') {
      for (let i = 0; i < data.length; i++) view.setUint16(pos + 2 * i, floatToHalfBits(data[i]!), true);
    } else if (st === 'BF16') {
      for (let i = 0; i < data.length; i++) view.setUint16(pos + 2 * i, floatToBfloat16Bits(data[i]!), true);
    } else if (LITTLE_ENDIAN) {
      out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), pos);
    } else if (st === 'F32') {
      for (let i = 0; i < data.length; i++) view.setFloat32(pos + 4 * i, data[i], true);
    } else {
      for (let i = 0; i < data.length; i++) view.setInt32(pos + 4 * i, data[i], true);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Decoding

interface Entry {
  key: string;
  dtype: SafetensorsDType;
  shape: number[];
  begin: number;
  end: number;
}

/** Tensors and metadata of a safetensors file, in prototype-free records (a tensor may be named "__proto__"). */
export function decodeSafetensors(bytes: Uint8Array): { tensors: Record<string, RawTensor>; metadata: Record<string, string> } {
  if (bytes.length < 8) fail(`buffer is ${bytes.length} bytes, shorter than the 8-byte header length prefix`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER)) fail(`header length ${n64} is absurd (limit ${MAX_HEADER} bytes); not a safetensors file?`);
  const n = Number(n64);
  if (8 + n > bytes.length) fail(`header length ${n} is larger than the file (${bytes.length - 8} bytes after the length prefix)`);

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    fail('header is not valid UTF-8');
  }
  const problem = jsonStructureProblem(text, MAX_HEADER_DEPTH);
  if (problem !== null) fail(`header: ${problem}`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(header)) fail(`header is not a JSON object`);

  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  let metadata: [string, string][] = [];
  const entries: Entry[] = [];
  for (const [key, info] of Object.entries(header)) {
    if (key === METADATA) {
      metadata = checkMetadata(info);
      continue;
    }
    const where = `tensor ${quote(key)}`;
    if (!isObject(info)) fail(`${where}: header entry is not a JSON object`);
    for (const field of ['dtype', 'shape', 'data_offsets']) {
      if (!(field in info)) fail(`${where}: header entry is missing "${field}"`);
    }
    const { dtype, shape, data_offsets: offsets } = info;
    if (typeof dtype !== 'string') fail(`${where}: "dtype" is not a string`);
    if (!Object.hasOwn(ITEMSIZE, dtype)) fail(`${where}: unknown dtype ${quote(dtype)} (nabla reads ${Object.keys(ITEMSIZE).join(', ')})`);
    if (!Array.isArray(shape)) fail(`${where}: "shape" is not an array`);
    if (shape.length > MAX_DIMS) fail(`${where}: shape has ${shape.length} dimensions; at most ${MAX_DIMS} are supported`);
    for (const d of shape) {
      if (!isIndex(d)) fail(`${where}: shape ${JSON.stringify(shape)} has dimension ${JSON.stringify(d)}, not a non-negative integer`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex)) {
      fail(`${where}: "data_offsets" ${JSON.stringify(offsets)} is not [begin, end] of non-negative integers`);
    }
    const [begin, end] = offsets as [number, number];
    if (end < begin) fail(`${where}: data_offsets [${begin},${end}] end before they begin`);
    const st = dtype as SafetensorsDType;
    const size = numel(shape as number[]) * ITEMSIZE[st];
    if (end - begin !== size) {
      fail(`${where}: header says [${shape.join(',')}] ${st} = ${size} bytes but data_offsets span ${end - begin}`);
    }
    entries.push({ key, dtype: st, shape: shape as number[], begin, end });
  }

  let furthest: Entry | undefined;
  for (const e of entries) if (e.end > dataLen && (!furthest || e.end > furthest.end)) furthest = e;
  if (furthest) {
    fail(
      `file truncated: tensor ${quote(furthest.key)} ends at data byte ${furthest.end} but the data buffer has ` +
        `${dataLen} bytes (${furthest.end - dataLen} bytes missing)`,
    );
  }
  // The spec forbids overlaps and holes: sorted by offset, each tensor must start where the last ended.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  let prev: Entry | undefined;
  for (const e of sorted) {
    if (e.begin < pos) {
      fail(`tensors ${quote(prev!.key)} [${prev!.begin},${prev!.end}] and ${quote(e.key)} [${e.begin},${e.end}] overlap`);
    }
    if (e.begin > pos) fail(`hole in the data buffer: bytes [${pos},${e.begin}) before tensor ${quote(e.key)} belong to no tensor`);
    pos = e.end;
    prev = e;
  }
  if (pos < dataLen) fail(`hole in the data buffer: ${dataLen - pos} trailing bytes after the last tensor belong to no tensor`);

  const tensors = entries.map(({ key, dtype, shape, begin, end }): [string, RawTensor] => [
    key,
    { shape, ...convert(key, dtype, bytes.subarray(dataStart + begin, dataStart + end), numel(shape)) },
  ]);
  // metadata: fromEntries, not assignment, so a "__proto__" key stays an ordinary own key.
  return { tensors: prototypeFree(tensors), metadata: Object.fromEntries(metadata) };
}

/** A record without a prototype: "__proto__" is an ordinary key, and absent keys like "toString" read undefined. */
export function prototypeFree<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  for (const [k, v] of entries) out[k] = v;
  return out;
}

function convert(key: string, dtype: SafetensorsDType, src: Uint8Array, n: number): Pick<RawTensor, 'dtype' | 'data'> {
  const v = new DataView(src.buffer, src.byteOffset, src.byteLength);
  switch (dtype) {
    case 'BOOL':
      return { dtype: 'bool', data: Uint8Array.from(src, (b) => (b ? 1 : 0)) };
    case 'F32':
    case 'F64':
    case 'F16':
    case 'BF16': {
      const out = new Float32Array(n);
      const bits = new Uint32Array(out.buffer); // writes float32 bit patterns, same host endianness as `out`
      if (dtype === 'F32' && LITTLE_ENDIAN) new Uint8Array(out.buffer).set(src);
      else if (dtype === 'F32') for (let i = 0; i < n; i++) out[i] = v.getFloat32(4 * i, true);
      else if (dtype === 'F64') for (let i = 0; i < n; i++) out[i] = v.getFloat64(8 * i, true);
      else if (dtype === 'F16') for (let i = 0; i < n; i++) bits[i] = halfToFloatBits(v.getUint16(2 * i, true));
      else for (let i = 0; i < n; i++) bits[i] = v.getUint16(2 * i, true) << 16;
      return { dtype: 'float32', data: out };
    }
    default: {
      const out = new Int32Array(n);
      if (dtype === 'I32' && LITTLE_ENDIAN) new Uint8Array(out.buffer).set(src);
      else if (dtype === 'I32') for (let i = 0; i < n; i++) out[i] = v.getInt32(4 * i, true);
      else if (dtype === 'I16') for (let i = 0; i < n; i++) out[i] = v.getInt16(2 * i, true);
      else if (dtype === 'I8') for (let i = 0; i < n; i++) out[i] = v.getInt8(i);
      else if (dtype === 'U8') out.set(src);
      else {
        for (let i = 0; i < n; i++) {
          const lo = v.getInt32(8 * i, true);
          // In int32 range exactly when the high word is the sign extension of the low word.
          if (v.getInt32(8 * i + 4, true) !== lo >> 31) {
            fail(`tensor ${quote(key)}: I64 value ${v.getBigInt64(8 * i, true)} at index ${i} does not fit in int32`);
          }
          out[i] = lo;
        }
      }
      return { dtype: 'int32', data: out };
    }
  }
}

/** IEEE half -> float32 bit pattern (exact: every half is a float32). */
function halfToFloatBits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  let frac = h & 0x3ff;
  if (exp === 0x1f) return sign | 0x7f800000 | (frac && 0x400000 | (frac << 13)); // inf; NaN quieted, payload kept, as hardware does
  if (exp !== 0) return sign | ((exp + 112) << 23) | (frac << 13);
  if (frac === 0) return sign;
  let e = 113; // subnormal: normalize; 2^-14 has float32 biased exponent 113
  while (!(frac & 0x400)) {
    frac <<= 1;
    e--;
  }
  return sign | (e << 23) | ((frac & 0x3ff) << 13);
}

const f32 = new Float32Array(1);
const f32Bits = new Uint32Array(f32.buffer);

/** float32 -> IEEE half bit pattern, rounded to nearest with ties to even; too large becomes inf, NaN stays NaN. */
function floatToHalfBits(x: number): number {
  f32[0] = x;
  const b = f32Bits[0]!;
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const frac = b & 0x7fffff;
  if (exp === 0xff) return sign | (frac ? 0x7e00 : 0x7c00); // NaN: PyTorch's quiet NaN, sign kept
  const e = exp - 112; // the half's biased exponent
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // subnormal half (or zero): the value in units of 2^-24, the implicit 1 made explicit
    if (e < -10) return sign;
    const m = frac | 0x800000;
    const shift = 14 - e;
    const half = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const midpoint = 1 << (shift - 1);
    return sign | (half + (rest > midpoint || (rest === midpoint && half & 1) ? 1 : 0));
  }
  const half = (e << 10) | (frac >>> 13);
  const rest = frac & 0x1fff;
  // a carry out of the fraction steps the exponent up, and into inf from the largest binade: both right
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && half & 1) ? 1 : 0));
}

/** float32 -> bfloat16 bit pattern (the top 16 bits), rounded to nearest with ties to even; NaN becomes PyTorch's 0x7fc0. */
function floatToBfloat16Bits(x: number): number {
  f32[0] = x;
  const b = f32Bits[0]!;
  if ((b & 0x7fffffff) > 0x7f800000) return 0x7fc0;
  return (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
}
