// The translation commands through their CLI code path (each Command's run()): `data sword`, `data mo`,
// `train translate` end to end on tiny pairs, `translate` (with the attention PNG and --eval), and their errors.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { KJV_VERSIFICATION, readPairsTsv, writeMo, writePairsTsv } from '../../src/text/node.js';
import { UsageError } from '../../src/cli/args.js';
import type { Command } from '../../src/cli/command.js';
import { commands as dataCommands } from '../../src/cli/commands/data.js';
import { command as trainTranslate, sidePaths } from '../../src/cli/commands/train-translate.js';
import { asciiLabel, command as translate, tokenLabels } from '../../src/cli/commands/translate.js';
import { decodePng } from '../../src/plot/png.js';
import * as nb from '../../src/node.js';

const dir = fs.mkdtempSync(join(tmpdir(), 'nabla-translate-cli-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const dataSword = dataCommands.find((c) => c.name === 'data sword')!;
const dataMo = dataCommands.find((c) => c.name === 'data mo')!;

/** Runs a command in-process, capturing what it prints on stdout. */
async function run(command: Command, ...argv: string[]): Promise<{ code: number; stdout: string; json: () => any }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
  try {
    const code = await command.run(argv);
    const stdout = lines.join('\n');
    return { code, stdout, json: () => JSON.parse(lines.at(-1)!) };
  } finally {
    console.log = log;
  }
}

// ---- a tiny SWORD library: two zText modules with the full KJV index layout, three verses of text ----

function writeZText(moduleDir: string, entries: Buffer[], perBlock = 2000): void {
  const bzv = Buffer.alloc(entries.length * 10);
  const bzs: number[] = [];
  const bzz: Buffer[] = [];
  let zOffset = 0;
  for (let start = 0, block = 0; start < entries.length; start += perBlock, block++) {
    const chunk = entries.slice(start, start + perBlock);
    let offset = 0;
    chunk.forEach((e, k) => {
      bzv.writeUInt32LE(block, (start + k) * 10);
      bzv.writeUInt32LE(offset, (start + k) * 10 + 4);
      bzv.writeUInt16LE(e.length, (start + k) * 10 + 8);
      offset += e.length;
    });
    const raw = Buffer.concat(chunk);
    const z = deflateSync(raw);
    bzs.push(zOffset, z.length, raw.length);
    bzz.push(z);
    zOffset += z.length;
  }
  const bzsBuf = Buffer.alloc(bzs.length * 4);
  bzs.forEach((x, i) => bzsBuf.writeUInt32LE(x, i * 4));
  fs.mkdirSync(moduleDir, { recursive: true });
  fs.writeFileSync(join(moduleDir, 'ot.bzv'), bzv);
  fs.writeFileSync(join(moduleDir, 'ot.bzs'), bzsBuf);
  fs.writeFileSync(join(moduleDir, 'ot.bzz'), Buffer.concat(bzz));
}

/** An Old-Testament-only module in SWORD's KJV index order: [module, testament, (book, (chapter, verses…)…)…]. */
function writeModule(root: string, name: string, lines: string[], verses: Record<string, string>): void {
  const entries: Buffer[] = [Buffer.alloc(0), Buffer.alloc(0)];
  for (const book of KJV_VERSIFICATION.ot) {
    entries.push(Buffer.alloc(0));
    book.chapters.forEach((n, c) => {
      entries.push(Buffer.alloc(0));
      for (let v = 1; v <= n; v++) entries.push(Buffer.from(verses[`${book.osis}.${c + 1}.${v}`] ?? '', 'utf8'));
    });
  }
  writeZText(join(root, 'modules/texts/ztext', name.toLowerCase()), entries);
  fs.mkdirSync(join(root, 'mods.d'), { recursive: true });
  fs.writeFileSync(join(root, 'mods.d', `${name.toLowerCase()}.conf`),
    [`[${name}]`, `DataPath=./modules/texts/ztext/${name.toLowerCase()}/`, 'ModDrv=zText', 'SourceType=OSIS', 'Encoding=UTF-8', 'Versification=KJV', ...lines, ''].join('\n'));
}

test('data sword pairs two SWORD modules verse by verse into a TSV, finding modules by short name', async () => {
  const root = join(dir, 'sword');
  writeModule(root, 'engTiny2020eb', ['Abbreviation=TNY', 'Lang=en'], {
    'Gen.1.1': 'In the <w lemma="strong:H0430">beginning</w><note>a note</note> God created the heaven and the earth.',
    'Gen.1.2': 'And the earth was without form.',
    'Gen.1.3': 'And God said, Let there be light.',
    'Ps.117.2': 'Praise ye the LORD.',
  });
  writeModule(root, 'spaTiny1909eb', ['Abbreviation=TNYES', 'Lang=es'], {
    'Gen.1.1': 'En el principio crió Dios los cielos y la tierra.',
    // Gen.1.2 missing in the target: left out
    'Gen.1.3': 'Y dijo Dios: Sea la luz.',
    'Ps.117.2': 'Aleluya.',
  });
  const out = join(dir, 'bible.tsv');
  // "tiny" is the part of engTiny2020eb after the language code (like kjv for engKJV2006eb)
  const r = await run(dataSword, '--source', 'tiny', '--target', 'TNYES', '--root', root, '--out', out, '--json');
  assert.equal(r.code, 0);
  assert.deepEqual(r.json().pairs, 3);
  assert.equal(r.json().source, 'engTiny2020eb');
  const pairs = readPairsTsv(out);
  assert.deepEqual(pairs.map((p) => [p.source, p.target]), [
    ['In the beginning God created the heaven and the earth.', 'En el principio crió Dios los cielos y la tierra.'],
    ['And God said, Let there be light.', 'Y dijo Dios: Sea la luz.'],
    ['Praise ye the LORD.', 'Aleluya.'],
  ]);
  // a module that is not installed: say which package to install
  await assert.rejects(run(dataSword, '--source', 'tiny', '--target', 'sparv', '--root', root, '--out', out),
    (e: unknown) => e instanceof UsageError && /apt-get install sword-text-sparv/.test((e as Error).message) && /engTiny2020eb/.test((e as Error).message));
  await assert.rejects(run(dataSword, '--source', 'tiny', '--out', out, '--root', root), /--target/);
});

test('data mo collects English → Korean pairs from every catalog of the language', async () => {
  const locale = join(dir, 'locale');
  for (const [sub, file, entries] of [
    ['ko', 'a.mo', [{ msgid: '_Open', msgstr: ['열기(_O)'] }, { msgid: 'Cancel', msgstr: ['취소'] }, { msgid: '%s', msgstr: ['%s'] }, { msgid: 'Quit', msgstr: [''] }]],
    ['ko', 'b.mo', [{ msgid: 'Cancel', msgstr: ['취소'] }, { msgid: 'OK', msgstr: ['OK'] }, { msgid: 'Save file', msgstr: ['파일 저장'] }]],
    ['ko_KR', 'c.mo', [{ msgid: 'Print', msgstr: ['인쇄'] }]],
    ['kok', 'd.mo', [{ msgid: 'Print', msgstr: ['not Korean'] }]],
  ] as const) {
    fs.mkdirSync(join(locale, sub, 'LC_MESSAGES'), { recursive: true });
    fs.writeFileSync(join(locale, sub, 'LC_MESSAGES', file), writeMo(entries.map((e) => ({ msgid: e.msgid, msgstr: [...e.msgstr] }))));
  }
  fs.writeFileSync(join(locale, 'ko', 'LC_MESSAGES', 'broken.mo'), 'not a catalog');
  const out = join(dir, 'ko.tsv');
  const r = await run(dataMo, '--lang', 'ko', '--dir', locale, '--out', out, '--json');
  assert.equal(r.code, 0);
  const s = r.json();
  assert.equal(s.catalogs, 3);
  assert.equal(s.skipped, 1);
  assert.equal(s.duplicates, 1);
  assert.equal(s.untranslated, 1);
  assert.deepEqual(readPairsTsv(out).map((p) => `${p.source}=${p.target}`), ['Cancel=취소', 'Open=열기', 'Save file=파일 저장', 'Print=인쇄']);
  await assert.rejects(run(dataMo, '--lang', 'xx', '--dir', locale, '--out', out), (e: unknown) => e instanceof UsageError && /no gettext catalogs for 'xx'/.test((e as Error).message));
});

// ---- train translate on ~200 tiny pairs, then translate ----

const EN = ['one', 'two', 'three', 'four', 'five', 'red', 'green', 'blue', 'cat', 'dog', 'house', 'tree'];
const ES = ['uno', 'dos', 'tres', 'cuatro', 'cinco', 'rojo', 'verde', 'azul', 'gato', 'perro', 'casa', 'árbol'];

function tinyPairs(n: number): { source: string; target: string }[] {
  const g = new nb.Generator(7);
  return Array.from({ length: n }, () => {
    const idx = Array.from({ length: g.randint(2, 5) }, () => g.randint(0, EN.length));
    return { source: idx.map((i) => EN[i]).join(' '), target: idx.map((i) => ES[i]).join(' ') };
  });
}

const weights = join(dir, 'tiny.safetensors');
const TRAIN_ARGS = ['--vocab-size', '300', '--d-model', '32', '--heads', '2', '--layers', '1', '--ff', '64', '--dropout', '0', '--batch-size', '16',
  '--max-len', '16', '--lr', '3e-3', '--warmup', '10', '--test-size', '20', '--valid-size', '20', '--beam', '2', '--limit', '0'];

test('train translate runs end to end on a pairs TSV: split, BPE, epochs, checkpoints, BLEU, JSON summary; resume continues', async () => {
  const pairsFile = join(dir, 'tiny.tsv');
  writePairsTsv(tinyPairs(240), pairsFile);
  const r = await run(trainTranslate, '--pairs', pairsFile, ...TRAIN_ARGS, '--epochs', '2', '--out', weights, '--json');
  assert.equal(r.code, 0);
  const s = r.json();
  for (const k of ['testBleuGreedy', 'testBleuBeam', 'copyBaselineBleu', 'seconds']) assert.equal(typeof s[k], 'number', k);
  assert.equal(s.bleuTokenize, '13a', 'Spanish targets are scored with 13a');
  assert.equal(s.testBleuBeam13a, s.testBleuBeam);
  assert.equal(s.epochs, 2);
  assert.ok(s.testPairs > 0 && s.testPairs <= 24 && s.trainPairs > 150, JSON.stringify({ test: s.testPairs, train: s.trainPairs }));
  assert.equal(s.samples.length, 5);
  for (const x of s.samples) for (const k of ['source', 'reference', 'hypothesis']) assert.equal(typeof x[k], 'string');
  assert.equal(s.history.length, 2);
  assert.ok(s.history[1].validLoss < s.history[0].validLoss, 'validation loss should fall');
  assert.equal(s.copyBaselineBleu < 5, true, `copying English should score near 0 against Spanish, got ${s.copyBaselineBleu}`);
  // the test split is fixed (independent of --seed) and stored beside the model
  const { checkpoint, test: testFile } = sidePaths(weights);
  assert.ok(fs.existsSync(checkpoint));
  const stored = readPairsTsv(testFile);
  assert.equal(stored.length, s.testPairs);
  const again = await run(trainTranslate, '--pairs', pairsFile, ...TRAIN_ARGS, '--epochs', '1', '--seed', '5', '--out', join(dir, 'other.safetensors'), '--json');
  assert.deepEqual(readPairsTsv(sidePaths(join(dir, 'other.safetensors')).test), stored);
  assert.equal(again.json().testPairs, s.testPairs);
  // resume: epoch 3 only
  const resumed = await run(trainTranslate, '--resume', checkpoint, '--epochs', '3', '--json');
  assert.equal(resumed.code, 0);
  assert.deepEqual(resumed.json().history.map((h: { epoch: number }) => h.epoch), [1, 2, 3]);
  // a resumed run keeps what its state depends on; a damaged checkpoint is refused before anything is trained
  await assert.rejects(run(trainTranslate, '--resume', checkpoint, '--epochs', '4', '--d-model', '64'), /--d-model 64: the checkpoint's run used --d-model 32/);
  await assert.rejects(run(trainTranslate, '--resume', checkpoint, '--epochs', '3'), /at epoch 3 of --epochs 3: nothing left to train/);
  const broken = join(dir, 'broken.checkpoint.safetensors');
  nb.save({ x: nb.zeros([1]) }, broken, { 'nabla.checkpoint': JSON.stringify({ format: 'nabla-translate-checkpoint-v1', epoch: -2 }), format: 'pt' });
  await assert.rejects(run(trainTranslate, '--resume', broken, '--epochs', '3'), /records epoch -2/);
  nb.save({ x: nb.zeros([1]) }, broken, { 'nabla.checkpoint': 'null', format: 'pt' });
  await assert.rejects(run(trainTranslate, '--resume', broken, '--epochs', '3'), /not a checkpoint of `nabla train translate`/);
});

test('translate prints a translation, draws the attention heatmap and scores a TSV; errors are clear', async () => {
  const r = await run(translate, '--weights', weights, '--beam', '2', '--json', 'one red cat');
  assert.equal(r.code, 0);
  assert.equal(typeof r.json().translation, 'string');
  const png = join(dir, 'attention.png');
  const a = await run(translate, '--weights', weights, '--attention', png, '--json', 'two', 'green', 'dogs');
  const m = a.json();
  assert.equal(m.source, 'two green dogs');
  assert.equal(m.weights.length, m.targetTokens.length);
  assert.equal(m.weights[0].length, m.sourceTokens.length);
  const image = decodePng(fs.readFileSync(png));
  assert.ok(image.width > 100 && image.height > 100);
  const testFile = sidePaths(weights).test;
  const output = join(dir, 'translations.txt');
  const e = await run(translate, '--weights', weights, '--eval', testFile, '--beam', '2', '--output', output, '--json');
  const ej = e.json();
  assert.equal(typeof ej.bleu, 'number');
  assert.equal(ej.bleuTokenize, '13a');
  const written = fs.readFileSync(output, 'utf8').split('\n');
  assert.equal(written.pop(), '');
  assert.equal(written.length, readPairsTsv(testFile).length);
  assert.equal(written[0], (await run(translate, '--weights', weights, '--beam', '2', '--json', readPairsTsv(testFile)[0]!.source)).json().translation);
  // Chinese references: zh tokenization chosen from the text (13a reported too), char for a Japanese --target-lang
  const zhFile = join(dir, 'zh.tsv');
  writePairsTsv(readPairsTsv(testFile).map((p, i) => ({ source: p.source, target: i % 2 ? '红色的猫' : '两只绿色的狗' })), zhFile);
  const zh = (await run(translate, '--weights', weights, '--eval', zhFile, '--beam', '1', '--json')).json();
  assert.equal(zh.bleuTokenize, 'zh');
  assert.equal(typeof zh.bleu13a, 'number');
  assert.equal((await run(translate, '--weights', weights, '--eval', zhFile, '--beam', '1', '--target-lang', 'ja', '--json')).json().bleuTokenize, 'char');
  assert.equal((await run(translate, '--weights', weights, '--eval', zhFile, '--beam', '1', '--bleu-tokenize', '13a', '--json')).json().bleuTokenize, '13a');
  const text = await run(translate, '--weights', weights, '--eval', zhFile, '--beam', '1');
  assert.match(text.stdout, /sacreBLEU zh: CJK characters one by one; 13a \d+\.\d\d\)/);
  const noRepeat = await run(translate, '--weights', weights, '--beam', '2', '--no-repeat-ngram-size', '1', '--json', 'one one one red red');
  assert.equal(typeof noRepeat.json().translation, 'string');
  await assert.rejects(run(translate, '--weights', weights, '--output', output, 'one'), /--output writes the translations of --eval/);
  await assert.rejects(run(translate, '--weights', weights, '--eval', zhFile, '--bleu-tokenize', 'intl'), /--bleu-tokenize must be one of auto, 13a, zh, char, none/);
  // a sentence longer than the model's --max-len
  await assert.rejects(run(translate, '--weights', weights, 'one two three four five '.repeat(6)), /subword tokens long; this model takes at most 16/);
  await assert.rejects(run(translate, '--weights', join(dir, 'missing.safetensors'), 'one'), /no such file/);
  await assert.rejects(run(translate, '--weights', weights), /give the sentence/);
});

test('train translate refuses a missing file and a malformed line, naming the line', async () => {
  await assert.rejects(run(trainTranslate, '--pairs', join(dir, 'nope.tsv')), (e: unknown) => e instanceof UsageError && /no such file/.test((e as Error).message));
  await assert.rejects(run(trainTranslate), /--pairs FILE.tsv is required/);
  const bad = join(dir, 'bad.tsv');
  fs.writeFileSync(bad, 'one\tuno\ntwo\tdos\nthree tres\nfour\tcuatro\n');
  await assert.rejects(run(trainTranslate, '--pairs', bad), /bad\.tsv:3: expected 2 tab-separated fields/);
  const tooLong = join(dir, 'long.tsv');
  writePairsTsv([{ source: 'one two three four five six seven eight', target: 'uno dos tres cuatro cinco seis siete ocho' }], tooLong);
  await assert.rejects(run(trainTranslate, '--pairs', tooLong, '--max-len', '2', '--vocab-size', '300', '--test-size', '0', '--valid-size', '0'), /longer than --max-len 2/);
});

test('attention labels: accents folded, Hangul romanized, word pieces marked', () => {
  assert.equal(asciiLabel('¿Qué señor?'), '?Que senor?');
  assert.equal(asciiLabel('시작'), 'sijak');
  assert.deepEqual(tokenLabels(['Y', ' dijo', ' H', 'aya', ',', '[EOS]']), ['Y', 'dijo', 'H', '##aya', ',', '[EOS]']);
});
