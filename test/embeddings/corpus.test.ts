// Corpora: tokenization, vocabulary, encoding; the npm corpora load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildVocab, corpusToText, encodeCorpus, firstWords, sentencesFromLines, sentencesFromText, words } from '../../src/embeddings/corpus.js';
import { loadCorpus } from '../../src/embeddings/corpora.js';

test('text becomes sentences of lowercase words, apostrophes inside words kept', () => {
  assert.deepEqual(words('The Nation’s CAPITAL—Washington, D.C.; 1,000 men!'), ["the", "nation's", 'capital', 'washington', 'd', 'c', '1', '000', 'men']);
  assert.deepEqual(sentencesFromText('Mr. Smith went. "Why?" he asked!\nNew line'), [['mr'], ['smith', 'went'], ['why'], ['he', 'asked'], ['new', 'line']]);
  const s = [['a', 'b'], ['c']];
  assert.deepEqual(sentencesFromLines(corpusToText(s)), s);
});

test('the vocabulary is frequency-sorted with counts and no specials; encoding drops unknown words and cuts long sentences', () => {
  const sentences = [['b', 'a', 'b', 'c', 'b', 'a'], ['x']];
  const vocab = buildVocab(sentences, 2);
  assert.deepEqual(vocab.tokens, ['b', 'a']);
  assert.deepEqual(vocab.counts, [3, 2]);
  const long = [Array.from({ length: 2500 }, (_, i) => (i % 2 ? 'a' : 'b'))];
  const enc = encodeCorpus([...sentences, ...long], vocab);
  assert.equal(enc.dropped, 2);
  assert.deepEqual([...enc.starts], [0, 5, 1005, 2005, 2505]);
  assert.deepEqual(firstWords([['a', 'b', 'c'], ['d', 'e']], 4), [['a', 'b', 'c'], ['d']]);
});

test('the npm corpora load: State of the Union and Moby-Dick', () => {
  const moby = loadCorpus('moby-dick');
  const n = moby.reduce((a, s) => a + s.length, 0);
  assert.ok(n > 200_000 && n < 230_000, `${n} words`);
  assert.ok(moby.some((s) => s.join(' ').includes('call me ishmael')));
  assert.throws(() => loadCorpus('/no/such/file.txt'), /cannot read corpus/);
});
