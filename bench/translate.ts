/**
 * Target tokens per second of `nabla train translate`'s training step with the command's default
 * model (Seq2SeqTransformer: vocabularies of 4000, d_model 128, 4 heads, 2 + 2 pre-norm layers, ff
 * 256, dropout 0.1; label smoothing 0.1, clipping at 1, Adam 0.9/0.98 with the warm-up schedule),
 * batches of 32 pairs with the fixed ragged lengths of `batchShapes` (10 to 38 tokens) and random
 * ids: nabla wasm at 1 and 2 threads next to the PyTorch twin tools/bench_translate.py, interleaved
 * round by round (nabla 1, PyTorch 1, nabla 2, PyTorch 2) so a busy machine slows both alike; each
 * figure is the median over the rounds of one pass over the batches.
 *
 *   npm run bench -- translate       node --import tsx bench/translate.ts [--rounds 3] [--no-peers]
 */
import { pathToFileURL } from 'node:url';
import * as nb from '../src/index.js';
import { CrossEntropyLoss } from '../src/nn/loss.js';
import { Adam, lrScheduler } from '../src/optim/index.js';
import { clipGradNorm } from '../src/nn/utils/clip-grad.js';
import { batchLoss, makeBatch, Seq2SeqTransformer, type Batch, type EncodedPair } from '../src/models/translator.js';
import { warmupInverseSqrt } from '../src/cli/commands/train-translate.js';
import { formatTable, runPythonPeer, torchAvailable, type BenchRow } from './report.js';

const VOCAB = 4000, BATCH = 32, LENGTHS = [10, 14, 18, 22, 26, 30, 34, 38];
const PAD = 0, BOS = 2, EOS = 3;
const CASE = `train translate step (d=128, h=4, 2+2 pre-norm layers, ff=256, vocab 4000, batch ${BATCH}, lengths ${LENGTHS[0]}-${LENGTHS.at(-1)}, label smoothing, clip, Adam)`;

/** Source lengths (with [EOS]) and target lengths (without specials) of each batch; tools/bench_translate.py's batch_shapes. */
export function batchShapes(): { src: number[]; tgt: number[] }[] {
  return LENGTHS.map((length) => ({
    src: Array.from({ length: BATCH }, (_, i) => length - ((i * 7) % 5)),
    tgt: Array.from({ length: BATCH }, (_, i) => length - 1 - ((i * 5) % 6)),
  }));
}

function makeBatches(): Batch[] {
  const g = new nb.Generator(0);
  const ids = (n: number) => Array.from({ length: n }, () => g.randint(4, VOCAB));
  return batchShapes().map(({ src, tgt }) => {
    const pairs: EncodedPair[] = src.map((s, i) => ({ src: [...ids(s - 1), EOS], tgt: ids(tgt[i]!) }));
    return makeBatch(pairs, { padId: PAD, bosId: BOS, eosId: EOS });
  });
}

/** A model, its optimizer and the batches, ready to time passes over the batches. */
export function trainer(): { pass: () => number; tokens: number } {
  nb.manualSeed(0);
  const model = new Seq2SeqTransformer({
    srcVocabSize: VOCAB, tgtVocabSize: VOCAB, dModel: 128, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 2,
    dimFeedforward: 256, dropout: 0.1, maxLen: 64, normFirst: true, padId: PAD, bosId: BOS, eosId: EOS,
  });
  model.train();
  const criterion = new CrossEntropyLoss({ ignoreIndex: PAD, labelSmoothing: 0.1 });
  const optimizer = new Adam(model.parameters(), { lr: 5e-3, betas: [0.9, 0.98], eps: 1e-9 });
  const scheduler = new lrScheduler.LambdaLR(optimizer, { lrLambda: warmupInverseSqrt(30) });
  const batches = makeBatches();
  const step = (batch: Batch) => {
    const loss = batchLoss(model, batch, criterion);
    loss.item();
    optimizer.zeroGrad();
    loss.backward();
    clipGradNorm(model.parameters(), 1);
    optimizer.step();
    scheduler.step();
  };
  step(batches[0]!);
  return {
    tokens: batches.reduce((n, b) => n + b.tokens, 0),
    pass: () => {
      const t0 = performance.now();
      for (const b of batches) step(b);
      return (performance.now() - t0) / 1000;
    },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchTranslate(options: { rounds?: number; peers?: boolean } = {}): Promise<BenchRow[]> {
  const rounds = options.rounds ?? 3;
  const peers = (options.peers ?? true) && torchAvailable();
  const previous = { backend: nb.getBackend().name, threads: nb.numThreads() };
  nb.setBackend('wasm');
  const timings = new Map<string, { tokens: number; seconds: number[] }>();
  const note = (system: string, tokens: number, seconds: number) => {
    const t = timings.get(system) ?? { tokens, seconds: [] };
    t.seconds.push(seconds);
    timings.set(system, t);
  };
  for (let round = 0; round < rounds; round++) {
    for (const wanted of [1, 2]) {
      const threads = nb.setNumThreads(wanted);
      if (threads === wanted) {
        const t = trainer();
        note(`nabla wasm (${threads} thread${threads > 1 ? 's' : ''})`, t.tokens, t.pass());
      }
      if (!peers) continue;
      const stdout = runPythonPeer('bench_translate.py', ['--threads', String(wanted), '--rounds', '1']);
      if (stdout === null) continue;
      const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as { system: string; tokens: number; seconds: number[] };
      note(r.system, r.tokens, r.seconds[0]!);
    }
  }
  nb.setBackend(previous.backend);
  nb.setNumThreads(previous.threads);
  return [...timings].map(([system, t]) => ({
    group: 'translate', name: CASE, system, value: t.tokens / median(t.seconds), unit: 'tokens/s',
    detail: { tokensPerRound: t.tokens, secondsPerRound: t.seconds },
  }));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--rounds');
  console.log(formatTable(await benchTranslate({ rounds: i >= 0 ? Number(process.argv[i + 1]) : 3, peers: !process.argv.includes('--no-peers') })));
}
