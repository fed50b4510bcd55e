// word2vec's training loop with negative sampling, as word2vec.c's TrainModelThread and gensim's
// fast_sentence_{sg,cbow}_neg run it: per centre word one SGD update per (context, centre) pair
// (skip-gram) or per window (CBOW), K+1 dot products against the output rows, the error gathered in
// neu1e, output rows updated in place, then the input row(s). SIMD over the vector dimension.
//
// The reference twin is backend/js/word2vec.ts: the same draws in the same order from the same
// xoshiro128** stream as nabla's Generator (so one run repeats exactly, and the Module path's
// batcher draws the same samples), the same float32 operations in the same order (dot products in
// four lanes summed (l0 + l1) + (l2 + l3), then the tail), the sigmoid in float64.
//
// Threads train Hogwild, as word2vec.c's threads and gensim's workers do: each run of the sentences
// has its own random stream, and all update the shared tables without locks. The globals below are
// per instance, i.e. per thread.

import { dot } from './vec';

// xoshiro128** state (tensor/random.ts's Generator), loaded from and stored back to the caller's buffer.
let s0: u32 = 0;
let s1: u32 = 0;
let s2: u32 = 0;
let s3: u32 = 0;

@inline
function nextUint32(): u32 {
  const result = rotl<u32>(s1 * 5, 7) * 9;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl<u32>(s3, 11);
  return result;
}

/** y[i] += g * x[i] over n floats. */
@inline
function axpy(y: usize, g: f32, x: usize, n: i32): void {
  const gv = f32x4.splat(g);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(gv, v128.load(x + o))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(y + o) + g * load<f32>(x + o));
  }
}

/** y[i] += x[i] over n floats. */
@inline
function addTo(y: usize, x: usize, n: i32): void {
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.add(v128.load(y + o), v128.load(x + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(y + o) + load<f32>(x + o));
  }
}

/** y[i] *= g over n floats. */
@inline
function scale(y: usize, g: f32, n: i32): void {
  const gv = f32x4.splat(g);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.mul(v128.load(y + o), gv));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(y + o) * g);
  }
}

let lossSum: f64 = 0;
/** 1 to sum the loss; 0 to sum f - f instead, which stays 0 unless a score is not finite. */
let computeLoss: i32 = 1;

/**
 * table[r] of the unigram table without reading the table, whose 1e7 slots miss the cache on nearly
 * every draw: the table is a step function, word w filling slots [firstSlot[w], firstSlot[w + 1])
 * (firstSlot[V] = tableSize), so table[r] is the last w with firstSlot[w] <= r. guide[k] =
 * table[k * tableSize / guideSize] starts the search at most a few words before it.
 */
@inline
function tableAt(r: u32, firstSlot: usize, guide: usize, guideSize: u32, tableSize: u32): i32 {
  let w = load<i32>(guide + (<usize>(<u32>((<u64>r * guideSize) / tableSize)) << 2));
  while (load<u32>(firstSlot + (<usize>(w + 1) << 2)) <= r) w++;
  return w;
}

/**
 * The positive word and `negative` draws from the unigram table against the hidden vector h: each
 * output row u is updated in place (u += g h) after its error is gathered into neu1e (neu1e += g u),
 * g = (label - σ(u·h)) * alpha. A negative equal to the positive word is skipped.
 */
@inline
function negativeSampling(h: usize, centre: i32, syn1: usize, dim: i32, firstSlot: usize, guide: usize, guideSize: u32, tableSize: u32, negative: i32, alpha: f64, neu1e: usize): void {
  const rowBytes = <usize>dim << 2;
  for (let d = 0; d <= negative; d++) {
    let target = centre;
    let label: f64 = 1;
    if (d > 0) {
      target = tableAt(nextUint32() % tableSize, firstSlot, guide, guideSize, tableSize);
      if (target == centre) continue;
      label = 0;
    }
    const u = syn1 + <usize>target * rowBytes;
    const f = <f64>dot(h, u, dim);
    const e = Math.exp(-f);
    const g = <f32>((label - 1 / (1 + e)) * alpha);
    // -log σ(f) for the positive, -log σ(-f) for a negative
    if (computeLoss) lossSum += label > 0 ? Math.log1p(e) : f + Math.log1p(e);
    else lossSum += f - f;
    axpy(neu1e, g, u, dim);
    axpy(u, g, h, dim);
  }
}

/**
 * Trains runs [start, end) of `runs` (a range kernel: the thread pool's threads claim them as they
 * come free). Run q takes sentences parts[q] .. parts[q+1]-1 (word ids at ids[starts[s] ..
 * starts[s + 1]), int32), reads each one, drops frequent words (kept with probability keep[w],
 * float64), then for each centre word draws the window shrink b and updates the shared vectors (syn0
 * input, syn1 output, [V, dim] float32, in place). alpha = alpha0 * max(1e-4, 1 - wordsRead /
 * (totalWords + 1)), wordsRead counting the words all runs have read before subsampling, this
 * sentence included, from wordsDone: each run publishes its own count in read[q] (int32) and sums
 * everyone's, racing as word2vec.c's word_count_actual does. states: four xoshiro128** words per
 * run in, the state after out. Negatives are table[random % tableSize] of the unigram table, read
 * through firstSlot (int32, V + 1) and guide (int32, guideSize): see tableAt. stats (three float64
 * per run) out: loss sum (or, loss 0, zero unless a score was not finite), examples (pairs or
 * windows), words read. Scratch: scratchStride bytes per run at scratch: sen (int32, the longest
 * sentence), then neu1 and neu1e (dim floats each), each 16-byte aligned.
 */
