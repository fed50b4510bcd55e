import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chooseBleuTokenizer, corpusBleu, sentenceBleu, tokenize13a, tokenizeChar, tokenizeZh, type BleuOptions, type BleuScore, type SmoothMethod } from '../../src/text/bleu.js';

const FIXTURES = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'fixtures', 'text');

interface PyScore {
  score: number;
  counts: number[];
  totals: number[];
  precisions: number[];
  bp: number;
  sys_len: number;
  ref_len: number;
}

/** Numbers from sacreBLEU (tools/gen_bleu_fixtures.py). */
const fixture = JSON.parse(readFileSync(join(FIXTURES, 'bleu.json'), 'utf8')) as {
  sacrebleu_version: string;
  hyps: string[];
  ref1: string[];
  ref2: (string | null)[];
  tokenized_13a: Record<string, string>;
  corpus: { name: string; options: Record<string, unknown>; refs: 'one' | 'two'; result: PyScore }[];
  small: { name: string; hyps: string[]; refs: string[][]; smooth_method: SmoothMethod; result: PyScore }[];
  sentence: { hyp: string; refs: string[]; result: PyScore }[];
};

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

function assertSame(mine: BleuScore, py: PyScore, what: string): void {
  close(mine.score, py.score, `${what} score`);
  close(mine.bp, py.bp, `${what} bp`);
  assert.equal(mine.sysLen, py.sys_len, `${what} sysLen`);
  assert.equal(mine.refLen, py.ref_len, `${what} refLen`);
  assert.deepEqual(mine.counts, py.counts, `${what} counts`);
  assert.deepEqual(mine.totals, py.totals, `${what} totals`);
  mine.precisions.forEach((p, i) => close(p, py.precisions[i]!, `${what} precision ${i + 1}`));
}

test('13a tokenizer by hand', () => {
  assert.equal(tokenize13a('Hello, world!'), 'Hello , world !');
  assert.equal(tokenize13a('It costs $1,000.50 - 3-4 items.'), 'It costs $ 1,000.50 - 3 - 4 items .');
  assert.equal(tokenize13a('e.g. U.S.A.'), 'e . g . U . S . A .');
  assert.equal(tokenize13a('a &amp; b &lt;c&gt; &quot;d&quot;'), 'a & b < c > " d "');
  assert.equal(tokenize13a('skip <skipped> this, hyphen-\nated\nline'), 'skip this , hyphenated line');
  assert.equal(tokenize13a('  spaced   out  '), 'spaced out');
  assert.equal(tokenize13a('no.5 5.no 5,5'), 'no . 5 5 . no 5,5');
});

test('13a tokenizer matches sacreBLEU on every fixture string', () => {
  const entries = Object.entries(fixture.tokenized_13a);
  assert.ok(entries.length > 500);
  for (const [input, expected] of entries) assert.equal(tokenize13a(input.replace(/\s+$/u, '')), expected, JSON.stringify(input));
});

test('BLEU by hand', () => {
  // hyp: the cat sat on the mat / ref: the cat is on the mat → 5/6, 3/5, 1/4, 0/3 (exp smoothing: 1/(2·3)).
  const s = sentenceBleu('the cat sat on the mat', ['the cat is on the mat']);
  assert.deepEqual(s.counts, [5, 3, 1, 0]);
  assert.deepEqual(s.totals, [6, 5, 4, 3]);
  close(s.precisions[3]!, 100 / 6, 'smoothed p4');
  close(s.score, 100 * Math.pow((5 / 6) * (3 / 5) * (1 / 4) * (1 / 6), 1 / 4), 'score');
  assert.equal(s.bp, 1);
  const c = corpusBleu(['the cat sat on the mat'], [['the cat is on the mat']]);
  close(c.score, s.score, 'corpus = sentence here');
  // Without smoothing a zero 4-gram precision makes the score 0.
  assert.equal(corpusBleu(['the cat sat on the mat'], ['the cat is on the mat'], { smoothMethod: 'none' }).score, 0);
  // Brevity penalty: 2 hypothesis tokens for 6 reference tokens → exp(1 - 6/2).
  const short = corpusBleu(['the cat'], [['the cat sat on the mat']]);
  close(short.bp, Math.exp(-2), 'bp');
  assert.equal(short.score, 0); // no 3-grams in the hypothesis: log(0) floor
  close(sentenceBleu('the cat', ['the cat sat on the mat']).score, 100 * Math.exp(-2), 'effective order');
  // Perfect match.
  close(corpusBleu(['a b c d e'], [['a b c d e']]).score, 100, 'perfect'); // exp(4·log 100 / 4): 100.00000000000004, as sacreBLEU
  // Multiple references: clipping takes the max count over references; closest reference length.
  const multi = corpusBleu(['the the the'], [['the cat'], ['the the dog sat']]);
  assert.deepEqual(multi.counts.slice(0, 2), [2, 1]);
  assert.equal(multi.refLen, 2); // |3-2| = |3-4|: a tie goes to the shorter reference
  assert.throws(() => corpusBleu(['a', 'b'], [['a']]), /has 1 lines for 2 hypotheses/);
});

