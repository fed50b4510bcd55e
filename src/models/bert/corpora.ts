/**
 * Pretraining documents from the course's real corpora (Node-only): the State of the Union addresses (one document
 * per speech) and Moby-Dick (one per chapter) from npm, loaded as the word-vector chapters load them, or a text file
 * with documents separated by blank lines.
 */
import { existsSync, readFileSync } from 'node:fs';
import { CORPUS_NAMES, corpusParts, type CorpusName } from '../../embeddings/corpora.js';
import { splitDocuments, splitSentences } from './pretraining-data.js';

/**
 * Documents (lists of sentences) of `sotu`, `moby-dick`, a text file's path, or several of these joined by `+`
 * (`sotu+moby-dick`, both npm corpora, about 2M words), concatenated in that order.
 */
export function pretrainingDocuments(nameOrPath: string): string[][] {
  if (!existsSync(nameOrPath) && nameOrPath.includes('+')) {
    return nameOrPath.split('+').flatMap((part) => pretrainingDocuments(part));
  }
  if ((CORPUS_NAMES as readonly string[]).includes(nameOrPath)) {
    return corpusParts(nameOrPath as CorpusName)
      .map(splitSentences)
      .filter((d) => d.length > 0);
  }
  let text: string;
  try {
    text = readFileSync(nameOrPath, 'utf8');
  } catch (e) {
    throw new Error(`pretrainingDocuments: cannot read ${JSON.stringify(nameOrPath)}: ${(e as Error).message} (give a text file, or one of ${CORPUS_NAMES.join(', ')})`);
  }
  const documents = splitDocuments(text);
  if (documents.length === 0) throw new Error(`pretrainingDocuments: ${JSON.stringify(nameOrPath)} holds no sentences`);
  return documents;
}
