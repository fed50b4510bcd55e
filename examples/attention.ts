/**
 * The course's attention, on its example sentence "the cat sat on the mat because it was tired".
 *
 *   1. toy word vectors with readable features (animal, thing, action, state, ...);
 *   2. query / key / value for "it" by hand: dot products with every key, softmax to weights that
 *      sum to 1, the weighted sum of the values;
 *   3. self-attention: every word as a query at once, Q·Kᵀ/√d -> softmax -> ·V, with nabla tensors and
 *      with the fused F.scaledDotProductAttention;
 *   4. multi-head attention: nn.MultiheadAttention with two heads, head 0 holding the hand-made
 *      projections of step 2 and head 1 another "view"; the weights per head and averaged;
 *   5. a heatmap of the self-attention weights (runs/attention/attention_weights.png).
 *
 * Run: node --import tsx examples/attention.ts [--out runs/attention]
 */
import { join } from 'node:path';
import * as nb from 'nabla';
import { nn, F, type Tensor } from 'nabla';
import { heatmap, savePng } from 'nabla/plot';

const outDir = process.argv.includes('--out') ? process.argv[process.argv.indexOf('--out') + 1]! : join('runs', 'attention');
const words = ['the', 'cat', 'sat', 'on', 'the', 'mat', 'because', 'it', 'was', 'tired'];
const IT = words.indexOf('it');

// ---- 1. toy embeddings: 8 readable features per word ----
const features = ['animal', 'thing', 'action', 'state', 'function', 'pronoun', 'past', 'rest'];
const vectors: Record<string, number[]> = {
  //        animal thing action state func pron  past rest
  the:     [0,     0,    0,     0,    1,   0,    0,   0.2],
  cat:     [1,     0,    0,     0,    0,   0,    0,   0.1],
  sat:     [0,     0,    1,     0,    0,   0,    1,   0],
  on:      [0,     0.2,  0,     0,    1,   0,    0,   0],
  mat:     [0,     1,    0,     0,    0,   0,    0,   0.1],
  because: [0,     0,    0,     0,    1,   0,    0,   0.3],
  it:      [0.1,   0.1,  0,     0,    0,   1,    0,   0],
  was:     [0,     0,    0.3,   0.5,  0.5, 0,    1,   0],
  tired:   [0,     0,    0,     1,    0,   0,    0,   0],
};
const X = nb.tensor(words.map((w) => vectors[w]!)); // [10, 8]

// ---- 2. query, key and value for "it", by hand ----
// Head 0 ("who is it?"): a 4-d query/key space [animal, thing, action, state].
// The key of a word says what it is; the query of a word says what it looks for:
// a pronoun looks for a noun, preferably animate (it "was tired"); a state looks for an animal.
const d = 4;
const Wk0 = [ // [d, 8]: key_i = Wk0 · x
  [1, 0, 0, 0, 0, 0, 0, 0],
  [0, 1, 0, 0, 0, 0, 0, 0],
  [0, 0, 1, 0, 0, 0, 0, 0],
  [0, 0, 0, 1, 0, 0, 0, 0],
];
const Wq0 = [ // [d, 8]: query_i = Wq0 · x
  [0, 0, 1, 2, 0, 3, 0, 0], // looking for an animal: actions, states and pronouns ask "who?"
  [0, 0, 0, 0, 0, 1, 0, 0], // a pronoun may also refer to a thing
  [0, 0, 0, 0, 0, 0, 0, 0],
  [0, 0, 0, 0, 0, 0, 0, 0],
];
const Wv0 = Wk0; // the value passed on: the word's [animal, thing, action, state] features

const matVec = (W: number[][], x: number[]): number[] => W.map((row) => row.reduce((s, w, j) => s + w * x[j]!, 0));
const fmt = (xs: number[], digits = 3): string => `[${xs.map((v) => v.toFixed(digits)).join(', ')}]`;

console.log('== 2. attention for the query "it", by hand ==');
console.log('The teacher asks what "it" is: "it" is the query; each word offers a key (what it is) and a value');
console.log('(what it passes on). Most students answer "cat", some "mat": the weights below say the same.');
const qIt = matVec(Wq0, vectors.it!);
console.log(`query("it") = Wq·x("it") = ${fmt(qIt, 1)}`);
const keys = words.map((w) => matVec(Wk0, vectors[w]!));
const scores = keys.map((k) => k.reduce((s, kj, j) => s + kj * qIt[j]!, 0) / Math.sqrt(d));
console.log('score(it, w) = query("it") · key(w) / sqrt(d):');
words.forEach((w, i) => console.log(`  ${w.padEnd(8)} key ${fmt(keys[i]!, 1)}  score ${scores[i]!.toFixed(3)}`));
const maxScore = Math.max(...scores);
const exps = scores.map((s) => Math.exp(s - maxScore));
const total = exps.reduce((a, b) => a + b, 0);
const weightsIt = exps.map((e) => e / total);
console.log(`softmax -> weights ${fmt(weightsIt)}, sum = ${weightsIt.reduce((a, b) => a + b, 0).toFixed(6)}`);
const values = words.map((w) => matVec(Wv0, vectors[w]!));
const outIt = values[0]!.map((_, j) => values.reduce((s, v, i) => s + weightsIt[i]! * v[j]!, 0));
console.log(`output("it") = sum_w weight(w) * value(w) = ${fmt(outIt)} over [${features.slice(0, 4).join(', ')}]`);
const top = words.map((w, i) => [w, weightsIt[i]!] as const).sort((a, b) => b[1] - a[1]).slice(0, 3);
console.log(`"it" attends most to: ${top.map(([w, p]) => `${w} (${(100 * p).toFixed(1)}%)`).join(', ')}`);

