// The translation Transformer: masks, cached decoding, greedy and beam search, attention weights, save/load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nb from '../../src/node.js';
import {
  beamSearch, batchLoss, CachedDecoder, decodeIds, greedySearch, makeBatch, padBatch, scoreIds, Seq2SeqTransformer,
  SentenceTooLongError, trainTokenizers, Translator, type DecodeStepper, type Seq2SeqConfig,
} from '../../src/models/translator.js';
import { loadTranslator } from '../../src/cli/commands/translate.js';

const tiny: Seq2SeqConfig = {
  srcVocabSize: 20, tgtVocabSize: 20, dModel: 32, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 2,
  dimFeedforward: 64, dropout: 0, maxLen: 12, padId: 0, bosId: 2, eosId: 3,
};

function values(t: nb.Tensor): number[] {
  return Array.from(t.contiguousData() as Float32Array);
}
function maxDiff(a: number[], b: number[]): number {
  return a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);
}
/** logits[b, t, :] of a [B, T, V] tensor. */
function at(t: nb.Tensor, b: number, pos: number): number[] {
  return values(t.select(0, b).select(0, pos));
}

test('the source key-padding mask stops padded tokens from reaching any output', () => {
  nb.manualSeed(1);
  const model = new Seq2SeqTransformer(tiny).eval();
  const src = padBatch([[5, 6, 7, 8, 3], [9, 10, 3]], 0); // row 1 padded at positions 3, 4
  const tgtIn = padBatch([[2, 11, 12], [2, 13, 14]], 0);
  const masks = model.makeMasks(src, tgtIn);
  const base = model.forward(src, tgtIn, masks);
  // Put real tokens where the padding was, keeping the mask: nothing may change.
  const changed = padBatch([[5, 6, 7, 8, 3], [9, 10, 3, 17, 18]], 0);
  const after = model.forward(changed, tgtIn, masks);
  assert.ok(maxDiff(values(base), values(after)) < 1e-6, 'a masked source token changed the output');
  // Without the mask the same change does reach row 1 (so the test can see a leak).
  const noMask = { ...masks, srcPaddingMask: nb.zeros([2, 5]).bool() };
  const leak = maxDiff(values(model.forward(src, tgtIn, noMask).select(0, 1)), values(model.forward(changed, tgtIn, noMask).select(0, 1)));
  assert.ok(leak > 1e-3, `unmasked padding should matter (diff ${leak})`);
  // The encoder output of the real source positions is unchanged too.
  const m1 = model.encode(src, masks.srcPaddingMask).select(0, 1).narrow(0, 0, 3);
  const m2 = model.encode(changed, masks.srcPaddingMask).select(0, 1).narrow(0, 0, 3);
  assert.ok(maxDiff(values(m1), values(m2)) < 1e-6);
});

test('the causal mask keeps every target position blind to later tokens', () => {
  nb.manualSeed(2);
  const model = new Seq2SeqTransformer(tiny).eval();
  const src = padBatch([[5, 6, 7, 3]], 0);
  const tgtIn = padBatch([[2, 11, 12, 13, 14]], 0);
  const masks = model.makeMasks(src, tgtIn);
  const base = model.forward(src, tgtIn, masks);
  for (const j of [1, 3, 4]) {
    const data = Int32Array.from(tgtIn.contiguousData() as Int32Array);
    data[j] = 19;
    const after = model.forward(src, nb.Tensor.fromData(data, [1, 5], 'int32'), masks);
    for (let t = 0; t < j; t++) assert.ok(maxDiff(at(base, 0, t), at(after, 0, t)) < 1e-6, `position ${t} saw the token at ${j}`);
    assert.ok(maxDiff(at(base, 0, j), at(after, 0, j)) > 1e-3, `position ${j} should see its own input`);
  }
  // Without the causal mask position 0 does see the future (the test can detect a leak).
  const open = { ...masks, tgtMask: nb.zeros([5, 5]) };
  const data = Int32Array.from(tgtIn.contiguousData() as Int32Array);
  data[4] = 19;
  const leak = maxDiff(at(model.forward(src, tgtIn, open), 0, 0), at(model.forward(src, nb.Tensor.fromData(data, [1, 5], 'int32'), open), 0, 0));
  assert.ok(leak > 1e-3);
});

