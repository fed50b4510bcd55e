// Word2Vec: the batcher reads a corpus as word2vec.c does; the model's loss and sparse gradients; training learns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { buildVocab, encodeCorpus, firstWords } from '../../src/embeddings/corpus.js';
import { loadCorpus } from '../../src/embeddings/corpora.js';
import { RowSparseTensor } from '../../src/autograd/sparse.js';
import {
  resolveWord2VecOptions, trainWord2Vec, Word2Vec, Word2VecBatcher, type Word2VecBatch,
} from '../../src/embeddings/word2vec.js';
import { Generator } from '../../src/tensor/random.js';

/** Sentences that each draw words from one of two topics. */
function topicCorpus(sentences: number, seed = 7): string[][] {
  const g = new Generator(seed);
  const topics = [['red', 'green', 'blue', 'yellow', 'purple', 'orange'], ['cat', 'dog', 'horse', 'cow', 'sheep', 'goat']];
  const out: string[][] = [];
  for (let s = 0; s < sentences; s++) {
    const t = topics[s % 2];
    out.push(Array.from({ length: 8 }, () => t[g.randint(0, t.length)]));
  }
  return out;
}

test('the batcher pairs each centre word with context words inside the shrunk window of its own sentence', () => {
  const sentences = [['a', 'b', 'c', 'd', 'e'], ['f', 'g', 'h']];
  const vocab = buildVocab(sentences, 1);
  const corpus = encodeCorpus(sentences, vocab);
  const opts = resolveWord2VecOptions({ window: 2, negative: 3, sample: 0, batchSize: 1000 });
  const batcher = new Word2VecBatcher(corpus, vocab, opts, new Generator(3));
  const batch = batcher.next()!;
  assert.equal(batcher.next(), null, 'one batch holds the whole corpus');
  const inputs = [...(batch.inputs!.dataSync() as Int32Array)];
  const targets = batch.targets!.toArray() as number[][];
  const sentenceOf = (id: number) => (['f', 'g', 'h'].includes(vocab.token(id)) ? 1 : 0);
  const position = (id: number) => 'abcdefgh'.indexOf(vocab.token(id)) - (sentenceOf(id) ? 5 : 0);
  inputs.forEach((ctx, i) => {
    const centre = targets[i][0];
    assert.equal(sentenceOf(ctx), sentenceOf(centre), 'no pair crosses a sentence');
    const dist = Math.abs(position(ctx) - position(centre));
    assert.ok(dist >= 1 && dist <= 2, `distance ${dist} within the window`);
  });
  assert.deepEqual(batch.signs.toArray().map((r) => (r as number[])[0]), inputs.map(() => -1));
  assert.equal(batcher.wordsRead, 8);
  // every centre word appears with each of its distance-1 neighbours (b is always < window, so distance 1 survives)
  assert.ok(inputs.length >= 2 * (4 + 2));
});

test('negatives that hit the positive word are masked out; subsampling keeps frequent words at the formula\'s rate', () => {
  const sentences = [Array.from({ length: 20000 }, (_, i) => (i % 10 === 0 ? 'rare' : 'the'))];
  const vocab = buildVocab(sentences, 1);
  const corpus = encodeCorpus(sentences, vocab);
  const sample = 1e-2;
  const opts = resolveWord2VecOptions({ window: 1, negative: 4, sample, batchSize: 100000, tableSize: 1000 });
  const batcher = new Word2VecBatcher(corpus, vocab, opts, new Generator(5));
  const batch = batcher.next()!;
  const targets = batch.targets!.dataSync() as Int32Array, mask = batch.mask!.dataSync() as Float32Array;
  for (let i = 0; i < targets.length; i++) if (i % 5 !== 0) assert.equal(mask[i], targets[i] === targets[i - (i % 5)] ? 0 : 1);
  // kept 'the' ≈ count * keep probability
  const total = 20000, c = 18000;
  const keep = (Math.sqrt(c / (sample * total)) + 1) * ((sample * total) / c);
  const centres = [...targets].filter((_, i) => i % 5 === 0);
  assert.ok(centres.length > 0);
  const theKept = batcher.examples; // window 1: about 2 pairs per kept word
  assert.ok(theKept < 2 * (keep * c + 2000) * 1.2 && theKept > 2 * (keep * c + 2000) * 0.5, `examples ${theKept}`);
});

test('the negative-sampling loss is softplus(-u_pos·h) + Σ softplus(u_neg·h) and its gradients are row-sparse', () => {
  const model = new Word2Vec(6, 4, { generator: new Generator(1) });
  nb.noGrad(() => model.out_embed.weight.normal_(0, 0.5));
  const batch: Word2VecBatch = {
    size: 2,
    inputs: nb.tensor([1, 3], { dtype: 'int32' }),
    targets: nb.tensor([[2, 4, 5], [0, 3, 3]], { dtype: 'int32' }),
    signs: nb.tensor([[-1, 1, 1], [-1, 1, 1]]),
    mask: nb.tensor([[1, 1, 1], [1, 1, 0]]),
  };
  const loss = model.forward(batch);
  const W = model.in_embed.weight.toArray() as number[][], U = model.out_embed.weight.toArray() as number[][];
  const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
  const softplus = (x: number) => Math.log1p(Math.exp(x));
  const expected = softplus(-dot(U[2], W[1])) + softplus(dot(U[4], W[1])) + softplus(dot(U[5], W[1]))
    + softplus(-dot(U[0], W[3])) + softplus(dot(U[3], W[3]));
  assert.ok(Math.abs(loss.item() - expected) < 1e-5);
  loss.backward();
  const gIn = model.in_embed.weight.grad, gOut = model.out_embed.weight.grad;
  assert.ok(gIn instanceof RowSparseTensor && gOut instanceof RowSparseTensor);
  assert.deepEqual([...(gIn as RowSparseTensor).indices], [1, 3]);
  assert.equal((gOut as RowSparseTensor).nnz, 6);
  // SGD touches only those rows
  const before = model.in_embed.weight.dataSync();
  new nb.optim.SGD(model.parameters(), { lr: 0.1 }).step();
  const after = model.in_embed.weight.dataSync();
  for (const row of [0, 2, 4, 5]) for (let d = 0; d < 4; d++) assert.equal(after[row * 4 + d], before[row * 4 + d]);
});

