import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasText, moToPairs, parseMo, readMo, readMoPairs, stripAcceleratorPair, stripAccelerators, writeMo, type MoEntry } from '../../src/text/corpora/mo.js';

const dir = fs.mkdtempSync(join(tmpdir(), 'nabla-mo-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const ENTRIES: MoEntry[] = [
  { msgid: 'Open file', msgstr: ['파일 열기'] },
  { msgid: '_Save', msgstr: ['저장(_S)'] },
  { msgid: 'Be_fore:', msgstr: ['앞에(_F):'] },
  { msgid: '&Quit', msgstr: ['끝내기(&Q)'] },
  { msgid: '%s', msgstr: ['%s'] },
  { msgid: '%d: %s', msgstr: ['%d: %s'] },
  { msgid: 'Untranslated', msgstr: [''] },
  { msgid: '%d file', msgidPlural: '%d files', msgstr: ['파일 %d개'] },
  { msgid: 'One apple', msgidPlural: 'Many apples', msgstr: ['pomme', 'pommes'] },
  { msgid: 'Close', context: 'menu', msgstr: ['닫기'] },
  { msgid: 'Close', context: 'verb', msgstr: ['닫다'] },
  { msgid: 'SOME_ENV_VAR is set', msgstr: ['SOME_ENV_VAR 설정됨'] },
  { msgid: '  Line one\nline two\n', msgstr: ['첫 줄\n둘째 줄\n'] },
];

test('writes and reads both byte orders', () => {
  for (const littleEndian of [true, false]) {
    const bytes = writeMo(ENTRIES, { littleEndian, headers: { 'Plural-Forms': 'nplurals=1; plural=0;' } });
    const view = new DataView(bytes.buffer);
    assert.equal(view.getUint32(0, littleEndian), 0x950412de);
    const cat = parseMo(bytes);
    assert.equal(cat.littleEndian, littleEndian);
    assert.equal(cat.revision, 0);
    assert.equal(cat.charset, 'UTF-8');
    assert.equal(cat.headers['Plural-Forms'], 'nplurals=1; plural=0;');
    assert.equal(cat.entries.length, ENTRIES.length);
    // Sorted by msgid bytes, as gettext writes them; contexts sort by "context\x04msgid".
    const byId = new Map(cat.entries.map((e) => [(e.context ?? '') + '|' + e.msgid, e]));
    assert.deepEqual(byId.get('|One apple'), { msgid: 'One apple', msgidPlural: 'Many apples', msgstr: ['pomme', 'pommes'] });
    assert.deepEqual(byId.get('menu|Close'), { msgid: 'Close', context: 'menu', msgstr: ['닫기'] });
    assert.deepEqual(byId.get('|Open file'), { msgid: 'Open file', msgstr: ['파일 열기'] });
  }
});

test('pairs: header, untranslated and format-only entries skipped; accelerators stripped; msgstr[0]', () => {
  const cat = parseMo(writeMo(ENTRIES));
  const pairs = moToPairs(cat);
  const map = new Map(pairs.map((p) => [p.source + (p.id ? `@${p.id}` : ''), p.target]));
  assert.equal(map.get('Open file'), '파일 열기');
  assert.equal(map.get('Save'), '저장');
  assert.equal(map.get('Before:'), '앞에:');
  assert.equal(map.get('Quit'), '끝내기');
  assert.equal(map.get('%d file'), '파일 %d개');
  assert.equal(map.get('One apple'), 'pomme');
  assert.equal(map.get('Close@menu'), '닫기');
  assert.equal(map.get('Close@verb'), '닫다');
  assert.equal(map.get('SOME_ENV_VAR is set'), 'SOME_ENV_VAR 설정됨');
  assert.equal(map.get('Line one\nline two'), '첫 줄\n둘째 줄');
  assert.ok(!map.has('%s') && !map.has('%d: %s') && !map.has('Untranslated') && !map.has(''));
  assert.equal(pairs.length, 10);
  const raw = moToPairs(cat, { stripAccelerators: false, skipFormatOnly: false });
  assert.ok(raw.some((p) => p.source === '_Save' && p.target === '저장(_S)'));
  assert.ok(raw.some((p) => p.source === '%s'));
});

test('accelerator and format helpers', () => {
  assert.deepEqual(stripAcceleratorPair('Sa&ve As', '다른 이름으로 저장(&V)'), ['Save As', '다른 이름으로 저장']);
  assert.deepEqual(stripAcceleratorPair('Sa&ve', 'Enregi&strer'), ['Save', 'Enregistrer']);
  // No evidence in the translation: only word-initial markers go.
  assert.deepEqual(stripAcceleratorPair('R&D and &File', 'R&D 그리고 파일'), ['R&D and File', 'R&D 그리고 파일']);
  assert.deepEqual(stripAcceleratorPair('KP_Begin', '키패드 Begin'), ['KP_Begin', '키패드 Begin']);
  assert.equal(stripAccelerators('Fish && Chips'), 'Fish && Chips');
  assert.ok(!hasText('%s'));
  assert.ok(!hasText('%1$s: %(name)s {0} %%'));
  assert.ok(hasText('%d files'));
});

test('malformed files are errors', () => {
  assert.throws(() => parseMo(new Uint8Array(10)), /shorter than/);
  assert.throws(() => parseMo(new Uint8Array(28)), /bad magic/);
  const bytes = writeMo(ENTRIES);
  assert.throws(() => parseMo(bytes.subarray(0, 60)), /past the end|truncated/);
});

test('file helpers', () => {
  const path = join(dir, 'test.mo');
  fs.writeFileSync(path, writeMo(ENTRIES, { littleEndian: false }));
  assert.equal(readMo(path).entries.length, ENTRIES.length);
  assert.equal(readMoPairs(path).length, 10);
});

// A real catalog from the system, where there is one (Debian puts many under /usr/share/locale/ko).
const KO = '/usr/share/locale/ko/LC_MESSAGES';
const koFiles = fs.existsSync(KO) ? fs.readdirSync(KO).filter((f) => f.endsWith('.mo')).sort() : [];

test('reads the Korean catalogs installed on this machine', { skip: koFiles.length ? false : `no .mo files in ${KO}` }, () => {
  const pairs = koFiles.flatMap((f) => {
    const cat = readMo(join(KO, f));
    assert.ok(cat.revision >> 16 <= 1);
    return moToPairs(cat);
  });
  assert.ok(pairs.length > 0);
  assert.ok(pairs.every((p) => p.source.length > 0 && p.target.length > 0));
  // Some Korean text came out (whatever the catalog's charset: UTF-8 or EUC-KR).
  assert.ok(pairs.some((p) => /[\uac00-\ud7a3]/.test(p.target)));
  assert.ok(pairs.every((p) => !p.target.includes('\ufffd')), 'no decoding errors');
});
