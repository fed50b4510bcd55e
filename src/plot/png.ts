// PNG encoding and decoding through the pure-JavaScript `pngjs` package. Node-only.

import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { inflateSync } from 'node:zlib';

import type { RgbaImage } from './plot.js';
import { writeFileAtomic } from '../util/files.js';
import { checkOptions, describeValue, POSITIVE_INTEGER } from '../util/options.js';

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

const COLOR_TYPES: Record<number, { name: string; samples: number; depths: number[] }> = {
  0: { name: 'greyscale', samples: 1, depths: [1, 2, 4, 8, 16] },
  2: { name: 'RGB', samples: 3, depths: [8, 16] },
  3: { name: 'palette', samples: 1, depths: [1, 2, 4, 8] },
  4: { name: 'greyscale+alpha', samples: 2, depths: [8, 16] },
  6: { name: 'RGBA', samples: 4, depths: [8, 16] },
};

// Adam7 passes: x start, y start, x step, y step.
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/** Images above this many pixels are refused unless the caller raises the limit: 2^26 pixels are 256 MB as RGBA. */
const DEFAULT_MAX_PIXELS = 1 << 26;

function checkSignature(bytes: Uint8Array, name: string): void {
  if (bytes.length < SIGNATURE.length || SIGNATURE.some((b, i) => bytes[i] !== b)) {
    const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ');
    throw new Error(
      `PNG: ${name} is not a PNG file: it starts with ${head || '(nothing: the file is empty)'}, ` +
        `a PNG starts with 89 50 4E 47 0D 0A 1A 0A`,
    );
  }
}

/** A PNG's width and height from its IHDR chunk (checked: first, 13 bytes, CRC), without decoding anything else. */
export function readPngSize(bytes: Uint8Array, name = 'image'): { width: number; height: number } {
  checkSignature(bytes, name);
  const at = SIGNATURE.length;
  if (at + 12 + 13 > bytes.length) throw new Error(`PNG: ${name} is truncated: it ends at byte ${bytes.length}, inside the IHDR chunk`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
  if (type !== 'IHDR' || view.getUint32(at) !== 13) {
    throw new Error(`PNG: ${name} is damaged: the first chunk is ${JSON.stringify(type)} of ${view.getUint32(at)} bytes, not IHDR of 13`);
  }
  if (crc32(bytes.subarray(at + 4, at + 8 + 13)) !== view.getUint32(at + 8 + 13)) {
    throw new Error(`PNG: ${name} is damaged: chunk IHDR at byte ${at} fails its CRC check`);
  }
  return { width: view.getUint32(at + 8), height: view.getUint32(at + 12) };
}

/**
 * Check the file's structure and say precisely what is wrong: chunk lengths and CRCs, IHDR first and valid,
 * PLTE where needed, IDAT present and inflating to the size the header implies with valid row filters, IEND
 * last. pngjs reports only the last of a cascade of errors (rarely the cause) and accepts short pixel data.
 */
function checkChunks(bytes: Uint8Array, name: string, maxPixels: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = SIGNATURE.length;
  let first = true;
  const idat: Uint8Array[] = [];
  let sawPalette = false;
  let header: { width: number; height: number; depth: number; colorType: number; interlace: number } | undefined;
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
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      if (length !== 13) throw new Error(`PNG: ${name} is damaged: IHDR is ${length} bytes, not 13`);
      const d = new DataView(data.buffer, data.byteOffset, 13);
      header = { width: d.getUint32(0), height: d.getUint32(4), depth: data[8]!, colorType: data[9]!, interlace: data[12]! };
      const pixels = header.width * header.height;
      if (pixels > maxPixels) {
        throw new Error(`PNG: ${name} is ${header.width}x${header.height} = ${pixels} pixels, more than the limit of ${maxPixels}`);
      }
    } else if (type === 'PLTE') {
      sawPalette = true;
    } else if (type === 'IDAT') {
      idat.push(data);
    }
    at += 12 + length;
    if (type === 'IEND') break;
  }
  const h = header!;
  const ct = COLOR_TYPES[h.colorType];
  if (h.width === 0 || h.height === 0) throw new Error(`PNG: ${name} has an empty size, ${h.width}x${h.height}`);
  if (!ct) throw new Error(`PNG: ${name} has an invalid colour type ${h.colorType}`);
  if (!ct.depths.includes(h.depth)) {
    throw new Error(`PNG: ${name} has an invalid bit depth ${h.depth} for a ${ct.name} image (allowed: ${ct.depths.join(', ')})`);
  }
  if (h.interlace > 1) throw new Error(`PNG: ${name} has an invalid interlace method ${h.interlace}`);
  if (h.colorType === 3 && !sawPalette) throw new Error(`PNG: ${name} is a palette image without a palette (no PLTE chunk)`);
  if (idat.length === 0) throw new Error(`PNG: ${name} has no image data (no IDAT chunk)`);

  const bitsPerPixel = ct.samples * h.depth;
  const passes: [number, number][] =
    h.interlace === 0
      ? [[h.width, h.height]]
      : ADAM7.map(([x0, y0, dx, dy]): [number, number] => [
          h.width > x0 ? Math.ceil((h.width - x0) / dx) : 0,
          h.height > y0 ? Math.ceil((h.height - y0) / dy) : 0,
        ]);
  const needed = passes.reduce((n, [pw, ph]) => n + (pw && ph ? ph * (1 + Math.ceil((pw * bitsPerPixel) / 8)) : 0), 0);
  const image = `a ${h.width}x${h.height} ${h.depth}-bit ${ct.name} image`;
  let pixels: Uint8Array;
  try {
    // Never inflate past what the header implies: a few kilobytes of IDAT can inflate to gigabytes.
    pixels = inflateSync(Buffer.concat(idat), { maxOutputLength: needed });
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new Error(`PNG: ${name} has more pixel data than ${image} needs (${needed} bytes)`);
    }
    throw new Error(`PNG: ${name} has corrupt pixel data (zlib: ${(err as Error).message})`);
  }
  let offset = 0;
  for (const [w, rows] of passes) {
    if (w === 0 || rows === 0) continue;
    const rowBytes = 1 + Math.ceil((w * bitsPerPixel) / 8);
    for (let r = 0; r < rows; r++) {
      if (offset + rowBytes > pixels.length) {
        throw new Error(`PNG: ${name} has too little pixel data: ${pixels.length} bytes, ${image} needs ${needed}`);
      }
      if (pixels[offset]! > 4) {
        throw new Error(`PNG: ${name} has corrupt pixel data: row filter type ${pixels[offset]} (valid: 0 to 4)`);
      }
      offset += rowBytes;
    }
  }
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

