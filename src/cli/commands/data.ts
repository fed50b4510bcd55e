/**
 * `nabla data sword` and `nabla data mo`: turn parallel text installed on the machine into a
 * `source<TAB>target` file for `nabla train translate`.
 *
 * - sword: two SWORD Bible modules (Debian's sword-text-* packages), paired verse by verse.
 * - mo: the gettext catalogs of one language (`<dir>/<lang>/LC_MESSAGES/*.mo`): English msgid →
 *   translated msgstr, the user-interface strings of the installed programs.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  confValue, DEFAULT_SWORD_ROOT, listSwordModules, parseSwordConf, readMoPairs, readSwordPairs, writePairsTsv,
  type SwordConf, type TextPair,
} from '../../text/node.js';
import { UsageError, type FlagSpecs } from '../args.js';
import { defineCommand, type Command } from '../command.js';
import { resolveOutput } from '../outputs.js';

// ---------------------------------------------------------------------------------------------------------------
// SWORD

/** Short names people use (and Debian's package suffixes) for modules whose ids differ. */
const SWORD_ALIASES: Record<string, string[]> = {
  kjv: ['engKJV2006eb', 'KJV', 'engKJV'],
  sparv: ['spaRV1909eb', 'SpaRV', 'spaRV'],
};

/** The Debian package that installs a module, by its short name (sword-text-kjv, sword-text-sparv, ...). */
export function swordPackage(name: string): string {
  return `sword-text-${name.toLowerCase().replace(/[^a-z0-9+.-]/g, '')}`;
}

/** The conf that Debian's package sword-text-<name> installed, if dpkg knows it. */
function confFromDpkg(name: string, root: string): SwordConf | null {
  const list = `/var/lib/dpkg/info/${swordPackage(name)}.list`;
  if (!existsSync(list)) return null;
  for (const line of readFileSync(list, 'utf8').split('\n')) {
    if (line.startsWith(join(root, 'mods.d') + '/') && line.endsWith('.conf') && existsSync(line)) return parseSwordConf(readFileSync(line, 'utf8'));
  }
  return null;
}

/**
 * An installed module by name, abbreviation, short alias (kjv, sparv), Debian package name or
 * package suffix; a UsageError that says what to install when there is none.
 */
export function resolveSwordModule(query: string, root: string = DEFAULT_SWORD_ROOT): SwordConf {
  const mods = listSwordModules(root);
  const q = query.toLowerCase().replace(/^sword-text-/, '');
  const byName = (n: string) => mods.find((m) => m.name.toLowerCase() === n.toLowerCase()) ?? mods.find((m) => (confValue(m, 'Abbreviation') ?? '').toLowerCase() === n.toLowerCase());
  const hit =
    byName(query) ??
    byName(q) ??
    (SWORD_ALIASES[q] ?? []).map(byName).find((m) => m !== undefined) ??
    (() => {
      const conf = confFromDpkg(q, root);
      return conf ? byName(conf.name) : undefined;
    })() ??
    // engKJV2006eb -> "engkjv": the query may be the part after a 3-letter language code.
    mods.find((m) => {
      const stem = m.name.toLowerCase().replace(/\d.*$/, '');
      return stem === q || (stem.length === q.length + 3 && stem.endsWith(q));
    });
  if (hit) return hit;
  const have = mods.map((m) => `${m.name}${confValue(m, 'Abbreviation') ? ` (${confValue(m, 'Abbreviation')})` : ''}`).join(', ');
  throw new UsageError(
    `SWORD module '${query}' is not installed under ${root} (${have ? `installed: ${have}` : 'no modules there'}).\n` +
    `  On Debian/Ubuntu install it with:  sudo apt-get install ${swordPackage(q)}\n` +
    '  (see the Bibles available with:    apt-cache search sword-text)\n' +
    '  or point --root at a SWORD library (a folder with mods.d/ and modules/) that has it.',
  );
}

