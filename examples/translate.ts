/**
 * The course's Transformer, walked through on real translation: English → Spanish
 * user-interface messages from the gettext catalogs (`.mo`) that programs install under /usr/share/locale
 * (the pairs `nabla data mo --lang es` collects; `--lang de`, `--lang ko`, ... for other languages).
 *
 *   1. data: a few hundred short message pairs; byte-level BPE vocabularies for each language
 *   2. the model: source/target embeddings · √d + positional encoding, an encoder (self-attention +
 *      feed-forward), a decoder (masked self-attention, encoder-decoder attention, feed-forward), a generator
 *   3. one pass by hand: what each piece does to one sentence (shapes, the causal mask, attention rows)
 *   4. brief training: teacher forcing with the [BOS]-shifted target, label-smoothed cross-entropy
 *   5. generation as the course describes it: start from [BOS], predict a word, feed it back, repeat
 *      until [EOS]; then the same with the library's cached greedy decoder and beam search
 *   6. the encoder-decoder attention of the translated sentence as a heatmap
 *
 * A few hundred pairs and a minute of training teach the model the messages it saw and the most
 * common words; a real translator needs many more pairs and hours: see `nabla train translate`.
 *
 * Run: node --import tsx examples/translate.ts [--lang es] [--dir /usr/share/locale] [--epochs 30] [--pairs 400] [--out runs/translate-example]
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as nb from 'nabla';
import { batchLoss, bucketBatches, makeBatch, padBatch, trainTokenizers, Translator, type AttentionMap } from 'nabla/models';
import { heatmap, savePng } from 'nabla/plot';

const { values: args } = parseArgs({
  options: {
    lang: { type: 'string', default: 'es' }, dir: { type: 'string', default: '/usr/share/locale' },
    epochs: { type: 'string', default: '30' }, pairs: { type: 'string', default: '400' },
    out: { type: 'string', default: join('runs', 'translate-example') }, seed: { type: 'string', default: '0' },
  },
});
const epochs = Number(args.epochs), wanted = Number(args.pairs), seed = Number(args.seed);
const lang = args.lang!, localeDir = args.dir!;
const { nn } = nb;

// ---- 1. data ----
/** The catalogs of one language: <dir>/<lang>[_XX][@variant]/LC_MESSAGES/*.mo. */
function catalogFiles(dir: string, language: string): string[] {
  if (!existsSync(dir)) return [];
  const locales = readdirSync(dir).filter((d) => d === language || d.startsWith(`${language}_`) || d.startsWith(`${language}@`)).sort();
  return locales.flatMap((loc) => {
    const messages = join(dir, loc, 'LC_MESSAGES');
    return existsSync(messages) ? readdirSync(messages).filter((f) => f.endsWith('.mo')).sort().map((f) => join(messages, f)) : [];
  });
}
const files = catalogFiles(localeDir, lang);
if (files.length === 0) {
  console.error(
    `No gettext catalogs for '${lang}' under ${localeDir} (looked for ${join(localeDir, `${lang}*`, 'LC_MESSAGES', '*.mo')}).\n` +
    '  Programs install their translations with their packages (Debian: coreutils, tar, bash, ... under /usr/share/locale;\n' +
    '  minimal and container images often leave them out: see /etc/dpkg/dpkg.cfg.d/ for path-exclude lines, remove them\n' +
    '  and reinstall, e.g. `apt-get install --reinstall coreutils tar`). On Ubuntu the language packs add many more:\n' +
    `  \`apt-get install language-pack-${lang.split(/[_@]/)[0]}\`, then pass --dir /usr/share/locale-langpack.`,
  );
  process.exit(1);
}
// msgid → msgstr of every catalog, each English message once, short ones only (a minute of training)
const words = (s: string) => s.split(/\s+/).length;
// plain sentences only: no format directives (%s, {0}), paths or markup
const plain = (s: string) => /^\p{L}[\p{L} ,.'’-]*[\p{L}.!?]$/u.test(s);
const seen = new Set<string>();
const all: nb.text.TextPair[] = [];
for (const file of files) {
  for (const p of nb.text.readMoPairs(file)) {
    if (p.source === p.target || seen.has(p.source) || !/[a-z]/.test(p.source)) continue;
    seen.add(p.source);
    all.push(p);
  }
}
const pairs = all.filter((p) => plain(p.source) && plain(p.target) && words(p.source) >= 2 && words(p.source) <= 6 && words(p.target) <= 8).slice(0, wanted);
if (pairs.length === 0) {
  console.error(`The ${files.length} catalogs for '${lang}' under ${localeDir} hold no short translated message.`);
  process.exit(1);
}
console.log(`== 1. data: ${pairs.length} short message pairs of ${all.length} (English → ${lang}, ${files.length} gettext catalogs under ${localeDir}) ==`);
for (const p of pairs.slice(0, 3)) console.log(`  ${p.source}  →  ${p.target}`);
const { src: srcTok, tgt: tgtTok } = trainTokenizers(pairs, { vocabSize: 600 });
console.log(`BPE vocabularies: English ${srcTok.vocabSize}, ${lang} ${tgtTok.vocabSize} tokens ([PAD]=0 [UNK]=1 [BOS]=2 [EOS]=3, then bytes and merges)`);
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
const unseen = 'Could not open the selected file';
console.log(`\nan unseen sentence: ${unseen}\n  -> ${translator.translate(unseen, { beam: 4 })}\n  (a few hundred pairs teach common words and patterns, not translation: see \`nabla train translate\`)`);

// ---- 6. the encoder-decoder attention as a heatmap ----
const map: AttentionMap = translator.attention(sentence, { beam: 1 });
// the plot's bitmap font is ASCII: drop the accents (é → e), other letters become '?'
const label = (t: string) => t.trim().normalize('NFD').replace(/[\u0300-\u036f]/g, '') || t;
const path = join(args.out!, 'cross_attention.png');
savePng(path, heatmap({
  matrix: map.weights, rowLabels: map.targetTokens.map(label), colLabels: map.sourceTokens.map(label),
  title: 'Encoder-decoder attention, last decoder layer', xLabel: 'source tokens', yLabel: 'target',
  formatValue: (v) => v.toFixed(2),
}));
console.log(`\nwrote ${path}: rows = ${lang} tokens produced, columns = English tokens`);
