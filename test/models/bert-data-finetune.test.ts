import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BertTokenizer } from '../../src/text/wordpiece.js';
import { classificationBatch, fixedSplit, loadSentimentSet, readLabelledTsv } from '../../src/models/bert/finetune-data.js';
import { afinnBaseline, afinnPredict, bagOfWordsBaseline, bagOfWordsTokens } from '../../src/models/bert/baselines.js';

const amazon = loadSentimentSet('amazon');

test('sentiment sets: 1,000 labelled sentences per site, half positive', () => {
  for (const [name, set] of [['amazon', amazon], ['imdb', loadSentimentSet('imdb')], ['yelp', loadSentimentSet('yelp')]] as const) {
    assert.equal(set.length, 1000, name);
    assert.equal(set.filter((x) => x.label === 1).length, 500, name);
    assert.ok(set.every((x) => x.text.length > 0 && (x.label === 0 || x.label === 1)));
  }
  assert.deepEqual(amazon[0], { text: 'So there is no way for me to plug it in here in the US unless I go by a converter.', label: 0 });
  assert.deepEqual(amazon[1], { text: 'Good case, Excellent value.', label: 1 });
  const all = loadSentimentSet('all');
  assert.equal(all.length, 3000);
  assert.deepEqual(all[1000], loadSentimentSet('imdb')[0]);
  assert.throws(() => loadSentimentSet('twitter' as 'imdb'), /unknown set "twitter" \(known: amazon, imdb, yelp, all\)/);
});

test('readLabelledTsv: label ids, header, bad lines with line numbers', () => {
  const set = readLabelledTsv('sentence\tlabel\nGreat film.\tpositive\n\nDull\tand slow.\tnegative\r\nFine.\tpositive\n');
  assert.deepEqual([...set], [
    { text: 'Great film.', label: 1 },
    { text: 'Dull\tand slow.', label: 0 },
    { text: 'Fine.', label: 1 },
  ]);
  assert.deepEqual(set.labelNames, ['negative', 'positive']);
  const numeric = readLabelledTsv('a\t2\nb\t0\n');
  assert.deepEqual(numeric.map((x) => x.label), [2, 0]);
  assert.deepEqual(numeric.labelNames, ['0', '1', '2']);
  assert.deepEqual(readLabelledTsv('x\tpos\ny\tneg', { labelNames: ['pos', 'neg'] }).map((x) => x.label), [0, 1]);
  assert.throws(() => readLabelledTsv('good\t1\nno tab here\nok\t0\n\t1\n'), /2 bad lines: line 2: expected text<TAB>label, got "no tab here"; line 4/);
  assert.throws(() => readLabelledTsv('x\tmaybe', { labelNames: ['pos', 'neg'] }), /line 1: label "maybe" is not one of \["pos","neg"\]/);
  assert.throws(() => readLabelledTsv('\n\n'), /no text<TAB>label lines/);
});

test('fixedSplit: seeded, disjoint, stratified keeps the class balance', () => {
  const a = fixedSplit(amazon, 0.2, 1);
  assert.equal(a.test.length, 200);
  assert.equal(a.train.length, 800);
  assert.equal(new Set([...a.train, ...a.test]).size, 1000);
  assert.deepEqual(fixedSplit(amazon, 0.2, 1), a);
  assert.notDeepEqual(fixedSplit(amazon, 0.2, 2).test, a.test);
  // Input order is kept inside each part.
  assert.deepEqual(a.test, amazon.filter((x) => a.test.includes(x)));
  const s = fixedSplit(amazon, 0.2, 1, { stratify: (x) => x.label });
  assert.equal(s.test.filter((x) => x.label === 1).length, 100);
  assert.equal(s.train.filter((x) => x.label === 1).length, 400);
  assert.throws(() => fixedSplit(amazon, 1, 1), /testFraction must be in \(0, 1\), got 1/);
});

test("AFINN baseline: the sentiment package's validation accuracies", () => {
  assert.equal(afinnPredict('Cats are stupid.'), 0);
  assert.equal(afinnPredict('This cat is totally awesome'), 1);
  // The sentiment package's README: Amazon 0.726, IMDB 0.765, Yelp 0.696.
  assert.ok(Math.abs(afinnBaseline(amazon) - 0.726) < 0.0015);
  assert.ok(Math.abs(afinnBaseline(loadSentimentSet('imdb')) - 0.765) < 0.0015);
  assert.ok(Math.abs(afinnBaseline(loadSentimentSet('yelp')) - 0.696) < 0.0015);
});

test('bag-of-words logistic regression trained with nabla beats AFINN on Amazon', () => {
  assert.deepEqual(bagOfWordsTokens("Don't BUY it: 5 stars? No!"), ["don't", 'buy', 'it', '5', 'stars', 'no']);
  const { train, test: held } = fixedSplit(amazon, 0.2, 1, { stratify: (x) => x.label });
  const r = bagOfWordsBaseline(train, held, { steps: 150 });
  assert.ok(Math.abs(r.losses[0]! - Math.log(2)) < 1e-6, 'zero weights start at log 2');
  assert.ok(r.losses.at(-1)! < 0.3, `final loss ${r.losses.at(-1)}`);
  assert.ok(r.trainAccuracy > 0.95, `train accuracy ${r.trainAccuracy}`);
  assert.ok(r.accuracy > afinnBaseline(held) && r.accuracy > 0.74, `test accuracy ${r.accuracy}`);
  assert.deepEqual(r.predict(['Excellent, works great.', 'Terrible, it broke.']), [1, 0]);
  assert.throws(() => bagOfWordsBaseline([], held), /empty training set/);
});

test('classificationBatch: int32 inputs padded to the longest, labels', () => {
  const bert = BertTokenizer.bertBaseUncased();
  const items = amazon.slice(0, 3);
  const b = classificationBatch(items, bert);
  const longest = Math.max(...items.map((it) => bert.tokenize(it.text).length + 2));
  assert.deepEqual(b.inputIds.shape, [3, longest]);
  assert.equal(b.inputIds.dtype, 'int32');
  assert.deepEqual((b.inputIds.toArray() as number[][])[1], [...bert.encode('Good case, Excellent value.', null, { padding: false }).inputIds, ...Array(longest - 8).fill(0)]);
  assert.deepEqual(b.labels.toArray(), [0, 1, 1]);
  assert.equal(classificationBatch(items, bert, { maxLength: 6 }).inputIds.shape[1], 6);
  assert.throws(() => classificationBatch([], bert), /empty batch/);
});
