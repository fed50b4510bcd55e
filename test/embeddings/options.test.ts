/**
 * The embeddings check their options at run time: an unknown key (gensim's and PyTorch's spellings
 * get a did-you-mean), a value of the wrong type and a number out of range are errors naming the
 * function, the option and the value, instead of training at the defaults.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildVocab, encodeCorpus } from '../../src/embeddings/corpus.js';
import { resolveWord2VecOptions, trainWord2Vec, Word2Vec } from '../../src/embeddings/word2vec.js';
import { GloVe, resolveGloVeOptions, trainGloVe } from '../../src/embeddings/glove.js';
import { KeyedVectors } from '../../src/embeddings/keyed-vectors.js';
import { wordMap, wordMapSvg } from '../../src/embeddings/plot.js';

const loose = (o: object) => o as never;
const sentences = [['a', 'b', 'c', 'a', 'b'], ['c', 'a', 'b', 'c']];
const vocab = buildVocab(sentences, 1);
const corpus = encodeCorpus(sentences, vocab);
const kv = new KeyedVectors(['king', 'queen', 'man', 'woman'], Float32Array.from([1, 0, 0.9, 0.1, 0.2, 0.8, 0.1, 0.9]), 2);

test('trainWord2Vec: unknown options name the known ones, with gensim and snake_case did-you-means', () => {
  assert.throws(() => resolveWord2VecOptions(loose({ windw: 5 })), /trainWord2Vec: unknown option 'windw' \(did you mean 'window'\?\); known options: model, engine, loss, dim, window/);
  assert.throws(() => resolveWord2VecOptions(loose({ vector_size: 50 })), /unknown option 'vector_size' \(did you mean 'dim'\?/);
  assert.throws(() => resolveWord2VecOptions(loose({ batch_size: 64 })), /unknown option 'batch_size' \(did you mean 'batchSize'\? nabla spells options in camelCase/);
  assert.throws(() => resolveWord2VecOptions(loose({ min_count: 1 })), /unknown option 'min_count'; known options/);
});

test('trainWord2Vec: values out of range name the option and the value', () => {
  assert.throws(() => resolveWord2VecOptions({ window: -2 }), /trainWord2Vec: option window must be a positive integer, got number -2/);
  assert.throws(() => resolveWord2VecOptions({ dim: 0 }), /option dim must be a positive integer, got number 0/);
  assert.throws(() => resolveWord2VecOptions({ dim: 2.5 }), /option dim must be a positive integer, got number 2.5/);
  assert.throws(() => resolveWord2VecOptions({ alpha: NaN }), /option alpha must be a finite number > 0, got number NaN/);
  assert.throws(() => resolveWord2VecOptions({ sample: -1e-3 }), /option sample must be a finite number >= 0/);
  assert.throws(() => resolveWord2VecOptions({ epochs: '5' as never }), /option epochs must be a positive integer, got the string "5"/);
  assert.throws(() => resolveWord2VecOptions({ loss: 'softmax' as never }), /option loss must be one of "ns", "hs"/);
  assert.throws(() => resolveWord2VecOptions({ negative: 0 }), /negative must be a positive integer with loss 'ns', got 0/);
  assert.equal(resolveWord2VecOptions({ negative: 0, loss: 'hs' }).negative, 0, 'hierarchical softmax needs no negatives');
});

test('trainWord2Vec: an unknown hook is refused before training', () => {
  assert.throws(() => trainWord2Vec(corpus, vocab, { dim: 4, epochs: 1 }, loose({ on_progress: () => {} })),
    /trainWord2Vec \(hooks\): unknown option 'on_progress' \(did you mean 'onProgress'\?.*known options: onProgress, onEpochEnd, reportEvery/);
  assert.throws(() => trainWord2Vec(corpus, vocab, { dim: 4, epochs: 1 }, { reportEvery: 0 }), /option reportEvery must be a positive integer, got number 0/);
});

test('the Word2Vec module checks its options', () => {
  assert.throws(() => new Word2Vec(5, 4, loose({ sg: 1 })), /Word2Vec: unknown option 'sg' \(did you mean 'model'\?\); known options: model, loss, generator, fused/);
  assert.throws(() => new Word2Vec(5, 4, loose({ Fused: true })), /unknown option 'Fused' \(did you mean 'fused'\?/);
  assert.throws(() => new Word2Vec(5, 4, loose({ model: 'bow' })), /Word2Vec: option model must be one of "skipgram", "cbow", got the string "bow"/);
  assert.throws(() => new Word2Vec(5, 4, loose({ generator: 42 })), /Word2Vec: option generator must be a Generator, got number 42/);
});

test('trainGloVe: unknown options, did-you-means and ranges; hooks; the GloVe module\'s generator', () => {
  assert.throws(() => resolveGloVeOptions(loose({ x_max: 10 })), /trainGloVe: unknown option 'x_max' \(did you mean 'xMax'\? nabla spells options in camelCase\); known options: dim, window, xMax/);
  assert.throws(() => resolveGloVeOptions(loose({ learning_rate: 0.1 })), /unknown option 'learning_rate' \(did you mean 'lr'\?/);
  assert.throws(() => resolveGloVeOptions({ window: 0 }), /trainGloVe: option window must be a positive integer, got number 0/);
  assert.throws(() => resolveGloVeOptions({ lr: NaN }), /option lr must be a finite number > 0, got number NaN/);
  assert.throws(() => resolveGloVeOptions({ xMax: -1 }), /option xMax must be a finite number > 0, got number -1/);
  assert.throws(() => resolveGloVeOptions({ initialAccumulator: -1 }), /option initialAccumulator must be a finite number >= 0/);
  assert.throws(() => trainGloVe(corpus, vocab, { dim: 4, epochs: 1 }, loose({ onEpoch: () => {} })),
    /trainGloVe \(hooks\): unknown option 'onEpoch'.*known options: onCooccurrences, onProgress, onEpochEnd, reportEvery/);
  assert.throws(() => new GloVe(5, 4, loose({ seed: 1 })), /GloVe: the third argument must be a Generator, got an object/);
});

test('KeyedVectors.mostSimilar and analogy check their options and word lists', () => {
  assert.equal(kv.mostSimilar(['king'], [], { k: 2 }).length, 2);
  assert.throws(() => kv.mostSimilar(['king'], [], loose({ topn: 2 })), /mostSimilar: unknown option 'topn' \(did you mean 'k'\?\); known options: k, exclude, restrict/);
  assert.throws(() => kv.mostSimilar(['king'], [], loose({ restrict_vocab: 2 })), /did you mean 'restrict'\?/);
  assert.throws(() => kv.mostSimilar(['king'], [], { k: 0 }), /mostSimilar: option k must be a positive integer, got number 0/);
  assert.throws(() => kv.mostSimilar(['king'], [], { exclude: 'queen' as never }), /option exclude must be an iterable of words \(an array or a Set\), got the string "queen"/);
  assert.throws(() => kv.mostSimilar(['king'], loose({ k: 2 })), /mostSimilar: negative must be an array of words, got an object/);
  assert.throws(() => kv.mostSimilar('king' as never), /mostSimilar: positive must be an array of words, got the string "king"/);
  assert.throws(() => kv.analogy('man', 'king', 'woman', loose({ topn: 1 })), /analogy: unknown option 'topn' \(did you mean 'k'\?/);
  assert.throws(() => kv.analogy('man', 'king', 'woman', { restrict: -1 }), /analogy: option restrict must be a positive integer, got number -1/);
});

test('wordMap and wordMapSvg check their options and points', () => {
  const points = [{ word: 'king', x: 0, y: 0 }, { word: 'queen', x: 1, y: 1 }];
  for (const [name, draw] of [['wordMap', wordMap], ['wordMapSvg', wordMapSvg]] as const) {
    assert.throws(() => draw(points, loose({ titel: 'x' })), new RegExp(`${name}: unknown option 'titel' \\(did you mean 'title'\\?\\); known options: title, subtitle, width, height`));
    assert.throws(() => draw(points, loose({ Width: 300 })), /did you mean 'width'\? nabla spells options in camelCase/);
    assert.throws(() => draw(points, { width: 0 }), new RegExp(`${name}: option width must be a positive integer, got number 0`));
    assert.throws(() => draw(loose({ points }) as never), new RegExp(`${name}: points must be an array`));
  }
});
