import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BpeModel, BpeTokenizer, trainBpe } from '../../src/text/bpe.js';
import { tokenizerFromJSON } from '../../src/text/index.js';
import { parsePairsTsv } from '../../src/text/pairs.js';
import { Vocab } from '../../src/text/vocab.js';

const FIXTURES = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'fixtures', 'text');
// Genesis 1–3 and John 1, KJV (1769) and Reina-Valera (1909), both public domain; see test/fixtures/text/README.md.
const pairs = parsePairsTsv(readFileSync(join(FIXTURES, 'kjv_rv1909_sample.tsv'), 'utf8'));
const english = pairs.map((p) => p.source);
const corpus = [...english, ...pairs.map((p) => p.target)];
const hfEncodings = JSON.parse(readFileSync(join(FIXTURES, 'hf_encodings.json'), 'utf8')) as Record<
  string,
  { cases: { text: string; ids: number[]; tokens: string[]; decoded: string }[] }
>;
const readJson = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Record<string, any>;

test('trainBpe: the textbook example (counts, suffix, tie by ids)', () => {
  const counts = new Map([
    ['low', 5],
    ['lower', 2],
    ['newest', 6],
    ['widest', 3],
  ]);
  const { tokens, merges } = trainBpe(counts, { vocabSize: 30, minFrequency: 2, endOfWordSuffix: '</w>' });
  // (e s) and (s t</w>) both occur 9 times; e has the smaller id.
  assert.deepEqual(merges.slice(0, 3), [
    ['e', 's'],
    ['es', 't</w>'],
    ['l', 'o'],
  ]);
  assert.deepEqual(tokens.slice(0, 10), ['d', 'e', 'i', 'l', 'n', 'o', 'r', 's', 't', 'w']);
  assert.ok(tokens.includes('est</w>') && tokens.includes('low</w>') && tokens.includes('newest</w>'));
  const model = new BpeModel(new Vocab(tokens), merges, { endOfWordSuffix: '</w>' });
  assert.deepEqual(
    model.tokenizeWord('newest').map((i) => tokens[i]),
    ['newest</w>'],
  );
  assert.deepEqual(
    model.tokenizeWord('low').map((i) => tokens[i]),
    ['low</w>'],
  );
  // Unseen word: merges apply where they can.
  assert.deepEqual(
    model.tokenizeWord('slowest').map((i) => tokens[i]),
    ['s', 'lo', 'w', 'est</w>'],
  );
});

test('trainBpe: incremental counts agree with a full recount after every merge', () => {
  const words = new Map<string, number>();
  for (const line of english) for (const w of line.split(' ')) words.set(w, (words.get(w) ?? 0) + 1);
  words.set('aaaa', 7); // overlapping pairs
  words.set('abababab', 3);
  const { merges } = trainBpe(words, { vocabSize: 400, minFrequency: 1 });
  // Recompute naively: apply merges in order to each word, and check each merge was the most frequent pair then.
  let segs = [...words].map(([w, c]) => ({ s: Array.from(w), c }));
  for (const [a, b] of merges) {
    const counts = new Map<string, number>();
    for (const { s, c } of segs) for (let i = 0; i + 1 < s.length; i++) counts.set(s[i] + '\u0000' + s[i + 1], (counts.get(s[i] + '\u0000' + s[i + 1]) ?? 0) + c);
    const best = Math.max(...counts.values());
    assert.equal(counts.get(a + '\u0000' + b), best, `merge ${a} ${b}`);
    segs = segs.map(({ s, c }) => {
      const out: string[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
          out.push(a + b);
          i++;
        } else out.push(s[i]!);
      }
      return { s: out, c };
    });
  }
});

