/**
 * The reference word2vec training loop (Backend.word2vecTrain): negative sampling with per-pair SGD as
 * word2vec.c and gensim run it. The twin of the wasm kernel (backend/wasm/kernels/word2vec.ts): the same
 * xoshiro128** draws in the same order as nabla's Generator, the same float32 operations in the same
 * order (a dot product in four lanes summed (l0 + l1) + (l2 + l3), then the tail), the sigmoid in
 * float64, so both backends give the same vectors. The Hogwild runs of several workers are trained here
 * one after another, which is what the kernel does on one thread.
 */
import type { Backend, Word2VecJob } from '../backend.js';
import { xoshiroNext } from '../../tensor/random.js';

const fround = Math.fround;

/** Σ a[ao + i] * b[bo + i] over n floats, in the kernels' order (wasm/kernels/vec.ts). */
export function dotF32(a: Float32Array, ao: number, b: Float32Array, bo: number, n: number): number {
  let l0 = 0, l1 = 0, l2 = 0, l3 = 0;
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    l0 = fround(l0 + fround(a[ao + i]! * b[bo + i]!));
    l1 = fround(l1 + fround(a[ao + i + 1]! * b[bo + i + 1]!));
    l2 = fround(l2 + fround(a[ao + i + 2]! * b[bo + i + 2]!));
    l3 = fround(l3 + fround(a[ao + i + 3]! * b[bo + i + 3]!));
  }
  let s = fround(fround(l0 + l1) + fround(l2 + l3));
  for (; i < n; i++) s = fround(s + fround(a[ao + i]! * b[bo + i]!));
  return s;
}

/** MurmurHash3's finaliser: spreads each bit of a draw over the word, so a seeded stream shares no structure with the main one. */
function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The runs' xoshiro128** states, four words each: with one run the job's own state; with more, runs
 * 1.. are seeded from the job stream's next 4 draws each (mixed), then run 0 goes on with it.
 */
export function word2vecRunStates(state: Uint32Array, runs: number): Uint32Array {
  const states = new Uint32Array(4 * runs);
  states.set(state.subarray(0, 4));
  for (let w = 4; w < states.length; w++) states[w] = mix32(xoshiroNext(states, 0));
  return states;
}

/**
 * Runs per Hogwild worker: the threads claim runs as they come free (gensim's job queue), so a thread
 * the system holds back costs only a run, not half the call.
 */
const RUNS_PER_WORKER = 4;

/** The runs a job is cut into: 1 for one worker (the reproducible case), else RUNS_PER_WORKER per worker. */
export function hogwildRuns(op: string, workers: number | undefined = 1): number {
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`${op}: workers must be a positive integer, got ${workers}`);
  return workers === 1 ? 1 : RUNS_PER_WORKER * workers;
}

/** Cuts sentences 0 .. starts.length - 2 into `runs` runs of about equal words: run q is sentences [parts[q], parts[q + 1]). */
export function word2vecParts(starts: Int32Array, runs: number): Int32Array {
  const sentences = starts.length - 1;
  const parts = new Int32Array(runs + 1);
  const first = starts[0]!, words = starts[sentences]! - first;
  let s = 0;
  for (let q = 1; q < runs; q++) {
    while (s < sentences && starts[s]! - first < (q * words) / runs) s++;
    parts[q] = s;
  }
  parts[runs] = sentences;
  return parts;
}

/** Scratch and counts shared by the runs of one job. */
interface Shared {
  job: Word2VecJob;
  parts: Int32Array;
  states: Uint32Array;
  /** Words each worker has read so far (before subsampling): the decay of alpha counts everyone's. */
  read: Int32Array;
  sen: Int32Array;
  neu1: Float32Array;
  neu1e: Float32Array;
}

