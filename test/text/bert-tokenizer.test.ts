import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bertNormalize, normalizeAligned } from '../../src/text/normalize.js';
import { parsePairsTsv } from '../../src/text/pairs.js';
import { BertTokenizer, vocabFromMarkedTokens } from '../../src/text/wordpiece.js';
import { loadSentimentSet } from '../../src/models/bert/finetune-data.js';

const FIXTURES = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'fixtures', 'text');
const bert = BertTokenizer.bertBaseUncased({ padding: false });

test('bertBaseUncased: the ids of bert-base-uncased vocab.txt', () => {
  assert.equal(bert.vocabSize, 30522);
  assert.deepEqual([bert.padId, bert.unkId, bert.clsId, bert.sepId, bert.maskId], [0, 100, 101, 102, 103]);
  assert.deepEqual(bert.convertTokensToIds(['[unused0]', '[unused98]', '[unused99]', '!', 'the', 'of', '##s', '##～']), [1, 99, 104, 999, 1996, 1997, 2015, 30521]);
  // Published encodings: transformers' docs ("hello world", "Hello, my dog is cute", the fill-mask example) and its
  // tokenizer summary ("I have a new GPU!" → i have a new gp ##u !).
  assert.deepEqual(bert.encode('hello world').inputIds, [101, 7592, 2088, 102]);
  assert.deepEqual(bert.encode('Hello, my dog is cute').inputIds, [101, 7592, 1010, 2026, 3899, 2003, 10140, 102]);
  assert.deepEqual(bert.encode('The capital of France is [MASK].').inputIds, [101, 1996, 3007, 1997, 2605, 2003, 103, 1012, 102]);
  assert.deepEqual(bert.tokenize('I have a new GPU!'), ['i', 'have', 'a', 'new', 'gp', '##u', '!']);
  assert.equal(bert.decode(bert.encode('Hello, my dog is cute').inputIds), 'hello, my dog is cute');
});

test('vocabFromMarkedTokens: word-start marks to vocab.txt spelling', () => {
  assert.deepEqual(vocabFromMarkedTokens(['[PAD]', '▁', '[CLS]', '▁the', 's', '▁##', '！']), ['[PAD]', '[unused0]', '[CLS]', 'the', '##s', '##', '##！']);
  assert.throws(() => vocabFromMarkedTokens([3 as unknown as string]), /token 0 is 3/);
});

test("BERT's BasicTokenizer rules: lower case, accents, CJK, punctuation, control characters", () => {
  const words = (s: string) => bert.tokenizer.preTokenize(s);
  assert.deepEqual(words('Héllo WÖRLD naïve Ångström'), ['hello', 'world', 'naive', 'angstrom']);
  assert.deepEqual(words('中文abc字'), ['中', '文', 'abc', '字']);
  // Hiragana and Hangul are not CJK ideographs: no splitting inside them.
  // Kana and Hangul are not CJK ideographs: not split (accent stripping decomposes them as BERT's NFD does).
  assert.deepEqual(words('ひらがな'), ['ひらかな']);
  assert.deepEqual(words('한국어'), ['한국어'.normalize('NFD')]);
  assert.deepEqual(words("don't $5.00 (a)-b... e.g.,«x»"), ['don', "'", 't', '$', '5', '.', '00', '(', 'a', ')', '-', 'b', '.', '.', '.', 'e', '.', 'g', '.', ',', '«', 'x', '»']);
  // NUL, U+FFFD and format characters (zero-width space, category Cf) are dropped; tab, NBSP, CR LF are spaces.
  assert.deepEqual(words('a\u0000b\u200bc\td\u00a0e\r\nf\ufffd'), ['abc', 'd', 'e', 'f']);
  assert.deepEqual(words('ΟΔΟΣ'), ['οδοσ']);
  assert.deepEqual(bert.tokenize('unaffable'), ['una', '##ffa', '##ble']);
});

const offsetCases = [
  'Hello, my dog is cute',
  'Café Déjà-vu: naïve façade!',
  'Cafe\u0301 decomposed',
  '北京欢迎你 to Beijing',
  '  spaces\tand\nnewlines  ',
  'İstanbul ΟΔΟΣ Straße',
  'unaffable tokenization [MASK] works',
  'emoji 🤗 here, and x\u0000y control',
];

