/** Shared bench helpers: timing, the rows every bench returns, and the printed table. */

export interface BenchRow {
  group: string;
  name: string;
  /** Who ran it, with its threads and BLAS where that matters, e.g. 'PyTorch 1.13 (OpenBLAS, 2 threads)'. */
  system: string;
  value: number;
  unit: string;
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

export function formatTable(rows: BenchRow[]): string {
  const lines: string[] = [];
  const groups = [...new Set(rows.map((r) => r.group))];
  for (const group of groups) {
    const inGroup = rows.filter((r) => r.group === group);
    const names = [...new Set(inGroup.map((r) => r.name))];
    const systems = [...new Set(inGroup.map((r) => r.system))];
    const first = systems[0];
    lines.push(`\n## ${group}`);
    const header = ['case', ...systems.map((s) => s), ...systems.slice(1).map((s) => `${first} / ${s}`)];
    lines.push(`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`);
    for (const name of names) {
      const value = (s: string) => inGroup.find((r) => r.name === name && r.system === s);
      const cells = systems.map((s) => { const r = value(s); return r ? `${fmt(r.value)} ${r.unit}` : '-'; });
      const ratios = systems.slice(1).map((s) => {
        const a = value(first), b = value(s);
        if (!a || !b) return '-';
        const lowerIsBetter = /ms|seconds|s\/epoch/.test(a.unit);
        return `${(lowerIsBetter ? b.value / a.value : a.value / b.value).toFixed(2)}x`;
      });
      lines.push(`| ${[name, ...cells, ...ratios].join(' | ')} |`);
    }
  }
  return lines.join('\n');
}

function fmt(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}
