/**
 * nabla's text toolkit, browser-safe part: normalization, pre-tokenization, vocabularies, BPE and WordPiece
 * tokenizers (Hugging Face tokenizer.json compatible), BERT inputs, BLEU, and parallel-text helpers.
 * File and corpus readers are in `./node.js`.
 */
export * from './normalize.js';
export * from './pretokenize.js';
export * from './vocab.js';
export * from './tokenizer.js';
export * from './bpe.js';
export * from './wordpiece.js';
export * from './bleu.js';
export * from './pairs.js';

import { BpeTokenizer } from './bpe.js';
import { parseTokenizerJSON } from './tokenizer.js';
import { WordPieceTokenizer } from './wordpiece.js';

/** Load a tokenizer.json (text or object) of either model type. */
export function tokenizerFromJSON(json: string | Record<string, unknown>): BpeTokenizer | WordPieceTokenizer {
  const obj = parseTokenizerJSON(json);
  const type = (obj.model as { type?: unknown }).type;
  if (type === 'WordPiece') return WordPieceTokenizer.fromJSON(obj);
  if (type === 'BPE' || (type === undefined && 'merges' in (obj.model as object))) return BpeTokenizer.fromJSON(obj);
  throw new Error(`unsupported tokenizer model type ${JSON.stringify(type)} (BPE and WordPiece are supported)`);
}
