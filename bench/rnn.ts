/**
 * Seconds per full-batch epoch of the course's sine job (1000 sequences x 50 steps, hidden 32, Adam):
 * SimpleRNN and SimpleLSTM predicting every step, nabla on each backend next to PyTorch
 * (tools/sine_pytorch.py) at 1 and 2 threads. Run: npm run bench -- rnn
 */
import { pathToFileURL } from 'node:url';
import * as nb from '../src/node.js';
import { trainSine } from '../src/cli/commands/train-sine.js';
import { formatTable, runPythonPeer, torchAvailable, type BenchRow } from './report.js';

const EPOCHS = 20;
const CASES = [['rnn', 'sine SimpleRNN epoch'], ['lstm', 'sine SimpleLSTM (every step) epoch']] as const;

export async function benchRnn(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const backend of nb.listBackends()) {
    try { nb.setBackend(backend); } catch { continue; }
    for (const threads of backend === 'wasm' ? [1, 2] : [1]) {
      nb.setNumThreads(threads);
      for (const [model, name] of CASES) {
        const result = trainSine({ model, epochs: EPOCHS, hidden: 32, lr: 0.01, seed: 0, log: () => {} });
        rows.push({ group: 'rnn', name, system: `nabla ${backend} (${threads} thread${threads > 1 ? 's' : ''})`, value: 1000 * result.secondsPerEpoch, unit: 'ms' });
      }
    }
  }
  if (torchAvailable()) {
    for (const threads of [1, 2]) {
      const stdout = runPythonPeer('sine_pytorch.py', ['--json', '--seeds', '0', '--epochs', String(EPOCHS), '--models', 'rnn', 'lstm', '--threads', String(threads)]);
      if (stdout === null) continue;
      const results = JSON.parse(stdout.trim().split('\n')[0]) as { model: string; secondsPerEpoch: number }[];
      for (const r of results) {
        const name = CASES.find(([m]) => m === r.model)?.[1];
        if (name) rows.push({ group: 'rnn', name, system: `PyTorch 1.13 (${threads} thread${threads > 1 ? 's' : ''})`, value: 1000 * r.secondsPerEpoch, unit: 'ms' });
      }
    }
  }
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) console.log(formatTable(await benchRnn()));
