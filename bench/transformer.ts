/**
 * Tokens per second of one Transformer-encoder training step, nabla next to PyTorch:
 * nn.Embedding(5000, 128) -> nn.TransformerEncoderLayer(128, 4, ff 512, dropout 0.1, batchFirst)
 * -> nn.Linear(128, 5000), cross-entropy on random targets, Adam; batch 32 x 64 tokens.
 *
 *   node --import tsx bench/transformer.ts [--steps N] [--rounds R] [--no-peers] [--no-js]
 *
 * Rounds alternate the systems (nabla wasm 1 thread, PyTorch 1, nabla wasm 2, PyTorch 2: the twin
 * tools/bench_transformer.py when Debian's python3-torch imports) so a busy machine slows them
 * alike; each figure is the median step over all rounds. The js reference backend runs once, after
 * the rounds. `benchTransformer()` is the entry a bench driver calls; it returns the rows.
 */
import { pathToFileURL } from 'node:url';
import * as nb from '../src/index.js';
import { nn, F } from '../src/index.js';
import { Adam } from '../src/optim/index.js';
import { formatTable, runPythonPeer, torchAvailable, type BenchRow } from './report.js';

const VOCAB = 5000, D_MODEL = 128, NHEAD = 4, FF = 512, BATCH = 32, SEQ = 64;
const CASE = `TransformerEncoderLayer train step (d=${D_MODEL}, h=${NHEAD}, ff=${FF}, ${BATCH}x${SEQ} tokens, vocab ${VOCAB}, Adam)`;

/** Seconds of each of `steps` training steps after two warm-up steps. */
function timeTrainingSteps(steps: number): number[] {
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
  return times;
}

/** One run of tools/bench_transformer.py (PyTorch 1.13 from Debian) with `threads` threads: its system name and step seconds. */
function torchSteps(threads: number, steps: number): { system: string; seconds: number[] } | null {
  const stdout = runPythonPeer('bench_transformer.py', ['--threads', String(threads), '--steps', String(steps)]);
  return stdout === null ? null : JSON.parse(stdout.trim().split('\n').at(-1)!) as { system: string; seconds: number[] };
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** nabla wasm and PyTorch at 1 and 2 threads, interleaved round by round; then the js backend once. */
export async function benchTransformer(options: { steps?: number; rounds?: number; peers?: boolean; js?: boolean } = {}): Promise<BenchRow[]> {
  const steps = options.steps ?? 5;
  const rounds = options.rounds ?? 3;
  const peers = (options.peers ?? true) && torchAvailable();
  const previous = nb.getBackend().name;
  const previousThreads = nb.numThreads();
  const seconds = new Map<string, number[]>();
  const note = (system: string, times: number[]) => seconds.set(system, [...(seconds.get(system) ?? []), ...times]);
  const nablaSystem = (backend: string, threads: number) => `nabla ${backend} (${threads} thread${threads > 1 ? 's' : ''})`;
  const wasm = nb.listBackends().includes('wasm');
  for (let round = 0; round < rounds; round++) {
    for (const wanted of [1, 2]) {
      if (wasm) {
        nb.setBackend('wasm');
        const threads = nb.setNumThreads(wanted);
        if (threads === wanted) note(nablaSystem('wasm', threads), timeTrainingSteps(steps));
      }
      const torch = peers ? torchSteps(wanted, steps) : null;
      if (torch) note(torch.system, torch.seconds);
    }
  }
  if ((options.js ?? true) && nb.listBackends().includes('js')) {
    nb.setBackend('js');
    nb.setNumThreads(1);
    note(nablaSystem('js', 1), timeTrainingSteps(steps));
  }
  nb.setBackend(previous);
  nb.setNumThreads(previousThreads);
  const order = (system: string) => (system.startsWith('nabla js') ? 1 : 0);
  return [...seconds].sort(([a], [b]) => order(a) - order(b)).flatMap(([system, times]) => {
    const s = median(times);
    return [
      { group: 'transformer', name: CASE, system, value: BATCH * SEQ / s, unit: 'tokens/s', detail: { stepSeconds: times } },
      { group: 'transformer', name: 'step time', system, value: s * 1000, unit: 'ms' },
    ];
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--steps');
  const r = process.argv.indexOf('--rounds');
  const steps = i >= 0 ? Number(process.argv[i + 1]) : 5;
  const rows = await benchTransformer({ steps, rounds: r >= 0 ? Number(process.argv[r + 1]) : 3, peers: !process.argv.includes('--no-peers'), js: !process.argv.includes('--no-js') });
  console.log(formatTable(rows));
}
