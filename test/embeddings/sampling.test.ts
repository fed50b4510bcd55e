// The word2vec C tool's sampling machinery: subsampling, the unigram table, the Huffman tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { huffmanTree, keepProbabilities, unigramTable } from '../../src/embeddings/sampling.js';

test('keepProbabilities follows word2vec.c: (sqrt(c/(s*T)) + 1) * (s*T)/c, capped at 1', () => {
  const counts = [1000, 100, 10, 1];
  const total = 1111, sample = 1e-2;
  const p = keepProbabilities(counts, sample);
  counts.forEach((c, i) => {
    const expected = Math.min(1, (Math.sqrt(c / (sample * total)) + 1) * ((sample * total) / c));
    assert.ok(Math.abs(p[i] - expected) < 1e-12, `word ${i}`);
  });
  assert.ok(p[0] < 0.2 && p[3] === 1);
  assert.deepEqual([...keepProbabilities(counts, 0)], [1, 1, 1, 1]);
});

test('unigramTable gives each word a share proportional to count^0.75', () => {
  const counts = [81, 16, 1];
  const table = unigramTable(counts, 100_000);
  const share = [0, 0, 0];
  for (const w of table) share[w]++;
  const pow = counts.map((c) => c ** 0.75);
  const total = pow.reduce((a, b) => a + b);
  share.forEach((s, i) => assert.ok(Math.abs(s / table.length - pow[i] / total) < 1e-3, `word ${i}: ${s / table.length} vs ${pow[i] / total}`));
});

/** Optimal weighted code length by the textbook two-queue Huffman construction. */
function optimalCost(counts: number[]): number {
  const q = [...counts].sort((a, b) => a - b);
  let cost = 0;
  while (q.length > 1) {
    q.sort((a, b) => a - b);
    const s = q.shift()! + q.shift()!;
    cost += s;
    q.push(s);
  }
  return cost;
}

test('huffmanTree builds an optimal prefix code over inner nodes 0..V-2 with the root V-2 first', () => {
  const counts = [50, 30, 20, 10, 9, 5, 3, 2, 1, 1];
  const V = counts.length;
  const tree = huffmanTree(counts);
  const codes: string[] = [];
  let cost = 0;
  for (let w = 0; w < V; w++) {
    const from = tree.offsets[w], to = tree.offsets[w + 1];
    assert.ok(to > from, 'every word has a code');
    assert.equal(tree.points[from], V - 2, 'paths start at the root');
    for (let d = from; d < to; d++) assert.ok(tree.points[d] >= 0 && tree.points[d] <= V - 2);
    codes.push([...tree.codes.subarray(from, to)].join(''));
    cost += counts[w] * (to - from);
  }
  for (const a of codes) for (const b of codes) if (a !== b) assert.ok(!b.startsWith(a), `${a} is a prefix of ${b}`);
  assert.equal(cost, optimalCost(counts));
  assert.ok(codes[0].length <= codes[V - 1].length, 'frequent words get short codes');
  // inner nodes on a path are consistent: the same prefix always passes through the same nodes
  const nodeOf = new Map<string, number>();
  for (let w = 0; w < V; w++) {
    const from = tree.offsets[w];
    for (let d = 0; d < codes[w].length; d++) {
      const prefix = codes[w].slice(0, d);
      const node = tree.points[from + d];
      if (nodeOf.has(prefix)) assert.equal(nodeOf.get(prefix), node);
      else nodeOf.set(prefix, node);
    }
  }
  assert.equal(nodeOf.size, V - 1);
  assert.throws(() => huffmanTree([1, 2]), /sorted most frequent first/);
  assert.throws(() => huffmanTree([1]), /at least 2 words/);
});