test('the cached step-by-step decoder gives the full forward pass logits (post-norm and pre-norm)', () => {
  for (const normFirst of [false, true]) {
    nb.manualSeed(3);
    const model = new Seq2SeqTransformer({ ...tiny, normFirst }).eval();
    const src = padBatch([[5, 6, 7, 3], [8, 9, 3]], 0);
    const tgtIn = padBatch([[2, 10, 11, 12], [2, 13, 14, 15]], 0);
    const full = model.forward(src, tgtIn);
    const dec = new CachedDecoder(model, src);
    const ids = tgtIn.contiguousData() as Int32Array;
    for (let t = 0; t < 4; t++) {
      const logits = dec.stepLogits(Int32Array.from([ids[t]!, ids[4 + t]!]));
      for (let b = 0; b < 2; b++) assert.ok(maxDiff(values(logits.select(0, b)), at(full, b, t)) < 1e-4, `normFirst=${normFirst} row ${b} step ${t}`);
    }
    // reordering rows (as beam search does) carries each row's cache along
    const dec2 = new CachedDecoder(model, src);
    dec2.step(Int32Array.from([2, 2]));
    dec2.select(Int32Array.from([1, 1, 0]));
    const l = dec2.stepLogits(Int32Array.from([13, 13, 10]));
    assert.ok(maxDiff(values(l.select(0, 0)), at(full, 1, 1)) < 1e-4);
    assert.ok(maxDiff(values(l.select(0, 2)), at(full, 0, 1)) < 1e-4);
  }
});

/** A fixed Markov scorer: greedy takes token 4 first (0.6) but then only bad continuations follow. */
class TableStepper implements DecodeStepper {
  readonly vocabSize = 6;
  rows: number;
  #last: number[];
  constructor(rows: number) {
    this.rows = rows;
    this.#last = new Array<number>(rows).fill(-1);
  }
  select(rows: Int32Array): void {
    this.#last = Array.from(rows, (r) => this.#last[r]!);
    this.rows = rows.length;
  }
  step(tokens: Int32Array): Float32Array {
    const table: Record<number, number[]> = {
      2: [0, 0, 0, 0.01, 0.6, 0.39], // after BOS
      4: [0, 0, 0, 0.34, 0.33, 0.33], // after 4: nothing likely
      5: [0, 0, 0, 0.95, 0.025, 0.025], // after 5: EOS almost surely
    };
    const out = new Float32Array(this.rows * 6);
    Array.from(tokens).forEach((t, r) => table[t]!.forEach((p, v) => (out[r * 6 + v] = Math.log(p))));
    return out;
  }
}

test('beam search finds the better sequence greedy misses; beam 1 is greedy', () => {
  const opts = { bosId: 2, eosId: 3, maxLength: 5 };
  const [g] = greedySearch(new TableStepper(1), 1, opts);
  const [b] = beamSearch(new TableStepper(1), 1, { ...opts, beamSize: 2, lengthPenalty: 0 });
  const [b1] = beamSearch(new TableStepper(1), 1, { ...opts, beamSize: 1, lengthPenalty: 0 });
  assert.deepEqual(b!.tokens, [5]);
  assert.ok(Math.abs(b!.logProb - Math.log(0.39 * 0.95)) < 1e-6);
  assert.ok(b!.logProb > g!.logProb + 0.1, `beam ${b!.logProb} vs greedy ${g!.logProb}`);
  assert.deepEqual(b1!.tokens, g!.tokens);
  assert.ok(Math.abs(b1!.logProb - g!.logProb) < 1e-9);
  // a length limit forces the end token
  const [short] = greedySearch(new TableStepper(1), 1, { ...opts, maxLength: 1 });
  assert.deepEqual(short!.tokens, [4]);
  assert.equal(short!.truncated, true);
});

