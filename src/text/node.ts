/** nabla's text toolkit with file access (Node-only): everything in `./index.js` plus file and corpus readers. */
export * from './index.js';
export * from './corpora/sword.js';
export * from './corpora/mo.js';
export * from './corpora/tsv.js';

import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/files.js';
import { tokenizerFromJSON } from './index.js';
import type { BpeTokenizer } from './bpe.js';
import type { Tokenizer } from './tokenizer.js';
import { WordPieceTokenizer, type BertTextOptions } from './wordpiece.js';
import type { SpecialTokens } from './vocab.js';

/** Write a tokenizer as Hugging Face `tokenizer.json`. */
export function saveTokenizer(tokenizer: Tokenizer, path: string): void {
  writeFileAtomic(path, new TextEncoder().encode(tokenizer.toJSONString() + '\n'));
}

/** Read a `tokenizer.json` (BPE or WordPiece model); errors name the file. */
export function loadTokenizer(path: string): BpeTokenizer | WordPieceTokenizer {
  try {
    return tokenizerFromJSON(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`loadTokenizer: ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Write a WordPiece tokenizer's vocabulary as BERT's `vocab.txt`. */
export function saveVocabTxt(tokenizer: WordPieceTokenizer, path: string): void {
  writeFileAtomic(path, new TextEncoder().encode(tokenizer.toVocabText()));
}

/** Read BERT's `vocab.txt` into a WordPiece tokenizer with BERT's pipeline. */
export function loadVocabTxt(path: string, options: BertTextOptions & { specials?: SpecialTokens } = {}): WordPieceTokenizer {
  return WordPieceTokenizer.fromVocabText(readFileSync(path, 'utf8'), options);
}
