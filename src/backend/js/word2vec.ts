/**
 * The reference word2vec training loop (Backend.word2vecTrain): negative sampling with per-pair SGD as
 * word2vec.c and gensim run it. The twin of the wasm kernel (backend/wasm/kernels/word2vec.ts): the same
 * xoshiro128** draws in the same order as nabla's Generator, the same float32 operations in the same
 * order (a dot product in four lanes summed (l0 + l1) + (l2 + l3), then the tail), the sigmoid in
 * float64, so both backends give the same vectors.
 */
import type { Backend } from '../backend.js';

const fround = Math.fround;

/** Σ a[ao + i] * b[bo + i] over n floats, in the kernel's order. */
function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, n: number): number {
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

export const word2vecTrain: Backend['word2vecTrain'] = (job) => {
  const { syn0, syn1neg: syn1, dim, ids, starts, keep, table, window: W, negative, cbow, alpha: alpha0, wordsDone, totalWords, state } = job;
  const sentences = starts.length - 1;
  let longest = 0;
  for (let s = 0; s < sentences; s++) longest = Math.max(longest, starts[s + 1]! - starts[s]!);
  const sen = new Int32Array(longest);
  const neu1 = new Float32Array(dim), neu1e = new Float32Array(dim);
  let s0 = state[0]!, s1 = state[1]!, s2 = state[2]!, s3 = state[3]!;
  // tensor/random.ts's Generator.nextUint32, on local state
  const next = (): number => {
    const m = Math.imul(s1, 5);
    const r = (m << 7) | (m >>> 25);
    const result = Math.imul(r, 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    return result;
  };
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
      const f = dot(h, ho, syn1, uo, dim);
      const e = Math.exp(-f);
      const g = fround((label - 1 / (1 + e)) * alpha);
      loss += label > 0 ? Math.log1p(e) : f + Math.log1p(e);
      for (let i = 0; i < dim; i++) neu1e[i] += fround(g * syn1[uo + i]!);
      for (let i = 0; i < dim; i++) syn1[uo + i] += fround(g * h[ho + i]!);
    }
  };
  for (let s = 0; s < sentences; s++) {
    const from = starts[s]!, to = starts[s + 1]!;
    wordsRead += to - from;
    let len = 0;
    for (let i = from; i < to; i++) {
      const w = ids[i]!;
      const k = keep[w]!;
      if (k < 1 && k < (next() & 0xffff) / 65536) continue;
      sen[len++] = w;
    }
    if (len === 0) continue;
    alpha = alpha0 * Math.max(1e-4, 1 - (wordsDone + wordsRead) / (totalWords + 1));
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
  state[0] = s0; state[1] = s1; state[2] = s2; state[3] = s3;
  return { loss, examples, words: wordsRead };
};
