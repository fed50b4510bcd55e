// Hogwild word2vec (Word2VecJob.workers, trainWord2Vec's `workers`): the sentences cut into runs trained
// with their own random streams on the shared tables, at once on the thread pool. Run one after
// another (one thread, or the js backend) the workers repeat themselves bit for bit on both backends;
// on two threads they draw the same samples, really run on the pool, and train as well as one worker.
// Also: the loss is optional (computeLoss: false), changing no vector, and a diverging run is still caught.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildVocab, encodeCorpus, firstWords } from '../../src/embeddings/corpus.js';
import { loadCorpus } from '../../src/embeddings/corpora.js';
import { keepProbabilities, unigramTable } from '../../src/embeddings/sampling.js';
import { evaluateAnalogies, evaluateSimilarity, parseAnalogies, parseWordPairs } from '../../src/embeddings/evaluate.js';
import { trainWord2Vec } from '../../src/embeddings/word2vec.js';
import { Generator } from '../../src/tensor/random.js';
import { JsBackend } from '../../src/backend/js/index.js';
import { word2vecParts } from '../../src/backend/js/word2vec.js';
import { WasmBackend } from '../../src/backend/wasm/index.js';
import { wasmAvailable } from '../../src/backend/wasm/instance.js';
import { setNumThreads, wasmThreadStats } from '../../src/backend/wasm/threads.js';
import { getBackend } from '../../src/backend/registry.js';
import type { Backend, Word2VecJob } from '../../src/backend/backend.js';

const allSotu = loadCorpus('sotu'); // read once: tokenizing the whole corpus takes a while
const sotu = (words: number, minCount: number) => {
  const sentences = firstWords(allSotu, words);
  const vocab = buildVocab(sentences, minCount);
  return { vocab, corpus: encodeCorpus(sentences, vocab) };
};

const small = sotu(12000, 3);
const dim = 30;
const smallJob = (cbow: boolean, workers: number, computeLoss = true): Word2VecJob => {
  const { vocab, corpus } = small;
  const init = new Generator(3);
  return {
    cbow, dim, window: 5, negative: 5, syn0: Float32Array.from({ length: vocab.size * dim }, () => (init.random() - 0.5) / dim),
    syn1neg: new Float32Array(vocab.size * dim), ids: corpus.ids, starts: corpus.starts, keep: keepProbabilities(vocab.counts, 1e-3),
    table: unigramTable(vocab.counts, 1_000_000), alpha: 0.025, wordsDone: 0, totalWords: corpus.ids.length,
    state: Uint32Array.from([1, 2, 3, 4]), workers, computeLoss,
  };
};

test('word2vecParts cuts the sentences into runs of about equal words', () => {
  // sentences of 2, 8, 1, 9, 10, 1 words: run q starts at the first sentence that starts at or after q/workers of the 31 words
  const starts = Int32Array.from([10, 12, 20, 21, 30, 40, 41]);
  assert.deepEqual([...word2vecParts(starts, 1)], [0, 6]);
  assert.deepEqual([...word2vecParts(starts, 2)], [0, 4, 6]); // word 15.5: 20 and 11 words
  assert.deepEqual([...word2vecParts(starts, 3)], [0, 3, 5, 6]); // words 10.3 and 20.7: 11, 19 and 1 words
  assert.deepEqual([...word2vecParts(Int32Array.from([0, 5]), 3)], [0, 1, 1, 1]);
});

test('workers run one after another repeat themselves: the wasm kernel on one thread and the js twin give the same bits', { skip: !wasmAvailable() }, () => {
  setNumThreads(1);
  for (const cbow of [false, true]) {
    const [one, two, three] = [1, 2, 3].map((workers) => {
      const [ref, fast] = [new JsBackend(), new WasmBackend()].map((backend) => {
        const job = smallJob(cbow, workers);
        return { job, result: backend.word2vecTrain(job) };
      });
      const what = `${cbow ? 'CBOW' : 'skip-gram'}, ${workers} workers`;
      assert.deepEqual(fast.result, ref.result, what);
      assert.deepEqual([...fast.job.state], [...ref.job.state], what);
      assert.deepEqual(fast.job.syn0, ref.job.syn0, `${what}: input vectors`);
      assert.deepEqual(fast.job.syn1neg, ref.job.syn1neg, `${what}: output vectors`);
      return ref;
    });
    // every worker reads its share: the same words in all, other streams, so other samples and vectors
    assert.equal(two.result.words, one.result.words);
    assert.equal(three.result.words, one.result.words);
    assert.notEqual(two.result.examples, one.result.examples);
    assert.notDeepEqual(two.job.syn0, one.job.syn0);
    assert.notDeepEqual(three.job.syn0, two.job.syn0);
    assert.ok(Math.abs(two.result.loss / two.result.examples - one.result.loss / one.result.examples) < 0.01 * (one.result.loss / one.result.examples));
  }
});

