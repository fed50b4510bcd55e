/** Shared bench helpers: timing, the rows every bench returns, and the printed table. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface BenchRow {
  group: string;
  name: string;
  /** Who ran it, with its threads and BLAS where that matters, e.g. 'PyTorch 1.13 (OpenBLAS, 2 threads)'. */
  system: string;
  /** NaN when there is no figure (the case failed or was skipped): `note` then says why. */
  value: number;
  unit: string;
  /** Printed in place of the value when there is no figure. */
  note?: string;
  /** Anything else worth keeping in results.json (repetitions, CPU time, BLAS build, ...); not printed. */
  detail?: Record<string, unknown>;
}

/** Median seconds per call after warm-up, repeating until at least minSeconds have passed. */
export function timeIt(fn: () => void, { minSeconds = 1, warmup = 1, maxRuns = 1000 } = {}): number {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < maxRuns && (times.length < 3 || performance.now() - start < minSeconds * 1000)) {
    const t0 = performance.now();
    fn();
    times.push((performance.now() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

export interface Timing { wall: number; cpu: number; runs: number }

/**
 * Median wall and process-CPU seconds per call after `warmup` calls, over at least minRuns calls
 * and at least minSeconds. CPU time is the steadier figure for single-threaded runs on a shared machine.
 */
export function timeWallAndCpu(fn: () => void, { warmup = 2, minRuns = 5, minSeconds = 3 } = {}): Timing {
  for (let i = 0; i < warmup; i++) fn();
  const wall: number[] = [], cpu: number[] = [];
  const start = performance.now();
  while (wall.length < minRuns || performance.now() - start < minSeconds * 1000) {
    const t0 = performance.now(), c0 = process.cpuUsage();
    fn();
    const c = process.cpuUsage(c0);
    wall.push((performance.now() - t0) / 1000);
    cpu.push((c.user + c.system) / 1e6);
  }
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { wall: median(wall), cpu: median(cpu), runs: wall.length };
}

/** Units where a smaller figure is better (times); everything else (samples/s, GFLOP/s, ...) is a rate. */
export function lowerIsBetter(unit: string): boolean {
  return /^(ns|µs|us|ms|s|sec|seconds?|min)(\/.*)?$/.test(unit.trim());
}

const isNabla = (system: string): boolean => /^nabla\b/i.test(system);

/**
 * One table per group, one line per (case, system): nabla's systems first, then the peers, in the
 * order the rows came. Each nabla line carries a `nabla / <peer>` column per peer: how many times
 * better nabla is (value ratio for rates, inverse for times), so > 1 means nabla wins.
 */
export function formatTable(rows: BenchRow[]): string {
  const lines: string[] = [];
  const groups = [...new Set(rows.map((r) => r.group))];
  for (const group of groups) {
    const inGroup = rows.filter((r) => r.group === group);
    const names = [...new Set(inGroup.map((r) => r.name))];
    const all = [...new Set(inGroup.map((r) => r.system))];
    const ours = all.filter(isNabla), peers = all.filter((s) => !isNabla(s));
    const systems = [...ours, ...peers];
    lines.push(`\n## ${group}`);
    if (ours.length && peers.length) lines.push('(nabla / peer: > 1 means nabla is faster)');
    const ratioColumns = ours.length ? peers : [];
    const header = ['case', 'system', 'value', ...ratioColumns.map((s) => `nabla / ${s}`)];
    lines.push(`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`);
    for (const name of names) {
      const find = (s: string) => inGroup.find((r) => r.name === name && r.system === s);
      for (const system of systems) {
        const r = find(system);
        if (!r) continue;
        const ratios = ratioColumns.map((peer) => {
          const b = find(peer);
          if (!isNabla(system) || !b || !Number.isFinite(r.value) || !Number.isFinite(b.value) || r.value <= 0 || b.value <= 0) return '';
          if (b.unit !== r.unit) return '(units differ)';
          return `${(lowerIsBetter(r.unit) ? b.value / r.value : r.value / b.value).toFixed(2)}x`;
        });
        lines.push(`| ${[name, system, cell(r), ...ratios].join(' | ')} |`);
      }
    }
  }
  return lines.join('\n');
}

function cell(r: BenchRow): string {
  if (Number.isFinite(r.value)) return `${fmt(r.value)} ${r.unit}`;
  return r.note ? `- (${r.note.replace(/\|/g, '/')})` : '-';
}

function fmt(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

const PYTHON = '/usr/bin/python3';

/** Whether Debian's python3-torch can be imported (the PyTorch peer). */
export function torchAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

/**
 * Runs a peer script under Debian's Python with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed
 * (some of these machines set them, and they roughly halve OpenBLAS); returns its stdout, or null
 * (with the reason on stderr) when it fails.
 */
export function runPythonPeer(script: string, args: string[], timeoutMs = 600_000): string | null {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync(PYTHON, [fileURLToPath(new URL(`../tools/${script}`, import.meta.url)), ...args], { env, encoding: 'utf8', timeout: timeoutMs });
  if (r.status !== 0) {
    console.error(`bench: ${script} ${args.join(' ')} failed: ${r.stderr || r.error}`);
    return null;
  }
  return r.stdout;
}
