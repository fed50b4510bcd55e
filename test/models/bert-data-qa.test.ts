import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tensor } from '../../src/tensor/creation.js';
import { BertTokenizer } from '../../src/text/wordpiece.js';
import { postprocessQa, qaBatch, qaFeatures, readSquad, toSquadJson, type QaFeature, type SquadExample } from '../../src/models/bert/finetune-data.js';
import { exactMatchScore, f1Score, normalizeAnswer, squadScores } from '../../src/models/bert/metrics.js';

const QA_DIR = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'data', 'qa');
const train = readSquad(fs.readFileSync(join(QA_DIR, 'countries-train.json'), 'utf8'));
const testSet = readSquad(fs.readFileSync(join(QA_DIR, 'countries-test.json'), 'utf8'));
const bert = BertTokenizer.bertBaseUncased();

test('countries QA set: every answer is a span at its answer_start, split by country, varied questions', () => {
  assert.ok(train.length > 1500 && testSet.length > 350, `${train.length} / ${testSet.length}`);
  for (const e of [...train, ...testSet]) {
    assert.ok(e.answers.length > 0, e.id);
    for (const a of e.answers) assert.equal(e.context.slice(a.answerStart, a.answerStart + a.text.length), a.text, e.id);
    assert.ok(e.question.includes(e.title), e.id);
  }
  const trainCountries = new Set(train.map((e) => e.title));
  assert.ok(testSet.every((e) => !trainCountries.has(e.title)));
  const france = [...train, ...testSet].filter((e) => e.title === 'France');
  const capital = france.find((e) => e.id === 'FRA-capital')!;
  assert.deepEqual(capital.answers.map((a) => a.text), ['Paris']);
  assert.ok(capital.context.startsWith('France, officially the French Republic, is a country in Western Europe, part of Europe. Its capital is Paris.'));
  const templates = new Set([...train, ...testSet].map((e) => e.question.replace(e.title, '*')));
  assert.ok(templates.size >= 25, `${templates.size} question templates`);
});

test('readSquad / toSquadJson round trip; bad input named by its path', () => {
  assert.deepEqual(readSquad(toSquadJson(testSet)), testSet);
  const bad = (qa: unknown) => JSON.stringify({ data: [{ title: 't', paragraphs: [{ context: 'c', qas: [qa] }] }] });
  assert.throws(() => readSquad(bad({ id: 'x', question: 'q?', answers: [{ text: 'c', answer_start: -1 }] })), /data\[0\]\.paragraphs\[0\]\.qas\[0\]\.answers\[0\]\.answer_start must be a non-negative integer, got -1/);
  assert.throws(() => readSquad(bad({ question: 'q?', answers: [] })), /qas\[0\]\.id must be a non-empty string/);
  assert.throws(() => readSquad('{"data": [{"paragraphs": [{"qas": []}]}]}'), /data\[0\]\.paragraphs\[0\]\.context must be a string/);
  assert.throws(() => readSquad('{"version": "1.1"}'), /data must be an array of articles/);
  assert.throws(() => readSquad('{oops'), /readSquad: not JSON/);
});

const answerText = (f: QaFeature, e: SquadExample) => e.context.slice(f.contextOffsets[f.startPosition]![0], f.contextOffsets[f.endPosition]![1]);

test('qaFeatures: [CLS] question [SEP] context [SEP], answer token positions from the offsets', () => {
  const { features, skipped } = qaFeatures(testSet, bert, { maxSeqLength: 192, docStride: 64 });
  assert.equal(skipped, 0);
  assert.equal(features.length, testSet.length, 'every paragraph fits one window of 192');
  for (const f of features) {
    const e = testSet[f.exampleIndex]!;
    assert.equal(f.inputIds.length, 192);
    assert.equal(f.inputIds[0], bert.clsId);
    const q = bert.tokenizer.encode(e.question);
    assert.deepEqual(f.inputIds.slice(1, q.length + 1), q);
    assert.equal(f.inputIds[q.length + 1], bert.sepId);
    assert.ok(f.startPosition > q.length + 1 && f.endPosition >= f.startPosition);
    assert.equal(answerText(f, e), e.answers[0]!.text);
    assert.equal(f.tokenTypeIds[f.startPosition], 1);
  }
  const batch = qaBatch(features.slice(0, 4));
  assert.deepEqual(batch.inputIds.shape, [4, 192]);
  assert.equal(batch.startPositions.dtype, 'int32');
  assert.deepEqual(batch.startPositions.toArray(), features.slice(0, 4).map((f) => f.startPosition));
  assert.deepEqual(batch.endPositions.toArray(), features.slice(0, 4).map((f) => f.endPosition));
  assert.deepEqual((batch.attentionMask.toArray() as number[][])[0], features[0]!.attentionMask);
  for (const f of features.slice(0, 50)) {
    const answer = testSet[f.exampleIndex]!.answers[0]!.text;
    assert.deepEqual(f.inputIds.slice(f.startPosition, f.endPosition + 1), bert.tokenizer.encode(answer));
  }
});