function trainWorker(sh: Shared, q: number): { loss: number; examples: number; words: number } {
  const { job, read, sen, neu1, neu1e } = sh;
  const { syn0, syn1neg: syn1, dim, ids, starts, keep, table, window: W, negative, cbow, alpha: alpha0, wordsDone, totalWords } = job;
  const computeLoss = job.computeLoss ?? true;
  const o = 4 * q;
  const states = sh.states;
  const next = (): number => xoshiroNext(states, o);
  const tableSize = table.length;
  let loss = 0, examples = 0, wordsRead = 0;
  let alpha = 0;
  const negativeSampling = (h: Float32Array, ho: number, centre: number): void => {
    for (let d = 0; d <= negative; d++) {
      let target = centre, label = 1;
      if (d > 0) {
        target = table[(next() >>> 0) % tableSize]!;
        if (target === centre) continue;
        label = 0;
      }
      const uo = target * dim;
      const f = dotF32(h, ho, syn1, uo, dim);
      const e = Math.exp(-f);
      const g = fround((label - 1 / (1 + e)) * alpha);
      // -log σ(f) for the positive, -log σ(-f) for a negative
      loss += computeLoss ? (label > 0 ? Math.log1p(e) : f + Math.log1p(e)) : f - f;
      for (let i = 0; i < dim; i++) neu1e[i] += fround(g * syn1[uo + i]!);
      for (let i = 0; i < dim; i++) syn1[uo + i] += fround(g * h[ho + i]!);
    }
  };
  for (let s = sh.parts[q]!; s < sh.parts[q + 1]!; s++) {
    const from = starts[s]!, to = starts[s + 1]!;
    wordsRead += to - from;
    read[q] = wordsRead;
    let len = 0;
    for (let i = from; i < to; i++) {
      const w = ids[i]!;
      const k = keep[w]!;
      if (k < 1 && k < (next() & 0xffff) / 65536) continue;
      sen[len++] = w;
    }
    if (len === 0) continue;
    let allRead = 0;
    for (const r of read) allRead += r;
    alpha = alpha0 * Math.max(1e-4, 1 - (wordsDone + allRead) / (totalWords + 1));
    for (let pos = 0; pos < len; pos++) {
      const centre = sen[pos]!;
      const b = next() % W;
      const end = 2 * W + 1 - b;
      if (!cbow) {
        for (let a = b; a < end; a++) {
          const c = pos - W + a;
          if (a === W || c < 0 || c >= len) continue;
          const ho = sen[c]! * dim;
          neu1e.fill(0);
          negativeSampling(syn0, ho, centre);
          for (let i = 0; i < dim; i++) syn0[ho + i] += neu1e[i]!;
          examples++;
        }
        continue;
      }
      neu1.fill(0);
      let cw = 0;
      for (let a = b; a < end; a++) {
        const c = pos - W + a;
        if (a === W || c < 0 || c >= len) continue;
        const ho = sen[c]! * dim;
        for (let i = 0; i < dim; i++) neu1[i] += syn0[ho + i]!;
        cw++;
      }
      if (cw === 0) continue;
      const inv = fround(1 / cw);
      for (let i = 0; i < dim; i++) neu1[i] *= inv;
      neu1e.fill(0);
      negativeSampling(neu1, 0, centre);
      // each context word receives the full error, as in word2vec.c
      for (let a = b; a < end; a++) {
        const c = pos - W + a;
        if (a === W || c < 0 || c >= len) continue;
        const ho = sen[c]! * dim;
        for (let i = 0; i < dim; i++) syn0[ho + i] += neu1e[i]!;
      }
      examples++;
    }
  }
  return { loss, examples, words: wordsRead };
}

export const word2vecTrain: Backend['word2vecTrain'] = (job) => {
  const runs = word2vecRuns(job);
  const { starts, dim } = job;
  const sentences = starts.length - 1;
  let longest = 0;
  for (let s = 0; s < sentences; s++) longest = Math.max(longest, starts[s + 1]! - starts[s]!);
  const sh: Shared = {
    job, parts: word2vecParts(starts, runs), states: word2vecRunStates(job.state, runs), read: new Int32Array(runs),
    sen: new Int32Array(longest), neu1: new Float32Array(dim), neu1e: new Float32Array(dim),
  };
  const total = { loss: 0, examples: 0, words: 0 };
  for (let q = 0; q < runs; q++) {
    const r = trainWorker(sh, q);
    total.loss += r.loss; total.examples += r.examples; total.words += r.words;
  }
  job.state.set(sh.states.subarray(0, 4));
  return total;
};

/** The runs a job's sentences are cut into (see hogwildRuns). */
export function word2vecRuns(job: Word2VecJob): number {
  return hogwildRuns('word2vecTrain', job.workers);
}
