/** The printed form of a profile: ops and kernels as two tables, as torch.profiler's key_averages().table(). */
import type { ProfileRow } from './session.js';

/** The column a profile table is sorted by (largest first). */
export type ProfileSortKey = 'self' | 'total' | 'calls' | 'allocatedBytes' | 'copiedBytes';

/** How a profile table is laid out. */
export interface ProfileTableOptions {
  /** Sort rows by this column, largest first ('total' unless given). */
  sortBy?: ProfileSortKey;
  /** Show at most this many rows per section (all unless given). */
  rowLimit?: number;
}

/** Sums shown under the two tables. */
export interface ProfileTotals {
  wallMs: number;
  /** Fresh tensor storages (not from the storage pool) and their bytes. */
  allocations: number;
  allocatedBytes: number;
  /** Tensor storages that took an array from the storage pool, and their bytes. */
  reused: number;
  reusedBytes: number;
  copies: number;
  copiedBytes: number;
}

const SORT: Record<ProfileSortKey, (r: ProfileRow) => number> = {
  self: (r) => r.selfMs,
  total: (r) => r.totalMs,
  calls: (r) => r.calls,
  allocatedBytes: (r) => r.allocatedBytes,
  copiedBytes: (r) => r.copiedBytes,
};

/** 1536 -> '1.5 KB'; bytes below 1 KB as they are. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

function section(title: string, rows: readonly ProfileRow[], wallMs: number, options: ProfileTableOptions): string[] {
  const key = SORT[options.sortBy ?? 'total'];
  const shown = [...rows].sort((a, b) => key(b) - key(a) || a.name.localeCompare(b.name)).slice(0, options.rowLimit ?? rows.length);
  const header = [title, 'Calls', 'Self ms', 'Self %', 'Total ms', 'Total %', 'Allocs', 'Alloc bytes', 'Copies', 'Copy bytes'];
  const percent = (ms: number): string => (wallMs > 0 ? `${((100 * ms) / wallMs).toFixed(1)}%` : '-');
  const body = shown.map((r) => [
    r.name, String(r.calls), r.selfMs.toFixed(2), percent(r.selfMs), r.totalMs.toFixed(2), percent(r.totalMs),
    String(r.allocations), formatBytes(r.allocatedBytes), String(r.copies), formatBytes(r.copiedBytes),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const rule = '-'.repeat(widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1));
  const hidden = rows.length - shown.length;
  return [line(header), rule, ...body.map(line), ...(hidden > 0 ? [`(${hidden} more)`] : [])];
}

/** The two tables and the totals line, as text. */
export function formatProfile(ops: readonly ProfileRow[], kernels: readonly ProfileRow[], totals: ProfileTotals, options: ProfileTableOptions = {}): string {
  return [
    ...section('Op', ops, totals.wallMs, options),
    '',
    ...section('Kernel', kernels, totals.wallMs, options),
    '',
    `Wall time ${totals.wallMs.toFixed(2)} ms; tensors allocated: ${totals.allocations} (${formatBytes(totals.allocatedBytes)}), ` +
      `reused from the pool: ${totals.reused} (${formatBytes(totals.reusedBytes)}); ` +
      `copies between JS and wasm memory: ${totals.copies} (${formatBytes(totals.copiedBytes)})`,
  ].join('\n');
}
