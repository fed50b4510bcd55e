/**
 * Tokens per second of one Transformer-encoder training step, nabla next to PyTorch:
 * nn.Embedding(5000, 128) -> nn.TransformerEncoderLayer(128, 4, ff 512, dropout 0.1, batchFirst)
 * -> nn.Linear(128, 5000), cross-entropy on random targets, Adam; batch 32 x 64 tokens.
 *
 *   node --import tsx bench/transformer.ts [--steps N] [--no-peers]
 *
 * Runs nabla on every available backend, then (when Debian's python3-torch imports) the twin
 * tools/bench_transformer.py with 1 and 2 threads, and prints one table. `benchTransformer()` is
 * the entry a bench driver calls; it returns the rows.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as nb from '../src/index.js';
import { nn, F } from '../src/index.js';
import { Adam } from '../src/optim/index.js';
import { formatTable, type BenchRow } from './report.js';

const VOCAB = 5000, D_MODEL = 128, NHEAD = 4, FF = 512, BATCH = 32, SEQ = 64;
const CASE = `TransformerEncoderLayer train step (d=${D_MODEL}, h=${NHEAD}, ff=${FF}, ${BATCH}x${SEQ} tokens, vocab ${VOCAB}, Adam)`;

/** Median seconds of `steps` training steps after two warm-up steps. */
function timeTrainingStep(steps: number): number {
  nb.manualSeed(0);
  const embedding = new nn.Embedding(VOCAB, D_MODEL);
  const layer = new nn.TransformerEncoderLayer(D_MODEL, NHEAD, { dimFeedforward: FF, dropout: 0.1, batchFirst: true });
  const head = new nn.Linear(D_MODEL, VOCAB);
  const optimizer = new Adam([...embedding.parameters(), ...layer.parameters(), ...head.parameters()], { lr: 1e-3 });
  const tokens = nb.randint(0, VOCAB, [BATCH, SEQ], { dtype: 'int32' });
  const targets = nb.randint(0, VOCAB, [BATCH * SEQ], { dtype: 'int32' });
  const step = (): number => {
    optimizer.zeroGrad();
    const logits = head.call(layer.call(embedding.call(tokens)));
    const loss = F.crossEntropy(logits.reshape(-1, VOCAB), targets);
    loss.backward();
    optimizer.step();
    return loss.item();
  };
  for (let i = 0; i < 2; i++) step();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    step();
    times.push((performance.now() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

function torchAvailable(): boolean {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' });
  return r.status === 0;
}

/** Runs tools/bench_transformer.py (PyTorch 1.13 from Debian) with `threads` threads; its JSON rows. */
function torchRows(threads: number, steps: number): BenchRow[] {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const script = fileURLToPath(new URL('../tools/bench_transformer.py', import.meta.url));
  const r = spawnSync('/usr/bin/python3', [script, '--threads', String(threads), '--steps', String(steps)], { env, encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(`bench transformer: PyTorch (${threads} threads) failed: ${r.stderr || r.error}`);
    return [];
  }
  return r.stdout.trim().split('\n').map((line) => JSON.parse(line) as BenchRow);
}

/** nabla on each available backend, then PyTorch with 1 and 2 threads when it imports. */
export async function benchTransformer(options: { steps?: number; peers?: boolean } = {}): Promise<BenchRow[]> {
  const steps = options.steps ?? 5;
  const rows: BenchRow[] = [];
  const previous = nb.getBackend().name;
  const previousThreads = nb.numThreads();
  for (const backend of nb.listBackends()) {
    try { nb.setBackend(backend); } catch { continue; }
    // the reference backend is single-threaded; the wasm one runs at 1 and 2 threads
    for (const wanted of backend === 'js' ? [1] : [1, 2]) {
      const threads = nb.setNumThreads(wanted);
      if (threads !== wanted) continue;
      const seconds = timeTrainingStep(steps);
      const system = `nabla ${backend} (${threads} thread${threads > 1 ? 's' : ''})`;
      rows.push({ group: 'transformer', name: CASE, system, value: BATCH * SEQ / seconds, unit: 'tokens/s' });
      rows.push({ group: 'transformer', name: 'step time', system, value: seconds * 1000, unit: 'ms' });
    }
  }
  nb.setBackend(previous);
  nb.setNumThreads(previousThreads);
  if ((options.peers ?? true) && torchAvailable()) for (const threads of [1, 2]) rows.push(...torchRows(threads, steps));
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--steps');
  const steps = i >= 0 ? Number(process.argv[i + 1]) : 5;
  const rows = await benchTransformer({ steps, peers: !process.argv.includes('--no-peers') });
  console.log(formatTable(rows));
}
