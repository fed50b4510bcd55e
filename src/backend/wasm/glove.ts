/**
 * GloVe training on the wasm kernel (kernels/glove.ts): the tables, their AdaGrad sums and the entries
 * are copied into wasm memory, the kernel trains on them, and the tables come back. The same float32
 * operations as the reference (backend/js/glove.ts). Hogwild runs go to the thread pool.
 */
import type { Backend, GloVeJob } from '../backend.js';
import { equalParts, gloveRuns } from '../js/glove.js';
import { WasmMemoryFull, wasmScratch } from './scratch.js';
import { parallelRange } from './threads.js';

/** The kernel's export (kernels/glove.ts): pointers are byte offsets into wasm memory; trains runs [start, end). */
export interface GloVeExports {
  gloveTrainRange(start: number, end: number,
    w: number, c: number, bw: number, bc: number, sw: number, sc: number, sbw: number, sbc: number, dim: number,
    rows: number, cols: number, logCounts: number, weights: number, parts: number, lr: number, eps: number,
    old: number, oldStride: number, losses: number): void;
}

/** Runs the job on the kernel, or on `reference` when its operands do not fit in wasm memory. */
export function gloveTrain(job: GloVeJob, reference: Backend['gloveTrain']): { loss: number } {
  const { dim, rows } = job;
  const runs = gloveRuns(job);
  const tables = [job.w, job.c, job.bw, job.bc, job.sumW, job.sumC, job.sumBw, job.sumBc];
  const n = rows.length;
  // one 64-byte line or more per run: no two runs write to the same cache line
  const oldStride = Math.ceil((dim * 4) / 64) * 64;
  let m;
  try {
    m = wasmScratch('gloveTrain', [...tables.map((t) => t.length), n, n, n, n, runs + 1, (runs * oldStride) / 4, 2 * runs]);
  } catch (e) {
    if (e instanceof WasmMemoryFull) return reference(job);
    throw e;
  }
  const p = m.ptrs;
  tables.forEach((t, k) => m.put(p[k]!, t, t.length));
  const [pRows, pCols, pLog, pWeights, pParts, pOld, pLosses] = p.slice(8) as [number, number, number, number, number, number, number];
  m.i32.set(rows, pRows >> 2);
  m.i32.set(job.cols.subarray(0, n), pCols >> 2);
  m.put(pLog, job.logCounts, n);
  m.put(pWeights, job.weights, n);
  m.i32.set(equalParts(n, runs), pParts >> 2);
  parallelRange(m.exports, 'gloveTrainRange', runs, 1, n * dim, [
    ...p.slice(0, 8), dim, pRows, pCols, pLog, pWeights, pParts, { f32: job.lr }, { f32: job.eps }, pOld, oldStride, pLosses,
  ]);
  tables.forEach((t, k) => m.take(p[k]!, t, t.length));
  const losses = new Float64Array(m.f32.buffer, pLosses, runs);
  let loss = 0;
  for (const l of losses) loss += l;
  return { loss };
}