// ---- 3. self-attention: every word is a query, all at once ----
console.log('\n== 3. self-attention as matrices ==');
const Wq = nb.tensor(Wq0), Wk = nb.tensor(Wk0), Wv = nb.tensor(Wv0);
const Q = X.matmul(Wq.t()), K = X.matmul(Wk.t()), V = X.matmul(Wv.t()); // [10, 4] each
const weights = Q.matmul(K.t()).div(Math.sqrt(d)).softmax(-1); // [10, 10], each row sums to 1
const attended = weights.matmul(V);
const fused = F.scaledDotProductAttention(Q, K, V);
const rowIt = (t: Tensor): number[] => Array.from(t.select(0, IT).dataSync());
console.log(`Q ${JSON.stringify(Q.shape)}, K ${JSON.stringify(K.shape)}, V ${JSON.stringify(V.shape)} -> weights ${JSON.stringify(weights.shape)}`);
console.log(`weights["it"] = ${fmt(rowIt(weights))} (same as by hand)`);
console.log(`row sums: ${fmt(Array.from(weights.sum(-1).dataSync()), 4)}`);
const diff = attended.sub(fused).abs().max().item();
console.log(`softmax(QKᵀ/√d)·V vs the fused F.scaledDotProductAttention: max |difference| = ${diff.toExponential(1)}`);

// ---- 4. multi-head attention: two heads, two views ----
console.log('\n== 4. multi-head attention (nn.MultiheadAttention, 2 heads) ==');
// Head 1 ("when / what happened?"): past-tense words look for actions and states.
const Wq1 = [[0, 0, 0, 0, 0, 0, 3, 0], [0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0]];
const Wk1 = [[0, 0, 1, 1, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0]];
const Wv1 = [[0, 0, 0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0, 0, 1]];
const mha = new nn.MultiheadAttention(8, 2, { bias: false });
// in_proj_weight stacks [Wq; Wk; Wv], each [embedDim, embedDim] with head h in rows h*4 .. h*4+3
mha.loadStateDict({
  in_proj_weight: nb.tensor([...Wq0, ...Wq1, ...Wk0, ...Wk1, ...Wv0, ...Wv1]),
  'out_proj.weight': nb.eye(8),
});
mha.eval();
const x = X.unsqueeze(1); // [L=10, batch=1, 8]
const [, perHead] = mha.call(x, x, x, { averageAttnWeights: false }); // [1, 2, 10, 10]
const [out, averaged] = mha.call(x, x, x); // [10, 1, 8], [1, 10, 10]
const head = (h: number): Tensor => perHead!.select(0, 0).select(0, h);
console.log(`output ${JSON.stringify(out.shape)}; weights per head ${JSON.stringify(perHead!.shape)}, averaged ${JSON.stringify(averaged!.shape)}`);
const showRow = (label: string, row: number[]): void => {
  console.log(`${label.padEnd(22)} ${words.map((w, i) => `${w}:${row[i]!.toFixed(2)}`).join(' ')}`);
};
showRow('head 0 (who?) "it":', rowIt(head(0)));
showRow('head 1 (when?) "was":', Array.from(head(1).select(0, words.indexOf('was')).dataSync()));
showRow('head 1 (when?) "it":', rowIt(head(1)));
showRow('averaged "it":', rowIt(averaged!.select(0, 0)));
const sameAsHand = head(0).sub(weights).abs().max().item();
console.log(`head 0 equals the hand-made single head: max |difference| = ${sameAsHand.toExponential(1)}`);
console.log(`output("it") = [head 0 output | head 1 output] = ${fmt(Array.from(out.select(0, IT).select(0, 0).dataSync()))}`);

// ---- 5. heatmap of the self-attention weights ----
const path = join(outDir, 'attention_weights.png');
const matrix = Array.from({ length: words.length }, (_, i) => Array.from(weights.select(0, i).dataSync()));
savePng(path, heatmap({
  matrix, rowLabels: words, colLabels: words,
  title: 'Self-attention weights (head 0: "who?")', xLabel: 'key', yLabel: 'query',
  formatValue: (v) => v.toFixed(2),
}));
console.log(`\nwrote ${path}`);
