import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Generator } from '../../src/tensor/random.js';
import { BertTokenizer } from '../../src/text/wordpiece.js';
import {
  collatePretraining,
  createPretrainingInstances,
  maskInstance,
  pretrainingBatches,
  splitDocuments,
  splitSentences,
  type PretrainingInstance,
} from '../../src/models/bert/pretraining-data.js';
import { NLP_CORPUS_DOCUMENT_SENTENCES, nlpCorpusText, pretrainingDocuments } from '../../src/models/bert/corpora.js';
import { loadSentimentSet } from '../../src/models/bert/finetune-data.js';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

const bert = BertTokenizer.bertBaseUncased();
const moby = pretrainingDocuments('moby-dick');
const mobyInstances = createPretrainingInstances(moby.slice(0, 12), bert, { maxSeqLength: 128, generator: new Generator(7) });

test('splitSentences / splitDocuments', () => {
  assert.deepEqual(splitSentences('Mr. Smith went to Washington. He saw the U.S. Capitol!  Did he?\nYes. "Quite so," said J. Doe. (Really.) 3 cats.'), [
    'Mr. Smith went to Washington.',
    'He saw the U.S. Capitol!',
    'Did he?',
    'Yes.',
    '"Quite so," said J. Doe.',
    '(Really.)',
    '3 cats.',
  ]);
  assert.deepEqual(splitSentences('no end punctuation here'), ['no end punctuation here']);
  assert.deepEqual(splitSentences('Two things. 1. The army. II. The navy weighs 200 lbs. More in 1812. Done.'), ['Two things.', '1. The army.', 'II. The navy weighs 200 lbs. More in 1812.', 'Done.']);
  assert.deepEqual(splitDocuments('First doc. Two sentences.\n\n \nSecond doc\nacross lines.\r\n\r\nThird!'), [
    ['First doc.', 'Two sentences.'],
    ['Second doc across lines.'],
    ['Third!'],
  ]);
  const dir = fs.mkdtempSync(join(tmpdir(), 'nabla-bert-data-'));
  try {
    fs.writeFileSync(join(dir, 'c.txt'), 'Ab cd. Ef gh.\n\nIj.');
    assert.deepEqual(pretrainingDocuments(join(dir, 'c.txt')), [['Ab cd.', 'Ef gh.'], ['Ij.']]);
    fs.writeFileSync(join(dir, 'empty.txt'), '\n\n');
    assert.throws(() => pretrainingDocuments(join(dir, 'empty.txt')), /holds no sentences/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(() => pretrainingDocuments('/no/such/corpus.txt'), /cannot read "\/no\/such\/corpus\.txt".*sotu, moby-dick, nlp-corpus/);
});

test('nlp-corpus: runs of its sentences as documents, without the sentiment sets\' sentences', () => {
  const key = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
  // the package's files read here directly, to check the loader against
  const dir = join(dirname(createRequire(import.meta.url).resolve('nlp-corpus')), '..', '..', 'builds');
  const raw = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(fs.readFileSync(join(dir, f), 'utf8')) as string[]);
  const sentiment = new Set(loadSentimentSet('all').map((t) => key(t.text)));
  const rawLines = raw.flat();
  const overlap = rawLines.filter((s) => sentiment.has(key(s))).length;
  assert.ok(overlap > 20, `the package holds ${overlap} of the sentiment sentences: the filter has something to do`);
  const keptPerFile = raw.map((lines) => lines.filter((s) => key(s) !== '' && !sentiment.has(key(s))).length);

  const text = nlpCorpusText();
  const documents = text.split('\n\n').map((d) => d.split('\n'));
  const lines = documents.flat();
  assert.equal(lines.length, keptPerFile.reduce((a, b) => a + b, 0));
  assert.equal(documents.length, keptPerFile.reduce((n, k) => n + Math.ceil(k / NLP_CORPUS_DOCUMENT_SENTENCES), 0), 'runs of 10 within each file');
  assert.ok(documents.every((d) => d.length >= 1 && d.length <= NLP_CORPUS_DOCUMENT_SENTENCES));
  assert.equal(lines.filter((s) => sentiment.has(key(s))).length, 0, 'no sentiment sentence reaches pretraining');
  assert.ok(lines.every((s) => s === s.trim() && !/\s{2}|\n/.test(s) && key(s) !== ''));
  assert.deepEqual(lines.slice(0, 3), rawLines.filter((s) => key(s) !== '' && !sentiment.has(key(s))).slice(0, 3).map((s) => s.replace(/\s+/g, ' ').trim()));

  const docs = pretrainingDocuments('nlp-corpus');
  assert.equal(docs.length, documents.length);
  assert.deepEqual(pretrainingDocuments('moby-dick+nlp-corpus').slice(139), docs);
});

test('real corpora: one document per chapter / speech', () => {
  assert.equal(moby.length, 139);
  assert.deepEqual(moby[1]!.slice(0, 2), ['ETYMOLOGY.', '(Supplied by a Late Consumptive Usher to a Grammar School.)']);
  const sotu = pretrainingDocuments('sotu');
  assert.equal(sotu.length, 233);
  assert.ok(sotu[0]![0]!.startsWith('Fellow-Citizens of the Senate and House of Representatives:'));
  const both = pretrainingDocuments('sotu+moby-dick');
  assert.equal(both.length, 233 + 139);
  assert.deepEqual(both[233], moby[0]);
  const dir = fs.mkdtempSync(join(tmpdir(), 'nabla-bert-data-'));
  try {
    fs.writeFileSync(join(dir, 'c.txt'), 'Ab cd.');
    assert.deepEqual(pretrainingDocuments(`moby-dick+${join(dir, 'c.txt')}`).slice(-1), [['Ab cd.']]);
    assert.throws(() => pretrainingDocuments('sotu+/no/such.txt'), /cannot read "\/no\/such\.txt"/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// A corpus whose tokens tell where they come from: document d's tokens are d0, d1, d2, ... in order, two per sentence.
const letters = 'abcdef';
const toy = BertTokenizer.fromVocabText(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...[...letters].flatMap((l) => Array.from({ length: 40 }, (_, i) => `${l}${i}`))].join('\n'));
const toyDocs = [...letters].map((l, d) => Array.from({ length: 4 + 3 * d }, (_, s) => `${l}${2 * s} ${l}${2 * s + 1}`));
const origin = (id: number) => {
  const t = toy.vocab.token(id);
  return { doc: t[0]!, n: Number(t.slice(1)) };
};

function segments(inst: PretrainingInstance, sep: number): [number[], number[]] {
  const first = inst.tokens.indexOf(sep);
  return [inst.tokens.slice(1, first), inst.tokens.slice(first + 1, -1)];
}

test("instances: [CLS] A [SEP] B [SEP], real next sentences in order, random ones from another document, unused sentences put back", () => {
  const instances = createPretrainingInstances(toyDocs, toy, { maxSeqLength: 13, shortSeqProb: 0, generator: new Generator(3) });
  const covered = new Set<string>();
  let random = 0;
  for (const inst of instances) {
    assert.equal(inst.tokens[0], toy.clsId);
    assert.equal(inst.tokens.at(-1), toy.sepId);
    assert.ok(inst.tokens.length <= 13);
    const [a, b] = segments(inst, toy.sepId);
    assert.ok(a.length > 0 && b.length > 0);
    assert.deepEqual(inst.segmentIds, [...Array(a.length + 2).fill(0), ...Array(b.length + 1).fill(1)]);
    const oa = a.map(origin);
    const ob = b.map(origin);
    // A is a run of consecutive tokens of one document (no truncation happens with 2-token sentences and target 10).
    oa.forEach((o, i) => assert.deepEqual(o, { doc: oa[0]!.doc, n: oa[0]!.n + i }));
    ob.forEach((o, i) => assert.deepEqual(o, { doc: ob[0]!.doc, n: ob[0]!.n + i }));
    for (const o of oa) covered.add(`${o.doc}${o.n}`);
    if (inst.isRandomNext) {
      random++;
      assert.notEqual(ob[0]!.doc, oa[0]!.doc);
    } else {
      assert.equal(ob[0]!.doc, oa[0]!.doc);
      assert.equal(ob[0]!.n, oa.at(-1)!.n + 1, 'B continues A');
      for (const o of ob) covered.add(`${o.doc}${o.n}`);
    }
  }
  // Sentences not used when B is random go back: every token of every document is in some A or real-next B.
  const total = toyDocs.reduce((n, d) => n + 2 * d.length, 0);
  assert.equal(covered.size, total);
  assert.ok(random > 0 && random < instances.length);
  // Deterministic for a seed; another seed cuts differently.
  assert.deepEqual(createPretrainingInstances(toyDocs, toy, { maxSeqLength: 13, shortSeqProb: 0, generator: new Generator(3) }), instances);
  assert.notDeepEqual(createPretrainingInstances(toyDocs, toy, { maxSeqLength: 13, shortSeqProb: 0, generator: new Generator(4) }), instances);
  assert.throws(() => createPretrainingInstances(toyDocs, toy, { maxSeqLength: 4 }), /maxSeqLength must be an integer of at least 5/);
  assert.throws(() => createPretrainingInstances([[''], []], toy, { maxSeqLength: 16 }), /no document has any tokens/);
});

test('instances from Moby-Dick: lengths, short sequences, next-sentence balance', () => {
  assert.ok(mobyInstances.length > 100);
  const full = mobyInstances.filter((i) => i.tokens.length === 128).length;
  assert.ok(mobyInstances.every((i) => i.tokens.length <= 128 && i.tokens.filter((t) => t === bert.sepId).length === 2));
  assert.ok(full / mobyInstances.length > 0.6, `full-length share ${full / mobyInstances.length}`);
  assert.ok(full < mobyInstances.length, 'some shorter sequences (shortSeqProb and document ends)');
  const notNext = mobyInstances.filter((i) => i.isRandomNext).length / mobyInstances.length;
  assert.ok(notNext > 0.4 && notNext < 0.65, `NotNext share ${notNext}`);
});

test("masking: BERT's 15% with 80/10/10, never special tokens, fresh each call, labels -100 elsewhere", () => {
  const g = new Generator(11);
  let predicted = 0;
  let masked = 0;
  let kept = 0;
  for (const inst of mobyInstances) {
    const m = maskInstance(inst, bert, {}, g);
    assert.equal(m.maskedPositions.length, Math.min(20, Math.max(1, Math.round(inst.tokens.length * 0.15))));
    assert.equal(m.nextSentenceLabel, inst.isRandomNext ? 1 : 0);
    assert.deepEqual(m.tokenTypeIds, inst.segmentIds);
    const positions = new Set(m.maskedPositions);
    inst.tokens.forEach((t, i) => {
      if (!positions.has(i)) {
        assert.equal(m.labels[i], -100);
        assert.equal(m.inputIds[i], t);
        return;
      }
      assert.ok(t !== bert.clsId && t !== bert.sepId, 'special tokens are never masked');
      assert.equal(m.labels[i], t);
      predicted++;
      if (m.inputIds[i] === bert.maskId) masked++;
      else if (m.inputIds[i] === t) kept++;
      else assert.ok(!bert.isSpecialId(m.inputIds[i]!));
    });
  }
  assert.ok(predicted > 3000);
  const random = predicted - masked - kept;
  assert.ok(Math.abs(masked / predicted - 0.8) < 0.03, `[MASK] share ${masked / predicted}`);
  assert.ok(Math.abs(kept / predicted - 0.1) < 0.025, `unchanged share ${kept / predicted}`);
  assert.ok(Math.abs(random / predicted - 0.1) < 0.025, `random share ${random / predicted}`);
  const inst = mobyInstances[0]!;
  assert.notDeepEqual(maskInstance(inst, bert, {}, g).maskedPositions, maskInstance(inst, bert, {}, g).maskedPositions);
  assert.deepEqual(maskInstance(inst, bert, {}, new Generator(5)), maskInstance(inst, bert, {}, new Generator(5)));
  assert.equal(maskInstance(inst, bert, { maxPredictionsPerSeq: 3 }, g).maskedPositions.length, 3);
  assert.throws(() => maskInstance(inst, bert, { maskedLmProb: 1.5 }), /maskInstance: option maskedLmProb must be a probability in \[0, 1\], got number 1.5/);
});

test('whole-word masking masks every piece of a word together', () => {
  const g = new Generator(13);
  const isContinuation = (id: number) => bert.vocab.token(id).startsWith('##');
  let partial = 0;
  const partialWords = (tokens: number[], positions: Set<number>) => {
    let count = 0;
    for (let i = 0; i < tokens.length; ) {
      let j = i + 1;
      while (j < tokens.length && isContinuation(tokens[j]!)) j++;
      const inWord = Array.from({ length: j - i }, (_, k) => positions.has(i + k));
      if (inWord.some(Boolean) && !inWord.every(Boolean)) count++;
      i = j;
    }
    return count;
  };
  let multiPieceMasked = 0;
  for (const inst of mobyInstances.slice(0, 150)) {
    const m = maskInstance(inst, bert, { wholeWordMask: true }, g);
    const positions = new Set(m.maskedPositions);
    assert.equal(partialWords(inst.tokens, positions), 0);
    assert.ok(m.maskedPositions.length <= 20);
    multiPieceMasked += m.maskedPositions.filter((p) => isContinuation(inst.tokens[p]!)).length;
    partial += partialWords(inst.tokens, new Set(maskInstance(inst, bert, {}, g).maskedPositions));
  }
  assert.ok(multiPieceMasked > 10, 'words of several pieces were masked');
  assert.ok(partial > 0, 'without whole-word masking, pieces are masked alone');
});

test('collate: int32 tensors padded with [PAD], masked indices for gathering', () => {
  const g = new Generator(17);
  const examples = mobyInstances.slice(0, 5).map((i) => maskInstance(i, bert, {}, g));
  examples[1] = maskInstance({ tokens: [101, 7592, 102, 2088, 102], segmentIds: [0, 0, 0, 1, 1], isRandomNext: true }, bert, {}, g);
  const seq = Math.max(...examples.map((e) => e.inputIds.length));
  const b = collatePretraining(examples, bert.padId);
  for (const t of [b.inputIds, b.tokenTypeIds, b.attentionMask, b.labels]) {
    assert.equal(t.dtype, 'int32');
    assert.deepEqual(t.shape, [5, seq]);
  }
  assert.deepEqual(b.nextSentenceLabel.toArray(), examples.map((e) => e.nextSentenceLabel));
  const row = (t: typeof b.inputIds, r: number) => (t.toArray() as number[][])[r]!;
  assert.deepEqual(row(b.inputIds, 1), [...examples[1]!.inputIds, ...Array(seq - 5).fill(0)]);
  assert.deepEqual(row(b.attentionMask, 1), [1, 1, 1, 1, 1, ...Array(seq - 5).fill(0)]);
  assert.deepEqual(row(b.labels, 1).slice(5), Array(seq - 5).fill(-100));
  const labels = b.labels.dataSync();
  const idx = Array.from(b.maskedIndices.dataSync());
  assert.equal(idx.length, Array.from(labels).filter((l) => l !== -100).length);
  assert.deepEqual(Array.from(b.maskedLabels.dataSync()), idx.map((i) => labels[i]));
  assert.deepEqual(collatePretraining(examples, 0, { padTo: 130 }).inputIds.shape, [5, 130]);
  assert.throws(() => collatePretraining(examples, 0, { padTo: 10 }), /padTo 10 is shorter than the longest example/);
  assert.throws(() => collatePretraining([], 0), /empty batch/);
});

test('pretrainingBatches: one epoch, every instance once, fresh masks per epoch', () => {
  const few = mobyInstances.slice(0, 10);
  const epoch = (seed: number) => [...pretrainingBatches(few, bert, { batchSize: 4, generator: new Generator(seed), padTo: 128 })];
  const e1 = epoch(1);
  assert.deepEqual(e1.map((b) => b.inputIds.shape[0]), [4, 4, 2]);
  const ones = (bs: typeof e1) => bs.reduce((n, b) => n + Array.from(b.nextSentenceLabel.dataSync()).reduce((x, y) => x + y, 0), 0);
  assert.equal(ones(e1), few.filter((i) => i.isRandomNext).length);
  assert.deepEqual(epoch(1).map((b) => Array.from(b.labels.dataSync())), e1.map((b) => Array.from(b.labels.dataSync())));
  assert.notDeepEqual(epoch(2).map((b) => Array.from(b.labels.dataSync())), e1.map((b) => Array.from(b.labels.dataSync())));
  assert.throws(() => pretrainingBatches(few, bert, { batchSize: 0 }).next(), /pretrainingBatches: option batchSize must be a positive integer, got number 0/);
});
