// BERT's training side: the masked-position MLM loss against transformers' full-logits loss, the
// trainer's update (loss falls, NaN stops it before the weights change) and a pretraining run that
// resumes bit-identically from a checkpoint written half-way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nb from '../../src/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/io/checkpoint.js';
import { BertConfig } from '../../src/models/bert/config.js';
import { BertForPreTraining } from '../../src/models/bert/heads.js';
import { evaluatePretraining, mostFrequentToken, pretrainingForward } from '../../src/models/bert/pretraining-loss.js';
import type { PretrainingBatch } from '../../src/models/bert/pretraining-data.js';
import { NonFiniteLossError, Trainer } from '../../src/models/bert/trainer.js';
import { BertPretrainer, maskedEpochs, type PretrainState } from '../../src/models/bert/pretrain.js';
import { createPretrainingInstances } from '../../src/models/bert/pretraining-data.js';
import { pretrainingDocuments } from '../../src/models/bert/corpora.js';
import { BertTokenizer } from '../../src/text/wordpiece.js';

const VOCAB = 40, SEQ = 12;
const config = () => new BertConfig({ vocabSize: VOCAB, hiddenSize: 16, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 32, maxPositionEmbeddings: 32 });

/**
 * Sentence pairs from a tiny repeating grammar (ids 5..39; 0 pad, 1 [CLS], 2 [SEP], 3 [MASK]) with
 * 15% of the tokens masked, HF's labels (-100 elsewhere) and random "is random next" labels.
 */
function makeBatch(g: nb.Generator, batch: number): PretrainingBatch {
  const ids = new Int32Array(batch * SEQ), types = new Int32Array(batch * SEQ), mask = new Int32Array(batch * SEQ);
  const labels = new Int32Array(batch * SEQ).fill(-100), next = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    const len = SEQ - g.randint(0, 3);
    const start = g.randint(5, VOCAB);
    next[b] = g.randint(0, 2);
    let masked = 0;
    for (let t = 0; t < len; t++) {
      const i = b * SEQ + t;
      mask[i] = 1;
      types[i] = t >= len / 2 ? 1 : 0;
      ids[i] = t === 0 ? 1 : t === len - 1 ? 2 : 5 + ((start + t * (1 + next[b]!)) % (VOCAB - 5));
      if (t > 0 && t < len - 1 && (g.random() < 0.15 || (masked === 0 && t === len - 2))) {
        labels[i] = ids[i]!;
        ids[i] = 3;
        masked++;
      }
    }
  }
  const t = (data: Int32Array, shape: number[]) => Tensor.fromData(data, shape, 'int32');
  const maskedIndices = Int32Array.from(labels.keys()).filter((i) => labels[i] !== -100);
  return {
    inputIds: t(ids, [batch, SEQ]), tokenTypeIds: t(types, [batch, SEQ]), attentionMask: t(mask, [batch, SEQ]), labels: t(labels, [batch, SEQ]), nextSentenceLabel: t(next, [batch]),
    maskedIndices: t(maskedIndices, [maskedIndices.length]), maskedLabels: t(maskedIndices.map((i) => labels[i]!), [maskedIndices.length]),
  };
}

test('the vocabulary projection at masked positions only: the same loss and gradients as full logits with -100 labels', () => {
  nb.manualSeed(3);
  const model = new BertForPreTraining(config());
  model.eval();
  const batch = makeBatch(new nb.Generator(1), 4);
  const full = model.call(batch.inputIds, { attentionMask: batch.attentionMask, tokenTypeIds: batch.tokenTypeIds, labels: batch.labels, nextSentenceLabel: batch.nextSentenceLabel });
  full.loss!.backward();
  const fullGrads = model.namedParameters().map(([n, p]) => [n, Float32Array.from(p.grad!.contiguousData())] as const);
  model.zeroGrad();
  const gathered = pretrainingForward(model, batch);
  assert.ok(Math.abs(gathered.mlmLoss.item() - full.mlmLoss!.item()) < 1e-5, `${gathered.mlmLoss.item()} vs ${full.mlmLoss!.item()}`);
  assert.ok(Math.abs(gathered.loss.item() - full.loss!.item()) < 1e-5);
  assert.deepEqual(gathered.mlmLogits.shape, [batch.maskedIndices.shape[0], VOCAB]);
  gathered.loss.backward();
  for (const [name, want] of fullGrads) {
    const got = new Map(model.namedParameters()).get(name)!.grad!.contiguousData();
    const scale = Math.max(1e-3, ...Array.from(want, Math.abs));
    want.forEach((w, i) => assert.ok(Math.abs(got[i]! - w) <= 1e-4 * scale, `${name}[${i}]: ${got[i]} vs ${w}`));
  }
});

