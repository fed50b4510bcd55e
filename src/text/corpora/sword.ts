/**
 * SWORD Bible modules (Node-only): read a module's verses as plain text, and pair two modules verse by verse.
 *
 * Supported drivers (the conf's `ModDrv`): zText and zText4 (compressed), RawText and RawText4. File layout, per
 * testament (`ot`, `nt`), all integers little-endian:
 * - zText: `.bzs` = one 12-byte record per compressed block (offset in `.bzz`, compressed size, uncompressed size);
 *   `.bzv` = one 10-byte record per verse index (block number u32, offset in the uncompressed block u32, size u16;
 *   zText4 makes size a u32: 12 bytes); `.bzz` = the zlib-compressed blocks (`CompressType=ZIP`).
 * - RawText: `.vss` = 6-byte records (offset u32, size u16; RawText4: 8 bytes, size u32) into the plain text file `ot`/`nt`.
 * Verse indices follow the module's versification (only KJV's is built in; pass another as `versification`):
 * index 0 is the module heading, 1 the testament heading, then for each book its heading, and for each chapter its
 * heading followed by its verses. The text is decoded per the conf's `Encoding` (UTF-8, or Latin-1) and its markup
 * (`SourceType`: OSIS, ThML, GBF, TEI or plain) is stripped to plain text: notes, cross references and non-canonical
 * headings are dropped, all other tags are removed, entities decoded, the pilcrow `¶` removed and whitespace collapsed.
 */

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { inflateSync } from 'node:zlib';
import type { TextPair } from '../pairs.js';
import { checkOptions, describeValue, type OptionSpec } from '../../util/options.js';

/** A book of a SWORD versification: name, chapters, verses per chapter. */
export interface SwordBook {
  /** OSIS book id, e.g. 'Gen'. */
  osis: string;
  name: string;
  /** Number of verses in each chapter. */
  chapters: readonly number[];
}

/** A SWORD versification: the books of each testament. */
export interface Versification {
  ot: readonly SwordBook[];
  nt: readonly SwordBook[];
}