test('computeLoss: false changes no vector nor draw; the loss is 0, or NaN once a score is not finite', () => {
  const backends: Backend[] = [new JsBackend(), ...(wasmAvailable() ? [new WasmBackend()] : [])];
  if (wasmAvailable()) setNumThreads(1);
  for (const backend of backends) {
    for (const cbow of [false, true]) {
      const withLoss = smallJob(cbow, 2), without = smallJob(cbow, 2, false);
      const a = backend.word2vecTrain(withLoss), b = backend.word2vecTrain(without);
      assert.ok(a.loss > 0);
      assert.equal(b.loss, 0, backend.name);
      assert.equal(b.examples, a.examples);
      assert.deepEqual([...without.state], [...withLoss.state]);
      assert.deepEqual(without.syn0, withLoss.syn0, `${backend.name}: input vectors`);
      assert.deepEqual(without.syn1neg, withLoss.syn1neg, `${backend.name}: output vectors`);
      const diverging = { ...smallJob(cbow, 1, false), alpha: 1e30 };
      assert.ok(Number.isNaN(backend.word2vecTrain(diverging).loss), `${backend.name}: a diverging run gives NaN`);
    }
  }
  const { vocab, corpus } = small;
  assert.throws(() => trainWord2Vec(corpus, vocab, { dim: 16, epochs: 1, alpha: 1e30, computeLoss: false, tableSize: 100_000 }), /the loss became NaN at epoch 1/);
  const r = trainWord2Vec(corpus, vocab, { dim: 16, epochs: 1, computeLoss: false, tableSize: 100_000 });
  assert.ok(Number.isNaN(r.epochLoss[0]!), 'no loss was computed');
  assert.throws(() => trainWord2Vec(corpus, vocab, { engine: 'autograd', workers: 2 }), /workers \(2\) applies to engine 'kernel' only/);
  assert.throws(() => trainWord2Vec(corpus, vocab, { workers: 0 }), /trainWord2Vec: option workers must be a positive integer/);
});

test('two workers on two threads run on the pool, draw the same samples as in turn, and train as well as one worker', { skip: !wasmAvailable() || getBackend().name !== 'wasm' }, (t) => {
  try {
    if (setNumThreads(2) !== 2) {
      t.skip('worker threads unavailable');
      return;
    }
    for (const cbow of [false, true]) {
      const before = wasmThreadStats().parallelPasses;
      const threaded = smallJob(cbow, 2);
      const r = new WasmBackend().word2vecTrain(threaded);
      assert.equal(wasmThreadStats().parallelPasses, before + 1, 'the workers were posted to the pool');
      const inTurn = smallJob(cbow, 2);
      const s = new JsBackend().word2vecTrain(inTurn);
      // the draws do not depend on the tables: only the floats race
      assert.deepEqual([r.examples, r.words], [s.examples, s.words]);
      assert.deepEqual([...threaded.state], [...inTurn.state]);
      assert.ok(Math.abs(r.loss - s.loss) < 0.01 * s.loss, `loss ${r.loss} vs ${s.loss} in turn`);
    }

    // quality on the whole State of the Union corpus, one CBOW epoch
    const { vocab, corpus } = sotu(Infinity, 5);
    const sections = parseAnalogies(readFileSync(new URL('../../data/eval/analogies.txt', import.meta.url), 'utf8'));
    const pairs = parseWordPairs(readFileSync(new URL('../../data/eval/wordnet-noun-similarity.txt', import.meta.url), 'utf8'));
    const quality = (workers: number) => {
      setNumThreads(workers);
      const r = trainWord2Vec(corpus, vocab, { model: 'cbow', epochs: 1, seed: 1, workers });
      return { loss: r.epochLoss[0]!, analogies: evaluateAnalogies(r.vectors, sections).accuracy, rho: evaluateSimilarity(r.vectors, pairs).spearman };
    };
    const one = quality(1), two = quality(2);
    const msg = `1 worker ${JSON.stringify(one)}, 2 workers ${JSON.stringify(two)}`;
    // tolerances from the spread between seeds at one worker (1 epoch): loss 2.4835-2.4854, analogies
    // 1.5-2.3%, similarity rho 0.047-0.104 (406 pairs: a standard error of about 0.05)
    assert.ok(one.analogies > 0.01 && one.rho > 0.03, `one worker learns: ${msg}`);
    assert.ok(Math.abs(two.loss - one.loss) < 0.01 * one.loss, `loss: ${msg}`);
    assert.ok(two.analogies > one.analogies - 0.01, `analogies: ${msg}`);
    assert.ok(two.rho > one.rho - 0.07, `similarity: ${msg}`);
  } finally {
    setNumThreads(1);
  }
});