test('Trainer: the loss falls on a small fixed set; a NaN loss stops it before the weights change', () => {
  nb.manualSeed(0);
  const model = new BertForPreTraining(config());
  const batches = [makeBatch(new nb.Generator(5), 8), makeBatch(new nb.Generator(6), 8)];
  const trainer = new Trainer(model, { lr: 1e-2, totalSteps: 40, warmupSteps: 5 });
  const losses: number[] = [];
  for (let i = 0; i < 40; i++) losses.push(trainer.update(batches, (b) => pretrainingForward(model, b).loss));
  assert.equal(trainer.step, 40);
  assert.ok(losses.at(-1)! < 0.7 * losses[0]!, `loss ${losses[0]} -> ${losses.at(-1)}`);

  const weight = model.bert.embeddings.word_embeddings.weight;
  (weight.storage.data as Float32Array)[weight.offset + 5 * 16] = NaN;
  const before = model.namedParameters().map(([, p]) => Float32Array.from(p.contiguousData()));
  assert.throws(() => trainer.update(batches, (b) => pretrainingForward(model, b).loss), (e: unknown) => e instanceof NonFiniteLossError && /the loss became NaN at update 41; stopping before the weights change/.test(e.message));
  model.parameters().forEach((p, i) => assert.deepEqual(p.contiguousData(), before[i], 'weights unchanged'));
  assert.equal(trainer.step, 40);
});

test('BertPretrainer: held-out metrics beat the most-frequent-token baseline; a resumed run continues bit-identically', () => {
  const source = { epochBatches: (epoch: number) => [0, 1, 2].map((k) => makeBatch(new nb.Generator(100 + 10 * epoch + k), 8)) };
  const heldOut = [makeBatch(new nb.Generator(999), 16)];
  const baselineToken = mostFrequentToken(source.epochBatches(0).map((b) => b.labels.contiguousData()), [-100]);
  const options = { lr: 3e-3, totalSteps: 10, warmupSteps: 2, gradientAccumulation: 2, heldOut, baselineToken, progress: false as const };
  const fresh = () => {
    nb.manualSeed(7);
    return new BertForPreTraining(config());
  };
  let saved: Uint8Array | null = null;
  const whole = new BertPretrainer(fresh(), source, { ...options, checkpointEvery: 4, onCheckpoint: (s) => { if (s.step === 4) saved = encodeCheckpoint({ ...s }); } });
  const summary = whole.run();
  assert.equal(summary.steps, 10);
  assert.equal(whole.epoch, 9, 'one update per epoch (3 batches, 2 per update): the 10th update is in epoch 9');
  const final = summary.final!;
  assert.ok(final.mlmAccuracy > final.baselineAccuracy, `MLM accuracy ${final.mlmAccuracy} vs baseline ${final.baselineAccuracy}`);
  assert.equal(final.hiddenAccuracy, final.mlmAccuracy, 'every masked input here is [MASK]');
  assert.equal(final.hiddenBaselineAccuracy, final.baselineAccuracy);
  assert.ok(final.maskedTokens > 0 && final.pairs === 16);
  assert.deepEqual(evaluatePretraining(whole.model, heldOut, baselineToken), final, 'evaluation is repeatable');

  assert.ok(saved, 'a checkpoint at update 4');
  nb.manualSeed(12345); // the checkpoint restores the generator
  const resumed = new BertPretrainer(fresh(), source, options);
  resumed.loadStateDict(decodeCheckpoint(saved!) as unknown as PretrainState);
  assert.equal(resumed.step, 4);
  resumed.run();
  const a = whole.model.stateDict(), b = resumed.model.stateDict();
  for (const k of Object.keys(a)) assert.deepEqual(b[k]!.contiguousData(), a[k]!.contiguousData(), k);
  assert.deepEqual(resumed.history.map((r) => r.loss), whole.history.map((r) => r.loss));
});