const KJV_TABLE: Record<'ot' | 'nt', [string, string, string][]> = {
  ot: [
    ['Gen', 'Genesis', '31,25,24,26,32,22,24,22,29,32,32,20,18,24,21,16,27,33,38,18,34,24,20,67,34,35,46,22,35,43,55,32,20,31,29,43,36,30,23,23,57,38,34,34,28,34,31,22,33,26'],
    ['Exod', 'Exodus', '22,25,22,31,23,30,25,32,35,29,10,51,22,31,27,36,16,27,25,26,36,31,33,18,40,37,21,43,46,38,18,35,23,35,35,38,29,31,43,38'],
    ['Lev', 'Leviticus', '17,16,17,35,19,30,38,36,24,20,47,8,59,57,33,34,16,30,37,27,24,33,44,23,55,46,34'],
    ['Num', 'Numbers', '54,34,51,49,31,27,89,26,23,36,35,16,33,45,41,50,13,32,22,29,35,41,30,25,18,65,23,31,40,16,54,42,56,29,34,13'],
    ['Deut', 'Deuteronomy', '46,37,29,49,33,25,26,20,29,22,32,32,18,29,23,22,20,22,21,20,23,30,25,22,19,19,26,68,29,20,30,52,29,12'],
    ['Josh', 'Joshua', '18,24,17,24,15,27,26,35,27,43,23,24,33,15,63,10,18,28,51,9,45,34,16,33'],
    ['Judg', 'Judges', '36,23,31,24,31,40,25,35,57,18,40,15,25,20,20,31,13,31,30,48,25'],
    ['Ruth', 'Ruth', '22,23,18,22'],
    ['1Sam', 'I Samuel', '28,36,21,22,12,21,17,22,27,27,15,25,23,52,35,23,58,30,24,42,15,23,29,22,44,25,12,25,11,31,13'],
    ['2Sam', 'II Samuel', '27,32,39,12,25,23,29,18,13,19,27,31,39,33,37,23,29,33,43,26,22,51,39,25'],
    ['1Kgs', 'I Kings', '53,46,28,34,18,38,51,66,28,29,43,33,34,31,34,34,24,46,21,43,29,53'],
    ['2Kgs', 'II Kings', '18,25,27,44,27,33,20,29,37,36,21,21,25,29,38,20,41,37,37,21,26,20,37,20,30'],
    ['1Chr', 'I Chronicles', '54,55,24,43,26,81,40,40,44,14,47,40,14,17,29,43,27,17,19,8,30,19,32,31,31,32,34,21,30'],
    ['2Chr', 'II Chronicles', '17,18,17,22,14,42,22,18,31,19,23,16,22,15,19,14,19,34,11,37,20,12,21,27,28,23,9,27,36,27,21,33,25,33,27,23'],
    ['Ezra', 'Ezra', '11,70,13,24,17,22,28,36,15,44'],
    ['Neh', 'Nehemiah', '11,20,32,23,19,19,73,18,38,39,36,47,31'],
    ['Esth', 'Esther', '22,23,15,17,14,14,10,17,32,3'],
    ['Job', 'Job', '22,13,26,21,27,30,21,22,35,22,20,25,28,22,35,22,16,21,29,29,34,30,17,25,6,14,23,28,25,31,40,22,33,37,16,33,24,41,30,24,34,17'],
    ['Ps', 'Psalms', '6,12,8,8,12,10,17,9,20,18,7,8,6,7,5,11,15,50,14,9,13,31,6,10,22,12,14,9,11,12,24,11,22,22,28,12,40,22,13,17,13,11,5,26,17,11,9,14,20,23,19,9,6,7,23,13,11,11,17,12,8,12,11,10,13,20,7,35,36,5,24,20,28,23,10,12,20,72,13,19,16,8,18,12,13,17,7,18,52,17,16,15,5,23,11,13,12,9,9,5,8,28,22,35,45,48,43,13,31,7,10,10,9,8,18,19,2,29,176,7,8,9,4,8,5,6,5,6,8,8,3,18,3,3,21,26,9,8,24,13,10,7,12,15,21,10,20,14,9,6'],
    ['Prov', 'Proverbs', '33,22,35,27,23,35,27,36,18,32,31,28,25,35,33,33,28,24,29,30,31,29,35,34,28,28,27,28,27,33,31'],
    ['Eccl', 'Ecclesiastes', '18,26,22,16,20,12,29,17,18,20,10,14'],
    ['Song', 'Song of Solomon', '17,17,11,16,16,13,13,14'],
    ['Isa', 'Isaiah', '31,22,26,6,30,13,25,22,21,34,16,6,22,32,9,14,14,7,25,6,17,25,18,23,12,21,13,29,24,33,9,20,24,17,10,22,38,22,8,31,29,25,28,28,25,13,15,22,26,11,23,15,12,17,13,12,21,14,21,22,11,12,19,12,25,24'],
    ['Jer', 'Jeremiah', '19,37,25,31,31,30,34,22,26,25,23,17,27,22,21,21,27,23,15,18,14,30,40,10,38,24,22,17,32,24,40,44,26,22,19,32,21,28,18,16,18,22,13,30,5,28,7,47,39,46,64,34'],
    ['Lam', 'Lamentations', '22,22,66,22,22'],
    ['Ezek', 'Ezekiel', '28,10,27,17,17,14,27,18,11,22,25,28,23,23,8,63,24,32,14,49,32,31,49,27,17,21,36,26,21,26,18,32,33,31,15,38,28,23,29,49,26,20,27,31,25,24,23,35'],
    ['Dan', 'Daniel', '21,49,30,37,31,28,28,27,27,21,45,13'],
    ['Hos', 'Hosea', '11,23,5,19,15,11,16,14,17,15,12,14,16,9'],
    ['Joel', 'Joel', '20,32,21'],
    ['Amos', 'Amos', '15,16,15,13,27,14,17,14,15'],
    ['Obad', 'Obadiah', '21'],
    ['Jonah', 'Jonah', '17,10,10,11'],
    ['Mic', 'Micah', '16,13,12,13,15,16,20'],
    ['Nah', 'Nahum', '15,13,19'],
    ['Hab', 'Habakkuk', '17,20,19'],
    ['Zeph', 'Zephaniah', '18,15,20'],
    ['Hag', 'Haggai', '15,23'],
    ['Zech', 'Zechariah', '21,13,10,14,11,15,14,23,17,12,17,14,9,21'],
    ['Mal', 'Malachi', '14,17,18,6'],
  ],
  nt: [
    ['Matt', 'Matthew', '25,23,17,25,48,34,29,34,38,42,30,50,58,36,39,28,27,35,30,34,46,46,39,51,46,75,66,20'],
    ['Mark', 'Mark', '45,28,35,41,43,56,37,38,50,52,33,44,37,72,47,20'],
    ['Luke', 'Luke', '80,52,38,44,39,49,50,56,62,42,54,59,35,35,32,31,37,43,48,47,38,71,56,53'],
    ['John', 'John', '51,25,36,54,47,71,53,59,41,42,57,50,38,31,27,33,26,40,42,31,25'],
    ['Acts', 'Acts', '26,47,26,37,42,15,60,40,43,48,30,25,52,28,41,40,34,28,41,38,40,30,35,27,27,32,44,31'],
    ['Rom', 'Romans', '32,29,31,25,21,23,25,39,33,21,36,21,14,23,33,27'],
    ['1Cor', 'I Corinthians', '31,16,23,21,13,20,40,13,27,33,34,31,13,40,58,24'],
    ['2Cor', 'II Corinthians', '24,17,18,18,21,18,16,24,15,18,33,21,14'],
    ['Gal', 'Galatians', '24,21,29,31,26,18'],
    ['Eph', 'Ephesians', '23,22,21,32,33,24'],
    ['Phil', 'Philippians', '30,30,21,23'],
    ['Col', 'Colossians', '29,23,25,18'],
    ['1Thess', 'I Thessalonians', '10,20,13,18,28'],
    ['2Thess', 'II Thessalonians', '12,17,18'],
    ['1Tim', 'I Timothy', '20,15,16,16,25,21'],
    ['2Tim', 'II Timothy', '18,26,17,22'],
    ['Titus', 'Titus', '16,15,15'],
    ['Phlm', 'Philemon', '25'],
    ['Heb', 'Hebrews', '14,18,19,16,14,20,28,13,28,39,40,29,25'],
    ['Jas', 'James', '27,26,18,17,20'],
    ['1Pet', 'I Peter', '25,25,22,19,14'],
    ['2Pet', 'II Peter', '21,22,18'],
    ['1John', 'I John', '10,29,24,21,21'],
    ['2John', 'II John', '13'],
    ['3John', 'III John', '14'],
    ['Jude', 'Jude', '25'],
    ['Rev', 'Revelation of John', '20,29,22,11,14,17,17,13,21,11,19,17,18,20,8,21,18,24,21,15,27,21'],
  ],
};

