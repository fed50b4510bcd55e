/**
 * The course's Transformer, walked through on real translation: English (King James
 * Version) → Spanish (Reina-Valera 1909), from the SWORD modules Debian installs with
 * `apt-get install sword-text-kjv sword-text-sparv` (without them: a small built-in English → Spanish list).
 *
 *   1. data: a few hundred short verse pairs; byte-level BPE vocabularies for each language
 *   2. the model: source/target embeddings · √d + positional encoding, an encoder (self-attention +
 *      feed-forward), a decoder (masked self-attention, encoder-decoder attention, feed-forward), a generator
 *   3. one pass by hand: what each piece does to one sentence (shapes, the causal mask, attention rows)
 *   4. brief training: teacher forcing with the [BOS]-shifted target, label-smoothed cross-entropy
 *   5. generation as the course describes it: start from [BOS], predict a word, feed it back, repeat
 *      until [EOS]; then the same with the library's cached greedy decoder and beam search
 *   6. the encoder-decoder attention of the translated sentence as a heatmap
 *
 * A few hundred pairs and a minute of training teach the model the sentences it saw and the most
 * common words; a real translator needs the full corpus: see `nabla train translate`.
 *
 * Run: node --import tsx examples/translate.ts [--epochs 30] [--pairs 400] [--out runs/translate-example]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as nb from '../src/node.js';
import { listSwordModules, readSwordPairs, type TextPair } from '../src/text/node.js';
import { batchLoss, bucketBatches, makeBatch, padBatch, trainTokenizers, Translator } from '../src/models/translator.js';
import { attentionImage } from '../src/cli/commands/translate.js';
import { savePng } from '../src/util/png.js';

const { values: args } = parseArgs({
  options: { epochs: { type: 'string', default: '30' }, pairs: { type: 'string', default: '400' }, out: { type: 'string', default: join('runs', 'translate-example') }, seed: { type: 'string', default: '0' } },
});
const epochs = Number(args.epochs), wanted = Number(args.pairs), seed = Number(args.seed);
const { nn } = nb;

// ---- 1. data ----
const BUILT_IN: [string, string][] = [
  ['The cat sleeps.', 'El gato duerme.'], ['The dog sleeps.', 'El perro duerme.'], ['The cat eats bread.', 'El gato come pan.'],
  ['The dog eats bread.', 'El perro come pan.'], ['The man eats bread.', 'El hombre come pan.'], ['The woman drinks water.', 'La mujer bebe agua.'],
  ['The man drinks water.', 'El hombre bebe agua.'], ['The child drinks milk.', 'El niño bebe leche.'], ['I see the house.', 'Yo veo la casa.'],
  ['I see the dog.', 'Yo veo el perro.'], ['You see the cat.', 'Tú ves el gato.'], ['We see the sea.', 'Nosotros vemos el mar.'],
  ['The house is big.', 'La casa es grande.'], ['The dog is big.', 'El perro es grande.'], ['The cat is small.', 'El gato es pequeño.'],
  ['The house is small.', 'La casa es pequeña.'], ['The water is cold.', 'El agua está fría.'], ['The bread is good.', 'El pan es bueno.'],
  ['I have a dog.', 'Tengo un perro.'], ['I have a cat.', 'Tengo un gato.'], ['She has a house.', 'Ella tiene una casa.'],
  ['He has a book.', 'Él tiene un libro.'], ['I read a book.', 'Leo un libro.'], ['She reads the book.', 'Ella lee el libro.'],
  ['The children play.', 'Los niños juegan.'], ['The dogs run.', 'Los perros corren.'], ['The cats sleep.', 'Los gatos duermen.'],
  ['Good morning.', 'Buenos días.'], ['Good night.', 'Buenas noches.'], ['Thank you.', 'Gracias.'],
];
const installed = new Set(listSwordModules().map((m) => m.name));
let pairs: TextPair[];
if (installed.has('engKJV2006eb') && installed.has('spaRV1909eb')) {
  const all = readSwordPairs('engKJV2006eb', 'spaRV1909eb');
  const words = (s: string) => s.split(/\s+/).length;
  pairs = all.filter((p) => words(p.source) <= 7 && words(p.target) <= 9).slice(0, wanted);
  console.log(`== 1. data: ${pairs.length} short verse pairs of ${all.length} (KJV → Reina-Valera 1909, SWORD modules) ==`);
} else {
  pairs = BUILT_IN.map(([source, target]) => ({ source, target }));
  console.log('== 1. data: the built-in English → Spanish list (install sword-text-kjv and sword-text-sparv for real verses) ==');
}
for (const p of pairs.slice(0, 3)) console.log(`  ${p.source}  →  ${p.target}`);
const { src: srcTok, tgt: tgtTok } = trainTokenizers(pairs, { vocabSize: 600 });
console.log(`BPE vocabularies: English ${srcTok.vocabSize}, Spanish ${tgtTok.vocabSize} tokens ([PAD]=0 [UNK]=1 [BOS]=2 [EOS]=3, then bytes and merges)`);
const example = pairs[0]!;
console.log(`"${example.source}" → ${JSON.stringify(srcTok.tokenize(example.source))}`);

// ---- 2. the model ----
nb.manualSeed(seed);
const translator = Translator.create(srcTok, tgtTok, { dModel: 64, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 2, dimFeedforward: 128, dropout: 0.1, maxLen: 40 });
const model = translator.model;
const cfg = model.config;
console.log(`\n== 2. the model: ${model.parameters().reduce((n, p) => n + p.numel(), 0)} parameters ==`);
console.log(String(model).split('\n').slice(0, 6).join('\n') + '\n  ...');

// ---- 3. one forward pass by hand ----
console.log('\n== 3. one sentence through the pieces (untrained weights) ==');
model.eval();
const { src: srcIds, tgt: tgtIds } = translator.encodePair(example);
const src = padBatch([srcIds], cfg.padId); // [1, S]: the English tokens and [EOS]
const tgtIn = padBatch([[cfg.bosId, ...tgtIds]], cfg.padId); // [1, T]: the decoder starts from [BOS]
nb.noGrad(() => {
  const x = model.src_tok_emb.call(src).mul(Math.sqrt(cfg.dModel)); // embeddings, scaled by sqrt(d)
  const xPos = model.positional_encoding.call(x) as nb.Tensor; // + sinusoids: the order of the words
  console.log(`source ids ${JSON.stringify(srcIds)} -> embeddings ${JSON.stringify(x.shape)} -> + positional encoding`);
  // Encoder layer 1: self-attention (every source word looks at every source word) + feed-forward.
  const enc0 = (model.transformer.encoder as nb.nn.TransformerEncoder).layers.at(0) as nb.nn.TransformerEncoderLayer;
  const [, selfW] = enc0.self_attn.call(xPos, xPos, xPos, { needWeights: true });
  console.log(`encoder self-attention weights ${JSON.stringify(selfW!.shape)}; row 0 sums to ${selfW!.select(0, 0).select(0, 0).sum().item().toFixed(4)}`);
  const memory = model.encode(src);
  console.log(`encoder output ("memory") ${JSON.stringify(memory.shape)}: one vector per source token, computed in parallel`);
  // Decoder: masked self-attention (a word may look only at earlier words), then encoder-decoder attention.
  const T = tgtIn.shape[1]!;
  const causal = nn.Transformer.generateSquareSubsequentMask(T);
  console.log(`decoder input [BOS] + target, ${JSON.stringify(tgtIn.shape)}; the causal mask (0 = may look, -inf = future):`);
  for (let i = 0; i < Math.min(T, 5); i++) console.log('   ' + Array.from(causal.select(0, i).narrow(0, 0, Math.min(T, 5)).dataSync()).map((v) => (v === 0 ? '  0 ' : '-inf')).join(' '));
  const logits = model.forward(src, tgtIn); // [1, T, vocab]: at each position, scores for the NEXT word
  console.log(`generator output ${JSON.stringify(logits.shape)}: position t predicts target word t+1 (and the last one [EOS])`);
});

// ---- 4. brief training ----
console.log(`\n== 4. training: ${epochs} epochs over ${pairs.length} pairs (Adam, warm-up, label smoothing 0.1) ==`);
model.train();
const encoded = pairs.map((p) => translator.encodePair(p));
const criterion = new nn.CrossEntropyLoss({ ignoreIndex: cfg.padId, labelSmoothing: 0.1 });
const optimizer = new nb.optim.Adam(model.parameters(), { lr: 2e-3, betas: [0.9, 0.98], eps: 1e-9 });
const warmup = 30;
const scheduler = new nb.optim.LambdaLR(optimizer, { lrLambda: (s) => Math.min((s + 1) / warmup, Math.sqrt(warmup / (s + 1))) });
const generator = new nb.Generator(seed);
const t0 = performance.now();
for (let epoch = 1; epoch <= epochs; epoch++) {
  let sum = 0, tokens = 0;
  for (const idx of bucketBatches(encoded, 32, generator)) {
    const batch = makeBatch(idx.map((i) => encoded[i]!), cfg);
    const loss = batchLoss(model, batch, criterion); // decoder input [BOS] y1..yn, target y1..yn [EOS]
    optimizer.zeroGrad();
    loss.backward();
    nn.utils.clipGradNorm(model.parameters(), 1);
    optimizer.step();
    scheduler.step();
    sum += loss.item() * batch.tokens;
    tokens += batch.tokens;
  }
  if (epoch === 1 || epoch % 5 === 0 || epoch === epochs) console.log(`epoch ${String(epoch).padStart(3)}  loss ${(sum / tokens).toFixed(3)}  (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
}
model.eval();

// ---- 5. generation: start token, predict, feed back, until the end token ----
console.log('\n== 5. translating, one word at a time ==');
const sentence = example.source;
console.log(`source: ${sentence}`);
const source = padBatch([translator.encodeSource(sentence)], cfg.padId);
const out: number[] = [cfg.bosId];
nb.noGrad(() => {
  const memory = model.encode(source); // the encoder runs once
  for (let step = 0; step < cfg.maxLen; step++) {
    const tgt = padBatch([out], cfg.padId);
    const hidden = model.decode(tgt, memory, { tgtMask: nn.Transformer.generateSquareSubsequentMask(out.length), memoryKeyPaddingMask: source.eq(cfg.padId) });
    const probs = (model.generator.call(hidden.select(1, out.length - 1)) as nb.Tensor).softmax(-1).view(-1); // the last position's next-word distribution
    const next = probs.argmax(-1).item();
    const word = next === cfg.eosId ? '[EOS]' : JSON.stringify(tgtTok.decode([next]));
    console.log(`  step ${step + 1}: ${word.padEnd(16)} p = ${probs.select(0, next).item().toFixed(3)}`);
    if (next === cfg.eosId) break;
    out.push(next);
  }
});
const byHand = tgtTok.decode(out.slice(1)).trim();
console.log(`by hand:        ${byHand}`);
console.log(`greedy (cached): ${translator.translate(sentence, { beam: 1 })}`);
console.log(`beam search 4:   ${translator.translate(sentence, { beam: 4 })}`);
console.log(`reference:       ${example.target}`);
const unseen = 'And God said unto Abraham, I will bless thee.';
console.log(`\nan unseen sentence: ${unseen}\n  -> ${translator.translate(unseen, { beam: 4 })}\n  (a few hundred pairs teach common words and patterns, not translation: see \`nabla train translate\`)`);

// ---- 6. the encoder-decoder attention as a heatmap ----
const map = translator.attention(sentence, { beam: 1 });
const path = join(args.out!, 'cross_attention.png');
savePng(path, attentionImage(map, { title: 'Encoder-decoder attention, last decoder layer' }));
console.log(`\nwrote ${path}: rows = Spanish tokens produced, columns = English tokens`);
