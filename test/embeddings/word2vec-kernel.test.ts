// The fused word2vec kernel (Backend.word2vecTrain, trainWord2Vec's default engine): update by update
// the same training as the nn.Module formulation fed one pair (or CBOW window) at a time, the same
// vectors on the wasm kernel and its pure-TS twin, and one thread repeats itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { buildVocab, encodeCorpus, firstWords } from '../../src/embeddings/corpus.js';
import { loadCorpus } from '../../src/embeddings/corpora.js';
import { keepProbabilities, unigramTable } from '../../src/embeddings/sampling.js';
import { resolveWord2VecOptions, trainWord2Vec, Word2Vec, Word2VecBatcher, type Word2VecBatch } from '../../src/embeddings/word2vec.js';
import { Generator } from '../../src/tensor/random.js';
import { JsBackend } from '../../src/backend/js/index.js';
import { WasmBackend } from '../../src/backend/wasm/index.js';
import { wasmAvailable } from '../../src/backend/wasm/instance.js';
import type { Word2VecJob } from '../../src/backend/backend.js';

const sotu = (words: number, minCount: number) => {
  const sentences = firstWords(loadCorpus('sotu'), words);
  const vocab = buildVocab(sentences, minCount);
  return { vocab, corpus: encodeCorpus(sentences, vocab) };
};

/** Row `i` of a batch as a batch of one: the Module formulation stepping once per pair, as word2vec.c does. */
function example(batch: Word2VecBatch, i: number): Word2VecBatch {
  const row = (t: nb.Tensor) => t.narrow(0, i, 1);
  return {
    size: 1,
    inputs: batch.inputs && row(batch.inputs),
    context: batch.context && row(batch.context),
    contextMask: batch.contextMask && row(batch.contextMask),
    inverseCount: batch.inverseCount && row(batch.inverseCount),
    targets: row(batch.targets!),
    signs: row(batch.signs),
    mask: row(batch.mask!),
  };
}

for (const model of ['skipgram', 'cbow'] as const) {
  test(`${model}: the kernel makes the Module formulation's updates, one example at a time`, () => {
    const { vocab, corpus } = sotu(800, 2);
    // one negative: a pair's targets are then distinct rows (a negative equal to the positive is skipped), so per-pair SGD
    // in place and the summed gradient of one pair are the same update; with more, a repeated negative sees its own update
    const options = { model, dim: 12, window: 3, negative: 1, epochs: 2, sample: 1e-3, seed: 5, tableSize: 100_000, alpha: 0.1 };
    const fast = trainWord2Vec(corpus, vocab, { ...options, engine: 'kernel' });

    // the autograd formulation: sparse nn.Embedding tables, softplus loss, backward, optim.SGD, one example per step,
    // the lr from the words read so far, this sentence included
    const opts = resolveWord2VecOptions({ ...options, engine: 'autograd', batchSize: 1 });
    const generator = new Generator(opts.seed);
    const w2v = new Word2Vec(vocab.size, opts.dim, { model, generator });
    const batcher = new Word2VecBatcher(corpus, vocab, opts, generator);
    const optimizer = new nb.optim.SGD(w2v.parameters(), { lr: opts.alpha });
    const total = opts.epochs * batcher.wordsPerEpoch;
    const epochLoss: number[] = [];
    for (let epoch = 0; epoch < opts.epochs; epoch++) {
      batcher.rewind();
      let sum = 0, count = 0;
      for (let batch = batcher.next(); batch; batch = batcher.next()) {
        optimizer.paramGroups[0].lr = opts.alpha * Math.max(1e-4, 1 - batcher.wordsRead / (total + 1));
        for (let i = 0; i < batch.size; i++) {
          optimizer.zeroGrad();
          const loss = w2v.forward(example(batch, i));
          loss.backward();
          optimizer.step();
          sum += loss.item();
          count++;
        }
      }
      epochLoss.push(sum / count);
    }
    assert.equal(fast.examples, batcher.examples, 'the same examples were drawn');
    for (let e = 0; e < opts.epochs; e++) assert.ok(Math.abs(fast.epochLoss[e] - epochLoss[e]) < 1e-6 * epochLoss[e], `epoch ${e + 1} loss ${fast.epochLoss[e]} vs ${epochLoss[e]}`);
    const init = new Word2Vec(vocab.size, opts.dim, { model, generator: new Generator(opts.seed) });
    for (const name of ['in_embed', 'out_embed'] as const) {
      const a = fast.model[name].weight.dataSync() as Float32Array, b = w2v[name].weight.dataSync() as Float32Array;
      const start = init[name].weight.dataSync() as Float32Array;
      let maxDiff = 0, maxChange = 0;
      for (let i = 0; i < a.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
        maxChange = Math.max(maxChange, Math.abs(b[i] - start[i]));
      }
      assert.ok(maxChange > 3e-4, `${name} moved ${maxChange} from its init`);
      assert.ok(maxDiff < 1e-6, `${name}: largest difference ${maxDiff}`);
    }
  });
}

