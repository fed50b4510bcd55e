// PNG encoding and decoding through the pure-JavaScript `pngjs` package. Node-only.

import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

import type { RgbaImage } from './plot.js';

export type { RgbaImage } from './plot.js';

// pngjs ships no type declarations; this is the part of its API used here.
interface PngMetadata {
  width: number;
  height: number;
  /** Always 8-bit RGBA after decoding (pngjs normalises every colour type and bit depth). */
  data: Buffer;
  depth: number;
  colorType: number;
  color: boolean;
  alpha: boolean;
  palette: boolean;
}
interface PngjsModule {
  PNG: {
    sync: {
      read(buffer: Buffer, options?: Record<string, unknown>): PngMetadata;
      write(png: { width: number; height: number; data: Uint8Array }, options?: Record<string, unknown>): Buffer;
    };
  };
}

let pngjs: PngjsModule | undefined;
function loadPngjs(): PngjsModule {
  if (!pngjs) {
    try {
      pngjs = createRequire(import.meta.url)('pngjs') as PngjsModule;
    } catch (err) {
      throw new Error(`PNG: the pngjs package is needed for PNG files (npm install pngjs): ${(err as Error).message}`);
    }
  }
  return pngjs;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

let crcTable: Uint32Array | undefined;
function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Walk the chunk structure (lengths, CRCs, IHDR first, IDAT present, IEND last) and say precisely what is wrong;
 * pngjs reports only the last of a cascade of errors, which rarely names the cause.
 */
function checkChunks(bytes: Uint8Array, name: string): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = SIGNATURE.length;
  let first = true;
  let sawIdat = false;
  for (;;) {
    if (at + 8 > bytes.length) {
      throw new Error(`PNG: ${name} is truncated: it ends at byte ${bytes.length} without an IEND chunk`);
    }
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (!/^[A-Za-z]{4}$/.test(type)) {
      throw new Error(`PNG: ${name} is damaged: bad chunk type at byte ${at + 4} (${JSON.stringify(type)})`);
    }
    if (at + 12 + length > bytes.length) {
      throw new Error(
        `PNG: ${name} is truncated: chunk ${type} at byte ${at} needs ${length + 12} bytes, ${bytes.length - at} remain`,
      );
    }
    if (first && type !== 'IHDR') throw new Error(`PNG: ${name} is damaged: the first chunk is ${type}, not IHDR`);
    first = false;
    const stored = view.getUint32(at + 8 + length);
    if (crc32(bytes.subarray(at + 4, at + 8 + length)) !== stored) {
      throw new Error(`PNG: ${name} is damaged: chunk ${type} at byte ${at} fails its CRC check`);
    }
    if (type === 'IDAT') sawIdat = true;
    at += 12 + length;
    if (type === 'IEND') break;
  }
  if (!sawIdat) throw new Error(`PNG: ${name} has no image data (no IDAT chunk)`);
}

function checkImage(image: RgbaImage): void {
  const { width, height, rgba } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`PNG: image size must be positive integers, got ${width}x${height}`);
  }
  if (rgba.length !== width * height * 4) {
    throw new Error(`PNG: a ${width}x${height} RGBA image needs ${width * height * 4} bytes, got ${rgba.length}`);
  }
}

/** Encode an RGBA image as PNG bytes. */
export function encodePng(image: RgbaImage): Buffer {
  checkImage(image);
  return loadPngjs().PNG.sync.write({ width: image.width, height: image.height, data: Buffer.from(image.rgba.buffer, image.rgba.byteOffset, image.rgba.byteLength) });
}

/** Write an RGBA image as a PNG file, atomically (a temporary file renamed into place); creates the folder. */
export function savePng(path: string, image: RgbaImage): void {
  const bytes = encodePng(image);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

export interface DecodedImage {
  width: number;
  height: number;
  /** 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA: the file's own colour type (palette images give 3, or 4 with transparency). */
  channels: 1 | 2 | 3 | 4;
  /** width*height*channels bytes, 8 bits per sample (16-bit files are scaled down), row-major from the top-left. */
  data: Uint8Array;
}

/**
 * Decode PNG bytes (grey, grey+alpha, RGB, RGBA or palette; any bit depth; interlaced or not).
 * `name` is used in errors, which start with `PNG:` and give the reason.
 */
export function decodePng(bytes: Uint8Array, name = 'image'): DecodedImage {
  if (bytes.length < SIGNATURE.length || SIGNATURE.some((b, i) => bytes[i] !== b)) {
    const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ');
    throw new Error(
      `PNG: ${name} is not a PNG file: it starts with ${head || '(nothing: the file is empty)'}, ` +
        `a PNG starts with 89 50 4E 47 0D 0A 1A 0A`,
    );
  }
  checkChunks(bytes, name);
  let png: PngMetadata;
  try {
    png = loadPngjs().PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    throw new Error(`PNG: cannot decode ${name}: ${(err as Error).message || String(err)}`);
  }
  const { width, height, data } = png;
  if (!data || data.length !== width * height * 4) {
    throw new Error(`PNG: cannot decode ${name}: got ${data?.length ?? 0} bytes of pixels for ${width}x${height}`);
  }
  const colour = png.color || png.palette;
  const channels = ((colour ? 3 : 1) + (png.alpha ? 1 : 0)) as 1 | 2 | 3 | 4;
  if (channels === 4) return { width, height, channels, data: new Uint8Array(data) };
  const n = width * height;
  const out = new Uint8Array(n * channels);
  for (let i = 0; i < n; i++) {
    const s = i * 4;
    const d = i * channels;
    if (colour) {
      out[d] = data[s]!;
      out[d + 1] = data[s + 1]!;
      out[d + 2] = data[s + 2]!;
    } else {
      out[d] = data[s]!;
      if (channels === 2) out[d + 1] = data[s + 3]!;
    }
  }
  return { width, height, channels, data: out };
}
