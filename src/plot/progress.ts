// A terminal progress bar, e.g.
//   Epoch 1/10 [=========>          ] 412/938  loss 0.2134  1830 samples/s  ETA 0:17
// Safe in Node and in the browser: it only needs a write function. On a TTY it redraws one line in place
// (at most ~10 times a second); elsewhere (a log file, CI, the browser console) it prints a full line at most
// every few seconds, and always at the end.

import { checkOptions, NON_NEGATIVE_NUMBER, POSITIVE_INTEGER } from '../util/options.js';

/** Where the bar is written: a stream-like object (process.stderr) or a plain function. */
export type ProgressSink = ((text: string) => void) | { write(text: string): unknown; isTTY?: boolean; columns?: number };

/** Options of a ProgressBar. */
export interface ProgressBarOptions {
  /** Number of steps in a full bar (e.g. batches per epoch). */
  total: number;
  /** Text before the bar, e.g. `Epoch 1/10`. */
  label?: string;
  /** Characters inside the brackets (default 20). */
  width?: number;
  /** Defaults to process.stderr where it exists, else console.log (as lines). */
  stream?: ProgressSink;
  /** Redraw in place with `\r`; defaults to whether the stream is a TTY (always false for a plain function). */
  tty?: boolean;
  /** What the rate counts (default `it`, giving `it/s`); e.g. `samples`. */
  unit?: string;
  /** Units per step: with steps = batches and unit = samples, the batch size (default 1). */
  unitsPerStep?: number;
  /** Minimum milliseconds between redraws on a TTY (default 100). */
  redrawMs?: number;
  /** Minimum milliseconds between lines when not on a TTY (default 5000). */
  lineMs?: number;
  /** Clock in milliseconds (for tests); defaults to performance.now / Date.now. */
  now?: () => number;
}

/** Named values shown after the bar (loss, accuracy, ...). */
export type ProgressFields = Record<string, string | number>;

/** Seconds as m:ss, or h:mm:ss from an hour up. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?:??';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** A field value as shown: integers as is, other numbers with 4 significant decimals or in exponent form. */
export function formatField(value: string | number): string {
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  const a = Math.abs(value);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return value.toExponential(3);
  return value.toFixed(4);
}

function formatRate(rate: number): string {
  if (!Number.isFinite(rate)) return '?';
  if (rate >= 100) return String(Math.round(rate));
  if (rate >= 10) return rate.toFixed(1);
  return rate.toFixed(2);
}

function defaultClock(): () => number {
  const perf = (globalThis as { performance?: { now(): number } }).performance;
  return perf ? () => perf.now() : () => Date.now();
}

function defaultSink(): ProgressSink {
  const proc = (globalThis as { process?: { stderr?: { write(text: string): unknown; isTTY?: boolean; columns?: number } } })
    .process;
  if (proc?.stderr && typeof proc.stderr.write === 'function') return proc.stderr;
  // The browser: one console line per write, trailing newline removed.
  return (text: string) => {
    const line = text.replace(/\n$/, '');
    if (line) console.log(line);
  };
}

/**
 * A terminal progress bar with rate and ETA; one line per update where the output is not a terminal.
 *
 * @example
 * ```ts
 * const bar = new ProgressBar({ total: loader.length, label: 'Epoch 1/10', unit: 'images', unitsPerStep: 64 });
 * for (const [i, [x, y]] of [...loader].entries()) { ...; bar.update(i + 1, { loss: loss.item() }); }
 * bar.finish();
 * ```
 */
export class ProgressBar {
  readonly total: number;
  readonly label: string;
  readonly width: number;
  private readonly write: (text: string) => void;
  private readonly columns: () => number | undefined;
  private readonly tty: boolean;
  private readonly unit: string;
  private readonly unitsPerStep: number;
  private readonly redrawMs: number;
  private readonly lineMs: number;
  private readonly now: () => number;
  private readonly start: number;
  private readonly fields = new Map<string, string>();
  private done = 0;
  private lastDraw = -Infinity;
  private finished = false;