test('training is deterministic and independent of corpus order', () => {
  const a = BpeTokenizer.train(corpus, { vocabSize: 600 });
  const b = BpeTokenizer.train(corpus, { vocabSize: 600 });
  const shuffled = [...corpus].reverse();
  const c = BpeTokenizer.train(shuffled, { vocabSize: 600 });
  assert.equal(a.toJSONString(), b.toJSONString());
  assert.equal(a.toJSONString(), c.toJSONString());
  assert.equal(a.vocabSize, 600);
  assert.deepEqual(a.vocab.tokens.slice(0, 5), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
});

test('byte-level BPE: same merges and ids as Hugging Face tokenizers trained the same way', () => {
  const hf = readJson('hf_bpe.tokenizer.json');
  const mine = BpeTokenizer.train(corpus, { vocabSize: 700, minFrequency: 2 });
  const model = mine.toJSON().model as Record<string, any>;
  assert.deepEqual(model.vocab, hf.model.vocab);
  const hfMerges = (hf.model.merges as (string | string[])[]).map((m) => (Array.isArray(m) ? m.join(' ') : m));
  assert.deepEqual(model.merges, hfMerges);
});

test('byte-level BPE round-trips any text exactly', () => {
  const tok = BpeTokenizer.train(corpus, { vocabSize: 800 });
  const samples = [...corpus, 'Unseen: photosynthesis', '中文 🎉 ∑ x²', 'tabs\tand\nnewlines  ', '', '   '];
  for (const s of samples) {
    const ids = tok.encode(s);
    assert.equal(tok.decode(ids), s.normalize('NFC'));
  }
  // Subwords actually compress: far fewer tokens than bytes.
  const text = english.join(' ');
  assert.ok(tok.encode(text).length < new TextEncoder().encode(text).length / 2.5);
});

test('whitespace BPE: </w> suffix, unknown characters, decoding', () => {
  const tok = BpeTokenizer.train(english, { vocabSize: 400, mode: 'whitespace' });
  assert.equal(tok.model.endOfWordSuffix, '</w>');
  assert.equal(tok.model.unkToken, '[UNK]');
  for (const s of english.slice(0, 20)) assert.equal(tok.decode(tok.encode(s)), s);
  assert.equal(tok.decode(tok.encode('  the   earth ')), 'the earth');
  const ids = tok.encode('the 中 earth');
  assert.ok(ids.includes(tok.vocab.unkId));
  assert.equal(tok.decode(ids, { skipSpecialTokens: false }), 'the [UNK] earth');
});

test('special tokens in text, post-processor, encodeInputs', () => {
  const tok = BpeTokenizer.train(english, { vocabSize: 500, addBosEos: true });
  const ids = tok.encode('[CLS]In the beginning[SEP]');
  assert.equal(ids[0], 2);
  assert.equal(ids[ids.length - 1], 3);
  assert.equal(tok.decode(ids), 'In the beginning');
  assert.equal(tok.decode(ids, { skipSpecialTokens: false }), '[CLS]In the beginning[SEP]');
  const inputs = tok.encodeInputs('In the beginning', 'God created', { maxLength: 12, padding: 'max_length' });
  assert.equal(inputs.inputIds.length, 12);
  assert.equal(inputs.inputIds[0], tok.vocab.bosId);
  assert.equal(inputs.attentionMask.filter((x) => x === 1).length, inputs.inputIds.filter((x) => x !== tok.vocab.padId).length);
  assert.equal(tok.numSpecialTokensToAdd(false), 2);
  assert.equal(tok.numSpecialTokensToAdd(true), 3);
});

test('tokenizer.json round trip', () => {
  for (const mode of ['byteLevel', 'whitespace'] as const) {
    const tok = BpeTokenizer.train(corpus, { vocabSize: 500, mode, normalize: { unicode: 'NFKC', lowercase: true } });
    const json = tok.toJSONString();
    const parsed = JSON.parse(json);
    assert.equal(parsed.model.type, 'BPE');
    assert.equal(parsed.added_tokens.length, 5);
    assert.ok(parsed.added_tokens.every((t: { special: boolean }) => t.special));
    const back = BpeTokenizer.fromJSON(json);
    assert.equal(back.toJSONString(), json);
    for (const s of corpus.slice(0, 30)) assert.deepEqual(back.encode(s), tok.encode(s));
    assert.equal(tokenizerFromJSON(parsed).constructor, BpeTokenizer);
  }
});

test('merges holding spaces are saved as pairs', () => {
  const vocab = new Vocab(['a', ' ', 'a ', '[UNK]'], { specials: { unk: '[UNK]' } });
  const model = new BpeModel(vocab, [['a', ' ']]);
  assert.deepEqual(model.toJSON().merges, [['a', ' ']]);
  const back = BpeModel.fromJSON(model.toJSON());
  assert.deepEqual(back.merges, [['a', ' ']]);
  assert.throws(() => BpeModel.fromJSON({ ...model.toJSON(), merges: ['a b c'] }), /malformed/);
  assert.throws(() => BpeModel.fromJSON({ ...model.toJSON(), merges: ['a x'] }), /not in the vocabulary/);
});

test('loads tokenizer.json files written by Hugging Face tokenizers and encodes identically', () => {
  for (const name of ['bpe', 'charbpe']) {
    const tok = tokenizerFromJSON(readFileSync(join(FIXTURES, `hf_${name}.tokenizer.json`), 'utf8'));
    assert.ok(tok instanceof BpeTokenizer);
    for (const c of hfEncodings[name]!.cases) {
      assert.deepEqual(tok.encode(c.text), c.ids, `${name}: ${JSON.stringify(c.text)}`);
      assert.deepEqual(tok.tokenize(c.text), c.tokens);
      assert.equal(tok.decode(c.ids), c.decoded);
    }
  }
});

test('added tokens past the model vocab are appended (ids continue it)', () => {
  const json = JSON.parse(BpeTokenizer.train(english.slice(0, 20), { vocabSize: 300, specials: null }).toJSONString());
  const n = Object.keys(json.model.vocab).length;
  json.added_tokens = [
    { id: n, content: '<|endoftext|>', special: true },
    { id: n + 1, content: '<pad>', special: true },
  ];
  const tok = BpeTokenizer.fromJSON(json);
  assert.equal(tok.vocabSize, n + 2);
  assert.deepEqual(tok.encode('<|endoftext|>'), [n]);
  assert.equal(tok.vocab.padId, n + 1);
  json.added_tokens = [{ id: n + 5, content: '<gap>', special: true }];
  assert.throws(() => BpeTokenizer.fromJSON(json), /has id/);
});

/** Merges applied the textbook way (lowest rank first, leftmost on ties, rescanning the word after each merge). */
function referenceMerges(model: BpeModel, word: string): number[] {
  const rank = new Map<string, number>();
  model.merges.forEach(([a, b], r) => {
    const key = `${model.vocab.get(a)} ${model.vocab.get(b)}`;
    if (!rank.has(key)) rank.set(key, r);
  });
  const symbols = Array.from(word, (ch) => model.vocab.get(ch)!);
  for (;;) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i + 1 < symbols.length; i++) {
      const r = rank.get(`${symbols[i]} ${symbols[i + 1]}`);
      if (r !== undefined && r < bestRank) [best, bestRank] = [i, r];
    }
    if (best < 0) return symbols;
    const [a, b] = model.merges[bestRank]!;
    symbols.splice(best, 2, model.vocab.get(a + b)!);
  }
}

