/**
 * GNU gettext `.mo` catalogs (Node-only module; `parseMo`/`writeMo`/`moToPairs` work on bytes): read messages as
 * source→target pairs, and write small catalogs (for tests and tools).
 *
 * Layout (all u32, in the file's byte order, which the magic 0x950412de tells): magic, revision (major 0 or 1),
 * N strings, offset of the original-strings table, offset of the translations table, hash table size and offset.
 * Each table holds N (length, offset) pairs; strings are NUL-terminated. A msgid with a plural is
 * `singular\0plural`, its msgstr `form0\0form1…`; a context is `context\x04msgid`. The entry with the empty msgid
 * is the header (`Content-Type: text/plain; charset=…` gives the encoding of every string).
 *
 * `moToPairs` keeps msgid → msgstr[0] (the singular / first plural form), skipping the header, untranslated
 * entries, and (by default) messages made of format directives only (e.g. "%s", "%d: %s"); both sides are trimmed.
 * It strips keyboard accelerators by default (`stripAcceleratorPair`): "Be_fore:" / "앞에(_F):" → "Before:" / "앞에:";
 * a mid-word marker is only taken for an accelerator when the translation has one too.
 */

import { readFileSync } from 'node:fs';
import type { TextPair } from '../pairs.js';
import { checkOptions, type OptionSpec } from '../../util/options.js';

/** A message of a gettext catalog: the msgid (and plural), the translations, the context. */
export interface MoEntry {
  msgid: string;
  msgidPlural?: string;
  context?: string;
  /** Translations: one, or one per plural form. */
  msgstr: string[];
}

/** The messages of a `.mo` file and its header. */
export interface MoCatalog {
  littleEndian: boolean;
  revision: number;
  /** Charset from the header (default 'UTF-8'). */
  charset: string;
  /** Header fields ("Content-Type", "Plural-Forms", …). */
  headers: Record<string, string>;
  /** All entries but the header, in file order (sorted by msgid, as gettext writes them). */
  entries: MoEntry[];
}

const MAGIC = 0x950412de;

/** Parse a .mo file's bytes. */
export function parseMo(bytes: Uint8Array): MoCatalog {
  if (bytes.length < 28) throw new Error('not a .mo file: shorter than its 28-byte header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let littleEndian: boolean;
  if (view.getUint32(0, true) === MAGIC) littleEndian = true;
  else if (view.getUint32(0, false) === MAGIC) littleEndian = false;
  else throw new Error(`not a .mo file: bad magic 0x${view.getUint32(0, true).toString(16)}`);
  const u32 = (o: number) => {
    if (o + 4 > bytes.length) throw new Error(`.mo file truncated: offset ${o} is past its end`);
    return view.getUint32(o, littleEndian);
  };
  const revision = u32(4);
  if (revision >> 16 > 1) throw new Error(`unsupported .mo major revision ${revision >> 16}`);
  const n = u32(8);
  const origTable = u32(12);
  const transTable = u32(16);
  const raw = (table: number, i: number): Uint8Array => {
    const len = u32(table + 8 * i);
    const off = u32(table + 8 * i + 4);
    if (off + len > bytes.length) throw new Error(`.mo string ${i} (offset ${off}, length ${len}) runs past the end of the file`);
    return bytes.subarray(off, off + len);
  };
  // Find the header first for the charset.
  let charset = 'UTF-8';
  const headers: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    if (raw(origTable, i).length !== 0) continue;
    const text = new TextDecoder('latin1').decode(raw(transTable, i));
    for (const line of text.split('\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
    }
    const m = /charset=([^\s;]+)/i.exec(headers['Content-Type'] ?? '');
    if (m && m[1]!.toUpperCase() !== 'CHARSET') charset = m[1]!;
    break;
  }
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset);
  } catch {
    throw new Error(`.mo charset ${charset} is not supported by this runtime's TextDecoder`);
  }
  const decode = (b: Uint8Array) => decoder.decode(b);
  if (Object.keys(headers).length > 0) {
    // Re-read header values in the real charset (translator names etc.).
    for (let i = 0; i < n; i++) {
      if (raw(origTable, i).length !== 0) continue;
      for (const line of decode(raw(transTable, i)).split('\n')) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
      }
      break;
    }
  }
  const entries: MoEntry[] = [];
  for (let i = 0; i < n; i++) {
    const orig = raw(origTable, i);
    if (orig.length === 0) continue;
    let id = decode(orig);
    let context: string | undefined;
    const eot = id.indexOf('\u0004');
    if (eot >= 0) {
      context = id.slice(0, eot);
      id = id.slice(eot + 1);
    }
    const [msgid, msgidPlural] = id.split('\u0000');
    const entry: MoEntry = { msgid: msgid!, msgstr: decode(raw(transTable, i)).split('\u0000') };
    if (msgidPlural !== undefined) entry.msgidPlural = msgidPlural;
    if (context !== undefined) entry.context = context;
    entries.push(entry);
  }
  return { littleEndian, revision, charset, headers, entries };
}