test(`corpus BLEU matches sacreBLEU on a few hundred sentence pairs (sacreBLEU ${fixture.sacrebleu_version})`, () => {
  assert.ok(fixture.hyps.length >= 200);
  for (const c of fixture.corpus) {
    const o = c.options;
    const options: BleuOptions = {
      lowercase: o.lowercase as boolean | undefined,
      tokenize: o.tokenize as '13a' | 'none' | undefined,
      smoothMethod: o.smooth_method as SmoothMethod | undefined,
      smoothValue: o.smooth_value as number | undefined,
      effectiveOrder: o.use_effective_order as boolean | undefined,
    };
    const refs = c.refs === 'two' ? [fixture.ref1, fixture.ref2] : [fixture.ref1];
    assertSame(corpusBleu(fixture.hyps, refs, options), c.result, c.name);
  }
});

test('small corpora: smoothing methods and brevity penalty match sacreBLEU', () => {
  for (const c of fixture.small) assertSame(corpusBleu(c.hyps, c.refs, { smoothMethod: c.smooth_method }), c.result, `${c.name}/${c.smooth_method}`);
});

test('sentence BLEU matches sacreBLEU', () => {
  for (const [i, c] of fixture.sentence.entries()) assertSame(sentenceBleu(c.hyp, c.refs), c.result, `sentence ${i}`);
});

// Hand-checked against sacrebleu/tokenizers/tokenizer_zh.py (sacrebleu is not installed here): the line is
// stripped, each character of _UCODE_RANGES gets spaces around it, then TokenizerRegexp (13a's regexps, no entities).
test("the zh tokenizer splits CJK characters, CJK and full-width punctuation, and applies 13a's rules to the rest", () => {
  const cases: [string, string][] = [
    ['我爱北京天安门。', '我 爱 北 京 天 安 门 。'],
    ['  Hello，世界!  ', 'Hello ， 世 界 !'], // strip; U+FF0C is full-width; '!' split by the regexp rules
    ['价格是3.5元, 好吗?', '价 格 是 3.5 元 , 好 吗 ?'], // 3.5 kept whole, the comma after a non-digit split
    ['これは本です', 'これは 本 です'], // kana are not in the ranges: only the kanji is split off
    ['ＡＢＣ１２３', 'Ａ Ｂ Ｃ １ ２ ３'], // full-width forms U+FF00-FFEF
    ['a—b “c”', 'a — b “ c ”'], // the '\u20000' range quirk: U+2001..U+2A6D count as Chinese
    ['𠀀𠀁', '𠀀𠀁'], // ... and the supplementary ideographs that line meant never do
    ['한국어 문장', '한국어 문장'],
  ];
  for (const [line, expected] of cases) assert.equal(tokenizeZh(line), expected, JSON.stringify(line));
  assert.equal(tokenizeChar('ab 中'), 'a b   中');
  assert.equal(tokenizeChar('𠀀x'), '𠀀 x'); // code points, not UTF-16 units
});

test('BLEU with zh and char tokenization scores Chinese where 13a sees one word per sentence', () => {
  // 4 tokens each: 1-grams 2/4, 2-grams 1/3, 3-grams 0/2 and 4-grams 0/1 (exp smoothing: 100/(2*2), 100/(4*1))
  const zh = corpusBleu(['我爱北京'], ['我爱上海'], { tokenize: 'zh' });
  assert.deepEqual(zh.counts, [2, 1, 0, 0]);
  assert.deepEqual(zh.totals, [4, 3, 2, 1]);
  assert.ok(Math.abs(zh.score - 31.947155212313625) < 1e-9, `zh ${zh.score}`);
  assert.equal(corpusBleu(['我爱北京'], ['我爱上海']).score, 0);
  const ja = corpusBleu(['これは本です'], ['これは本だ'], { tokenize: 'char' });
  assert.deepEqual(ja.counts.slice(0, 2), [4, 3]);
  assert.ok(Math.abs(corpusBleu(['同样的句子。'], ['同样的句子。'], { tokenize: 'zh' }).score - 100) < 1e-9);
  assert.throws(() => corpusBleu(['a'], ['a'], { tokenize: 'intl' as never }), /BLEU: unknown tokenizer "intl"/);
});

test('chooseBleuTokenizer picks zh for Chinese, char for Japanese and Korean, 13a otherwise; a language code decides first', () => {
  assert.equal(chooseBleuTokenizer(['我爱北京天安门。', '今天天气很好']), 'zh');
  assert.equal(chooseBleuTokenizer(['これは本です。', '日本語の文']), 'char');
  assert.equal(chooseBleuTokenizer(['파일을 열 수 없습니다', '시작']), 'char');
  assert.equal(chooseBleuTokenizer(['the cat sleeps', 'el gato duerme', 'Привет']), '13a');
  assert.equal(chooseBleuTokenizer(['', '123 !']), '13a');
  assert.equal(chooseBleuTokenizer(['the cat'], 'zh-TW'), 'zh');
  assert.equal(chooseBleuTokenizer(['我爱北京'], 'ko'), 'char');
  assert.equal(chooseBleuTokenizer(['我爱北京'], 'en'), '13a');
});