/** A pseudo-random string over `alphabet` (a fixed linear congruential sequence). */
function randomWord(length: number, alphabet: string, seed: number): string {
  let s = seed;
  let out = '';
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out += alphabet[(s >>> 16) % alphabet.length];
  }
  return out;
}

test('BPE encoding of a word matches the textbook merge order, long words included', () => {
  const tok = tokenizerFromJSON(readFileSync(join(FIXTURES, 'hf_bpe.tokenizer.json'), 'utf8')) as BpeTokenizer;
  const model = new BpeModel(tok.model.vocab, tok.model.merges, { cacheCapacity: 0 });
  const words = new Set(corpus.flatMap((line) => tok.preTokenize(line)));
  for (let i = 0; i < 300; i++) words.add(randomWord(1 + (i % 97) * 5, i % 2 ? 'aeeiloorsstt' : 'ab', i));
  words.add('e'.repeat(1000));
  for (const w of words) assert.deepEqual(model.tokenizeWord(w), referenceMerges(model, w), JSON.stringify(w));
});

test('BPE encodes a 300,000-character word in well under a second per 100,000 characters', () => {
  const tok = tokenizerFromJSON(readFileSync(join(FIXTURES, 'hf_bpe.tokenizer.json'), 'utf8'));
  for (const alphabet of ['etaoinshrdlu', 'ab', 'e']) {
    const word = randomWord(300_000, alphabet, 7);
    const start = performance.now();
    const ids = tok.encode(word);
    const ms = performance.now() - start;
    assert.ok(ids.length > 0 && ids.length <= word.length, `${ids.length} tokens`);
    console.log(`BPE: ${alphabet} x 300000: ${ms.toFixed(0)} ms, ${ids.length} tokens`);
    assert.ok(ms < 3000, `${alphabet}: ${ms.toFixed(0)} ms`); // the quadratic loop took minutes
  }
  assert.equal(tok.decode(tok.encode('x'.repeat(100_000))), 'x'.repeat(100_000));
});