export function word2vecTrainRange(
  start: i32, end: i32,
  syn0: usize, syn1: usize, dim: i32, ids: usize, starts: usize, keep: usize,
  firstSlot: usize, guide: usize, guideSize: i32, tableSize: i32,
  window: i32, negative: i32, cbow: i32, loss: i32, alpha0: f64, wordsDone: f64, totalWords: f64,
  parts: usize, runs: i32, states: usize, stats: usize, read: usize, scratch: usize, scratchStride: i32,
): void {
  computeLoss = loss;
  const rowBytes = <usize>dim << 2;
  const vecBytes = (rowBytes + 15) & ~<usize>15;
  for (let q = start; q < end; q++) {
    const state = states + (<usize>q << 4);
    const stat = stats + <usize>q * 24;
    const sen = scratch + <usize>q * <usize>scratchStride;
    const neu1e = sen + <usize>scratchStride - vecBytes;
    const neu1 = neu1e - vecBytes;
    s0 = load<u32>(state);
    s1 = load<u32>(state, 4);
    s2 = load<u32>(state, 8);
    s3 = load<u32>(state, 12);
    lossSum = 0;
    let examples: f64 = 0;
    let wordsRead: i32 = 0;
    const W = <u32>window;
    const first = load<i32>(parts + (<usize>q << 2));
    const last = load<i32>(parts + (<usize>(q + 1) << 2));
    for (let s = first; s < last; s++) {
      const from = load<i32>(starts + (<usize>s << 2));
      const to = load<i32>(starts + (<usize>(s + 1) << 2));
      wordsRead += to - from;
      store<i32>(read + (<usize>q << 2), wordsRead);
      let len = 0;
      for (let i = from; i < to; i++) {
        const w = load<i32>(ids + (<usize>i << 2));
        const k = load<f64>(keep + (<usize>w << 3));
        if (k < 1 && k < <f64>(nextUint32() & 0xffff) / 65536) continue;
        store<i32>(sen + (<usize>len << 2), w);
        len++;
      }
      if (len == 0) continue;
      let allRead: i32 = 0;
      for (let r = 0; r < runs; r++) allRead += load<i32>(read + (<usize>r << 2));
      const alpha = alpha0 * Math.max(1e-4, 1 - (wordsDone + <f64>allRead) / (totalWords + 1));
      for (let pos = 0; pos < len; pos++) {
        const centre = load<i32>(sen + (<usize>pos << 2));
        const b = <i32>(nextUint32() % W);
        const windowEnd = 2 * window + 1 - b;
        if (cbow == 0) {
          for (let a = b; a < windowEnd; a++) {
            if (a == window) continue;
            const c = pos - window + a;
            if (c < 0 || c >= len) continue;
            const h = syn0 + <usize>load<i32>(sen + (<usize>c << 2)) * rowBytes;
            memory.fill(neu1e, 0, rowBytes);
            negativeSampling(h, centre, syn1, dim, firstSlot, guide, <u32>guideSize, <u32>tableSize, negative, alpha, neu1e);
            addTo(h, neu1e, dim);
            examples++;
          }
        } else {
          memory.fill(neu1, 0, rowBytes);
          let cw = 0;
          for (let a = b; a < windowEnd; a++) {
            if (a == window) continue;
            const c = pos - window + a;
            if (c < 0 || c >= len) continue;
            addTo(neu1, syn0 + <usize>load<i32>(sen + (<usize>c << 2)) * rowBytes, dim);
            cw++;
          }
          if (cw == 0) continue;
          scale(neu1, <f32>1 / <f32>cw, dim);
          memory.fill(neu1e, 0, rowBytes);
          negativeSampling(neu1, centre, syn1, dim, firstSlot, guide, <u32>guideSize, <u32>tableSize, negative, alpha, neu1e);
          // each context word receives the full error, as in word2vec.c
          for (let a = b; a < windowEnd; a++) {
            if (a == window) continue;
            const c = pos - window + a;
            if (c < 0 || c >= len) continue;
            addTo(syn0 + <usize>load<i32>(sen + (<usize>c << 2)) * rowBytes, neu1e, dim);
          }
          examples++;
        }
      }
    }
    store<u32>(state, s0);
    store<u32>(state, s1, 4);
    store<u32>(state, s2, 8);
    store<u32>(state, s3, 12);
    store<f64>(stat, lossSum);
    store<f64>(stat, examples, 8);
    store<f64>(stat, <f64>wordsRead, 16);
  }
}
