import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import {
  confValue,
  DEFAULT_SWORD_ROOT,
  findSwordModule,
  gbfToText,
  KJV_VERSIFICATION,
  listSwordModules,
  osisToText,
  parseSwordConf,
  readSwordPairs,
  readSwordVerses,
  thmlToText,
  type Versification,
} from '../../src/text/corpora/sword.js';

const root = fs.mkdtempSync(join(tmpdir(), 'nabla-sword-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

/** Two books, in SWORD's index layout: [module heading, testament heading, (book heading, (chapter heading, verses…)…)…]. */
const MINI: Versification = {
  ot: [{ osis: 'Gen', name: 'Genesis', chapters: [3, 2] }],
  nt: [{ osis: 'Matt', name: 'Matthew', chapters: [2] }],
};

/** Index entries of a testament: verse texts keyed by "Book.c.v"; headings get `heading` text (or nothing). */
function layout(books: Versification['ot'], verses: Record<string, string>, heading = ''): string[] {
  const entries = ['', heading];
  for (const b of books) {
    entries.push(heading ? `<div osisID="${b.osis}" type="book"/>` : '');
    b.chapters.forEach((n, c) => {
      entries.push(heading ? `<chapter osisID="${b.osis}.${c + 1}"/>` : '');
      for (let v = 1; v <= n; v++) entries.push(verses[`${b.osis}.${c + 1}.${v}`] ?? '');
    });
  }
  return entries;
}

/** Write a zText (10-byte .bzv) or zText4 (12-byte) testament: blocks of `perBlock` entries, zlib-compressed. */
function writeZText(dir: string, testament: string, entries: Uint8Array[], options: { four?: boolean; perBlock?: number } = {}): void {
  const rec = options.four ? 12 : 10;
  const perBlock = options.perBlock ?? 5;
  const bzv = Buffer.alloc(entries.length * rec);
  const bzs: number[] = [];
  const bzz: Buffer[] = [];
  let zOffset = 0;
  for (let start = 0, block = 0; start < entries.length; start += perBlock, block++) {
    const chunk = entries.slice(start, start + perBlock);
    let offset = 0;
    chunk.forEach((e, k) => {
      const o = (start + k) * rec;
      bzv.writeUInt32LE(block, o);
      bzv.writeUInt32LE(offset, o + 4);
      if (options.four) bzv.writeUInt32LE(e.length, o + 8);
      else bzv.writeUInt16LE(e.length, o + 8);
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
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(join(dir, `${testament}.bzv`), bzv);
  fs.writeFileSync(join(dir, `${testament}.bzs`), bzsBuf);
  fs.writeFileSync(join(dir, `${testament}.bzz`), Buffer.concat(bzz));
}

/** Write a RawText testament: `.vss` (u32 offset, u16 size) into the plain file. */
function writeRawText(dir: string, testament: string, entries: Uint8Array[]): void {
  const vss = Buffer.alloc(entries.length * 6);
  let offset = 0;
  entries.forEach((e, i) => {
    vss.writeUInt32LE(offset, i * 6);
    vss.writeUInt16LE(e.length, i * 6 + 4);
    offset += e.length;
  });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(join(dir, `${testament}.vss`), vss);
  fs.writeFileSync(join(dir, testament), Buffer.concat(entries));
}

function writeConf(name: string, lines: string[]): void {
  fs.mkdirSync(join(root, 'mods.d'), { recursive: true });
  fs.writeFileSync(join(root, 'mods.d', `${name.toLowerCase()}.conf`), [`[${name}]`, ...lines, ''].join('\n'));
}

const utf8 = (s: string) => Buffer.from(s, 'utf8');
const latin1 = (s: string) => Buffer.from(s, 'latin1');

// English, OSIS, zText, UTF-8.
const ENGLISH: Record<string, string> = {
  'Gen.1.1':
    '<w lemma="strong:H7225">In the beginning</w> <w lemma="strong:H0430">God</w> created<note placement="foot"><reference type="annotateRef">1.1 </reference>a footnote</note> the heaven &amp; the earth.',
  // Gen.1.2 empty: skipped.
  'Gen.1.3': '<div type="x-milestone" subType="x-preverse" sID="pv1"/><title type="section">A heading</title>¶ And God said, Let there be light:<lb/>and there was light.',
  'Gen.2.1': '<title canonical="true" type="psalm">A <w>Psalm</w>.</title> Thus the heavens \\nd were finished.',
  'Gen.2.2': '   <note>only a note</note>  ',
  'Matt.1.1': '<q marker="" who="Jesus">The book</q> of the generation of Jesus Christ, the son of David.',
  'Matt.1.2': 'Abraham begat Isaac; and Isaac begat Jacob.',
};
// French, GBF, RawText, Latin-1.
const FRENCH: Record<string, string> = {
  'Gen.1.1': 'Au commencement<RF>une note<Rf> Dieu<WH0430> créa les cieux et la terre.',
  'Gen.1.2': 'La terre était informe et vide.',
  'Gen.1.3': '<TS>Titre<Ts>Dieu dit: Que la lumière soit!<CM>Et la lumière fut.',
  'Matt.1.1': 'Généalogie de Jésus-Christ, fils de David, fils d\u2019Abraham.'.replace('\u2019', "'"),
};
// German, ThML, zText4, UTF-8.
const GERMAN: Record<string, string> = {
  'Gen.1.1': '<sync type="Strongs" value="H7225"/>Am Anfang schuf Gott<note>Anm.</note> Himmel und Erde.',
  'Matt.1.2': '<scripRef>1Chr 1:34</scripRef>Abraham zeugte Isaak.<br/>Isaak zeugte Jakob.',
};

writeConf('TestEnglish', [
  'DataPath=./modules/texts/ztext/testenglish/',
  'ModDrv=zText',
  'SourceType=OSIS',
  'Encoding=UTF-8',
  'Abbreviation=TEN',
  'About=Line one\\',
  'continued here',
  'GlobalOptionFilter=OSISStrongs',
  'GlobalOptionFilter=OSISFootnotes',
]);
for (const t of ['ot', 'nt'] as const) writeZText(join(root, 'modules/texts/ztext/testenglish'), t, layout(MINI[t], ENGLISH, 'heading').map(utf8));
writeConf('TestFrench', ['DataPath=./modules/texts/rawtext/testfrench/', 'ModDrv=RawText', 'SourceType=GBF', 'Encoding=Latin-1']);
for (const t of ['ot', 'nt'] as const) writeRawText(join(root, 'modules/texts/rawtext/testfrench'), t, layout(MINI[t], FRENCH).map(latin1));
writeConf('TestGerman', ['DataPath=./modules/texts/ztext/testgerman/', 'ModDrv=zText4', 'SourceType=ThML', 'Encoding=UTF-8']);
// Old Testament only: a module may lack a testament.
writeZText(join(root, 'modules/texts/ztext/testgerman'), 'ot', layout(MINI.ot, GERMAN).map(utf8), { four: true, perBlock: 3 });
writeZText(join(root, 'modules/texts/ztext/testgerman'), 'nt', layout(MINI.nt, GERMAN).map(utf8), { four: true, perBlock: 3 });

test('conf parsing and module lookup', () => {
  const conf = parseSwordConf('\uFEFF[KJV]\r\nDataPath=./modules/texts/ztext/kjv/\r\n# comment\r\nFeature=A\r\nFeature=B\r\nAbout=x\\\r\ny\r\n');
  assert.equal(conf.name, 'KJV');
  assert.deepEqual(conf.values.Feature, ['A', 'B']);
  assert.equal(confValue(conf, 'datapath'), './modules/texts/ztext/kjv/');
  assert.equal(confValue(conf, 'About'), 'x\ny');
  assert.throws(() => parseSwordConf('no section'), /no \[ModuleName\]/);
  assert.deepEqual(
    listSwordModules(root).map((m) => m.name),
    ['TestEnglish', 'TestFrench', 'TestGerman'],
  );
  assert.equal(findSwordModule('testenglish', root).name, 'TestEnglish');
  assert.equal(findSwordModule('TEN', root).name, 'TestEnglish');
  assert.throws(() => findSwordModule('nope', root), /no SWORD module "nope"/);
  assert.deepEqual(listSwordModules(join(root, 'missing')), []);
});

test('markup to plain text', () => {
  assert.equal(osisToText('<w lemma="x">a</w> <note>n</note>b &lt;c&gt; &#233;&#x41;'), 'a b <c> éA');
  assert.equal(osisToText('<title canonical="true">T.</title> x'), 'T. x');
  assert.equal(osisToText('<title canonical="true">T.</title> x', { keepCanonicalTitles: false }), 'x');
  assert.equal(osisToText('¶ a<lb/>b', { keepPilcrow: true }), '¶ a b');
  assert.equal(osisToText('the \\nd LORD\\nd* said'), 'the LORD said');
  assert.equal(thmlToText('a<note>n</note> <scripRef>Gen 1</scripRef>b<br/>c'), 'a b c');
  assert.equal(gbfToText('a<RF>n<Rf> b<WH0430><FI>c<Fi><CM>d'), 'a bc d');
});

test('reads a zText/OSIS module it wrote, verse by verse', () => {
  const verses = readSwordVerses('TestEnglish', { root, versification: MINI });
  assert.deepEqual(
    verses.map((v) => v.ref),
    ['Gen.1.1', 'Gen.1.3', 'Gen.2.1', 'Matt.1.1', 'Matt.1.2'],
  );
  assert.deepEqual(verses[0], {
    ref: 'Gen.1.1',
    book: 'Gen',
    chapter: 1,
    verse: 1,
    text: 'In the beginning God created the heaven & the earth.',
  });
  assert.equal(verses[1]!.text, 'And God said, Let there be light: and there was light.');
  assert.equal(verses[2]!.text, 'A Psalm. Thus the heavens were finished.');
  assert.equal(verses[3]!.text, 'The book of the generation of Jesus Christ, the son of David.');
  const withEmpty = readSwordVerses('TestEnglish', { root, versification: MINI, keepEmpty: true });
  assert.equal(withEmpty.length, 3 + 2 + 2);
  const raw = readSwordVerses('TestEnglish', { root, versification: MINI, raw: true });
  assert.equal(raw[0]!.text, ENGLISH['Gen.1.1']);
  // The KJV table does not fit this module's index: a clear error, not garbage.
  assert.throws(() => readSwordVerses('TestEnglish', { root }), /versification needs/);
});

test('RawText/GBF/Latin-1 and zText4/ThML modules; verse-aligned pairs', () => {
  const french = readSwordVerses('TestFrench', { root, versification: MINI });
  assert.deepEqual(
    french.map((v) => [v.ref, v.text]),
    [
      ['Gen.1.1', 'Au commencement Dieu créa les cieux et la terre.'],
      ['Gen.1.2', 'La terre était informe et vide.'],
      ['Gen.1.3', 'Dieu dit: Que la lumière soit! Et la lumière fut.'],
      ['Matt.1.1', "Généalogie de Jésus-Christ, fils de David, fils d'Abraham."],
    ],
  );
  const german = readSwordVerses('TestGerman', { root, versification: MINI });
  assert.deepEqual(
    german.map((v) => [v.ref, v.text]),
    [
      ['Gen.1.1', 'Am Anfang schuf Gott Himmel und Erde.'],
      ['Matt.1.2', 'Abraham zeugte Isaak. Isaak zeugte Jakob.'],
    ],
  );
  const pairs = readSwordPairs('TestEnglish', 'TestFrench', { root, versification: MINI });
  assert.deepEqual(
    pairs.map((p) => p.id),
    ['Gen.1.1', 'Gen.1.3', 'Matt.1.1'],
  );
  assert.equal(pairs[0]!.source, 'In the beginning God created the heaven & the earth.');
  assert.equal(pairs[0]!.target, 'Au commencement Dieu créa les cieux et la terre.');
  assert.equal(readSwordPairs('TestGerman', 'TestEnglish', { root, versification: MINI }).length, 2);
});

test('KJV versification: Genesis 1 and Matthew 1 in a full-size index', () => {
  const verses: Record<string, string> = {};
  for (let v = 1; v <= 31; v++) verses[`Gen.1.${v}`] = `Genesis one, verse ${v}.`;
  for (let v = 1; v <= 25; v++) verses[`Matt.1.${v}`] = `Matthew one, verse ${v}.`;
  verses['Rev.22.21'] = 'The last verse.';
  const dir = join(root, 'modules/texts/ztext/testkjv');
  const ot = layout(KJV_VERSIFICATION.ot, verses);
  const nt = layout(KJV_VERSIFICATION.nt, verses);
  assert.equal(ot.length, 24115);
  assert.equal(nt.length, 8246);
  assert.equal(ot[4], 'Genesis one, verse 1.');
  assert.equal(nt[4], 'Matthew one, verse 1.');
  writeZText(dir, 'ot', ot.map(utf8), { perBlock: 1000 });
  writeZText(dir, 'nt', nt.map(utf8), { perBlock: 1000 });
  writeConf('TestKJV', ['DataPath=./modules/texts/ztext/testkjv/', 'ModDrv=zText', 'SourceType=OSIS', 'Encoding=UTF-8', 'Versification=KJV']);
  const read = readSwordVerses('TestKJV', { root });
  assert.equal(read.length, 31 + 25 + 1);
  assert.deepEqual(read[0], { ref: 'Gen.1.1', book: 'Gen', chapter: 1, verse: 1, text: 'Genesis one, verse 1.' });
  assert.equal(read[30]!.ref, 'Gen.1.31');
  assert.equal(read[31]!.ref, 'Matt.1.1');
  assert.equal(read[56]!.ref, 'Rev.22.21');
  const total = (books: Versification['ot']) => books.reduce((n, b) => n + b.chapters.reduce((x, y) => x + y, 0), 0);
  assert.equal(total(KJV_VERSIFICATION.ot), 23145);
  assert.equal(total(KJV_VERSIFICATION.nt), 7957);
  fs.rmSync(join(root, 'mods.d', 'testkjv.conf'));
});

// The Debian packages sword-text-kjv and sword-text-sparv, where installed (not on CI).
const installed = listSwordModules(DEFAULT_SWORD_ROOT).map((m) => m.name);
const kjvName = installed.find((n) => /kjv/i.test(n));
const spaName = installed.find((n) => /^spaRV1909|sparv/i.test(n));

test('installed KJV module: Genesis 1:1', { skip: kjvName ? false : 'no KJV SWORD module installed' }, () => {
  const verses = readSwordVerses(kjvName!);
  assert.equal(verses[0]!.ref, 'Gen.1.1');
  assert.equal(verses[0]!.text, 'In the beginning God created the heaven and the earth.');
  assert.ok(verses.length > 31000, `${verses.length} verses`);
  assert.equal(verses.find((v) => v.ref === 'John.11.35')!.text, 'Jesus wept.');
  assert.ok(verses.every((v) => !/[<>]/.test(v.text)));
});

test('installed KJV and Reina-Valera 1909: aligned pairs', { skip: kjvName && spaName ? false : 'modules not installed' }, () => {
  const pairs = readSwordPairs(kjvName!, spaName!);
  assert.ok(pairs.length > 31000, `${pairs.length} pairs`);
  assert.equal(pairs[0]!.id, 'Gen.1.1');
  assert.match(pairs[0]!.target, /^EN el principio crió Dios los cielos y la tierra\.$/);
});
