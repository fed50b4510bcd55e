/**
 * Seconds per full-batch epoch of the course's sine job (1000 sequences x 50 steps, hidden 32, Adam):
 * SimpleRNN and SimpleLSTM predicting every step, nabla on each backend next to PyTorch
 * (tools/sine_pytorch.py) at 1 and 2 threads. nabla wasm and PyTorch run in interleaved rounds
 * (nabla 1 thread, PyTorch 1, nabla 2, PyTorch 2, then again) and each row is the median over the
 * rounds, so a busy machine slows both alike; the slow js backend runs once, after the rounds.
 *
 *   npm run bench -- rnn            node --import tsx bench/rnn.ts [--rounds 3] [--epochs 20]
 */
import { pathToFileURL } from 'node:url';
import * as nb from '../src/node.js';
import { trainSine } from '../src/cli/commands/train-sine.js';
import { formatTable, runPythonPeer, torchAvailable, type BenchRow } from './report.js';

const EPOCHS = 20;
const CASES = [['rnn', 'sine SimpleRNN epoch'], ['lstm', 'sine SimpleLSTM (every step) epoch']] as const;
type Model = (typeof CASES)[number][0];

/** One epoch's wall and CPU seconds per case, from one run of each case. */
type Sample = Record<Model, { wall: number; cpu: number }>;

const threadsLabel = (threads: number) => `${threads} thread${threads > 1 ? 's' : ''}`;

function runNabla(backend: string, threads: number, epochs: number): Sample {
  nb.setBackend(backend);
  nb.setNumThreads(threads);
  const sample = {} as Sample;
  for (const [model] of CASES) {
    const result = trainSine({ model, epochs, hidden: 32, lr: 0.01, seed: 0, log: () => {} });
    sample[model] = { wall: result.secondsPerEpoch, cpu: result.cpuSecondsPerEpoch };
  }
  return sample;
}

function runPyTorch(threads: number, epochs: number): Sample | null {
  const stdout = runPythonPeer('sine_pytorch.py', ['--json', '--seeds', '0', '--epochs', String(epochs), '--models', ...CASES.map(([m]) => m), '--threads', String(threads)]);
  if (stdout === null) return null;
  const results = JSON.parse(stdout.trim().split('\n')[0]!) as { model: string; secondsPerEpoch: number; cpuSecondsPerEpoch: number }[];
  const sample = {} as Sample;
  for (const [model] of CASES) {
    const r = results.find((x) => x.model === model);
    if (!r) return null;
    sample[model] = { wall: r.secondsPerEpoch, cpu: r.cpuSecondsPerEpoch };
  }
  return sample;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchRnn(options: { rounds?: number; epochs?: number } = {}): Promise<BenchRow[]> {
  const rounds = options.rounds ?? 3, epochs = options.epochs ?? EPOCHS;
  const wasm = nb.listBackends().includes('wasm') && (() => { try { nb.setBackend('wasm'); return true; } catch { return false; } })();
  const torch = torchAvailable();
  // the interleaved systems, in the order they run within a round
  const systems: { system: string; run: () => Sample | null }[] = [];
  for (const threads of [1, 2]) {
    if (wasm) systems.push({ system: `nabla wasm (${threadsLabel(threads)})`, run: () => runNabla('wasm', threads, epochs) });
    if (torch) systems.push({ system: `PyTorch 1.13 (${threadsLabel(threads)})`, run: () => runPyTorch(threads, epochs) });
  }
  const samples = new Map<string, Sample[]>(systems.map(({ system }) => [system, []]));
  for (let round = 0; round < rounds; round++) {
    for (const { system, run } of systems) {
      const sample = run();
      if (sample) samples.get(system)!.push(sample);
    }
  }
  // the reference backend once: it is far too slow to repeat, and not what the rounds compare
  const once: [string, Sample][] = [];
  for (const backend of nb.listBackends().filter((b) => b !== 'wasm')) {
    try { once.push([`nabla ${backend} (1 thread)`, runNabla(backend, 1, epochs)]); } catch { continue; }
  }
  const rows: BenchRow[] = [];
  const nablaFirst = [...systems.filter(({ system }) => system.startsWith('nabla')), ...systems.filter(({ system }) => !system.startsWith('nabla'))];
  const all: [string, Sample[]][] = [...nablaFirst.map(({ system }) => [system, samples.get(system)!] as [string, Sample[]]), ...once.map(([s, x]) => [s, [x]] as [string, Sample[]])];
  for (const [system, list] of all) {
    if (!list.length) continue;
    for (const [model, name] of CASES) {
      const wall = list.map((s) => 1000 * s[model].wall), cpu = list.map((s) => 1000 * s[model].cpu);
      rows.push({ group: 'rnn', name, system, value: median(wall), unit: 'ms', detail: { epochs, rounds: list.length, wallMs: wall, cpuMs: cpu, medianCpuMs: median(cpu) } });
    }
  }
  nb.setBackend(wasm ? 'wasm' : nb.listBackends()[0]!);
  return rows;
}

/** A positive integer flag's value, or undefined when the flag is absent. */
function intFlag(name: string): number | undefined {
  const at = process.argv.indexOf(name);
  if (at < 0) return undefined;
  const value = Number(process.argv[at + 1]);
  if (!(Number.isInteger(value) && value >= 1)) throw new Error(`bench/rnn: ${name} must be a positive integer, got ${process.argv[at + 1]}`);
  return value;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(formatTable(await benchRnn({ rounds: intFlag('--rounds'), epochs: intFlag('--epochs') })));
}