test('evaluatePretraining: the context-free baseline copies the tokens BERT leaves visible; the hidden-token accuracy scores the rest', () => {
  nb.manualSeed(3);
  const model = new BertForPreTraining(config());
  const batch = makeBatch(new nb.Generator(5), 16);
  // Un-mask every third masked position, as BERT's 10% "unchanged" rule does.
  const ids = batch.inputIds.contiguousData() as Int32Array, positions = batch.maskedIndices.contiguousData(), targets = batch.maskedLabels.contiguousData();
  positions.forEach((p, i) => { if (i % 3 === 0) ids[p] = targets[i]!; });
  const baselineToken = targets[1]!;
  const r = evaluatePretraining(model, [batch], baselineToken);

  model.eval();
  const guesses = nb.noGrad(() => pretrainingForward(model, batch).mlmLogits.argmax(1).contiguousData());
  let visible = 0, hidden = 0, hiddenRight = 0, hiddenBaseline = 0;
  targets.forEach((t, i) => {
    if (i % 3 === 0) visible++;
    else {
      hidden++;
      if (guesses[i] === t) hiddenRight++;
      if (t === baselineToken) hiddenBaseline++;
    }
  });
  assert.ok(visible > 0 && hidden > 0 && hiddenBaseline > 0);
  assert.equal(r.maskedTokens, visible + hidden);
  assert.equal(r.baselineAccuracy, (visible + hiddenBaseline) / (visible + hidden));
  assert.equal(r.hiddenBaselineAccuracy, hiddenBaseline / hidden);
  assert.equal(r.hiddenAccuracy, hiddenRight / hidden);
});

test('maskedEpochs on real text: the same batches for the same (seed, epoch), fresh masks each epoch; pretraining lowers the held-out MLM loss', () => {
  const documents = pretrainingDocuments('moby-dick').slice(1, 4);
  const tokenizer = BertTokenizer.train(documents.flat(), { vocabSize: 300 });
  const instances = createPretrainingInstances(documents, tokenizer, { maxSeqLength: 32, generator: new nb.Generator(1) });
  const source = maskedEpochs(instances, tokenizer, { batchSize: 8, seed: 4 });
  const ids = (epoch: number) => [...source.epochBatches(epoch)].map((b) => Array.from(b.inputIds.contiguousData()));
  assert.deepEqual(ids(1), ids(1));
  assert.notDeepEqual(ids(1), ids(2));
  const first = [...source.epochBatches(0)][0]!;
  const masked = first.maskedIndices.shape[0]!;
  const real = Array.from(first.attentionMask.contiguousData()).filter((m) => m === 1).length;
  assert.ok(masked >= 0.1 * real && masked <= 0.2 * real, `${masked} masked of ${real} tokens`);

  const heldOut = [...maskedEpochs(instances.slice(0, 16), tokenizer, { batchSize: 16, seed: 99 }).epochBatches(0)];
  const baselineToken = mostFrequentToken(instances.map((i) => i.tokens), [tokenizer.clsId, tokenizer.sepId, tokenizer.padId]);
  nb.manualSeed(0);
  const model = new BertForPreTraining(new BertConfig({ vocabSize: tokenizer.vocabSize, hiddenSize: 32, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 64, maxPositionEmbeddings: 32 }));
  const pretrainer = new BertPretrainer(model, source, { lr: 5e-3, totalSteps: 30, warmupSteps: 3, heldOut, baselineToken, progress: false });
  const before = pretrainer.evaluate()!;
  const after = pretrainer.run().final!;
  assert.ok(after.mlmLoss < before.mlmLoss - 0.3, `held-out MLM loss ${before.mlmLoss} -> ${after.mlmLoss}`);
});
