/**
 * Tokens per second of one BERT pretraining update (BertForPreTraining, masked-LM + next-sentence
 * loss with the vocabulary projection at the 20 masked positions per sequence, AdamW with BERT's
 * weight-decay groups, the warm-up schedule and clipping at norm 1), BERT-Tiny and BERT-Mini (vocab
 * 30522), batch 32 x 128 tokens: nabla wasm at 1 and 2 threads next to the PyTorch twin
 * tools/bench_bert.py at the same thread counts, interleaved (nabla 1, PyTorch 1, nabla 2, PyTorch 2)
 * so a busy machine slows both alike.
 *
 *   npm run bench -- bert            node --import tsx bench/bert.ts [--steps 3] [--no-peers]
 */
import { pathToFileURL } from 'node:url';
import * as nb from '../src/index.js';
import { Tensor } from '../src/tensor/tensor.js';
import { BertConfig } from '../src/models/bert/config.js';
import { BertForPreTraining } from '../src/models/bert/heads.js';
import { pretrainingForward } from '../src/models/bert/pretraining-loss.js';
import type { PretrainingBatch } from '../src/models/bert/pretraining-data.js';
import { Trainer } from '../src/models/bert/trainer.js';
import { formatTable, runPythonPeer, torchAvailable, type BenchRow } from './report.js';

const BATCH = 32, SEQ = 128, MASKED_PER_SEQ = 20;
const SIZES = ['tiny', 'mini'] as const;
const caseName = (size: string) => `BERT-${size[0]!.toUpperCase()}${size.slice(1)} pretraining update (${BATCH}x${SEQ} tokens, ${MASKED_PER_SEQ} masked per sequence, vocab 30522, AdamW)`;

/** Random token pairs, every position real, MASKED_PER_SEQ masked positions per row (as google-research/bert's max_predictions_per_seq). */
export function benchBatch(g: nb.Generator, vocab: number): PretrainingBatch {
  const n = BATCH * SEQ;
  const ids = new Int32Array(n), types = new Int32Array(n), labels = new Int32Array(n).fill(-100), next = new Int32Array(BATCH);
  for (let b = 0; b < BATCH; b++) {
    next[b] = g.randint(0, 2);
    for (let t = 0; t < SEQ; t++) {
      ids[b * SEQ + t] = g.randint(1000, vocab);
      types[b * SEQ + t] = t >= SEQ / 2 ? 1 : 0;
    }
    for (let k = 0; k < MASKED_PER_SEQ; k++) {
      const i = b * SEQ + 1 + Math.floor((k * (SEQ - 2)) / MASKED_PER_SEQ);
      labels[i] = ids[i]!;
      ids[i] = 103;
    }
  }
  const t = (data: Int32Array, shape: number[]) => Tensor.fromData(data, shape, 'int32');
  const maskedIndices = Int32Array.from(labels.keys()).filter((i) => labels[i] !== -100);
  return {
    maskedIndices: t(maskedIndices, [maskedIndices.length]), maskedLabels: t(maskedIndices.map((i) => labels[i]!), [maskedIndices.length]),
    inputIds: t(ids, [BATCH, SEQ]), tokenTypeIds: t(types, [BATCH, SEQ]), attentionMask: t(new Int32Array(n).fill(1), [BATCH, SEQ]), labels: t(labels, [BATCH, SEQ]), nextSentenceLabel: t(next, [BATCH]),
  };
}

/** Median seconds of `steps` updates after one warm-up update. */
function timeUpdates(size: (typeof SIZES)[number], steps: number): number {
  nb.manualSeed(0);
  const model = new BertForPreTraining(BertConfig.preset(size));
  const trainer = new Trainer(model, { lr: 1e-4, totalSteps: 10_000, warmupSteps: 100 });
  const batch = benchBatch(new nb.Generator(0), model.config.vocabSize);
  const update = () => trainer.update([batch], (b) => pretrainingForward(model, b).loss);
  update();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    update();
    times.push((performance.now() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export async function benchBert(options: { steps?: number; peers?: boolean } = {}): Promise<BenchRow[]> {
  const steps = options.steps ?? 3;
  const peers = (options.peers ?? true) && torchAvailable();
  const rows: BenchRow[] = [];
  const previous = { backend: nb.getBackend().name, threads: nb.numThreads() };
  nb.setBackend('wasm');
  for (const size of SIZES) {
    for (const wanted of [1, 2]) {
      const threads = nb.setNumThreads(wanted);
      if (threads === wanted) {
        const seconds = timeUpdates(size, steps);
        const system = `nabla wasm (${threads} thread${threads > 1 ? 's' : ''})`;
        rows.push({ group: 'bert', name: caseName(size), system, value: (BATCH * SEQ) / seconds, unit: 'tokens/s', detail: { secondsPerUpdate: seconds, steps } });
      }
      if (!peers) continue;
      const stdout = runPythonPeer('bench_bert.py', ['--config', size, '--threads', String(wanted), '--steps', String(steps), '--batch', String(BATCH), '--seq', String(SEQ), '--masked', String(MASKED_PER_SEQ)]);
      if (stdout === null) continue;
      const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as { system: string; seconds: number };
      rows.push({ group: 'bert', name: caseName(size), system: r.system, value: (BATCH * SEQ) / r.seconds, unit: 'tokens/s', detail: { secondsPerUpdate: r.seconds, steps } });
    }
  }
  nb.setBackend(previous.backend);
  nb.setNumThreads(previous.threads);
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--steps');
  console.log(formatTable(await benchBert({ steps: i >= 0 ? Number(process.argv[i + 1]) : 3, peers: !process.argv.includes('--no-peers') })));
}