/** SWORD's KJV versification (canon_kjv.h): 39 + 27 books, 929 + 260 chapters, 23 145 + 7 957 verses. */
export const KJV_VERSIFICATION: Versification = Object.freeze({
  ot: KJV_TABLE.ot.map(([osis, name, counts]) => Object.freeze({ osis, name, chapters: Object.freeze(counts.split(',').map(Number)) })),
  nt: KJV_TABLE.nt.map(([osis, name, counts]) => Object.freeze({ osis, name, chapters: Object.freeze(counts.split(',').map(Number)) })),
});

// ---------------------------------------------------------------------------------------------------------------
// .conf files

/** A parsed module .conf: the section name and every key's values (repeated keys keep all values, in order). */
export interface SwordConf {
  name: string;
  values: Record<string, string[]>;
}

/** Parse a SWORD .conf text: `[Name]` then `Key=Value` lines; a trailing `\` continues a value on the next line. */
export function parseSwordConf(text: string): SwordConf {
  let name = '';
  const values: Record<string, string[]> = {};
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (!name) {
      const m = /^\s*\[([^\]]+)\]\s*$/.exec(line);
      if (m) name = m[1]!;
      continue;
    }
    if (/^\s*(#|$)/.test(line)) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1);
    while (value.endsWith('\\') && i + 1 < lines.length) {
      value = value.slice(0, -1) + '\n' + lines[++i]!;
    }
    (values[key] ??= []).push(value.trim());
  }
  if (!name) throw new Error('not a SWORD .conf: no [ModuleName] section');
  return { name, values };
}

