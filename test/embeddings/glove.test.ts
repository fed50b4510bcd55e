// GloVe: co-occurrence counts as glove's cooccur.c makes them, the weighted least-squares loss, sparse AdaGrad training.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { buildVocab, encodeCorpus } from '../../src/embeddings/corpus.js';
import { cooccurrences, GloVe, PairCounter, trainGloVe } from '../../src/embeddings/glove.js';
import { RowSparseTensor } from '../../src/autograd/sparse.js';
import { Generator } from '../../src/tensor/random.js';

function cell(c: ReturnType<typeof cooccurrences>, i: number, j: number): number {
  let v = 0;
  for (let e = 0; e < c.values.length; e++) if (c.rows[e] === i && c.cols[e] === j) v += c.values[e];
  return v;
}

test('co-occurrences: symmetric, 1/distance, within sentences, out-of-vocabulary words dropped first, X_ii from both sides', () => {
  const sentences = [['a', 'b', 'oov', 'c', 'a'], ['c', 'b']];
  const vocab = buildVocab([['a', 'a', 'b', 'b', 'c', 'c']], 1); // a b c, no 'oov'
  const corpus = encodeCorpus(sentences, vocab);
  const X = cooccurrences(corpus, vocab.size, 3);
  const [a, b, c] = ['a', 'b', 'c'].map((w) => vocab.id(w));
  // sentence 1 without oov: a b c a
  assert.ok(Math.abs(cell(X, a, b) - (1 + 1 / 2)) < 1e-6); // a-b at 1, b-a(last) at 2
  assert.ok(Math.abs(cell(X, b, a) - cell(X, a, b)) < 1e-6);
  assert.ok(Math.abs(cell(X, a, c) - (1 / 2 + 1)) < 1e-6); // a..c at 2, c-a at 1
  assert.ok(Math.abs(cell(X, b, c) - (1 + 1)) < 1e-6); // b-c in sentence 1, c-b in sentence 2
  assert.ok(Math.abs(cell(X, a, a) - 2 * (1 / 3)) < 1e-6, 'a..a at distance 3, counted from both sides');
  // nothing crosses the sentence boundary: a (end of 1) and c (start of 2) are not neighbours
  assert.equal(X.values.length, 7); // ab ba ac ca bc cb aa
});

test('PairCounter grows and keeps every pair', () => {
  const p = new PairCounter(1000, 4);
  for (let i = 0; i < 500; i++) p.add(i, 999 - i, 1);
  for (let i = 0; i < 500; i++) p.add(999 - i, i, 0.5);
  assert.equal(p.size, 500);
  const X = p.toCooccurrences();
  assert.equal(X.values.length, 1000);
  assert.ok(X.values.every((v) => v === 1.5));
});

test('the loss is 1/2 Σ f(x) (w·w̃ + b + b̃ - log x)^2 and every table gets a row-sparse gradient', () => {
  const model = new GloVe(4, 3, new Generator(3));
  const rows = nb.tensor([0, 2], { dtype: 'int32' }), cols = nb.tensor([1, 2], { dtype: 'int32' });
  const x = [5, 200];
  const f = x.map((v) => Math.min(1, (v / 100) ** 0.75));
  const loss = model.forward(rows, cols, nb.tensor(x.map(Math.log)), nb.tensor(f));
  const W = model.in_embed.weight.toArray() as number[][], C = model.out_embed.weight.toArray() as number[][];
  const bw = (model.in_bias.weight.toArray() as number[][]).map((r) => r[0]), bc = (model.out_bias.weight.toArray() as number[][]).map((r) => r[0]);
  const dot = (p: number[], q: number[]) => p.reduce((s, v, i) => s + v * q[i], 0);
  const expected = 0.5 * (f[0] * (dot(W[0], C[1]) + bw[0] + bc[1] - Math.log(5)) ** 2 + f[1] * (dot(W[2], C[2]) + bw[2] + bc[2] - Math.log(200)) ** 2);
  assert.ok(Math.abs(loss.item() - expected) < 1e-5);
  loss.backward();
  for (const p of model.parameters()) assert.ok(p.grad instanceof RowSparseTensor);
  assert.deepEqual(Object.keys(model.stateDict()), ['in_embed.weight', 'out_embed.weight', 'in_bias.weight', 'out_bias.weight']);
  const v = model.vectors().toArray() as number[][];
  assert.ok(Math.abs(v[1][2] - (W[1][2] + C[1][2])) < 1e-6, 'the vectors are W + W~');
});

test('trainGloVe fits the co-occurrences of a two-topic corpus', () => {
  const g = new Generator(5);
  const topics = [['red', 'green', 'blue', 'yellow', 'purple'], ['cat', 'dog', 'horse', 'cow', 'sheep']];
  const sentences = Array.from({ length: 300 }, (_, s) => Array.from({ length: 8 }, () => topics[s % 2][g.randint(0, 5)]));
  const vocab = buildVocab(sentences, 1);
  const r = trainGloVe(encodeCorpus(sentences, vocab), vocab, { dim: 10, window: 4, epochs: 15, xMax: 10, batchSize: 16 });
  assert.ok(r.epochLoss[14] < r.epochLoss[0] / 3, `loss ${r.epochLoss.map((l) => l.toFixed(4)).join(' ')}`);
  const topic = (w: string) => (topics[0].includes(w) ? 0 : 1);
  for (const w of ['red', 'cow']) {
    const near = r.vectors.mostSimilar([w], [], { k: 3 }).map((n) => n.word);
    assert.ok(near.every((n) => topic(n) === topic(w)), `${w}: ${near}`);
  }
});
