/** Parallel text as TSV files (Node-only): `source<TAB>target` per line, UTF-8. */

import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../util/files.js';
import { formatPairsTsv, parsePairsTsv, type TextPair } from '../pairs.js';

/**
 * Write pairs as `source<TAB>target` lines (UTF-8, written atomically). Tabs and line breaks inside a field become
 * spaces, so every pair is exactly one line.
 */
export function writePairsTsv(pairs: Iterable<TextPair>, path: string): void {
  writeFileAtomic(path, new TextEncoder().encode(formatPairsTsv(pairs)));
}

/** Read a pairs TSV file; a malformed line is an error naming the file and its line number. */
export function readPairsTsv(path: string): TextPair[] {
  return parsePairsTsv(readFileSync(path, 'utf8'), path);
}