  constructor(options: ProgressBarOptions) {
    checkOptions('ProgressBar', options, {
      total: NON_NEGATIVE_NUMBER, label: 'string', width: POSITIVE_INTEGER, stream: 'function|object', tty: 'boolean', unit: 'string',
      unitsPerStep: NON_NEGATIVE_NUMBER, redrawMs: NON_NEGATIVE_NUMBER, lineMs: NON_NEGATIVE_NUMBER, now: 'function',
    }, { desc: 'label', ncols: 'width', file: 'stream' });
    if (options?.total === undefined) throw new TypeError('ProgressBar: option total is required (the number of steps in a full bar)');
    this.total = options.total;
    this.label = options.label ?? '';
    this.width = Math.max(1, Math.floor(options.width ?? 20));
    const sink = options.stream ?? defaultSink();
    if (typeof sink === 'function') {
      this.write = sink;
      this.columns = () => undefined;
      this.tty = options.tty ?? false;
    } else {
      this.write = (text) => void sink.write(text);
      this.columns = () => (sink.isTTY ? sink.columns : undefined);
      this.tty = options.tty ?? sink.isTTY === true;
    }
    this.unit = options.unit ?? 'it';
    this.unitsPerStep = options.unitsPerStep ?? 1;
    this.redrawMs = options.redrawMs ?? 100;
    this.lineMs = options.lineMs ?? 5000;
    this.now = options.now ?? defaultClock();
    this.start = this.now();
  }

  /** Record progress (steps done so far) and, optionally, fields to show (merged into earlier ones). */
  update(done: number, fields?: ProgressFields): void {
    if (this.finished) return;
    this.done = done;
    this.mergeFields(fields);
    const t = this.now();
    if (t - this.lastDraw < (this.tty ? this.redrawMs : this.lineMs)) return;
    this.lastDraw = t;
    this.draw(this.render(t, false), false);
  }

  /**
   * Draw the final state and end the line; `done` defaults to what update last said (pass it to override).
   * Elapsed time replaces the ETA. Later calls to update or finish do nothing.
   */
  finish(fields?: ProgressFields, done?: number): void {
    if (this.finished) return;
    this.finished = true;
    if (done !== undefined) this.done = done;
    this.mergeFields(fields);
    this.draw(this.render(this.now(), true), true);
  }

  /** Prints something (e.g. a log line on stdout) without tearing the bar: clear it, print, redraw. */
  interrupt(print: () => void): void {
    if (this.tty && !this.finished) this.write('\r\x1b[K');
    print();
    if (this.tty && !this.finished) this.draw(this.render(this.now(), false), false);
  }

  /** The line as it would be drawn now (without control characters). */
  render(t = this.now(), final = this.finished): string {
    const frac = this.total > 0 ? Math.min(1, Math.max(0, this.done / this.total)) : final ? 1 : 0;
    const filled = Math.floor(frac * this.width);
    const bar =
      filled >= this.width ? '='.repeat(this.width) : '='.repeat(filled) + '>' + ' '.repeat(this.width - filled - 1);
    const parts: string[] = [];
    const head = `[${bar}] ${this.done}/${this.total}`;
    parts.push(this.label ? `${this.label} ${head}` : head);
    for (const [k, v] of this.fields) parts.push(`${k} ${v}`);
    const elapsed = Math.max(0, (t - this.start) / 1000);
    if (this.done > 0 && elapsed > 0) {
      parts.push(`${formatRate((this.done * this.unitsPerStep) / elapsed)} ${this.unit}/s`);
    }
    if (final) {
      parts.push(`in ${formatDuration(elapsed)}`);
    } else if (this.done > 0 && elapsed > 0 && this.total > this.done) {
      parts.push(`ETA ${formatDuration(((this.total - this.done) * elapsed) / this.done)}`);
    } else {
      parts.push('ETA ?:??');
    }
    return parts.join('  ');
  }

  private mergeFields(fields?: ProgressFields): void {
    if (!fields) return;
    for (const [k, v] of Object.entries(fields)) this.fields.set(k, formatField(v));
  }

  private draw(line: string, final: boolean): void {
    if (!this.tty) {
      this.write(line + '\n');
      return;
    }
    // Keep to one terminal row, or `\r` no longer returns to the start of the line.
    const cols = this.columns();
    if (cols && cols > 1 && line.length > cols - 1) line = line.slice(0, cols - 1);
    // `\x1b[K` clears what is left of a longer previous line.
    this.write('\r' + line + '\x1b[K' + (final ? '\n' : ''));
  }
}
