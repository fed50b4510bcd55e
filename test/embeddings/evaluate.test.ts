// Evaluation: analogies (3CosAdd, coverage, sections), Spearman with ties, nearest neighbours, PCA / t-SNE, the word map.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { KeyedVectors } from '../../src/embeddings/keyed-vectors.js';
import {
  averageRanks, evaluateAnalogies, evaluateSimilarity, parseAnalogies, parseWordPairs, pearson, spearman,
} from '../../src/embeddings/evaluate.js';
import { pca, tsne } from '../../src/embeddings/projection.js';
import { wordMap } from '../../src/embeddings/plot.js';

/** Words laid out so that gender and royalty are two directions: analogies hold exactly. */
function toyVectors(): KeyedVectors {
  const rows: [string, number[]][] = [
    ['man', [1, 0, 0, 0.1]], ['woman', [1, 1, 0, 0.1]], ['king', [1, 0, 1, 0.1]], ['queen', [1, 1, 1, 0.1]],
    ['boy', [0.5, 0, 0, 1]], ['girl', [0.5, 1, 0, 1]], ['prince', [0.5, 0, 1, 1]], ['princess', [0.5, 1, 1, 1]],
    ['apple', [-1, 0.2, 0.1, 0]], ['pear', [-1, 0.25, 0.1, 0.05]],
  ];
  return new KeyedVectors(rows.map((r) => r[0]), Float32Array.from(rows.flatMap((r) => r[1])), 4);
}

test('mostSimilar and analogy: cosine neighbours, question words excluded', () => {
  const kv = toyVectors();
  assert.equal(kv.mostSimilar(['apple'], [], { k: 1 })[0].word, 'pear');
  assert.ok(Math.abs(kv.similarity('apple', 'apple') - 1) < 1e-6);
  assert.equal(kv.analogy('man', 'king', 'woman')[0].word, 'queen');
  assert.equal(kv.analogy('boy', 'girl', 'prince')[0].word, 'princess');
  const top = kv.mostSimilar(['king'], [], { k: 20 });
  assert.equal(top.length, 9, 'everything but the query');
  for (let i = 1; i < top.length; i++) assert.ok(top[i - 1].similarity >= top[i].similarity);
  assert.throws(() => kv.get('nope'), /not in the vocabulary/);
});

test('evaluateAnalogies counts only questions with known words, per section and overall', () => {
  const text = [
    ': royalty', 'man king woman queen', 'boy prince girl princess', 'man king woman unknownword',
    ': gram-fruit', 'man woman king queen', 'apple pear man queen',
  ].join('\n');
  const sections = parseAnalogies(text);
  assert.deepEqual(sections.map((s) => [s.name, s.questions.length]), [['royalty', 3], ['gram-fruit', 2]]);
  const r = evaluateAnalogies(toyVectors(), sections);
  assert.equal(r.total, 5);
  assert.equal(r.answered, 4);
  assert.equal(r.coverage, 0.8);
  assert.deepEqual(r.sections.map((s) => [s.section, s.correct, s.answered]), [['royalty', 2, 2], ['gram-fruit', 1, 2]]);
  assert.equal(r.semantic.accuracy, 1);
  assert.equal(r.syntactic.accuracy, 0.5);
  assert.equal(r.accuracy, 0.75);
  assert.throws(() => parseAnalogies(': s\na b c\n'), /line 2 has 3 words/);
});

test('Spearman averages tied ranks (scipy.stats.spearmanr values)', () => {
  assert.deepEqual([...averageRanks([10, 20, 20, 5])], [2, 3.5, 3.5, 1]);
  // scipy.stats.spearmanr([1, 2, 2, 3, 4], [2, 1, 3, 3, 5]).correlation = 0.7631578947368421
  assert.ok(Math.abs(spearman([1, 2, 2, 3, 4], [2, 1, 3, 3, 5]) - 0.7631578947368421) < 1e-12);
  assert.ok(Math.abs(pearson([1, 2, 3], [2, 4, 7]) - 0.9933992677987828) < 1e-12);
  assert.equal(spearman([1, 2, 3], [3, 2, 1]), -1);
});

test('evaluateSimilarity correlates cosines with scores over the covered pairs', () => {
  const pairs = parseWordPairs('# comment\nking\tqueen\t0.9\nman\tapple\t0.1\napple\tpear\t0.95\nking\tmissing\t0.5\n');
  const r = evaluateSimilarity(toyVectors(), pairs);
  assert.equal(r.pairs, 3);
  assert.equal(r.total, 4);
  assert.equal(r.spearman, 1);
});

test('the committed evaluation files parse and keep every question\'s words distinct', () => {
  const sections = parseAnalogies(readFileSync(new URL('../../data/eval/analogies.txt', import.meta.url), 'utf8'));
  assert.ok(sections.length >= 6);
  for (const s of sections) {
    assert.ok(s.questions.length > 100, s.name);
    for (const q of s.questions) assert.equal(new Set(q).size, 4, q.join(' '));
  }
  const pairs = parseWordPairs(readFileSync(new URL('../../data/eval/wordnet-noun-similarity.txt', import.meta.url), 'utf8'));
  assert.ok(pairs.length > 300);
  assert.ok(pairs.every((p) => p.score > 0 && p.score <= 1));
});

test('pca finds the directions of largest variance; tsne is seeded', () => {
  // points spread along (1, 1, 0) strongly and (0, 0, 1) weakly
  const rows: number[] = [];
  for (let i = 0; i < 20; i++) rows.push(i, i, (i % 2) * 0.5);
  const r = pca(Float32Array.from(rows), 20, 3, 2);
  const c1 = r.components.subarray(0, 3);
  assert.ok(Math.abs(c1[0] - Math.SQRT1_2) < 1e-3 && Math.abs(c1[1] - Math.SQRT1_2) < 1e-3 && Math.abs(c1[2]) < 1e-2, `${[...c1]}`);
  assert.ok(r.explained[0] > 0.99);
  const data = Float32Array.from({ length: 8 * 4 }, (_, i) => Math.sin(i));
  const a = tsne(data, 8, 4, { iterations: 50, seed: 3 }), b = tsne(data, 8, 4, { iterations: 50, seed: 3 });
  assert.deepEqual([...a], [...b]);
});

test('wordMap draws dots and labels', () => {
  const img = wordMap([{ word: 'king', x: 0, y: 0 }, { word: 'queen', x: 1, y: 1, group: 'f' }], { title: 'T', width: 300, height: 200 });
  assert.equal(img.rgba.length, 300 * 200 * 4);
  let dark = 0;
  for (let i = 0; i < img.rgba.length; i += 4) if (img.rgba[i] < 128) dark++;
  assert.ok(dark > 100, 'something was drawn');
});