const swordFlags = {
  source: { type: 'string', value: 'MODULE', help: 'source-language module: name, abbreviation or Debian short name (kjv, sparv, ...)' },
  target: { type: 'string', value: 'MODULE', help: 'target-language module' },
  root: { type: 'string', value: 'DIR', default: DEFAULT_SWORD_ROOT, help: 'SWORD library holding mods.d/ and modules/' },
  out: { type: 'string', value: 'FILE', help: 'pairs file to write (source<TAB>target per line)' },
  json: { type: 'boolean', help: 'print a JSON summary as the last line of stdout' },
} satisfies FlagSpecs;

const swordUsage = 'nabla data sword --source kjv --target sparv --out pairs.tsv [--root /usr/share/sword] [--json]';
const swordSummary = 'Pair two installed SWORD Bible modules verse by verse into a source<TAB>target file (e.g. English KJV → Spanish Reina-Valera 1909: apt-get install sword-text-kjv sword-text-sparv).';

export const swordCommand = defineCommand({
  name: 'data sword',
  summary: 'verse-aligned pairs of two SWORD Bible modules → pairs TSV',
  description: swordSummary,
  usage: swordUsage,
  flags: swordFlags,
  run(f) {
    if (!f.source || !f.target) throw new UsageError('--source MODULE and --target MODULE are both required (e.g. --source kjv --target sparv)');
    if (!f.out) throw new UsageError('--out FILE is required');
    const out = resolveOutput(f.out, { fileName: 'pairs.tsv' }).path;
    const src = resolveSwordModule(f.source, f.root);
    const tgt = resolveSwordModule(f.target, f.root);
    const started = performance.now();
    const pairs = readSwordPairs(src, tgt, { root: f.root });
    if (pairs.length === 0) throw new Error(`modules ${src.name} and ${tgt.name} share no non-empty verse`);
    writePairsTsv(pairs, out);
    const seconds = (performance.now() - started) / 1000;
    const lang = (c: SwordConf) => confValue(c, 'Lang') ?? '?';
    const line = `wrote ${pairs.length} verse pairs ${src.name} (${lang(src)}) → ${tgt.name} (${lang(tgt)}) to ${out} in ${seconds.toFixed(1)} s`;
    if (f.json) {
      console.error(line);
      console.log(JSON.stringify({ source: src.name, target: tgt.name, sourceLang: lang(src), targetLang: lang(tgt), pairs: pairs.length, out, first: pairs[0], seconds }));
    } else {
      console.log(line);
      console.log(`first pair (${pairs[0]!.id}):\n  ${pairs[0]!.source}\n  ${pairs[0]!.target}`);
    }
    return 0;
  },
});

// ---------------------------------------------------------------------------------------------------------------
// gettext

/** The .mo files of a language under a locale folder: <dir>/<lang>[_XX][@variant]/LC_MESSAGES/*.mo, sorted. */
export function findMoFiles(dir: string, lang: string): string[] {
  if (!existsSync(dir)) return [];
  const locales = readdirSync(dir).filter((d) => d === lang || d.startsWith(`${lang}_`) || d.startsWith(`${lang}@`)).sort();
  const files: string[] = [];
  for (const loc of locales) {
    const messages = join(dir, loc, 'LC_MESSAGES');
    if (!existsSync(messages)) continue;
    for (const f of readdirSync(messages).sort()) if (f.endsWith('.mo')) files.push(join(messages, f));
  }
  return files;
}

export interface MoCollection {
  pairs: TextPair[];
  catalogs: number;
  /** Catalogs that could not be read, with the reason. */
  skipped: { file: string; reason: string }[];
  /** Exact repeats dropped. */
  duplicates: number;
  /** Entries whose translation equals the English text. */
  untranslated: number;
}

