// The IDX file format (used by MNIST, Fashion-MNIST, KMNIST, QMNIST...), parsed from raw bytes.
// Pure byte manipulation: safe in Node and in the browser.
//
// Layout: a 4-byte magic number 0x00 0x00 <type> <ndims>, then ndims 32-bit big-endian sizes,
// then the data, big-endian, in row-major order.
//   type 0x08 unsigned byte, 0x09 signed byte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64.

/** The typed arrays an IDX file's element types map to. */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A decoded IDX file: its shape, element type and data. */
export interface IdxArray {
  /** Sizes of each dimension, outermost first (e.g. [60000, 28, 28]). */
  dims: number[];
  /** The elements in row-major order, converted to the host's byte order. */
  data: IdxData;
}

/** The IDX element type names. */
export type IdxTypeName = 'ubyte' | 'byte' | 'short' | 'int' | 'float' | 'double';

interface IdxType {
  name: IdxTypeName;
  size: number;
}

const TYPES: Record<number, IdxType> = {
  0x08: { name: 'ubyte', size: 1 },
  0x09: { name: 'byte', size: 1 },
  0x0b: { name: 'short', size: 2 },
  0x0c: { name: 'int', size: 4 },
  0x0d: { name: 'float', size: 4 },
  0x0e: { name: 'double', size: 8 },
};

const TYPE_CODES: Record<IdxTypeName, number> = { ubyte: 0x08, byte: 0x09, short: 0x0b, int: 0x0c, float: 0x0d, double: 0x0e };

function hex(byte: number): string {
  return '0x' + byte.toString(16).padStart(2, '0').toUpperCase();
}

function hexBytes(bytes: Uint8Array, n: number): string {
  return Array.from(bytes.subarray(0, n), hex).join(' ');
}

/** Whether the bytes start with the gzip magic number (0x1F 0x8B). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The IDX element type that a typed array holds ('ubyte' for a Uint8Array, as in MNIST images and labels). */
export function idxTypeName(data: IdxData): IdxTypeName {
  if (data instanceof Uint8Array) return 'ubyte';
  if (data instanceof Int8Array) return 'byte';
  if (data instanceof Int16Array) return 'short';
  if (data instanceof Int32Array) return 'int';
  if (data instanceof Float32Array) return 'float';
  return 'double';
}

/** What an IDX header declares. */
export interface IdxHeader {
  type: IdxTypeName;
  dims: number[];
  /** 4 + 4 per dimension. */
  headerBytes: number;
  /** The size of the data the dims declare (may exceed what any buffer can hold: check it before allocating). */
  dataBytes: number;
}

/**
 * Read an IDX header (the magic number and the dims) from the start of a file, without touching the data, so a
 * caller can check the declared sizes before allocating anything. Errors start with `IDX:` and name the file.
 */
export function parseIdxHeader(bytes: Uint8Array, name = 'IDX file'): IdxHeader {
  if (bytes.length < 4) {
    throw new Error(
      `IDX: ${name} is too short to be an IDX file: ${bytes.length} byte${bytes.length === 1 ? '' : 's'}, ` +
        `but the header alone needs at least 4 (magic number) plus 4 per dimension`,
    );
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const hint = isGzip(bytes)
      ? ' (the file is gzip-compressed: decompress it first, or read it with readIdxFile, which does)'
      : '';
    throw new Error(
      `IDX: ${name} has the wrong magic number: its first 4 bytes are ${hexBytes(bytes, 4)}, ` +
        `expected 0x00 0x00 <type> <ndims>${hint}`,
    );
  }
  const typeCode = bytes[2]!;
  const type = TYPES[typeCode];
  if (!type) {
    throw new Error(
      `IDX: ${name} declares unknown element type ${hex(typeCode)} (magic ${hexBytes(bytes, 4)}); known types are ` +
        `0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int, 0x0D float, 0x0E double`,
    );
  }
  const ndims = bytes[3]!;
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new Error(
      `IDX: ${name} is too short: its magic number declares ${ndims} dimension${ndims === 1 ? '' : 's'}, ` +
        `so the header needs ${headerBytes} bytes, but the file has only ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    count *= d;
  }
  return { type: type.name, dims, headerBytes, dataBytes: count * type.size };
}

/** `[60000, 28, 28] of ubyte`: a header's shape for messages. */
export function describeIdxHeader(header: IdxHeader): string {
  return `[${header.dims.join(', ')}] of ${header.type}`;
}

/**
 * Parse an IDX file's bytes into its dimensions and a typed array of its elements.
 * `name` (a file name or path) is used in error messages, which all start with `IDX:`.
 */
export function parseIdx(bytes: Uint8Array, name = 'IDX file'): IdxArray {
  const header = parseIdxHeader(bytes, name);
  const { headerBytes, dataBytes } = header;
  const found = bytes.length - headerBytes;
  const shape = describeIdxHeader(header);
  if (found < dataBytes) {
    throw new Error(
      `IDX: ${name} is truncated: expected ${dataBytes} bytes of data after the ${headerBytes}-byte header ` +
        `(${shape}), found ${found}`,
    );
  }
  if (found > dataBytes) {
    throw new Error(
      `IDX: ${name} has ${found - dataBytes} byte${found - dataBytes === 1 ? '' : 's'} of trailing garbage: expected ${dataBytes} bytes of data after ` +
        `the ${headerBytes}-byte header (${shape}), found ${found}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { dims: header.dims, data: decodeData(bytes, view, headerBytes, dataBytes / TYPES[bytes[2]!]!.size, bytes[2]!) };
}

function decodeData(bytes: Uint8Array, view: DataView, offset: number, count: number, typeCode: number): IdxData {
  switch (typeCode) {
    case 0x08:
      // Copies (new TypedArray(typedArray) copies), so the result neither aliases nor pins the caller's buffer.
      return new Uint8Array(bytes.subarray(offset, offset + count));
    case 0x09: {
      const out = new Int8Array(count);
      out.set(new Int8Array(bytes.buffer, bytes.byteOffset + offset, count));
      return out;
    }
    case 0x0b: {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(offset + 2 * i, false);
      return out;
    }
    case 0x0c: {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(offset + 4 * i, false);
      return out;
    }
    case 0x0d: {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, false);
      return out;
    }
    default: {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i, false);
      return out;
    }
  }
}

/** Encode dims and data as IDX bytes (the inverse of parseIdx); the element type follows the typed array's type. */
export function encodeIdx(dims: readonly number[], data: IdxData): Uint8Array {
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new Error(`IDX: cannot encode ${data.length} elements as dims [${dims.join(', ')}] (${count} elements)`);
  }
  if (dims.length > 255) throw new Error(`IDX: at most 255 dimensions, got ${dims.length}`);
  const typeCode = TYPE_CODES[idxTypeName(data)];
  const size = TYPES[typeCode]!.size;
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + count * size);
  const view = new DataView(out.buffer);
  out[2] = typeCode;
  out[3] = dims.length;
  dims.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) throw new Error(`IDX: bad dimension size ${d}`);
    view.setUint32(4 + 4 * i, d, false);
  });
  for (let i = 0; i < count; i++) {
    const v = data[i]!;
    const at = header + i * size;
    switch (typeCode) {
      case 0x08: view.setUint8(at, v); break;
      case 0x09: view.setInt8(at, v); break;
      case 0x0b: view.setInt16(at, v, false); break;
      case 0x0c: view.setInt32(at, v, false); break;
      case 0x0d: view.setFloat32(at, v, false); break;
      default: view.setFloat64(at, v, false);
    }
  }
  return out;
}