/** Write an RGBA image as a PNG file, atomically (util/files.ts's writeFileAtomic); creates the folder. */
export function savePng(path: string, image: RgbaImage): void {
  if (typeof path !== 'string') throw new TypeError(`savePng: the first argument is the file path, got ${describeValue(path)} (savePng(path, image))`);
  const bytes = encodePng(image);
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, bytes);
}

/** A decoded PNG: size, channels and pixels. */
export interface DecodedImage {
  width: number;
  height: number;
  /** 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA: the file's own colour type (palette images give 3, or 4 with transparency). */
  channels: 1 | 2 | 3 | 4;
  /** width*height*channels bytes, 8 bits per sample (16-bit files are scaled down), row-major from the top-left. */
  data: Uint8Array;
}

export interface DecodePngOptions {
  /** Refuse images with more pixels than this, before inflating them (default 2^26, 256 MB as RGBA). */
  maxPixels?: number;
}

/**
 * Decode PNG bytes (grey, grey+alpha, RGB, RGBA or palette; any bit depth; interlaced or not).
 * `name` is used in errors, which start with `PNG:` and give the reason.
 */
export function decodePng(bytes: Uint8Array, name = 'image', options: DecodePngOptions = {}): DecodedImage {
  if (typeof name !== 'string') throw new TypeError(`decodePng: the second argument is the image's name for errors, got ${describeValue(name)} (decodePng(bytes, name, options))`);
  checkOptions('decodePng', options, { maxPixels: POSITIVE_INTEGER });
  checkSignature(bytes, name);
  checkChunks(bytes, name, options.maxPixels ?? DEFAULT_MAX_PIXELS);
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