for (const [model, loss] of [['skipgram', 'ns'], ['cbow', 'ns'], ['skipgram', 'hs'], ['cbow', 'hs']] as const) {
  test(`${model}/${loss} learns which words share contexts`, () => {
    const sentences = topicCorpus(model === 'cbow' ? 600 : 300);
    const vocab = buildVocab(sentences, 1);
    const corpus = encodeCorpus(sentences, vocab);
    // a 12-word vocabulary repeats each row dozens of times in a batch; small batches keep the summed step near the C tool's sequential ones
    const result = trainWord2Vec(corpus, vocab, { model, loss, dim: 16, window: 3, epochs: 3, sample: 0, batchSize: model === 'cbow' ? 32 : 64, seed: 2 });
    assert.ok(result.epochLoss[2] < result.epochLoss[0], `loss falls: ${result.epochLoss.map((l) => l.toFixed(3))}`);
    const topic = (w: string) => (['red', 'green', 'blue', 'yellow', 'purple', 'orange'].includes(w) ? 0 : 1);
    for (const w of ['red', 'dog', 'sheep', 'blue']) {
      const nearest = result.vectors.mostSimilar([w], [], { k: 3 }).map((n) => n.word);
      assert.ok(nearest.every((n) => topic(n) === topic(w)), `${w}: ${nearest}`);
    }
    assert.ok(result.wordsPerSecond > 0);
    assert.equal(result.vectors.size, 12);
  });
}

test('a slice of the State of the Union corpus trains end to end', () => {
  const sentences = firstWords(loadCorpus('sotu'), 20000);
  const vocab = buildVocab(sentences, 3);
  assert.ok(vocab.frequencySorted && vocab.tokens[0] === 'the');
  const corpus = encodeCorpus(sentences, vocab);
  const result = trainWord2Vec(corpus, vocab, { dim: 16, epochs: 1, batchSize: 1024 });
  assert.ok(Number.isFinite(result.epochLoss[0]) && result.epochLoss[0] < Math.log(2) * 6);
  assert.equal(result.vectors.size, vocab.size);
  const sd = result.model.stateDict();
  assert.deepEqual(Object.keys(sd), ['in_embed.weight', 'out_embed.weight']);
});

test('options are checked', () => {
  assert.throws(() => resolveWord2VecOptions({ model: 'bow' as 'cbow' }), /model must be one of "skipgram", "cbow"/);
  assert.throws(() => resolveWord2VecOptions({ window: 0 }), /window must be a positive integer/);
  assert.equal(resolveWord2VecOptions({ model: 'cbow' }).alpha, 0.05);
  assert.equal(resolveWord2VecOptions({}).alpha, 0.025);
});

test('the fused gatheredRowDot gives the same loss and gradients as out_embed + mul + sum', () => {
  for (const loss of ['ns', 'hs'] as const) {
    const make = (fused: boolean) => {
      const m = new Word2Vec(7, 5, { loss, generator: new Generator(4), fused });
      nb.noGrad(() => m.out_embed.weight.copy_(nb.randn(m.out_embed.weight.shape, { generator: new Generator(9) })));
      return m;
    };
    const batch: Word2VecBatch = loss === 'ns'
      ? { size: 3, inputs: nb.tensor([1, 3, 1], { dtype: 'int32' }), targets: nb.tensor([[2, 4, 2], [0, 3, 6], [5, 5, 1]], { dtype: 'int32' }), signs: nb.tensor([[-1, 1, 1], [-1, 1, 1], [-1, 1, 1]]), mask: nb.tensor([[1, 1, 0], [1, 1, 1], [1, 1, 1]]) }
      : { size: 2, inputs: nb.tensor([1, 3], { dtype: 'int32' }), owner: nb.tensor([0, 0, 1, 1, 1], { dtype: 'int32' }), nodes: nb.tensor([5, 2, 5, 1, 0], { dtype: 'int32' }), signs: nb.tensor([-1, 1, 1, -1, 1]) };
    const [a, b] = [make(false), make(true)];
    const la = a.forward(batch), lb = b.forward(batch);
    assert.ok(Math.abs(la.item() - lb.item()) < 1e-5, `${loss}: ${la.item()} vs ${lb.item()}`);
    la.backward(); lb.backward();
    for (const name of ['in_embed', 'out_embed'] as const) {
      const ga = (a[name].weight.grad as RowSparseTensor).toDense().dataSync(), gb = (b[name].weight.grad as RowSparseTensor).toDense().dataSync();
      ga.forEach((v, i) => assert.ok(Math.abs(v - gb[i]) < 1e-5, `${loss} ${name}[${i}]: ${v} vs ${gb[i]}`));
    }
  }
});