test('a model trained to reverse digit strings decodes them with greedy and beam search, stopping at [EOS]', () => {
  nb.manualSeed(0);
  const g = new nb.Generator(0);
  // ids: 0 [PAD] 1 [UNK] 2 [BOS] 3 [EOS], digits 4..13
  const config: Seq2SeqConfig = { ...tiny, srcVocabSize: 14, tgtVocabSize: 14, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, maxLen: 8 };
  const model = new Seq2SeqTransformer(config);
  const sample = () => {
    const digits = Array.from({ length: g.randint(2, 7) }, () => 4 + g.randint(0, 10));
    return { src: [...digits, 3], tgt: [...digits].reverse() };
  };
  const optimizer = new nb.optim.Adam(model.parameters(), { lr: 3e-3, betas: [0.9, 0.98] });
  const criterion = new nb.nn.CrossEntropyLoss({ ignoreIndex: 0 });
  let loss = Infinity;
  for (let step = 0; step < 260; step++) {
    const l = batchLoss(model, makeBatch(Array.from({ length: 32 }, sample), config), criterion);
    optimizer.zeroGrad();
    l.backward();
    optimizer.step();
    loss = l.item();
  }
  assert.ok(loss < 0.2, `training loss ${loss}`);
  const tests = Array.from({ length: 30 }, sample);
  const greedy = decodeIds(model, tests.map((t) => t.src));
  const beam = decodeIds(model, tests.map((t) => t.src), { beam: 4, lengthPenalty: 0 });
  const correct = (hs: typeof greedy) => hs.filter((h, i) => h.tokens.join() === tests[i]!.tgt.join()).length;
  assert.ok(correct(greedy) >= 25, `greedy reversed ${correct(greedy)}/30`);
  assert.ok(correct(beam) >= 25, `beam reversed ${correct(beam)}/30`);
  tests.forEach((t, i) => {
    assert.ok(beam[i]!.logProb >= greedy[i]!.logProb - 1e-4, `sentence ${i}: beam ${beam[i]!.logProb} < greedy ${greedy[i]!.logProb}`);
    for (const h of [greedy[i]!, beam[i]!]) {
      assert.equal(h.truncated, false, 'stopped by the length limit instead of [EOS]');
      assert.ok(!h.tokens.includes(3) && !h.tokens.includes(0) && !h.tokens.includes(2));
    }
    // the search's log-probability is the model's, as one teacher-forced pass scores it
    assert.ok(Math.abs(scoreIds(model, t.src, beam[i]!.tokens) - beam[i]!.logProb) < 1e-3);
  });
  // beam 1 is greedy decoding
  const beam1 = decodeIds(model, tests.slice(0, 5).map((t) => t.src), { beam: 1 });
  assert.deepEqual(beam1.map((h) => h.tokens), greedy.slice(0, 5).map((h) => h.tokens));
  // encoder-decoder attention: one row per produced token + [EOS], rows sum to 1
  const src = tests[0]!.src;
  const w = model.crossAttention(padBatch([src], 0), padBatch([[2, ...greedy[0]!.tokens]], 0));
  assert.deepEqual(w.shape, [1, greedy[0]!.tokens.length + 1, src.length]);
  for (const s of values(w.sum(-1))) assert.ok(Math.abs(s - 1) < 1e-5);
});

const PAIRS = [
  ['the cat sleeps', 'el gato duerme'], ['the dog sleeps', 'el perro duerme'], ['the cat eats', 'el gato come'],
  ['the dog eats', 'el perro come'], ['a cat runs', 'un gato corre'], ['a dog runs', 'un perro corre'],
].map(([source, target]) => ({ source: source!, target: target! }));

test('a translator saved to safetensors and loaded back translates identically', () => {
  nb.manualSeed(4);
  const { src, tgt } = trainTokenizers(PAIRS, { vocabSize: 280 });
  const translator = Translator.create(src, tgt, { dModel: 32, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 32, dropout: 0.1, maxLen: 16 });
  const optimizer = new nb.optim.Adam(translator.model.parameters(), { lr: 3e-3 });
  const criterion = new nb.nn.CrossEntropyLoss({ ignoreIndex: 0 });
  const encoded = PAIRS.map((p) => translator.encodePair(p));
  for (let i = 0; i < 30; i++) {
    const loss = batchLoss(translator.model, makeBatch(encoded, translator.config), criterion);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
  }
  const sentences = ['the cat sleeps', 'a dog eats', 'the dog runs'];
  const before = translator.translateBatch(sentences, { beam: 1 });
  const beforeBeam = translator.translateBatch(sentences, { beam: 3 });
  const dir = mkdtempSync(join(tmpdir(), 'nabla-translator-'));
  try {
    const path = join(dir, 'model.safetensors');
    const { tensors, metadata } = translator.toSafetensors({ note: 'test' });
    nb.save(tensors, path, metadata);
    const { translator: loaded, metadata: meta } = loadTranslator(path);
    assert.equal(meta.note, 'test');
    assert.deepEqual(loaded.config, translator.config);
    assert.deepEqual(loaded.translateBatch(sentences, { beam: 1 }), before);
    assert.deepEqual(loaded.translateBatch(sentences, { beam: 3 }), beforeBeam);
    const map = loaded.attention('the cat sleeps');
    assert.equal(map.translation, before[0]!.translation);
    assert.equal(map.sourceTokens.at(-1), '[EOS]');
    assert.equal(map.weights.length, map.targetTokens.length);
    assert.ok(map.weights.every((r) => r.length === map.sourceTokens.length && Math.abs(r.reduce((a, b) => a + b, 0) - 1) < 1e-5));
    // not a translator file
    nb.save({ w: nb.zeros([2]) }, join(dir, 'other.safetensors'), { format: 'pt' });
    assert.throws(() => loadTranslator(join(dir, 'other.safetensors')), /not a translation model/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // a sentence longer than maxLen subword tokens is refused with the limit
  assert.throws(() => translator.translate('the cat '.repeat(20)), (e: unknown) => e instanceof SentenceTooLongError && /at most 16/.test((e as Error).message));
});
