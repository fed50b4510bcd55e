import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BERT_SPECIAL_TOKENS, SEQ2SEQ_SPECIAL_TOKENS, Vocab } from '../../src/text/vocab.js';

const sentences = [
  ['the', 'cat', 'sat', 'on', 'the', 'mat'],
  ['the', 'dog', 'sat'],
  ['a', 'cat', 'and', 'a', 'dog'],
];

test('fromCounts: specials first ([PAD]=0), then by count with code point ties', () => {
  const v = Vocab.fromSentences(sentences);
  assert.deepEqual(v.tokens.slice(0, 5), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
  assert.equal(v.padId, 0);
  assert.equal(v.unkId, 1);
  assert.equal(v.clsId, 2);
  assert.equal(v.bosId, 2);
  assert.equal(v.sepId, 3);
  assert.equal(v.eosId, 3);
  assert.equal(v.maskId, 4);
  // the:3; a, cat, dog, sat: 2 (code point order); and, mat, on: 1.
  assert.deepEqual(v.tokens.slice(5), ['the', 'a', 'cat', 'dog', 'sat', 'and', 'mat', 'on']);
  assert.deepEqual(v.counts.slice(5), [3, 2, 2, 2, 2, 1, 1, 1]);
  assert.equal(v.count('cat'), 2);
  assert.equal(v.count('zebra'), 0);
  assert.ok(v.frequencySorted);
  // Input order does not matter.
  const reversed = Vocab.fromSentences([...sentences].reverse().map((s) => [...s].reverse()));
  assert.deepEqual(reversed.tokens, v.tokens);
});

test('minFreq, maxSize and custom specials', () => {
  const v = Vocab.fromSentences(sentences, { minFreq: 2 });
  assert.deepEqual(v.tokens.slice(5), ['the', 'a', 'cat', 'dog', 'sat']);
  const small = Vocab.fromSentences(sentences, { maxSize: 7 });
  assert.equal(small.size, 7);
  assert.deepEqual(small.tokens.slice(5), ['the', 'a']);
  const s2s = Vocab.fromSentences(sentences, { specials: SEQ2SEQ_SPECIAL_TOKENS });
  assert.deepEqual(s2s.tokens.slice(0, 4), ['<pad>', '<unk>', '<s>', '</s>']);
  assert.equal(s2s.maskId, -1);
  const none = Vocab.fromSentences(sentences, { specials: null });
  assert.equal(none.tokens[0], 'the');
  assert.equal(none.unkId, -1);
  assert.throws(() => none.id('zebra'), /no unknown token/);
  const extra = Vocab.fromSentences(sentences, { specials: { ...BERT_SPECIAL_TOKENS, extra: ['<sep2>'] } });
  assert.equal(extra.tokens[5], '<sep2>');
  assert.ok(extra.isSpecial(5));
  assert.throws(() => Vocab.fromSentences(sentences, { maxSize: 3 }), /smaller than the 5 special tokens/);
});

test('encode / decode', () => {
  const v = Vocab.fromSentences(sentences);
  const ids = v.encode(['the', 'zebra', 'sat'], { addBos: true, addEos: true });
  assert.deepEqual(ids, [2, 5, 1, 9, 3]);
  assert.deepEqual(v.decode(ids), ['[CLS]', 'the', '[UNK]', 'sat', '[SEP]']);
  assert.deepEqual(v.decode(ids, { skipSpecial: true }), ['the', 'sat']);
  assert.throws(() => v.token(99), RangeError);
  assert.equal(v.get('zebra'), undefined);
  const w = v.withToken('zebra', 7);
  assert.equal(w.id('zebra'), v.size);
  assert.equal(w.count('zebra'), 7);
  assert.equal(v.withToken('the'), v);
});

test('vocab.txt and JSON round trips', () => {
  const v = Vocab.fromSentences(sentences);
  const text = v.toText();
  assert.equal(text.split('\n').length, v.size + 1);
  const back = Vocab.fromText(text);
  assert.deepEqual(back.tokens, v.tokens);
  assert.equal(back.unkId, 1);
  assert.equal(back.maskId, 4);
  // CRLF and a missing final newline are fine; specials absent from the file are left out.
  const crlf = Vocab.fromText('[PAD]\r\n[UNK]\r\nhello\r\nworld');
  assert.deepEqual(crlf.tokens, ['[PAD]', '[UNK]', 'hello', 'world']);
  assert.equal(crlf.clsId, -1);
  const json = Vocab.fromJSON(JSON.parse(JSON.stringify(v.toJSON())));
  assert.deepEqual(json.tokens, v.tokens);
  assert.deepEqual(json.counts, v.counts);
  assert.equal(json.sepId, 3);
  assert.throws(() => new Vocab(['a', 'b', 'a']), /duplicate token/);
  assert.throws(() => new Vocab(['a'], { specials: { unk: '[UNK]' } }), /not in the vocabulary/);
  assert.throws(() => new Vocab(['a\nb']).toText(), /line break/);
});
