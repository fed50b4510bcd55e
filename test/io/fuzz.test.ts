/**
 * Seeded, time-bounded fuzzing of the file loaders: mutated safetensors (checkpoints too), tokenizer.json, IDX (raw and gzip) and PNG
 * bytes must each either load correctly or fail with a plain `Error` that has a message: never a RangeError or
 * TypeError from inside, never a hang, never a huge allocation.
 *
 *   NABLA_FUZZ_MS     time per format in milliseconds (default 3000)
 *   NABLA_FUZZ_CASES  cap on cases per format (default: as many as the time allows)
 *   NABLA_FUZZ_SEED   seed (default 1); a failure names its seed and case, and case i always gets the same input
 *
 * A longer run, e.g. 10 minutes: NABLA_FUZZ_MS=150000 NABLA_FUZZ_SEED=2 node scripts/run-tests.mjs test/io/fuzz
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync, gzipSync } from 'node:zlib';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';
import { deserialize } from '../../src/io/serialize.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/io/checkpoint.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { tokenizerFromJSON } from '../../src/text/index.js';
import { encodeIdx, parseIdx } from '../../src/data/idx.js';
import { readIdxFile } from '../../src/data/mnist-files.js';
import { decodePng, encodePng } from '../../src/plot/png.js';
import { crc32 } from '../helpers/png-bytes.js';

const MS = Number(process.env.NABLA_FUZZ_MS ?? 3000);
const CASES = Number(process.env.NABLA_FUZZ_CASES ?? Infinity);
const SEED = Number(process.env.NABLA_FUZZ_SEED ?? 1);
/** One load taking longer than this counts as a hang (generous: the suite shares small, busy machines). */
const SLOW_MS = 10_000;
/** Resident memory above this after a case means something allocated for a declared, not a real, size. */
const MAX_RSS = 1.5e9;