/** Read and parse a .mo file (Node-only). */
export function readMo(path: string): MoCatalog {
  return parseMo(readFileSync(path));
}

/** Options of `writeMo`: byte order and revision. */
export interface WriteMoOptions {
  /** Byte order (default little-endian). */
  littleEndian?: boolean;
  /** Header fields; 'Content-Type' defaults to UTF-8 text. Strings are always written as UTF-8. */
  headers?: Record<string, string>;
}

const HEADERS = {
  test: (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string'),
  expected: 'an object of strings (header field: value)',
};

/** Build a .mo file (revision 0, no hash table), entries sorted by their full msgid as gettext requires. */
export function writeMo(entries: readonly MoEntry[], options: WriteMoOptions = {}): Uint8Array {
  checkOptions('writeMo', options, { littleEndian: 'boolean', headers: HEADERS });
  const le = options.littleEndian ?? true;
  const headers = { 'Content-Type': 'text/plain; charset=UTF-8', ...(options.headers ?? {}) };
  const enc = new TextEncoder();
  const items: [Uint8Array, Uint8Array][] = [
    [new Uint8Array(0), enc.encode(Object.entries(headers).map(([k, v]) => `${k}: ${v}\n`).join(''))],
  ];
  for (const e of entries) {
    const id = (e.context !== undefined ? e.context + '\u0004' : '') + e.msgid + (e.msgidPlural !== undefined ? '\u0000' + e.msgidPlural : '');
    items.push([enc.encode(id), enc.encode(e.msgstr.join('\u0000'))]);
  }
  const cmp = (a: Uint8Array, b: Uint8Array) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
    return a.length - b.length;
  };
  items.sort((x, y) => cmp(x[0], y[0]));
  const n = items.length;
  const origTable = 28;
  const transTable = origTable + 8 * n;
  let offset = transTable + 8 * n;
  let size = offset;
  for (const [a, b] of items) size += a.length + 1 + b.length + 1;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, le);
  view.setUint32(4, 0, le);
  view.setUint32(8, n, le);
  view.setUint32(12, origTable, le);
  view.setUint32(16, transTable, le);
  view.setUint32(20, 0, le);
  view.setUint32(24, offset, le);
  for (const col of [0, 1] as const) {
    items.forEach((item, i) => {
      const s = item[col];
      const table = col === 0 ? origTable : transTable;
      view.setUint32(table + 8 * i, s.length, le);
      view.setUint32(table + 8 * i + 4, offset, le);
      out.set(s, offset);
      offset += s.length + 1; // NUL terminator (already zero)
    });
  }
  return out;
}

