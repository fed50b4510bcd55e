// The fused GloVe kernel (Backend.gloveTrain, trainGloVe's default engine): entry by entry the same
// training as the nn.Module formulation with optim.Adagrad stepping one entry at a time, the same bits
// on the wasm kernel and its pure-TS twin (workers run in turn), and two workers on two threads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildVocab, encodeCorpus, firstWords } from '../../src/embeddings/corpus.js';
import { loadCorpus } from '../../src/embeddings/corpora.js';
import { cooccurrences, resolveGloVeOptions, trainGloVe } from '../../src/embeddings/glove.js';
import { Generator } from '../../src/tensor/random.js';
import { JsBackend } from '../../src/backend/js/index.js';
import { WasmBackend } from '../../src/backend/wasm/index.js';
import { wasmAvailable } from '../../src/backend/wasm/instance.js';
import { setNumThreads, wasmThreadStats } from '../../src/backend/wasm/threads.js';
import { getBackend } from '../../src/backend/registry.js';
import type { GloVeJob } from '../../src/backend/backend.js';

const allSotu = loadCorpus('sotu'); // read once: tokenizing the whole corpus takes a while
const sotu = (words: number, minCount: number) => {
  const sentences = firstWords(allSotu, words);
  const vocab = buildVocab(sentences, minCount);
  return { vocab, corpus: encodeCorpus(sentences, vocab) };
};

test('the kernel makes the Module formulation\'s updates (optim.Adagrad), one entry at a time', () => {
  const { vocab, corpus } = sotu(400, 2);
  const options = { dim: 10, window: 3, epochs: 2, xMax: 10, seed: 4 };
  const fast = trainGloVe(corpus, vocab, { ...options, engine: 'kernel' });
  const ref = trainGloVe(corpus, vocab, { ...options, engine: 'autograd', batchSize: 1 });
  assert.ok(fast.entries > 500);
  for (let e = 0; e < options.epochs; e++) assert.ok(Math.abs(fast.epochLoss[e]! - ref.epochLoss[e]!) < 1e-6 * ref.epochLoss[e]!, `epoch ${e + 1} loss ${fast.epochLoss[e]} vs ${ref.epochLoss[e]}`);
  const init = trainGloVe(corpus, vocab, { ...options, epochs: 1, lr: 1e-30 });
  for (const name of ['in_embed', 'out_embed', 'in_bias', 'out_bias'] as const) {
    const a = fast.model[name].weight.dataSync() as Float32Array, b = ref.model[name].weight.dataSync() as Float32Array;
    const start = init.model[name].weight.dataSync() as Float32Array;
    let maxDiff = 0, maxChange = 0;
    for (let i = 0; i < a.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
      maxChange = Math.max(maxChange, Math.abs(b[i]! - start[i]!));
    }
    assert.ok(maxChange > 0.01, `${name} moved ${maxChange} from its init`);
    assert.ok(maxDiff < 1e-6, `${name}: largest difference ${maxDiff}`);
  }
});

const { vocab: vocabB, corpus: corpusB } = sotu(20000, 3);
const cooc = cooccurrences(corpusB, vocabB.size, 5);
const gloveJob = (workers: number): GloVeJob => {
  const dim = 10, V = vocabB.size, g = new Generator(7);
  const table = (n: number) => Float32Array.from({ length: n }, () => (g.random() - 0.5) / dim);
  const n = cooc.values.length;
  return {
    dim, w: table(V * dim), c: table(V * dim), bw: table(V), bc: table(V),
    sumW: new Float32Array(V * dim).fill(1), sumC: new Float32Array(V * dim).fill(1), sumBw: new Float32Array(V).fill(1), sumBc: new Float32Array(V).fill(1),
    rows: cooc.rows, cols: cooc.cols, logCounts: Float32Array.from(cooc.values, Math.log),
    weights: Float32Array.from({ length: n }, (_, e) => Math.min(1, (cooc.values[e]! / 10) ** 0.75)), lr: 0.05, eps: 1e-10, workers,
  };
};
const tablesOf = (j: GloVeJob) => [j.w, j.c, j.bw, j.bc, j.sumW, j.sumC, j.sumBw, j.sumBc];

test('the wasm kernel and the pure-TS twin give bit-identical tables, with 1 and 3 workers in turn (dim 10)', { skip: !wasmAvailable() }, () => {
  setNumThreads(1);
  for (const workers of [1, 3]) {
    const ref = gloveJob(workers), fast = gloveJob(workers);
    const a = new JsBackend().gloveTrain(ref), b = new WasmBackend().gloveTrain(fast);
    assert.ok(a.loss > 0);
    assert.equal(b.loss, a.loss, `${workers} workers: loss`);
    tablesOf(fast).forEach((t, k) => assert.deepEqual(t, tablesOf(ref)[k], `${workers} workers: table ${k}`));
  }
});

test('two workers on two threads run on the pool and fit as well as one', { skip: !wasmAvailable() || getBackend().name !== 'wasm' }, (t) => {
  try {
    if (setNumThreads(2) !== 2) {
      t.skip('worker threads unavailable');
      return;
    }
    const before = wasmThreadStats().parallelPasses;
    const job = gloveJob(2);
    new WasmBackend().gloveTrain(job);
    assert.equal(wasmThreadStats().parallelPasses, before + 1, 'the workers were posted to the pool');
    const options = { dim: 16, window: 5, epochs: 3, xMax: 10 };
    const two = trainGloVe(corpusB, vocabB, { ...options, workers: 2 });
    setNumThreads(1);
    const one = trainGloVe(corpusB, vocabB, options);
    assert.ok(one.epochLoss[2]! < one.epochLoss[0]! * 0.8, `one worker learns: ${one.epochLoss}`);
    for (let e = 0; e < 3; e++) assert.ok(Math.abs(two.epochLoss[e]! - one.epochLoss[e]!) < 0.02 * one.epochLoss[e]!, `epoch ${e + 1}: ${two.epochLoss[e]} vs ${one.epochLoss[e]}`);
  } finally {
    setNumThreads(1);
  }
});

test('GloVe engine options are checked', () => {
  assert.equal(resolveGloVeOptions({}).engine, 'kernel');
  assert.throws(() => resolveGloVeOptions({ engine: 'gpu' as 'kernel' }), /trainGloVe: option engine must be one of "kernel", "autograd", got the string "gpu"/);
  assert.throws(() => resolveGloVeOptions({ engine: 'autograd', workers: 2 }), /workers \(2\) applies to engine 'kernel' only/);
  assert.throws(() => resolveGloVeOptions({ workers: 1.5 }), /trainGloVe: option workers must be a positive integer/);
});
