import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyNormalizer,
  bertNormalize,
  cleanText,
  isChineseChar,
  isControl,
  isPunctuation,
  isWhitespace,
  normalize,
  normalizerSpec,
  padChineseChars,
  stripAccents,
} from '../../src/text/normalize.js';
import {
  applyDecoder,
  applyPreTokenizer,
  bertPreTokenize,
  byteLevelAlphabet,
  byteLevelPreTokenize,
  byteLevelToText,
  bytesToByteLevel,
  whitespacePunctSplit,
  whitespaceSplit,
} from '../../src/text/pretokenize.js';

test('Unicode forms, lowercasing and accent stripping', () => {
  const decomposed = 'Cafe\u0301'; // e + combining acute
  assert.equal(normalize(decomposed, { unicode: 'NFC' }), 'Café');
  assert.equal(normalize('ﬁ①Ｋ', { unicode: 'NFKC' }), 'fi1K');
  assert.equal(normalize('ﬁ①Ｋ', { unicode: 'NFC' }), 'ﬁ①Ｋ');
  assert.equal(normalize('Crème Brûlée', { lowercase: true }), 'crème brûlée');
  assert.equal(normalize('Crème Brûlée', { stripAccents: true }), 'Creme Brulee');
  assert.equal(normalize('Ångström ÑANDÚ', { unicode: 'NFC', lowercase: true, stripAccents: true }), 'angstrom nandu');
  assert.equal(stripAccents('naïve façade'), 'naive facade');
  // Letters that are not base + combining mark are kept.
  assert.equal(stripAccents('ß ø ł'), 'ß ø ł');
  assert.equal(normalizerSpec({}), null);
  assert.deepEqual(normalizerSpec({ unicode: 'NFKC', lowercase: true }), {
    type: 'Sequence',
    normalizers: [{ type: 'NFKC' }, { type: 'Lowercase' }],
  });
  assert.throws(() => applyNormalizer({ type: 'Replace' } as never, 'x'), /unsupported normalizer/);
});

test("BERT's character classes", () => {
  for (const ch of [' ', '\t', '\n', '\r', '\u00a0', '\u3000']) assert.ok(isWhitespace(ch), JSON.stringify(ch));
  assert.ok(!isWhitespace('a'));
  assert.ok(isControl('\u0000') && isControl('\u200b') && isControl('\u0007'));
  assert.ok(!isControl('\t') && !isControl('\n') && !isControl('a'));
  for (const ch of ['$', '^', '`', '~', '.', '¿', '«', '—', '。']) assert.ok(isPunctuation(ch), ch);
  assert.ok(!isPunctuation('a') && !isPunctuation('1') && !isPunctuation(' '));
  assert.ok(isChineseChar('中'.codePointAt(0)!) && isChineseChar(0x20000));
  assert.ok(!isChineseChar('か'.codePointAt(0)!) && !isChineseChar('한'.codePointAt(0)!));
});

test('BERT cleanup, CJK padding and the BertNormalizer', () => {
  assert.equal(cleanText('a\u0000b\ufffdc\u200bd\te\nf'), 'abcd e f');
  assert.equal(padChineseChars('ab中文cd'), 'ab 中  文 cd');
  // Uncased BERT: lowercase and strip accents.
  assert.equal(bertNormalize('Héllo\tWörld 中国'), 'hello world  中  国 ');
  // Cased: accents kept unless asked.
  assert.equal(bertNormalize('Héllo', { lowercase: false }), 'Héllo');
  assert.equal(bertNormalize('Héllo', { lowercase: true, stripAccents: false }), 'héllo');
});

test('whitespace and punctuation pre-tokenizers', () => {
  assert.deepEqual(whitespaceSplit('  a\tb\u3000c \n'), ['a', 'b', 'c']);
  assert.deepEqual(whitespacePunctSplit("Hey, friend! It's 3.5"), ['Hey', ',', 'friend', '!', 'It', "'", 's', '3', '.', '5']);
  assert.deepEqual(bertPreTokenize("Hello, world! Don't stop…"), ['Hello', ',', 'world', '!', 'Don', "'", 't', 'stop', '…']);
  // CJK chars become words once the normalizer pads them.
  assert.deepEqual(bertPreTokenize(bertNormalize('我爱NLP!')), ['我', '爱', 'nlp', '!']);
  assert.deepEqual(applyPreTokenizer({ type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'BertPreTokenizer' }] }, 'a,b c'), [
    'a',
    ',',
    'b',
    'c',
  ]);
  assert.deepEqual(applyPreTokenizer(null, 'as is'), ['as is']);
});

test('byte-level alphabet and pre-tokenizer match GPT-2', () => {
  const table = byteLevelAlphabet();
  assert.equal(table.length, 256);
  assert.equal(new Set(table).size, 256);
  assert.equal(table[0x20], 'Ġ');
  assert.equal(table[0x0a], 'Ċ');
  assert.equal(table[0x41], 'A');
  assert.equal(bytesToByteLevel('é'), 'Ã©');
  assert.deepEqual(byteLevelPreTokenize("Hello world's  end"), ['Hello', 'Ġworld', "'s", 'Ġ', 'Ġend']);
  assert.deepEqual(byteLevelPreTokenize('hi', { addPrefixSpace: true }), ['Ġhi']);
  for (const s of ['plain ascii', 'héllo wörld', '中文 🎉 ∑', 'tabs\tand\nnewlines  ', '']) {
    assert.equal(byteLevelToText(byteLevelPreTokenize(s).join('')), s);
  }
});

test('decoders', () => {
  assert.equal(applyDecoder({ type: 'ByteLevel' }, ['Hello', 'Ġw', 'Ã¶', 'rld']), 'Hello wörld');
  assert.equal(applyDecoder({ type: 'BPEDecoder', suffix: '</w>' }, ['hel', 'lo</w>', 'wor', 'ld</w>']), 'hello world');
  // HF cleans up each piece on its own, so " ' " between pieces stays (checked against tokenizers 0.23).
  assert.equal(applyDecoder({ type: 'WordPiece', prefix: '##' }, ['un', '##aff', '##able', 'man', ',', 'isn', "'", 't', 'it', '?']), "unaffable man, isn ' t it?");
  assert.equal(applyDecoder({ type: 'WordPiece', cleanup: false }, ['a', '##b', '.']), 'ab .');
  assert.equal(applyDecoder(null, ['a', 'b']), 'a b');
});