/** Options of `moToPairs`: what to skip and whether to strip accelerators. */
export interface MoPairsOptions {
  /** Strip keyboard accelerators (see the module comment; default true). */
  stripAccelerators?: boolean;
  /** Skip messages that hold no letters once format directives are removed, e.g. "%s" or "%d: %s" (default true). */
  skipFormatOnly?: boolean;
}

const MO_PAIRS_OPTIONS: OptionSpec<MoPairsOptions> = { stripAccelerators: 'boolean', skipFormatOnly: 'boolean' };

/**
 * Remove keyboard accelerators from a message and its translation. A marker (`_` or `&`) before a letter or digit is
 * an accelerator when the message has exactly one and the translation has one too (before a letter, or in the
 * parenthesized form translators append: "파일(_F)"); it is then removed from both, as are parenthesized forms.
 * Without that evidence only word-initial markers ("_File", "&Open") are removed. `&&` (an escaped `&`) is kept.
 */
export function stripAcceleratorPair(source: string, target: string): [string, string] {
  for (const m of ['_', '&']) {
    const single = new RegExp(`(?<!${m})${m}(?=[\\p{L}\\p{N}])`, 'gu');
    const paren = new RegExp(`\\s*\\(${m}[\\p{L}\\p{N}]\\)`, 'gu');
    const inSource = source.match(single)?.length ?? 0;
    const targetHas = paren.test(target) || (target.match(single)?.length ?? 0) > 0;
    paren.lastIndex = 0;
    if (inSource === 1 && targetHas) {
      source = source.replace(single, '');
      target = target.replace(paren, '').replace(single, '');
    } else {
      source = stripAccelerators(source, m);
      target = stripAccelerators(target, m);
    }
  }
  return [source, target];
}

/** Remove word-initial accelerators (`_`/`&` before a letter at a word start) and parenthesized ones ("(_F)"). */
export function stripAccelerators(s: string, markers = '_&'): string {
  for (const m of markers) {
    s = s
      .replace(new RegExp(`\\s*\\(${m}[\\p{L}\\p{N}]\\)`, 'gu'), '')
      .replace(new RegExp(`(^|[^\\p{L}\\p{N}_&])${m}(?=[\\p{L}\\p{N}])`, 'gu'), '$1');
  }
  return s;
}

const FORMAT_DIRECTIVE = /%([0-9]+\$)?(\([^)]*\))?[-+ #0']*(\d+|\*)?(\.(\d+|\*))?(hh|h|ll|l|L|q|j|z|t|I64|I32)?[diouxXeEfFgGaAcsSpnr%]|\{[^{}]*\}|\$\{[^{}]*\}/g;

/** True when a message has letters left after removing printf/Python/brace format directives. */
export function hasText(s: string): boolean {
  return /\p{L}/u.test(s.replace(FORMAT_DIRECTIVE, ''));
}

/** msgid → msgstr[0] pairs of a catalog (see the module comment); `id` is the context, when there is one. */
export function moToPairs(catalog: MoCatalog, options: MoPairsOptions = {}): TextPair[] {
  checkOptions('moToPairs', options, MO_PAIRS_OPTIONS);
  const strip = options.stripAccelerators ?? true;
  const skipFormat = options.skipFormatOnly ?? true;
  const pairs: TextPair[] = [];
  for (const e of catalog.entries) {
    let source = e.msgid;
    let target = e.msgstr[0] ?? '';
    if (!source || !target) continue;
    if (strip) [source, target] = stripAcceleratorPair(source, target);
    source = source.trim();
    target = target.trim();
    if (skipFormat && !hasText(source)) continue;
    if (!source || !target) continue;
    const pair: TextPair = { source, target };
    if (e.context !== undefined) pair.id = e.context;
    pairs.push(pair);
  }
  return pairs;
}

/** `moToPairs(readMo(path))` (Node-only). */
export function readMoPairs(path: string, options: MoPairsOptions = {}): TextPair[] {
  checkOptions('readMoPairs', options, MO_PAIRS_OPTIONS);
  return moToPairs(readMo(path), options);
}
