import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bertNormalize } from '../../src/text/normalize.js';
import { bertPreTokenize } from '../../src/text/pretokenize.js';
import { parsePairsTsv } from '../../src/text/pairs.js';
import { Vocab } from '../../src/text/vocab.js';
import { BertTokenizer, WordPieceModel, WordPieceTokenizer } from '../../src/text/wordpiece.js';
import { loadTokenizer, loadVocabTxt, saveTokenizer, saveVocabTxt, tokenizerFromJSON } from '../../src/text/node.js';

const FIXTURES = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'fixtures', 'text');
const pairs = parsePairsTsv(fs.readFileSync(join(FIXTURES, 'kjv_rv1909_sample.tsv'), 'utf8'));
const corpus = [...pairs.map((p) => p.source), ...pairs.map((p) => p.target)];
const dir = fs.mkdtempSync(join(tmpdir(), 'nabla-wordpiece-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const toyVocab = () => Vocab.fromText([...SPECIALS, 'un', '##aff', '##able', 'want', '##ed', ',', 'runn', '##ing', 'hello', '!', 'una', '##ff'].join('\n'));
const pieces = (model: WordPieceModel, word: string) => model.tokenizeWord(word).map((id) => model.vocab.token(id));

test('greedy longest-match-first, as BERT (unaffable → un ##aff ##able)', () => {
  const model = new WordPieceModel(toyVocab());
  // Greedy, not optimal: with "una" in the vocab the first piece is "una", then "##ff", then "##able".
  assert.deepEqual(pieces(model, 'unaffable'), ['una', '##ff', '##able']);
  const bert = new WordPieceModel(Vocab.fromText([...SPECIALS, 'un', '##aff', '##able', 'want', '##ed', ',', 'runn', '##ing'].join('\n')));
  assert.deepEqual(pieces(bert, 'unaffable'), ['un', '##aff', '##able']);
  assert.deepEqual(pieces(bert, 'wanted'), ['want', '##ed']);
  assert.deepEqual(pieces(bert, 'running'), ['runn', '##ing']);
  // No way to continue: the whole word is unknown, not a partial split.
  assert.deepEqual(pieces(bert, 'unaffablex'), ['[UNK]']);
  assert.deepEqual(pieces(bert, 'xunaffable'), ['[UNK]']);
  // Over 100 characters: unknown, even if it could be split.
  assert.deepEqual(pieces(bert, 'un' + 'aff'.repeat(32)), ['un', ...new Array(32).fill('##aff')]); // 98 characters
  assert.deepEqual(pieces(bert, 'un' + 'aff'.repeat(33)), ['[UNK]']); // 101
  const short = new WordPieceModel(bert.vocab, { maxInputCharsPerWord: 5 });
  assert.deepEqual(pieces(short, 'wanted'), ['[UNK]']);
  // Astral characters are whole characters.
  const emoji = new WordPieceModel(Vocab.fromText([...SPECIALS, '🎉', '##🎉'].join('\n')));
  assert.deepEqual(pieces(emoji, '🎉🎉'), ['🎉', '##🎉']);
});

test("BERT's pipeline: normalizer, pre-tokenizer, decoder", () => {
  const tok = WordPieceTokenizer.fromVocab(toyVocab());
  assert.deepEqual(tok.tokenize('UNAFFABLE, Héllo!'), ['una', '##ff', '##able', ',', 'hello', '!']);
  assert.deepEqual(tok.tokenize('unknownword hello'), ['[UNK]', 'hello']);
  assert.equal(tok.decode(tok.encode('Hello, wanted!')), 'hello, wanted!');
  // [UNK] is a special token: dropped by default, kept on request.
  assert.equal(tok.decode(tok.encode('hello zzz')), 'hello');
  assert.equal(tok.decode(tok.encode('hello zzz'), { skipSpecialTokens: false }), 'hello [UNK]');
  const ids = tok.encode('hello , unaffable !');
  assert.equal(tok.decode(ids), 'hello, unaffable!');
  assert.deepEqual(tok.encode('[CLS] hello [SEP]'), [2, tok.tokenToId('hello'), 3]);
});

test('vocab.txt round trip (files too)', () => {
  const tok = WordPieceTokenizer.train(corpus, { vocabSize: 400 });
  const text = tok.toVocabText();
  assert.equal(text.split('\n')[0], '[PAD]');
  assert.equal(text.split('\n')[100], tok.vocab.token(100));
  const back = WordPieceTokenizer.fromVocabText(text);
  assert.deepEqual(back.vocab.tokens, tok.vocab.tokens);
  for (const s of corpus.slice(0, 20)) assert.deepEqual(back.encode(s), tok.encode(s));
  const path = join(dir, 'vocab.txt');
  saveVocabTxt(tok, path);
  assert.equal(fs.readFileSync(path, 'utf8'), text);
  assert.deepEqual(loadVocabTxt(path).vocab.tokens, tok.vocab.tokens);
});

test('tokenizer.json round trip (files too)', () => {
  const tok = WordPieceTokenizer.train(corpus, { vocabSize: 400, lowercase: false });
  const json = JSON.parse(tok.toJSONString());
  assert.equal(json.model.type, 'WordPiece');
  assert.equal(json.model.continuing_subword_prefix, '##');
  assert.equal(json.model.max_input_chars_per_word, 100);
  assert.equal(json.normalizer.type, 'BertNormalizer');
  assert.equal(json.normalizer.lowercase, false);
  assert.equal(json.pre_tokenizer.type, 'BertPreTokenizer');
  assert.equal(json.post_processor.type, 'TemplateProcessing');
  assert.equal(json.decoder.type, 'WordPiece');
  const back = WordPieceTokenizer.fromJSON(json);
  assert.equal(back.toJSONString(), tok.toJSONString());
  const path = join(dir, 'tokenizer.json');
  saveTokenizer(tok, path);
  const loaded = loadTokenizer(path);
  assert.ok(loaded instanceof WordPieceTokenizer);
  for (const s of corpus.slice(0, 20)) {
    assert.deepEqual(loaded.encode(s), tok.encode(s));
    assert.deepEqual(loaded.encodeInputs(s, s), tok.encodeInputs(s, s));
  }
});

test('training: deterministic, ## continuation pieces, every seen character encodable', () => {
  const a = WordPieceTokenizer.train(corpus, { vocabSize: 600 });
  const b = WordPieceTokenizer.train([...corpus].reverse(), { vocabSize: 600 });
  assert.equal(a.toJSONString(), b.toJSONString());
  assert.equal(a.vocabSize, 600);
  assert.deepEqual(a.vocab.tokens.slice(0, 5), SPECIALS);
  assert.ok(a.vocab.tokens.some((t) => t.startsWith('##') && t.length > 3));
  for (const s of corpus) {
    const tokens = a.tokenize(s);
    assert.ok(!tokens.includes('[UNK]'), s);
    // Joining the pieces gives back BERT's words.
    const words: string[] = [];
    for (const t of tokens) {
      if (t.startsWith('##')) words[words.length - 1] += t.slice(2);
      else words.push(t);
    }
    assert.deepEqual(words, bertPreTokenize(bertNormalize(s)));
  }
  // Same algorithm as HF's WordPieceTrainer: the vocabularies agree up to ties among the last merges.
  const hf = JSON.parse(fs.readFileSync(join(FIXTURES, 'hf_wordpiece.tokenizer.json'), 'utf8'));
  const overlap = a.vocab.tokens.filter((t) => t in hf.model.vocab).length;
  assert.ok(overlap >= 590, `overlap ${overlap}`);
});

test('loads a tokenizer.json written by Hugging Face and encodes identically', () => {
  const enc = JSON.parse(fs.readFileSync(join(FIXTURES, 'hf_encodings.json'), 'utf8')).wordpiece;
  const tok = tokenizerFromJSON(fs.readFileSync(join(FIXTURES, 'hf_wordpiece.tokenizer.json'), 'utf8'));
  assert.ok(tok instanceof WordPieceTokenizer);
  for (const c of enc.cases) {
    assert.deepEqual(tok.encode(c.text), c.ids, JSON.stringify(c.text));
    assert.deepEqual(tok.tokenize(c.text), c.tokens);
    assert.equal(tok.decode(c.ids), c.decoded);
  }
  const r = tok.encodeInputs(enc.pair.a, enc.pair.b);
  assert.deepEqual(r.inputIds, enc.pair.ids);
  assert.deepEqual(r.tokenTypeIds, enc.pair.type_ids);
});

test('BertTokenizer: [CLS] A [SEP] B [SEP], type ids, mask, truncation, padding', () => {
  const bert = new BertTokenizer(WordPieceTokenizer.fromVocab(toyVocab()), { maxLength: 10 });
  const h = bert.vocab.get('hello')!;
  const w = bert.vocab.get('want')!;
  const ed = bert.vocab.get('##ed')!;
  const one = bert.encode('hello wanted');
  assert.deepEqual(one.inputIds, [2, h, w, ed, 3, 0, 0, 0, 0, 0]);
  assert.deepEqual(one.tokenTypeIds, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(one.attentionMask, [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
  const two = bert.encode('hello', 'wanted!');
  assert.deepEqual(two.inputIds, [2, h, 3, w, ed, bert.vocab.get('!'), 3, 0, 0, 0]);
  assert.deepEqual(two.tokenTypeIds, [0, 0, 0, 1, 1, 1, 1, 0, 0, 0]);
  assert.deepEqual(two.attentionMask, [1, 1, 1, 1, 1, 1, 1, 0, 0, 0]);
  // longest_first: 6 + 2 tokens + 3 specials = 11 > 8: drop one from the longer (first) sequence.
  const t = bert.encode('hello hello hello hello hello hello', 'hello hello', { maxLength: 8, padding: false });
  assert.deepEqual(t.inputIds, [2, h, h, h, 3, h, h, 3]);
  // On a tie the second sequence loses a token first: 3 + 3 → 3 + 2 → 2 + 2.
  const tie = bert.encode('hello hello hello', 'hello hello hello', { maxLength: 7, padding: false });
  assert.deepEqual(tie.tokenTypeIds, [0, 0, 0, 0, 1, 1, 1]);
  const only2 = bert.encode('hello hello hello', 'hello hello hello', { maxLength: 7, truncation: 'only_second', padding: false });
  assert.deepEqual(only2.tokenTypeIds, [0, 0, 0, 0, 0, 1, 1]);
  const only1 = bert.encode('hello hello hello', 'hello hello hello', { maxLength: 7, truncation: 'only_first', padding: false });
  assert.deepEqual(only1.tokenTypeIds, [0, 0, 0, 1, 1, 1, 1]);
  assert.throws(() => bert.encode('hello hello hello', 'hello', { maxLength: 5, truncation: 'only_second' }), /cannot truncate/);
  const untruncated = bert.encode('hello hello hello', 'hello', { maxLength: 5, truncation: false, padding: false });
  assert.equal(untruncated.inputIds.length, 7);
  const batch = bert.encodeBatch(['hello', ['hello wanted', 'hello']], { padding: false });
  assert.deepEqual(
    batch.map((e) => e.inputIds.length),
    [7, 7],
  );
  assert.deepEqual(batch[1]!.inputIds, [2, h, w, ed, 3, h, 3]);
  assert.deepEqual(batch[0]!.attentionMask, [1, 1, 1, 0, 0, 0, 0]);
  assert.equal(bert.decode(two.inputIds), 'hello wanted!');
  assert.equal(BertTokenizer.fromVocabText(toyVocab().toText()).encode('hello').inputIds.length, 512);
});