/** English msgid → msgstr pairs of every catalog of a language, exact duplicates removed. */
export function collectMoPairs(dir: string, lang: string): MoCollection {
  const files = findMoFiles(dir, lang);
  const seen = new Set<string>();
  const out: MoCollection = { pairs: [], catalogs: 0, skipped: [], duplicates: 0, untranslated: 0 };
  for (const file of files) {
    let pairs: TextPair[];
    try {
      pairs = readMoPairs(file);
    } catch (e) {
      out.skipped.push({ file, reason: (e as Error).message });
      continue;
    }
    out.catalogs++;
    for (const p of pairs) {
      if (p.source === p.target) {
        out.untranslated++;
        continue;
      }
      const key = `${p.source}\t${p.target}`;
      if (seen.has(key)) {
        out.duplicates++;
        continue;
      }
      seen.add(key);
      out.pairs.push({ source: p.source, target: p.target });
    }
  }
  return out;
}

const moFlags = {
  lang: { type: 'string', value: 'LANG', help: 'language code of the catalogs (ko, es, de, ...)' },
  dir: { type: 'string', value: 'DIR', default: '/usr/share/locale', help: 'locale folder holding <lang>/LC_MESSAGES/*.mo' },
  out: { type: 'string', value: 'FILE', help: 'pairs file to write (English<TAB>translation per line)' },
  json: { type: 'boolean', help: 'print a JSON summary as the last line of stdout' },
} satisfies FlagSpecs;

const moUsage = 'nabla data mo --lang ko --out pairs.tsv [--dir /usr/share/locale] [--json]';
const moSummary = 'Collect English → <lang> user-interface strings from the gettext catalogs (.mo) installed on this machine into a source<TAB>target file.';

export const moCommand = defineCommand({
  name: 'data mo',
  summary: 'English → LANG pairs from installed gettext catalogs → pairs TSV',
  description: moSummary,
  usage: moUsage,
  flags: moFlags,
  run(f) {
    if (!f.lang) throw new UsageError('--lang LANG is required (e.g. --lang ko)');
    if (!/^[A-Za-z]{2,3}([_@][A-Za-z0-9@_]+)?$/.test(f.lang)) throw new UsageError(`--lang: '${f.lang}' does not look like a language code (ko, es, pt_BR, ...)`);
    if (!f.out) throw new UsageError('--out FILE is required');
    const out = resolveOutput(f.out, { fileName: 'pairs.tsv' }).path;
    const files = findMoFiles(f.dir, f.lang);
    if (files.length === 0) {
      throw new UsageError(
        `no gettext catalogs for '${f.lang}' under ${f.dir} (looked for ${join(f.dir, `${f.lang}*`, 'LC_MESSAGES', '*.mo')}).\n` +
        '  Programs install their catalogs with their packages; on Ubuntu the language packs add many more\n' +
        `  (sudo apt-get install language-pack-${f.lang.split(/[_@]/)[0]}, whose files go under /usr/share/locale-langpack: pass --dir /usr/share/locale-langpack).`,
      );
    }
    const c = collectMoPairs(f.dir, f.lang);
    for (const s of c.skipped) console.error(`skipped ${s.file}: ${s.reason}`);
    if (c.pairs.length === 0) throw new Error(`the ${c.catalogs} catalogs for '${f.lang}' under ${f.dir} hold no translated message`);
    writePairsTsv(c.pairs, out);
    const line = `wrote ${c.pairs.length} pairs from ${c.catalogs} catalogs (${c.duplicates} repeats and ${c.untranslated} untranslated entries dropped) to ${out}`;
    if (f.json) {
      console.error(line);
      console.log(JSON.stringify({ lang: f.lang, dir: f.dir, catalogs: c.catalogs, skipped: c.skipped.length, pairs: c.pairs.length, duplicates: c.duplicates, untranslated: c.untranslated, out }));
    } else {
      console.log(line);
    }
    return 0;
  },
});

export const commands: Command[] = [swordCommand, moCommand];
