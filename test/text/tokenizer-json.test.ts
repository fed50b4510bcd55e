import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTokenizer, tokenizerFromJSON } from '../../src/text/node.js';

const FIXTURES = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'fixtures', 'text');
const fixture = (name: string) => readFileSync(join(FIXTURES, `hf_${name}.tokenizer.json`), 'utf8');
const wordpiece = () => JSON.parse(fixture('wordpiece')) as Record<string, any>;
const bpe = () => JSON.parse(fixture('bpe')) as Record<string, any>;
const dir = mkdtempSync(join(tmpdir(), 'nabla-tokenizer-json-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Loading must fail with a plain Error (not a TypeError from deep inside) whose message matches. */
function refuses(json: unknown, message: RegExp) {
  assert.throws(
    () => tokenizerFromJSON(typeof json === 'string' ? json : JSON.stringify(json)),
    (err: Error) => {
      assert.equal(err.constructor, Error, `${err.constructor.name}: ${err.message}`);
      assert.match(err.message, message);
      return true;
    },
  );
}

test('tokenizer.json: a missing or null model, malformed added tokens', () => {
  refuses({ ...wordpiece(), model: null }, /tokenizer\.json: "model" must be an object, got null/);
  refuses({ ...wordpiece(), model: [] }, /"model" must be an object, got an array/);
  refuses({ version: '1.0' }, /"model" must be an object, got undefined/);
  refuses('[1]', /tokenizer\.json must hold a JSON object, got an array/);
  refuses({ ...wordpiece(), added_tokens: [null] }, /added_tokens\[0\] must be an object with an integer "id" and a string "content", got null/);
  refuses({ ...wordpiece(), added_tokens: [{ id: '0', content: '[PAD]' }] }, /added_tokens\[0\] must be an object with an integer "id"/);
  refuses({ ...wordpiece(), added_tokens: [{ id: 0, content: 7 }] }, /added_tokens\[0\] .* got \{"id":0,"content":7\}/);
  refuses({ ...wordpiece(), added_tokens: [{ id: 0, content: '[PAD]', special: 'yes' }] }, /added_tokens\[0\]: "special" must be a boolean, got "yes"/);
  refuses({ ...wordpiece(), added_tokens: {} }, /added_tokens must be an array/);
});

test('tokenizer.json: post-processors with missing fields or ids outside the vocabulary', () => {
  const template = () => wordpiece().post_processor as Record<string, any>;
  const withPost = (post_processor: unknown) => ({ ...wordpiece(), post_processor });
  refuses(withPost({ ...template(), pair: undefined }), /post_processor \(TemplateProcessing\): "pair" must be an array, got undefined/);
  refuses(withPost({ ...template(), special_tokens: undefined }), /post_processor \(TemplateProcessing\): "special_tokens" must be an object/);
  refuses(withPost({ ...template(), single: [{ Sequence: { id: 'C', type_id: 0 } }] }), /"single"\[0\] must be .*got \{"Sequence":\{"id":"C","type_id":0\}\}/);
  refuses(withPost({ ...template(), single: [null] }), /"single"\[0\] must be/);
  refuses(withPost({ ...template(), single: [{ SpecialToken: { id: '[BOS]', type_id: 0 } }] }), /"single"\[0\] names special token "\[BOS\]", which "special_tokens" does not define/);
  const badIds = template();
  badIds.special_tokens['[CLS]'].ids = [600];
  refuses(withPost(badIds), /post_processor \(TemplateProcessing\): special token "\[CLS\]" has id 600, outside the vocabulary \(ids 0…599\)/);
  const noIds = template();
  delete noIds.special_tokens['[SEP]'].ids;
  refuses(withPost(noIds), /special token "\[SEP\]" must have "ids", an array of integers/);
  refuses(withPost({ type: 'BertProcessing', cls: ['[CLS]', 2] }), /post_processor \(BertProcessing\): "sep" must be \[token, id\], got undefined/);
  refuses(withPost({ type: 'BertProcessing', cls: ['[CLS]', 2], sep: ['[SEP]', -1] }), /BertProcessing\): "sep" has id -1, outside the vocabulary \(ids 0…599\)/);
  refuses(withPost({ type: 'BertProcessing', cls: ['[CLS]', 9999], sep: ['[SEP]', 3] }), /"cls" has id 9999, outside/);
  refuses(withPost({ type: 'RobertaProcessing' }), /unsupported post_processor type "RobertaProcessing"/);
  refuses(withPost(42), /post_processor must be an object/);
  // the valid ones still load and work
  const tok = tokenizerFromJSON(JSON.stringify(withPost({ type: 'BertProcessing', cls: ['[CLS]', 2], sep: ['[SEP]', 3] })));
  assert.deepEqual(tok.postProcess([7], [8]).ids, [2, 7, 3, 8, 3]);
});

test('tokenizer.json: bad model fields', () => {
  const model = (fields: Record<string, unknown>) => {
    const json = wordpiece();
    Object.assign(json.model, fields);
    return json;
  };
  refuses(model({ max_input_chars_per_word: -1 }), /WordPiece: max_input_chars_per_word must be a positive integer, got -1/);
  refuses(model({ max_input_chars_per_word: 1.5 }), /max_input_chars_per_word must be a positive integer, got 1.5/);
  refuses(model({ max_input_chars_per_word: '100' }), /max_input_chars_per_word must be a positive integer, got "100"/);
  refuses(model({ unk_token: 5 }), /WordPiece: unk_token must be a string, got 5/);
  refuses(model({ continuing_subword_prefix: null }), /continuing_subword_prefix must be a string, got null/);
  const bpeModel = (fields: Record<string, unknown>) => {
    const json = bpe();
    Object.assign(json.model, fields);
    return json;
  };
  refuses(bpeModel({ unk_token: 5 }), /BPE: unk_token must be a string or null, got 5/);
  refuses(bpeModel({ end_of_word_suffix: [] }), /BPE: end_of_word_suffix must be a string or null, got \[\]/);
  refuses(bpeModel({ fuse_unk: 'no' }), /BPE: fuse_unk must be a boolean, got "no"/);
  refuses(bpeModel({ merges: [[1, 2]] }), /merge 0 is malformed: \[1,2\]/);
});

test('tokenizer.json: syntax errors, duplicate keys and deep nesting name the file', () => {
  const path = join(dir, 'tokenizer.json');
  writeFileSync(path, fixture('wordpiece').slice(0, 500));
  assert.throws(() => loadTokenizer(path), (err: Error) => {
    assert.equal(err.constructor, Error);
    assert.ok(err.message.includes(path), err.message);
    assert.match(err.message, /is not valid JSON/);
    return true;
  });
  writeFileSync(path, fixture('wordpiece').replace('"[PAD]": 0,', '"[PAD]": 0, "[PAD]": 0,'));
  assert.throws(() => loadTokenizer(path), (err: Error) => err.message.includes(path) && /key "\[PAD\]" appears twice/.test(err.message));
  const deepNormalizer = `${'{"type":"Sequence","normalizers":['.repeat(5000)}${']}'.repeat(5000)}`;
  writeFileSync(path, fixture('wordpiece').replace(/"normalizer": *\{/, `"normalizer": {"type":"Sequence","normalizers":[${deepNormalizer}]}, "unused": {`));
  assert.throws(() => loadTokenizer(path), (err: Error) => err.constructor === Error && /nested deeper than/.test(err.message));
  writeFileSync(path, fixture('wordpiece'));
  assert.deepEqual(loadTokenizer(path).encode('hello'), tokenizerFromJSON(fixture('wordpiece')).encode('hello'));
});

test('byte-level decoding keeps a leading U+FEFF, also after a special token', () => {
  const tok = tokenizerFromJSON(fixture('bpe'));
  for (const text of ['\uFEFFhello', '\uFEFF', 'a\uFEFFb', '[CLS]\uFEFFhello', '[CLS]\uFEFF[SEP]\uFEFF']) {
    assert.equal(tok.decode(tok.encode(text), { skipSpecialTokens: false }), text, JSON.stringify(text));
  }
  assert.equal(tok.decode(tok.encode('[CLS]\uFEFFhi')), '\uFEFFhi');
});