/** First value of a conf key (case-insensitive key match). */
export function confValue(conf: SwordConf, key: string): string | undefined {
  const k = Object.keys(conf.values).find((x) => x.toLowerCase() === key.toLowerCase());
  return k === undefined ? undefined : conf.values[k]![0];
}

/** The default system-wide SWORD library (Debian's sword-text-* packages install there). */
export const DEFAULT_SWORD_ROOT = '/usr/share/sword';

/** Modules installed under a SWORD root (`mods.d/*.conf`); an empty list if the folder is missing. */
export function listSwordModules(root: string = DEFAULT_SWORD_ROOT): SwordConf[] {
  const dir = join(root, 'mods.d');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.toLowerCase().endsWith('.conf'))
    .sort()
    .map((f) => parseSwordConf(readFileSync(join(dir, f), 'utf8')));
}

/** Find an installed module by name (case-insensitive) or by its `Abbreviation`. */
export function findSwordModule(name: string, root: string = DEFAULT_SWORD_ROOT): SwordConf {
  const mods = listSwordModules(root);
  const lower = name.toLowerCase();
  const hit =
    mods.find((m) => m.name.toLowerCase() === lower) ?? mods.find((m) => (confValue(m, 'Abbreviation') ?? '').toLowerCase() === lower);
  if (!hit) throw new Error(`no SWORD module ${JSON.stringify(name)} under ${root} (have: ${mods.map((m) => m.name).join(', ') || 'none'})`);
  return hit;
}

// ---------------------------------------------------------------------------------------------------------------
// Markup

/** The markup a SWORD module's text is in. */
export type SwordMarkup = 'OSIS' | 'ThML' | 'GBF' | 'TEI' | 'Plaintext';

/** Options of turning a SWORD module's markup into plain text. */
export interface MarkupOptions {
  /** Keep headings marked canonical="true" (e.g. psalm superscriptions) as text (default true: they are part of the text). */
  keepCanonicalTitles?: boolean;
  /** Keep the pilcrow ¶ (paragraph mark) (default false). */
  keepPilcrow?: boolean;
  /**
   * Keep stray USFM markers such as `\nd ` or `\add*` (default false: removed). Modules converted from USFM
   * sometimes leak them into the text.
   */
  keepUsfmMarkers?: boolean;
}

const MARKUP_OPTIONS: OptionSpec<MarkupOptions> = { keepCanonicalTitles: 'boolean', keepPilcrow: 'boolean', keepUsfmMarkers: 'boolean' };

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** Decode XML/HTML character references (named: amp lt gt quot apos nbsp; numeric: decimal and hex). */
export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (m, body: string) => {
    if (body[0] === '#') {
      const cp = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
    }
    return NAMED_ENTITIES[body] ?? m;
  });
}

const BLOCK_TAGS = /^(lb|l|lg|p|div|br|milestone|chapter|verse|list|item|table|row|cell|head|h[1-6]|sync)$/i;

function stripXmlTags(s: string): string {
  return s.replace(/<\/?([A-Za-z][\w:.-]*)\b[^>]*>/g, (_m, tag: string) => (BLOCK_TAGS.test(tag) ? ' ' : ''));
}

function finish(s: string, options: MarkupOptions): string {
  if (!options.keepPilcrow) s = s.replace(/¶/g, ' ');
  if (!options.keepUsfmMarkers) {
    // Closing markers (\nd*) go alone; opening ones (\nd ) take their separating space with them.
    s = s.replace(/\\\+?[a-z]+[0-9]*\*/g, '').replace(/\\\+?[a-z]+[0-9]*(?:\s|(?=\p{P})|$)/gu, '');
  }
  return s.replace(/\s+/gu, ' ').trim();
}