const FIXTURES = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'fixtures', 'text');
const dir = mkdtempSync(join(tmpdir(), 'nabla-fuzz-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** mulberry32: a small seeded generator. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)]!;

const HUGE_NUMBERS = [0, 1, 255, 256, 65535, 0x7fffffff, 0x80000000, 0xffffffff, 2 ** 32, 2 ** 53 - 1, 2 ** 53 + 2, 1e308, -1, -(2 ** 31)];

// ---------------------------------------------------------------------------------------------------------------
// Byte mutations

function mutateBytes(r: Rand, input: Uint8Array, donors: readonly Uint8Array[]): { bytes: Uint8Array; how: string } {
  let bytes = Uint8Array.from(input);
  const hows: string[] = [];
  const rounds = 1 + int(r, 3);
  for (let k = 0; k < rounds; k++) {
    const n = bytes.length;
    switch (int(r, 6)) {
      case 0: {
        const flips = 1 + int(r, 4);
        for (let i = 0; i < flips && n > 0; i++) bytes[int(r, n)] ^= 1 << int(r, 8);
        hows.push(`flip ${flips}`);
        break;
      }
      case 1: {
        const at = int(r, n + 1);
        bytes = bytes.slice(0, at);
        hows.push(`truncate ${at}`);
        break;
      }
      case 2: {
        const donor = pick(r, donors);
        const from = int(r, donor.length + 1);
        const piece = donor.subarray(from, from + int(r, 64));
        const at = int(r, n + 1);
        const out = new Uint8Array(n + piece.length);
        out.set(bytes.subarray(0, at));
        out.set(piece, at);
        out.set(bytes.subarray(at), at + piece.length);
        bytes = out;
        hows.push(`splice ${piece.length} at ${at}`);
        break;
      }
      case 3: {
        // a 32-bit big-endian or 64-bit little-endian field set to an extreme value (IDX dims, PNG sizes, lengths)
        const value = pick(r, HUGE_NUMBERS);
        const at = int(r, Math.max(1, n - 8));
        if (n >= 8) {
          const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
          if (r() < 0.5) v.setUint32(at, value >>> 0, false);
          else v.setBigUint64(at, BigInt(Math.max(0, Math.min(Math.floor(value), 2 ** 63))) & ((1n << 64n) - 1n), true);
        }
        hows.push(`number ${value} at ${at}`);
        break;
      }
      case 4: {
        const at = int(r, n + 1);
        const count = 1 + int(r, 16);
        const out = new Uint8Array(n + count);
        out.set(bytes.subarray(0, at));
        for (let i = 0; i < count; i++) out[at + i] = int(r, 256);
        out.set(bytes.subarray(at), at + count);
        bytes = out;
        hows.push(`insert ${count} at ${at}`);
        break;
      }
      default: {
        const from = int(r, n + 1);
        const to = Math.min(n, from + int(r, 32));
        const out = new Uint8Array(n - (to - from));
        out.set(bytes.subarray(0, from));
        out.set(bytes.subarray(to), from);
        bytes = out;
        hows.push(`delete ${from}..${to}`);
      }
    }
  }
  return { bytes, how: hows.join(', ') };
}

// ---------------------------------------------------------------------------------------------------------------
// JSON mutations: replace a random value, add a duplicate key, nest deeply

/** Every [parent, key] of a JSON value (capped), for picking a random node. */
function slots(value: unknown, out: [Record<string, unknown> | unknown[], string | number][] = [], depth = 0): typeof out {
  if (out.length > 5000 || depth > 20 || typeof value !== 'object' || value === null) return out;
  if (Array.isArray(value)) value.forEach((v, i) => (out.push([value, i]), slots(v, out, depth + 1)));
  else for (const [k, v] of Object.entries(value)) out.push([value as Record<string, unknown>, k]), slots(v, out, depth + 1);
  return out;
}

function mutateJson(r: Rand, text: string): { text: string; how: string } {
  const value = JSON.parse(text) as unknown;
  let all = slots(value);
  if (all.length === 0) return { text: '[]', how: 'empty' };
  // Half the time, a node outside long lists (vocab, merges), where the few structural fields live.
  if (r() < 0.5) {
    const sizes = new Map<object, number>();
    const size = (p: object) => sizes.get(p) ?? sizes.set(p, Array.isArray(p) ? p.length : Object.keys(p).length).get(p)!;
    const sparse = all.filter(([parent]) => size(parent) < 32);
    if (sparse.length > 0) all = sparse;
  }
  const [parent, key] = pick(r, all);
  const MARKER = '\u0001FUZZ\u0001';
  const MARK = JSON.stringify(MARKER);
  const kind = int(r, 9);
  let raw: string;
  let how: string;
  const current = (parent as Record<string | number, unknown>)[key];
  if (kind === 0) [raw, how] = ['null', 'null'];
  else if (kind === 1) [raw, how] = [String(pick(r, HUGE_NUMBERS)), 'number'];
  else if (kind === 2) [raw, how] = [JSON.stringify(pick(r, ['', 'A', '[UNK]', '##', '\uFEFF', 'x'.repeat(1000)])), 'string'];
  else if (kind === 3) [raw, how] = [pick(r, ['[]', '{}', '[null]', '[1,2]', '{"type":"Sequence"}', 'true']), 'shape'];
  else if (kind === 4) {
    const depth = pick(r, [20, 100, 10_000, 30_000]);
    [raw, how] = [r() < 0.5 ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth), `nest ${depth}`];
  } else if (kind === 5 && typeof current === 'object' && current !== null && !Array.isArray(current) && Object.keys(current).length > 0) {
    const dupKey = pick(r, Object.keys(current));
    const body = JSON.stringify(current);
    [raw, how] = [`{${JSON.stringify(dupKey)}:${JSON.stringify(pick(r, [null, 0, 'x', []]))},${body.slice(1)}`, `duplicate ${dupKey}`];
  } else if (kind === 6 && !Array.isArray(parent)) {
    delete (parent as Record<string, unknown>)[key as string];
    return { text: JSON.stringify(value), how: `delete ${String(key)}` };
  } else if (kind === 7 && Array.isArray(current)) {
    [raw, how] = [JSON.stringify([...current, ...current.slice(0, 3)]), 'extend'];
  } else [raw, how] = [JSON.stringify(current === undefined ? null : current) ?? 'null', 'same'];
  (parent as Record<string | number, unknown>)[key] = MARKER;
  return { text: JSON.stringify(value).replace(MARK, () => raw), how: `${how} at ${String(key)}` };
}

// ---------------------------------------------------------------------------------------------------------------
// The harness

interface Outcome {
  loaded: number;
  refused: number;
  slowest: number;
  peakRss: number;
}

/** Run cases until the time or count is spent; every outcome must be a checked load or a plain Error with a message. */
function fuzz(format: string, makeCase: (r: Rand) => { how: string; run: () => void }): Outcome {
  const outcome: Outcome = { loaded: 0, refused: 0, slowest: 0, peakRss: 0 };
  const end = performance.now() + MS;
  for (let i = 0; i < CASES && performance.now() < end; i++) {
    const r = rng(SEED * 1_000_003 + i);
    const c = makeCase(r);
    const start = performance.now();
    try {
      c.run();
      outcome.loaded++;
    } catch (err) {
      const where = `${format} seed ${SEED} case ${i} (${c.how})`;
      if (!(err instanceof Error) || err.constructor !== Error || err.message.length === 0) {
        assert.fail(`${where}: ${err instanceof Error ? `${err.constructor.name}: ${err.message}\n${err.stack}` : String(err)}`);
      }
      outcome.refused++;
      if (process.env.NABLA_FUZZ_DEBUG) console.log(`${format}: ${c.how}: ${(err as Error).message.slice(0, 120)}`);
    }
    const ms = performance.now() - start;
    outcome.slowest = Math.max(outcome.slowest, ms);
    assert.ok(ms < SLOW_MS, `${format} seed ${SEED} case ${i} (${c.how}) took ${ms.toFixed(0)} ms`);
    const rss = process.memoryUsage.rss();
    outcome.peakRss = Math.max(outcome.peakRss, rss);
    assert.ok(rss < MAX_RSS, `${format} seed ${SEED} case ${i} (${c.how}): resident memory ${(rss / 1e6).toFixed(0)} MB`);
  }
  console.log(`fuzz ${format}: ${outcome.loaded + outcome.refused} cases, ${outcome.loaded} loaded, ${outcome.refused} refused, slowest ${outcome.slowest.toFixed(1)} ms, peak RSS ${(outcome.peakRss / 1e6).toFixed(0)} MB`);
  assert.ok(outcome.loaded + outcome.refused > 0);
  return outcome;
}

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

test('fuzz: safetensors', () => {
  const seeds = [
    encodeSafetensors(
      {
        w: { dtype: 'float32', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
        b: { dtype: 'int32', shape: [3], data: Int32Array.from([1, -2, 3]) },
        m: { dtype: 'bool', shape: [2, 2], data: Uint8Array.from([1, 0, 0, 1]) },
        e: { dtype: 'float32', shape: [0, 4], data: new Float32Array(0) },
        s: { dtype: 'float32', shape: [], data: Float32Array.from([7]) },
        'bn.num_batches_tracked': { dtype: 'int32', shape: [], data: Int32Array.from([5]) },
      },
      { format: 'pt', model: 'simple' },
      { int64Keys: (k) => k.endsWith('num_batches_tracked') },
    ),
    encodeSafetensors({ ['__proto__']: { dtype: 'float32', shape: [1], data: Float32Array.from([1]) } }),
    encodeCheckpoint({
      epoch: 2,
      model: { 'fc.weight': Tensor.fromData(Float32Array.from([1, 2]), [1, 2], 'float32') },
      optimizer: { state: { 0: { step: 3, exp_avg: Tensor.fromData(Float32Array.from([0.5, 0.25]), [1, 2], 'float32') } }, lr: [0.1, Infinity] },
    }),
  ];
  fuzz('safetensors', (r) => {
    const seed = pick(r, seeds);
    let bytes: Uint8Array;
    let how: string;
    if (r() < 0.5) ({ bytes, how } = mutateBytes(r, seed, seeds));
    else {
      // mutate the header as JSON, keeping the data and fixing the length prefix
      const n = Number(new DataView(seed.buffer, seed.byteOffset).getBigUint64(0, true));
      const m = mutateJson(r, new TextDecoder().decode(seed.subarray(8, 8 + n)));
      const header = new TextEncoder().encode(m.text);
      bytes = new Uint8Array(8 + header.length + seed.length - 8 - n);
      new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
      bytes.set(header, 8);
      bytes.set(seed.subarray(8 + n), 8 + header.length);
      how = `header: ${m.how}`;
    }
    return {
      how,
      run: () => {
        const { tensors, metadata } = decodeSafetensors(bytes);
        for (const t of Object.values(tensors)) assert.equal(t.data.length, numel(t.shape));
        for (const v of Object.values(metadata)) assert.equal(typeof v, 'string');
        const loaded = deserialize(bytes).tensors;
        assert.deepEqual(Object.keys(loaded), Object.keys(tensors));
        if ('nabla.checkpoint' in metadata) assert.equal(typeof decodeCheckpoint(bytes), 'object');
      },
    };
  });
});

test('fuzz: tokenizer.json', () => {
  const seeds = ['bpe', 'charbpe', 'wordpiece'].map((name) => readFileSync(join(FIXTURES, `hf_${name}.tokenizer.json`), 'utf8'));
  const seedBytes = seeds.map((s) => new TextEncoder().encode(s));
  const sample = 'In the beginning [CLS] héllo\uFEFF wörld, 1234 unaffable!! [SEP]';
  fuzz('tokenizer.json', (r) => {
    const i = int(r, seeds.length);
    let text: string;
    let how: string;
    if (r() < 0.25) {
      const m = mutateBytes(r, seedBytes[i]!, seedBytes);
      [text, how] = [new TextDecoder().decode(m.bytes), `bytes: ${m.how}`];
    } else {
      let m = mutateJson(r, seeds[i]!);
      if (r() < 0.3) {
        try {
          const again = mutateJson(r, m.text);
          m = { text: again.text, how: `${m.how}; ${again.how}` };
        } catch {
          // the first mutation made text JSON.parse refuses (deep nesting is parsed fine, so rarely); keep it
        }
      }
      [text, how] = [m.text, `json: ${m.how}`];
    }
    return {
      how,
      run: () => {
        const tok = tokenizerFromJSON(text);
        const ids = tok.encode(sample);
        for (const id of ids) assert.ok(Number.isInteger(id) && id >= 0 && id < tok.vocabSize, `id ${id}`);
        assert.equal(typeof tok.decode(ids), 'string');
        tok.encodeInputs(sample, 'second', { maxLength: 16, padding: false });
      },
    };
  });
});

test('fuzz: IDX, raw and gzip', () => {
  const seeds = [
    encodeIdx([3, 4, 4], Uint8Array.from({ length: 48 }, (_, i) => i)),
    encodeIdx([5], Int32Array.from([1, -2, 3, 4, 5])),
    encodeIdx([2, 3], Float32Array.from([1, 2, 3, 4, 5, 6])),
    encodeIdx([2], Float64Array.from([1, 2])),
    encodeIdx([4], Int16Array.from([1, -2, 3, 4])),
    encodeIdx([3], Int8Array.from([1, -2, 3])),
  ];
  const path = join(dir, 'case-idx-ubyte.gz');
  fuzz('IDX', (r) => {
    const seed = pick(r, seeds);
    const mode = int(r, 3);
    // raw bytes; a valid gzip of mutated content; or mutated gzip bytes
    const m = mutateBytes(r, mode === 2 ? gzipSync(seed) : seed, seeds);
    const bytes = mode === 1 ? gzipSync(m.bytes) : m.bytes;
    return {
      how: `${['raw', 'gzip of', 'gzip bytes'][mode]}: ${m.how}`,
      run: () => {
        let parsed;
        if (mode === 0) parsed = parseIdx(bytes, 'case');
        else {
          writeFileSync(path, bytes);
          parsed = readIdxFile(path);
        }
        assert.equal(parsed.data.length, numel(parsed.dims));
      },
    };
  });
});

test('fuzz: PNG', () => {
  const rgba = Uint8Array.from({ length: 5 * 4 * 4 }, (_, i) => (i * 37) & 255);
  // 8-bit greyscale 6x3, unfiltered rows (filter byte 0 first), built by hand through deflate
  const greyRows = Uint8Array.from({ length: 3 * 7 }, (_, i) => (i % 7 === 0 ? 0 : i * 11));
  const seeds = [encodePng({ width: 5, height: 4, rgba }), encodePng({ width: 1, height: 1, rgba: new Uint8Array(4) }), pngWithIdat(6, 3, deflateSync(greyRows))];
  fuzz('PNG', (r) => {
    const m = mutateBytes(r, pick(r, seeds), seeds);
    const fixCrc = r() < 0.6; // most flips would otherwise stop at the CRC check
    const bytes = fixCrc ? withFixedCrcs(m.bytes) : m.bytes;
    return {
      how: `${m.how}${fixCrc ? ', CRCs fixed' : ''}`,
      run: () => {
        const image = decodePng(bytes, 'case.png');
        assert.equal(image.data.length, image.width * image.height * image.channels);
      },
    };
  });
});

/** The chunks' CRCs recomputed where the chunk lengths allow, so mutations reach the checks past the CRC. */
function withFixedCrcs(input: Uint8Array): Uint8Array {
  const bytes = Uint8Array.from(input);
  const v = new DataView(bytes.buffer);
  for (let at = 8; at + 12 <= bytes.length; ) {
    const length = v.getUint32(at);
    if (at + 12 + length > bytes.length) break;
    v.setUint32(at + 8 + length, crc32(bytes.subarray(at + 4, at + 8 + length)));
    at += 12 + length;
  }
  return bytes;
}

/** An 8-bit greyscale PNG with the given zlib stream as its only IDAT. */
function pngWithIdat(width: number, height: number, idat: Uint8Array): Uint8Array {
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr.set([8, 0, 0, 0, 0], 8);
  const chunk = (type: string, data: Uint8Array) => {
    const out = new Uint8Array(12 + data.length);
    new DataView(out.buffer).setUint32(0, data.length);
    out.set(Buffer.from(type, 'ascii'), 4);
    out.set(data, 8);
    new DataView(out.buffer).setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
    return out;
  };
  return Buffer.concat([Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))]);
}
