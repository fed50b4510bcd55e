/**
 * The corpus readers (SWORD modules, gettext .mo catalogs) check their options at run time: an unknown
 * key (snake_case spellings and typos get a did-you-mean) or a value of the wrong type is an error
 * naming the function, the option and the value, instead of reading the corpus with the defaults.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gbfToText, markupToText, osisToText, readSwordPairs, readSwordVerses, thmlToText } from '../../src/text/corpora/sword.js';
import { moToPairs, parseMo, readMoPairs, writeMo } from '../../src/text/corpora/mo.js';

const loose = (o: unknown) => o as never;
const nowhere = { dir: '/nonexistent/sword-module' };

test('SWORD markup: osisToText, thmlToText, gbfToText and markupToText', () => {
  assert.equal(osisToText('a ¶ b', { keepPilcrow: true }), 'a ¶ b');
  for (const [name, strip] of [['osisToText', osisToText], ['thmlToText', thmlToText], ['gbfToText', gbfToText]] as const) {
    assert.throws(() => strip('a', loose({ keep_pilcrow: true })), new RegExp(`${name}: unknown option 'keep_pilcrow' \\(did you mean 'keepPilcrow'\\? nabla spells options in camelCase\\); known options: keepCanonicalTitles, keepPilcrow, keepUsfmMarkers`));
    assert.throws(() => strip('a', loose({ keepPilcrow: 'yes' })), new RegExp(`${name}: option keepPilcrow must be a boolean, got the string "yes"`));
  }
  assert.throws(() => markupToText('a', 'OSIS', loose({ keepTitles: true })), /markupToText: unknown option 'keepTitles'; known options: keepCanonicalTitles/);
});

test('readSwordVerses and readSwordPairs: options and module specs', () => {
  assert.deepEqual(readSwordVerses(nowhere, { keepEmpty: true, keepPilcrow: true }), [], 'a folder without testaments has no verses');
  assert.throws(() => readSwordVerses(nowhere, loose({ keep_empty: true })), /readSwordVerses: unknown option 'keep_empty' \(did you mean 'keepEmpty'\?.*known options: keepCanonicalTitles, keepPilcrow, keepUsfmMarkers, root, versification, keepEmpty, raw/);
  assert.throws(() => readSwordVerses(nowhere, loose({ rot: '/usr/share/sword' })), /unknown option 'rot' \(did you mean 'root'\?/);
  assert.throws(() => readSwordVerses(nowhere, loose({ versification: 'KJV' })), /readSwordVerses: option versification must be a versification table \{ ot: books, nt: books \}, got the string "KJV"/);
  assert.throws(() => readSwordVerses(nowhere, loose({ raw: 1 })), /option raw must be a boolean, got number 1/);
  assert.throws(() => readSwordVerses({ ...nowhere, source_type: 'OSIS' } as never),
    /readSwordVerses \(module spec\): unknown option 'source_type' \(did you mean 'sourceType'\?.*known options: dir, driver, sourceType, encoding, compressType/);
  assert.throws(() => readSwordVerses(loose({ path: '/x' })), /readSwordVerses: module must be an installed module's name, a parsed .conf \{ name, values \} or a spec \{ dir,/);
  assert.throws(() => readSwordPairs(nowhere, nowhere, loose({ keepEmpty: true, strip_usfm: true })), /readSwordPairs: unknown option 'strip_usfm'; known options/);
  assert.throws(() => readSwordPairs(nowhere, nowhere, loose({ root: 7 })), /readSwordPairs: option root must be a string, got number 7/);
});

test('.mo catalogs: writeMo, moToPairs and readMoPairs', () => {
  const bytes = writeMo([{ msgid: '_Open', msgstr: ['열기(_O)'] }], { littleEndian: false });
  assert.deepEqual(moToPairs(parseMo(bytes), { stripAccelerators: false }), [{ source: '_Open', target: '열기(_O)' }]);
  assert.throws(() => writeMo([], loose({ little_endian: true })), /writeMo: unknown option 'little_endian' \(did you mean 'littleEndian'\? nabla spells options in camelCase\); known options: littleEndian, headers/);
  assert.throws(() => writeMo([], loose({ headers: { 'Plural-Forms': 1 } })), /writeMo: option headers must be an object of strings \(header field: value\), got an object/);
  assert.throws(() => moToPairs(parseMo(bytes), loose({ strip_accelerators: false })), /moToPairs: unknown option 'strip_accelerators' \(did you mean 'stripAccelerators'\?.*known options: stripAccelerators, skipFormatOnly/);
  assert.throws(() => moToPairs(parseMo(bytes), loose({ skipFormat: true })), /moToPairs: unknown option 'skipFormat'; known options: stripAccelerators, skipFormatOnly/);
  assert.throws(() => moToPairs(parseMo(bytes), loose({ skipFormatOnly: 'no' })), /moToPairs: option skipFormatOnly must be a boolean, got the string "no"/);
  // checked before the file is read: the error is about the option, not the missing file
  assert.throws(() => readMoPairs('/nonexistent.mo', loose({ strip: true })), /readMoPairs: unknown option 'strip'; known options: stripAccelerators, skipFormatOnly/);
});