test('offset mapping: spans of the original text, also where normalization changes lengths', () => {
  for (const text of offsetCases) {
    const e = bert.encode(text, null, { returnOffsetsMapping: true });
    assert.equal(e.offsetMapping!.length, e.inputIds.length);
    const tokens = bert.convertIdsToTokens(e.inputIds);
    tokens.forEach((tok, i) => {
      const [s, end] = e.offsetMapping![i]!;
      if (tok === '[CLS]' || tok === '[SEP]') return assert.deepEqual([s, end], [0, 0]);
      assert.ok(s < end && end <= text.length, `${text}: ${tok} at ${s}-${end}`);
      const piece = text.slice(s, end);
      if (tok === '[UNK]' || tok === '[MASK]') return;
      assert.equal(bertNormalize(piece).replace(/\s/g, ''), tok.replace(/^##/, ''), `${JSON.stringify(text)}: token ${tok} ↔ ${JSON.stringify(piece)}`);
    });
  }
  // Hand-checked.
  const e = bert.encode('Déjà vu', null, { returnOffsetsMapping: true });
  assert.deepEqual(bert.convertIdsToTokens(e.inputIds), ['[CLS]', 'de', '##ja', 'vu', '[SEP]']);
  assert.deepEqual(e.offsetMapping, [[0, 0], [0, 2], [2, 4], [5, 7], [0, 0]]);
  const d = bert.encode('Cafe\u0301!', null, { returnOffsetsMapping: true });
  assert.deepEqual(d.offsetMapping!.slice(1, -1), [[0, 5], [5, 6]]);
  const m = bert.encode('is [MASK].', null, { returnOffsetsMapping: true });
  assert.deepEqual(m.offsetMapping, [[0, 0], [0, 2], [3, 9], [9, 10], [0, 0]]);
});

test('offsets on real review sentences: the same ids as encode, every token its normalized span', () => {
  for (const { text } of loadSentimentSet('amazon')) {
    const { ids, offsets } = bert.tokenizer.encodeWithOffsets(text);
    assert.deepEqual(ids, bert.tokenizer.encode(text));
    ids.forEach((id, k) => {
      const tok = bert.vocab.token(id);
      if (tok !== '[UNK]') assert.equal(bertNormalize(text.slice(...offsets[k]!)).replace(/\s/g, ''), tok.replace(/^##/, ''), text);
    });
  }
});

test('normalizeAligned agrees with the normalizer and maps every unit back', () => {
  const spec = { type: 'BertNormalizer' as const };
  for (const text of offsetCases) {
    const a = normalizeAligned(spec, text);
    assert.equal(a.text, bertNormalize(text));
    assert.equal(a.starts.length, a.text.length);
    for (let i = 0; i < a.text.length; i++) assert.ok(a.starts[i]! < a.ends[i]! && a.ends[i]! <= text.length);
  }
});

test('pairs: token types, offsets per text, longest_first truncation, padding, batches', () => {
  const q = 'Where is the Eiffel Tower?';
  const c = 'The Eiffel Tower is in Paris, the capital of France, which is a country in Europe.';
  const full = bert.encode(q, c, { returnOffsetsMapping: true });
  const sep1 = full.inputIds.indexOf(102);
  assert.deepEqual(full.tokenTypeIds, full.inputIds.map((_, i) => (i <= sep1 ? 0 : 1)));
  const paris = bert.convertIdsToTokens(full.inputIds).indexOf('paris');
  assert.equal(c.slice(...full.offsetMapping![paris]!), 'Paris');
  // longest_first: 3 specials + 8 question tokens + the context, cut at its end while it is the longer one.
  assert.equal(sep1, 9);
  const cut = bert.encode(q, c, { maxLength: 24, returnOffsetsMapping: true, padding: true });
  assert.equal(cut.inputIds.length, 24);
  assert.deepEqual(cut.inputIds.slice(0, 23), full.inputIds.slice(0, 23));
  assert.equal(cut.inputIds[23], 102);
  assert.deepEqual(cut.offsetMapping!.slice(0, 23), full.offsetMapping!.slice(0, 23));
  const both = bert.encode('a b c d e f g h', 'i j k l m n o p q r', { maxLength: 11 });
  assert.deepEqual(bert.decode(both.inputIds), 'a b c d i j k l');
  const padded = bert.encode('hello', null, { maxLength: 6, padding: true, returnOffsetsMapping: true });
  assert.deepEqual(padded, { inputIds: [101, 7592, 102, 0, 0, 0], tokenTypeIds: [0, 0, 0, 0, 0, 0], attentionMask: [1, 1, 1, 0, 0, 0], offsetMapping: [[0, 0], [0, 5], [0, 0], [0, 0], [0, 0], [0, 0]] });
  const batch = bert.encodeBatch(['hello world', ['hello', 'world peace']], { returnOffsetsMapping: true });
  assert.deepEqual(batch.map((b) => b.inputIds), [[101, 7592, 2088, 102, 0], [101, 7592, 102, 2088, 3521, 102].slice(0, 6)].map((x) => x.concat(Array(6 - x.length).fill(0))));
  assert.deepEqual(batch[0]!.attentionMask, [1, 1, 1, 1, 0, 0]);
  assert.equal(batch[0]!.offsetMapping!.length, 6);
  assert.throws(() => bert.encode(q, c, { maxLength: 12, truncation: 'only_first' }), /cannot truncate the first sequence/);
});

test('convertTokensToIds / convertIdsToTokens', () => {
  assert.deepEqual(bert.convertTokensToIds(['hello', 'no-such-token']), [7592, 100]);
  assert.deepEqual(bert.convertIdsToTokens([101, 7592, 102]), ['[CLS]', 'hello', '[SEP]']);
  assert.throws(() => bert.convertIdsToTokens([30522]), /convertIdsToTokens: id 30522 is outside 0…30521/);
});

test("toFiles / fromFiles: Hugging Face's files, round trip", () => {
  const files = bert.toFiles();
  assert.deepEqual(Object.keys(files).sort(), ['special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json', 'vocab.txt']);
  const lines = files['vocab.txt']!.split('\n');
  assert.deepEqual([lines[0], lines[100], lines[101], lines[1996], lines[2015], lines.length], ['[PAD]', '[UNK]', '[CLS]', 'the', '##s', 30523]);
  const config = JSON.parse(files['tokenizer_config.json']!);
  assert.equal(config.tokenizer_class, 'BertTokenizer');
  assert.equal(config.do_lower_case, true);
  assert.equal(config.model_max_length, 512);
  assert.equal(config.mask_token, '[MASK]');
  assert.deepEqual(config.added_tokens_decoder['103'].content, '[MASK]');
  assert.deepEqual(JSON.parse(files['special_tokens_map.json']!), { cls_token: '[CLS]', mask_token: '[MASK]', pad_token: '[PAD]', sep_token: '[SEP]', unk_token: '[UNK]' });
  const tj = JSON.parse(files['tokenizer.json']!);
  assert.equal(tj.model.type, 'WordPiece');
  assert.equal(tj.model.vocab.the, 1996);
  assert.equal(tj.normalizer.type, 'BertNormalizer');

  const text = 'Déjà vu: the Eiffel Tower [MASK] 北京.';
  const want = bert.encode(text, 'second part', { returnOffsetsMapping: true });
  const fromJson = BertTokenizer.fromFiles(files, { padding: false });
  const fromVocab = BertTokenizer.fromFiles({ 'vocab.txt': files['vocab.txt']!, 'tokenizer_config.json': files['tokenizer_config.json']! }, { padding: false });
  assert.deepEqual(fromJson.encode(text, 'second part', { returnOffsetsMapping: true }), want);
  assert.deepEqual(fromVocab.encode(text, 'second part', { returnOffsetsMapping: true }), want);
  assert.equal(fromVocab.maxLength, 512);
  // A cased configuration keeps case; HF's "no limit" model_max_length means 512.
  const cased = BertTokenizer.fromFiles({ 'vocab.txt': '[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nHello\nhello\n', 'tokenizer_config.json': JSON.stringify({ do_lower_case: false, model_max_length: 1e30 }) });
  assert.deepEqual(cased.encode('Hello hello', null, { padding: false }).inputIds, [2, 5, 6, 3]);
  assert.equal(cased.maxLength, 512);
  assert.equal(JSON.parse(cased.toFiles()['tokenizer_config.json']!).do_lower_case, false);
  assert.throws(() => BertTokenizer.fromFiles({ 'config.json': '{}' }), /expected vocab\.txt or tokenizer\.json, got \["config\.json"\]/);
  assert.throws(() => BertTokenizer.fromFiles({ 'vocab.txt': files['vocab.txt']!, 'tokenizer_config.json': '{oops' }), /tokenizer_config\.json is not valid JSON/);
  assert.throws(() => new BertTokenizer(bert.tokenizer, { maxLength: 0 }), /maxLength must be a positive integer, got 0/);
});

test('train: a new WordPiece vocabulary with BERT specials first', () => {
  const pairs = parsePairsTsv(fs.readFileSync(join(FIXTURES, 'kjv_rv1909_sample.tsv'), 'utf8'));
  const tok = BertTokenizer.train(pairs.map((p) => p.source), { vocabSize: 400, padding: false });
  assert.equal(tok.vocabSize, 400);
  assert.deepEqual([tok.padId, tok.unkId, tok.clsId, tok.sepId, tok.maskId], [0, 1, 2, 3, 4]);
  const e = tok.encode('In the beginning God created the heaven and the earth.', null, { returnOffsetsMapping: true });
  assert.equal(e.inputIds[0], 2);
  assert.ok(!e.inputIds.includes(tok.unkId));
  assert.ok(tok.tokenize('beginning').some((t) => t.startsWith('##')));
  assert.deepEqual(BertTokenizer.fromFiles(tok.toFiles(), { padding: false }).encode('the earth'), tok.encode('the earth'));
});
