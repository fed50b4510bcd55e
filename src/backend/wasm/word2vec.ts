/**
 * word2vec training on the wasm kernel (kernels/word2vec.ts): the tables, the sentences, the keep
 * probabilities and the unigram table are copied into wasm memory, the kernel trains on them, and the
 * tables and the generator state come back. The same draws and float32 operations as the reference
 * (backend/js/word2vec.ts), so both give the same vectors on one thread. The Hogwild runs go to
 * the thread pool (parallelRange over the runs), each with its own scratch, stream and counts.
 */
import type { Backend, Word2VecJob, Word2VecJobResult } from '../backend.js';
import { word2vecParts, word2vecRuns, word2vecRunStates } from '../js/word2vec.js';
import { WasmMemoryFull, wasmScratch } from './scratch.js';
import { parallelRange } from './threads.js';

/** The kernel's export (kernels/word2vec.ts): pointers are byte offsets into wasm memory; trains runs [start, end). */
export interface Word2VecExports {
  word2vecTrainRange(start: number, end: number,
    syn0: number, syn1: number, dim: number, ids: number, starts: number, keep: number,
    firstSlot: number, guide: number, guideSize: number, tableSize: number,
    window: number, negative: number, cbow: number, loss: number, alpha0: number, wordsDone: number, totalWords: number,
    parts: number, runs: number, states: number, stats: number, read: number, scratch: number, scratchStride: number): void;
}

/**
 * The unigram table as the kernel reads it (kernels/word2vec.ts, tableAt): the first slot of each word
 * (the table is non-decreasing), tableSize at the end, and a guide of about 4 entries per word.
 */
function tableIndex(table: Int32Array, words: number): { firstSlot: Int32Array; guide: Int32Array } {
  const T = table.length;
  const firstSlot = new Int32Array(words + 1);
  for (let w = 0; w <= words; w++) {
    let lo = w === 0 ? 0 : firstSlot[w - 1]!, hi = T;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (table[mid]! < w) lo = mid + 1;
      else hi = mid;
    }
    firstSlot[w] = lo;
  }
  firstSlot[words] = T;
  const guideSize = Math.min(T, 2 ** Math.ceil(Math.log2(4 * words)));
  const guide = new Int32Array(guideSize);
  for (let k = 0; k < guideSize; k++) guide[k] = table[Math.floor((k * T) / guideSize)]!;
  return { firstSlot, guide };
}

/** Bytes rounded up to whole 64-byte lines, so that no two runs write to the same cache line of scratch. */
const lines = (bytes: number) => Math.ceil(bytes / 64) * 64;

/** Runs the job on the kernel, or on `reference` when its operands do not fit in wasm memory. */
export function word2vecTrain(job: Word2VecJob, reference: Backend['word2vecTrain']): Word2VecJobResult {
  const { syn0, syn1neg, dim, ids, starts, keep, table } = job;
  const runs = word2vecRuns(job);
  const { firstSlot, guide } = tableIndex(table, keep.length);
  const sentences = starts.length - 1;
  const first = sentences > 0 ? starts[0]! : 0;
  const words = sentences > 0 ? starts[sentences]! - first : 0;
  let longest = 0;
  for (let s = 0; s < sentences; s++) longest = Math.max(longest, starts[s + 1]! - starts[s]!);
  const vecBytes = Math.ceil(dim / 4) * 16;
  const stride = lines(longest * 4) + lines(2 * vecBytes);
  let m;
  try {
    // keep (float64) and stats (3 float64 per run) take two 4-byte elements each
    m = wasmScratch('word2vecTrain', [syn0.length, syn1neg.length, words, sentences + 1, 2 * keep.length, firstSlot.length, guide.length,
      runs + 1, 4 * runs, 6 * runs, runs, (runs * stride) / 4]);
  } catch (e) {
    if (e instanceof WasmMemoryFull) return reference(job);
    throw e;
  }
  const [p0, p1, pIds, pStarts, pKeep, pFirst, pGuide, pParts, pStates, pStats, pRead, pScratch] = m.ptrs as [number, number, number, number, number, number, number, number, number, number, number, number];
  const { f32, i32 } = m;
  const buffer = f32.buffer;
  m.put(p0, syn0, syn0.length);
  m.put(p1, syn1neg, syn1neg.length);
  i32.set(ids.subarray(first, first + words), pIds >> 2);
  for (let s = 0; s <= sentences; s++) i32[(pStarts >> 2) + s] = starts[s]! - first;
  new Float64Array(buffer, pKeep, keep.length).set(keep);
  i32.set(firstSlot, pFirst >> 2);
  i32.set(guide, pGuide >> 2);
  i32.set(word2vecParts(starts, runs), pParts >> 2);
  const states = new Uint32Array(buffer, pStates, 4 * runs);
  states.set(word2vecRunStates(job.state, runs));
  i32.fill(0, pRead >> 2, (pRead >> 2) + runs);
  parallelRange(m.exports, 'word2vecTrainRange', runs, 1, words * dim, [
    p0, p1, dim, pIds, pStarts, pKeep, pFirst, pGuide, guide.length, table.length, job.window, job.negative, job.cbow ? 1 : 0,
    job.computeLoss === false ? 0 : 1, { f64: job.alpha }, { f64: job.wordsDone }, { f64: job.totalWords },
    pParts, runs, pStates, pStats, pRead, pScratch, stride,
  ]);
  m.take(p0, syn0, syn0.length);
  m.take(p1, syn1neg, syn1neg.length);
  job.state.set(states.subarray(0, 4));
  const stats = new Float64Array(buffer, pStats, 3 * runs);
  const total = { loss: 0, examples: 0, words: 0 };
  for (let q = 0; q < runs; q++) {
    total.loss += stats[3 * q]!; total.examples += stats[3 * q + 1]!; total.words += stats[3 * q + 2]!;
  }
  return total;
}