test('qaFeatures: long contexts in windows overlapping by docStride; answers outside a window point at [CLS]', () => {
  const examples = testSet.slice(0, 40);
  const { features } = qaFeatures(examples, bert, { maxSeqLength: 48, docStride: 12, maxQueryLength: 16 });
  assert.ok(features.length > examples.length * 2);
  examples.forEach((e, i) => {
    const own = features.filter((f) => f.exampleIndex === i);
    const context = bert.tokenizer.encodeWithOffsets(e.context).offsets;
    const windows = own.map((f) => f.contextOffsets.filter((o): o is [number, number] => o !== null));
    // Windows cover the context in order; each starts docStride tokens before the previous one ended.
    let covered = 0;
    windows.forEach((w, k) => {
      const start = context.findIndex((o) => o[0] === w[0]![0]);
      if (k > 0) assert.equal(start, covered - 12, `${e.id} window ${k}`);
      assert.deepEqual(w, context.slice(start, start + w.length));
      covered = start + w.length;
    });
    assert.equal(covered, context.length);
    let holding = 0;
    for (const f of own) {
      if (f.startPosition === 0) assert.equal(f.endPosition, 0);
      else {
        holding++;
        assert.equal(answerText(f, e), e.answers[0]!.text);
      }
    }
    assert.ok(holding >= 1, `${e.id}: some window holds the answer`);
  });
  const broken = [{ ...examples[0]!, answers: [{ text: 'Atlantis', answerStart: 3 }] }, examples[1]!];
  const r = qaFeatures(broken, bert, { maxSeqLength: 384 });
  assert.equal(r.skipped, 1);
  assert.deepEqual(new Set(r.features.map((f) => f.exampleId)), new Set([examples[1]!.id]));
  assert.throws(() => qaFeatures(examples, bert, { maxSeqLength: 48, docStride: 40, maxQueryLength: 16 }), /docStride must be an integer in \[0, 29\)/);
});

test('postprocessQa: the best valid span mapped back to context text', () => {
  const examples = testSet.slice(0, 30);
  const { features } = qaFeatures(examples, bert, { maxSeqLength: 64, docStride: 16, maxQueryLength: 24 });
  const seq = 64;
  // Scores that point at the gold span where a window holds it, with a decoy: a higher start score on a question token.
  const starts = features.map((f) => Array.from({ length: seq }, (_, i) => (f.startPosition > 0 && i === f.startPosition ? 5 : i === 1 ? 9 : 0)));
  const ends = features.map((f) => Array.from({ length: seq }, (_, i) => (f.endPosition > 0 && i === f.endPosition ? 5 : 0)));
  const predictions = postprocessQa(starts, ends, features, examples);
  for (const e of examples) assert.equal(predictions.get(e.id), e.answers[0]!.text, e.id);
  assert.deepEqual(squadScores(predictions, examples), { exactMatch: 100, f1: 100 });
  // Same from tensors.
  const fromTensors = postprocessQa(tensor(starts), tensor(ends), features, examples);
  assert.deepEqual([...fromTensors], [...predictions]);
  // An end before the start is not a span: the best valid pair wins instead.
  const f0 = features[0]!;
  const only = [f0];
  const ex = [examples[f0.exampleIndex]!];
  const first = f0.contextOffsets.findIndex((o) => o !== null);
  const s = Array.from({ length: seq }, (_, i) => (i === first + 3 ? 10 : i === first + 1 ? 1 : 0));
  const en = Array.from({ length: seq }, (_, i) => (i === first + 1 ? 10 : i === first + 4 ? 2 : 0));
  const got = postprocessQa([s], [en], only.map((f) => ({ ...f, exampleIndex: 0 })), ex).get(ex[0]!.id)!;
  assert.equal(got, ex[0]!.context.slice(f0.contextOffsets[first + 3]![0], f0.contextOffsets[first + 4]![1]));
  // maxAnswerLength 1 allows single tokens only.
  const single = postprocessQa([s], [en], only.map((f) => ({ ...f, exampleIndex: 0 })), ex, { maxAnswerLength: 1 }).get(ex[0]!.id)!;
  assert.equal(single, ex[0]!.context.slice(...f0.contextOffsets[first + 1]!));
  assert.throws(() => postprocessQa([s], [en], features, examples), /startLogits has 1 rows for \d+ features/);
});

test("squadScores: SQuAD v1.1's normalisation, EM and F1, best gold answer", () => {
  assert.equal(normalizeAnswer('The  Eiffel-Tower!'), 'eiffeltower');
  assert.equal(normalizeAnswer('An apple a day, the doctor.'), 'apple day doctor');
  assert.equal(normalizeAnswer('theatre Thebes éthe'), 'theatre thebes éthe');
  assert.equal(exactMatchScore('the Denver Broncos', 'Denver Broncos'), 1);
  assert.equal(f1Score('the cat sat', 'a cat sat on the mat'), (2 * 1 * 0.5) / 1.5);
  assert.equal(f1Score('cat cat', 'cat'), (2 * 0.5 * 1) / 1.5);
  assert.equal(f1Score('dog', 'cat'), 0);
  const ex = (id: string, ...answers: string[]): SquadExample => ({ id, title: '', question: '', context: '', answers: answers.map((text) => ({ text, answerStart: 0 })) });
  const examples = [ex('a', 'Denver Broncos', 'The Denver Broncos'), ex('b', 'Santa Clara, California', "Levi's Stadium"), ex('c', 'gold'), ex('d', 'x')];
  const scores = squadScores({ a: 'Denver Broncos', b: 'Santa Clara', c: 'golden' }, examples);
  // a: EM 1, F1 1; b: F1 2·1·(2/3)/(5/3) = 0.8; c: 0; d: no prediction, 0.
  assert.equal(scores.exactMatch, 25);
  assert.ok(Math.abs(scores.f1 - 45) < 1e-9);
  assert.throws(() => squadScores({}, [ex('z')]), /example "z" has no gold answers/);
});