test('the wasm kernel and the pure-TS reference give bit-identical vectors (a dimension that is not a multiple of 4)', { skip: !wasmAvailable() }, () => {
  const { vocab, corpus } = sotu(30000, 3);
  const table = unigramTable(vocab.counts, 1_000_000);
  const keep = keepProbabilities(vocab.counts, 1e-3);
  const dim = 30;
  for (const cbow of [false, true]) {
    const runs = [new JsBackend(), new WasmBackend()].map((backend) => {
      const init = new Generator(3);
      const syn0 = Float32Array.from({ length: vocab.size * dim }, () => (init.random() - 0.5) / dim);
      const job: Word2VecJob = {
        cbow, dim, window: 5, negative: 5, syn0, syn1neg: new Float32Array(vocab.size * dim), ids: corpus.ids, starts: corpus.starts,
        keep, table, alpha: 0.025, wordsDone: 0, totalWords: corpus.ids.length, state: Uint32Array.from([1, 2, 3, 4]),
      };
      const result = backend.word2vecTrain(job);
      return { job, result };
    });
    const [ref, fast] = runs;
    assert.ok(ref.result.examples > 10000);
    assert.deepEqual(fast.result, ref.result);
    assert.deepEqual([...fast.job.state], [...ref.job.state]);
    assert.deepEqual(fast.job.syn0, ref.job.syn0, `${cbow ? 'CBOW' : 'skip-gram'} input vectors`);
    assert.deepEqual(fast.job.syn1neg, ref.job.syn1neg, `${cbow ? 'CBOW' : 'skip-gram'} output vectors`);
  }
});

test('the kernel engine repeats itself with the same seed, and learns the corpus', () => {
  const { vocab, corpus } = sotu(40000, 5);
  const train = (seed: number) => trainWord2Vec(corpus, vocab, { dim: 32, epochs: 2, seed, tableSize: 1_000_000 });
  const a = train(1), b = train(1), c = train(2);
  assert.deepEqual(a.model.in_embed.weight.dataSync(), b.model.in_embed.weight.dataSync());
  assert.notDeepEqual(a.model.in_embed.weight.dataSync(), c.model.in_embed.weight.dataSync());
  assert.ok(a.epochLoss[1] < a.epochLoss[0], `loss falls: ${a.epochLoss}`);
  assert.ok(a.epochLoss[1] < 6 * Math.log(2), 'below the loss of all-zero scores');
});

test('engine options are checked', () => {
  assert.equal(resolveWord2VecOptions({}).engine, 'kernel');
  assert.equal(resolveWord2VecOptions({ loss: 'hs' }).engine, 'autograd');
  assert.throws(() => resolveWord2VecOptions({ loss: 'hs', engine: 'kernel' }), /engine 'kernel' trains with negative sampling only/);
  assert.throws(() => resolveWord2VecOptions({ engine: 'gpu' as 'kernel' }), /trainWord2Vec: option engine must be one of "kernel", "autograd", got the string "gpu"/);
});