/** OSIS → plain text. */
export function osisToText(s: string, options: MarkupOptions = {}): string {
  checkOptions('osisToText', options, MARKUP_OPTIONS);
  s = s.replace(/<note\b[^>]*\/>/g, '').replace(/<note\b[^>]*>[\s\S]*?<\/note>/g, ' ');
  s = s.replace(/<title\b([^>]*)>([\s\S]*?)<\/title>/g, (_m, attrs: string, inner: string) =>
    (options.keepCanonicalTitles ?? true) && /canonical\s*=\s*"true"/.test(attrs) ? ` ${inner} ` : ' ',
  );
  return finish(decodeEntities(stripXmlTags(s)), options);
}

/** ThML → plain text (notes, scripture references and headings dropped). */
export function thmlToText(s: string, options: MarkupOptions = {}): string {
  checkOptions('thmlToText', options, MARKUP_OPTIONS);
  s = s.replace(/<note\b[^>]*>[\s\S]*?<\/note>/gi, ' ');
  s = s.replace(/<scripRef\b[^>]*>[\s\S]*?<\/scripRef>/gi, ' ');
  s = s.replace(/<(h[1-6])\b[^>]*>[\s\S]*?<\/\1>/gi, ' ');
  s = s.replace(/<div\b[^>]*class="sechead"[^>]*>[\s\S]*?<\/div>/gi, ' ');
  return finish(decodeEntities(stripXmlTags(s)), options);
}

/** GBF → plain text: footnotes `<RF>…<Rf>`, titles `<TS>…<Ts>` and references `<RX>…<Rx>` dropped; other tags removed. */
export function gbfToText(s: string, options: MarkupOptions = {}): string {
  checkOptions('gbfToText', options, MARKUP_OPTIONS);
  s = s.replace(/<RF>[\s\S]*?<Rf>/g, ' ').replace(/<TS>[\s\S]*?<Ts>/g, ' ').replace(/<RX>[\s\S]*?<Rx>/g, ' ');
  s = s.replace(/<(CM|CL|CG|CP)>/g, ' ').replace(/<[A-Z][^>]*>/g, '');
  return finish(decodeEntities(s), options);
}

/** Strip a module's markup to plain text. */
export function markupToText(s: string, markup: SwordMarkup, options: MarkupOptions = {}): string {
  checkOptions('markupToText', options, MARKUP_OPTIONS);
  switch (markup) {
    case 'OSIS':
    case 'TEI':
      return osisToText(s, options);
    case 'ThML':
      return thmlToText(s, options);
    case 'GBF':
      return gbfToText(s, options);
    default:
      return finish(s, options);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Reading verses

/** A verse: its reference and its text. */
export interface SwordVerse {
  /** OSIS reference, e.g. 'Gen.1.1'. */
  ref: string;
  book: string;
  chapter: number;
  verse: number;
  text: string;
}

/** Options of `readSwordModule`: the library root and the markup options. */
export interface ReadSwordOptions extends MarkupOptions {
  /** SWORD root holding mods.d/ and modules/ (default /usr/share/sword). */
  root?: string;
  /** Versification of the module (default KJV; other systems need their table). */
  versification?: Versification;
  /** Keep verses whose text is empty after markup stripping (default false). */
  keepEmpty?: boolean;
  /** Return the raw markup instead of plain text (default false). */
  raw?: boolean;
}

/** How to read a module folder when there is no .conf (the conf's keys, same defaults as SWORD). */
export interface SwordModuleSpec {
  /** Folder holding ot.* and nt.* files. */
  dir: string;
  /** 'zText' (default), 'zText4', 'RawText' or 'RawText4'. */
  driver?: string;
  /** Markup ('OSIS', 'ThML', 'GBF', 'TEI', 'Plaintext'; default 'Plaintext' as in SWORD). */
  sourceType?: string;
  /** 'UTF-8' or 'Latin-1' (SWORD's default when the conf names none). */
  encoding?: string;
  /** 'ZIP' (default for zText). */
  compressType?: string;
}

const VERSIFICATION = {
  test: (v: unknown) => typeof v === 'object' && v !== null && Array.isArray((v as Versification).ot) && Array.isArray((v as Versification).nt),
  expected: 'a versification table { ot: books, nt: books }',
};
const READ_SWORD_OPTIONS: OptionSpec<ReadSwordOptions> = { ...MARKUP_OPTIONS, root: 'string', versification: VERSIFICATION, keepEmpty: 'boolean', raw: 'boolean' };
const MODULE_SPEC: OptionSpec<SwordModuleSpec> = { dir: 'string', driver: 'string', sourceType: 'string', encoding: 'string', compressType: 'string' };

/** The read spec of an installed module. */
export function moduleSpec(conf: SwordConf, root: string = DEFAULT_SWORD_ROOT): SwordModuleSpec {
  const dataPath = confValue(conf, 'DataPath');
  if (!dataPath) throw new Error(`module ${conf.name} has no DataPath`);
  const cipher = confValue(conf, 'CipherKey');
  if (cipher !== undefined) throw new Error(`module ${conf.name} is enciphered (CipherKey), which is not supported`);
  const versification = confValue(conf, 'Versification') ?? 'KJV';
  if (versification !== 'KJV') throw new Error(`module ${conf.name} uses the ${versification} versification; pass its table as options.versification`);
  return {
    dir: resolve(root, dataPath),
    driver: confValue(conf, 'ModDrv') ?? 'zText',
    sourceType: confValue(conf, 'SourceType') ?? 'Plaintext',
    encoding: confValue(conf, 'Encoding') ?? 'Latin-1',
    compressType: confValue(conf, 'CompressType') ?? 'ZIP',
  };
}

interface TestamentReader {
  count: number;
  entry(index: number): Uint8Array;
}

function openTestament(spec: SwordModuleSpec, testament: 'ot' | 'nt'): TestamentReader | null {
  const driver = (spec.driver ?? 'zText').toLowerCase();
  const dir = spec.dir;
  if (driver === 'ztext' || driver === 'ztext4') {
    const idxPath = join(dir, `${testament}.bzv`);
    if (!existsSync(idxPath)) return null;
    const compress = (spec.compressType ?? 'ZIP').toUpperCase();
    if (compress !== 'ZIP') throw new Error(`CompressType ${compress} is not supported (only ZIP)`);
    const bzv = readFileSync(idxPath);
    const bzs = readFileSync(join(dir, `${testament}.bzs`));
    const bzz = readFileSync(join(dir, `${testament}.bzz`));
    const rec = driver === 'ztext4' ? 12 : 10;
    const blocks = new Map<number, Buffer>();
    const block = (b: number): Buffer => {
      let data = blocks.get(b);
      if (!data) {
        if ((b + 1) * 12 > bzs.length) throw new Error(`${testament}.bzv points at block ${b}, but ${testament}.bzs has ${bzs.length / 12}`);
        const offset = bzs.readUInt32LE(b * 12);
        const size = bzs.readUInt32LE(b * 12 + 4);
        data = inflateSync(bzz.subarray(offset, offset + size));
        blocks.set(b, data);
      }
      return data;
    };
    return {
      count: Math.floor(bzv.length / rec),
      entry(i) {
        const o = i * rec;
        const size = rec === 12 ? bzv.readUInt32LE(o + 8) : bzv.readUInt16LE(o + 8);
        if (size === 0) return new Uint8Array(0);
        const start = bzv.readUInt32LE(o + 4);
        return block(bzv.readUInt32LE(o)).subarray(start, start + size);
      },
    };
  }
  if (driver === 'rawtext' || driver === 'rawtext4') {
    const idxPath = join(dir, `${testament}.vss`);
    if (!existsSync(idxPath)) return null;
    const vss = readFileSync(idxPath);
    const text = readFileSync(join(dir, testament));
    const rec = driver === 'rawtext4' ? 8 : 6;
    return {
      count: Math.floor(vss.length / rec),
      entry(i) {
        const o = i * rec;
        const start = vss.readUInt32LE(o);
        const size = rec === 8 ? vss.readUInt32LE(o + 4) : vss.readUInt16LE(o + 4);
        return text.subarray(start, start + size);
      },
    };
  }
  throw new Error(`SWORD driver ${spec.driver} is not supported (zText, zText4, RawText, RawText4 are)`);
}

function markupOf(sourceType: string | undefined): SwordMarkup {
  const t = (sourceType ?? 'Plaintext').toLowerCase();
  if (t === 'osis') return 'OSIS';
  if (t === 'thml') return 'ThML';
  if (t === 'gbf') return 'GBF';
  if (t === 'tei') return 'TEI';
  return 'Plaintext';
}

/**
 * Verses of a module, in canonical order: `module` is an installed module's name (looked up under `options.root`),
 * a parsed conf, or a spec naming the folder directly.
 */
export function readSwordVerses(module: string | SwordConf | SwordModuleSpec, options: ReadSwordOptions = {}): SwordVerse[] {
  checkOptions('readSwordVerses', options, READ_SWORD_OPTIONS);
  if (typeof module === 'object' && module !== null && 'dir' in module) checkOptions('readSwordVerses (module spec)', module, MODULE_SPEC);
  else if (typeof module !== 'string' && !(typeof module === 'object' && module !== null && 'values' in module)) {
    throw new TypeError(`readSwordVerses: module must be an installed module's name, a parsed .conf { name, values } or a spec { dir, driver, sourceType, encoding, compressType }, got ${describeValue(module)}`);
  }
  const root = options.root ?? DEFAULT_SWORD_ROOT;
  const spec: SwordModuleSpec =
    typeof module === 'string' ? moduleSpec(findSwordModule(module, root), root) : 'dir' in module ? module : moduleSpec(module, root);
  const versification = options.versification ?? KJV_VERSIFICATION;
  const latin1 = /^(latin-?1|iso-?8859-?1)$/i.test(spec.encoding ?? 'Latin-1');
  const decoder = new TextDecoder('utf-8');
  const markup = markupOf(spec.sourceType);
  const markupOptions: MarkupOptions = { keepCanonicalTitles: options.keepCanonicalTitles, keepPilcrow: options.keepPilcrow, keepUsfmMarkers: options.keepUsfmMarkers };
  const out: SwordVerse[] = [];
  for (const testament of ['ot', 'nt'] as const) {
    const reader = openTestament(spec, testament);
    if (!reader) continue;
    const books = versification[testament];
    const needed = 2 + books.reduce((n, b) => n + 1 + b.chapters.length + b.chapters.reduce((x, y) => x + y, 0), 0);
    if (reader.count < needed) {
      throw new Error(`${testament} index has ${reader.count} entries but the versification needs ${needed}: wrong versification or a damaged module`);
    }
    let index = 1; // 0: module heading, 1: testament heading
    for (const book of books) {
      index++; // book heading
      book.chapters.forEach((nVerses, c) => {
        index++; // chapter heading
        for (let v = 1; v <= nVerses; v++) {
          index++;
          const bytes = reader.entry(index);
          const rawText = latin1 ? Buffer.from(bytes).toString('latin1') : decoder.decode(bytes);
          const text = options.raw ? rawText : markupToText(rawText, markup, markupOptions);
          if (!text.trim() && !options.keepEmpty) continue;
          out.push({ ref: `${book.osis}.${c + 1}.${v}`, book: book.osis, chapter: c + 1, verse: v, text });
        }
      });
    }
  }
  return out;
}

/**
 * Verse-aligned pairs of two modules sharing a versification: one pair per reference where both have a non-empty
 * verse; `id` is the OSIS reference.
 */
export function readSwordPairs(
  source: string | SwordConf | SwordModuleSpec,
  target: string | SwordConf | SwordModuleSpec,
  options: ReadSwordOptions = {},
): TextPair[] {
  checkOptions('readSwordPairs', options, READ_SWORD_OPTIONS);
  const targetByRef = new Map(readSwordVerses(target, { ...options, keepEmpty: false }).map((v) => [v.ref, v.text]));
  const pairs: TextPair[] = [];
  for (const v of readSwordVerses(source, { ...options, keepEmpty: false })) {
    const t = targetByRef.get(v.ref);
    if (t !== undefined) pairs.push({ source: v.text, target: t, id: v.ref });
  }
  return pairs;
}
