/**
 * Profiling on demand: `profile(fn)` or `NABLA_PROFILE=1` (in a browser, `setProfiling(true)`)
 * times every op (forward, and backward as `<op>.backward`) and every backend kernel, and counts
 * tensor allocations and copies between JS arrays and wasm memory, as torch.profiler does. While no
 * profile runs nothing is wrapped: the hooks below the profiler are one null check each.
 */
import { setProfileHooks, type ProfileHooks } from '../util/profile-hooks.js';
import { checkOptions, type OptionSpec } from '../util/options.js';
import { activeBackend } from '../backend/registry.js';
import { unwrapBackends, wrapBackend, type KernelListener } from './backend-methods.js';
import { ProfileSession, type ProfileRow } from './session.js';
import { formatProfile, type ProfileSortKey, type ProfileTableOptions, type ProfileTotals } from './table.js';

export type { ProfileRow, ProfileSortKey, ProfileTableOptions };

/** What one profile measured: the op and kernel rows (by total time, largest first) and the totals (wall time of the profile). */
export interface ProfileReport extends ProfileTotals {
  /** Forward ops by name, backward as `<op>.backward` (with the ops its rule runs), and `(outside ops)` for work no op claims. */
  ops: ProfileRow[];
  /** Backend kernels as `<backend>.<method>` (`wasm.conv2d`, `js.gemm`). */
  kernels: ProfileRow[];
  /** The ops and kernels as two text tables with the totals under them. */
  table(options?: ProfileTableOptions): string;
}

/** Options of `profile`: printing and the printed table's layout. */
export interface ProfileOptions extends ProfileTableOptions {
  /** Print the table (console.log) when fn finishes; the default is true under NABLA_PROFILE=1, else false. */
  print?: boolean;
}

/** fn's result and the profile of its run. */
export interface Profiled<T> {
  result: T;
  report: ProfileReport;
}

const PROFILE_OPTIONS: OptionSpec<ProfileOptions> = {
  print: 'boolean', sortBy: ['self', 'total', 'calls', 'allocatedBytes', 'copiedBytes'], rowLimit: 'integer',
};

const sessions: ProfileSession[] = [];

/** Hands every event to every running profile (nested `profile` calls each get their own report). */
const hooks: ProfileHooks & KernelListener = {
  tensorAllocated: (bytes) => { for (const s of sessions) s.tensorAllocated(bytes); },
  storageReused: (bytes) => { for (const s of sessions) s.storageReused(bytes); },
  wasmCopy: (bytes, copies = 1) => { for (const s of sessions) s.wasmCopy(bytes, copies); },
  opRecorded: (name) => { for (const s of sessions) s.opRecorded(name); },
  backwardStepStart: (name) => { for (const s of sessions) s.backwardStepStart(name); },
  backwardStepEnd: () => { for (const s of sessions) s.backwardStepEnd(); },
  gradModeChanged: () => { for (const s of sessions) s.closeForwardOp(); },
  backendActivated: (backend) => wrapBackend(backend, hooks),
  kernelEnter: (label) => { for (const s of sessions) s.kernelEnter(label); },
  kernelExit: () => { for (const s of sessions) s.kernelExit(); },
};

function begin(): ProfileSession {
  const session = new ProfileSession();
  sessions.push(session);
  if (sessions.length === 1) {
    setProfileHooks(hooks);
    // A backend started later is wrapped when the registry activates it: profiling starts none.
    const backend = activeBackend();
    if (backend) wrapBackend(backend, hooks);
  }
  return session;
}

function end(session: ProfileSession): ProfileReport {
  session.finish();
  const wallMs = performance.now() - session.start;
  sessions.splice(sessions.indexOf(session), 1);
  if (sessions.length === 0) {
    setProfileHooks(null);
    unwrapBackends();
  }
  const byTotal = (rows: Map<string, ProfileRow>): ProfileRow[] => [...rows.values()].sort((a, b) => b.totalMs - a.totalMs);
  const totals: ProfileTotals = { wallMs, ...session.totals };
  const ops = byTotal(session.ops);
  const kernels = byTotal(session.kernels);
  return { ...totals, ops, kernels, table: (options) => formatProfile(ops, kernels, totals, options) };
}

function envProfiling(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.NABLA_PROFILE === '1';
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Runs fn under the profiler and returns its result with the report: time per op (forward, and
 * backward as `<op>.backward`) and per backend kernel, with tensor allocations and copies between
 * JS and wasm memory counted, as torch.profiler's `key_averages()`. An async fn gives a promise.
 * Profiles nest; an exception from fn ends the profile and propagates.
 *
 * @example
 * ```ts
 * const { result: loss, report } = nb.profile(() => {
 *   const loss = lossFn(model.forward(x), y);
 *   loss.backward();
 *   return loss;
 * });
 * console.log(report.table({ rowLimit: 10 }));
 * ```
 */
export function profile<T>(fn: () => Promise<T>, options?: ProfileOptions): Promise<Profiled<T>>;
export function profile<T>(fn: () => T, options?: ProfileOptions): Profiled<T>;
export function profile<T>(fn: () => T | Promise<T>, options: ProfileOptions = {}): Profiled<T> | Promise<Profiled<T>> {
  if (typeof fn !== 'function') throw new TypeError(`profile: expected fn to be a function, got ${fn === null ? 'null' : typeof fn}`);
  checkOptions('profile', options, PROFILE_OPTIONS);
  const session = begin();
  const finish = (result: T): Profiled<T> => {
    const report = end(session);
    if (options.print ?? envProfiling()) console.log(report.table(options));
    return { result, report };
  };
  let result: T | Promise<T>;
  try {
    result = fn();
  } catch (e) {
    end(session);
    throw e;
  }
  if (isPromiseLike(result)) {
    return Promise.resolve(result).then(finish, (e: unknown) => {
      end(session);
      throw e;
    });
  }
  return finish(result);
}

let globalSession: ProfileSession | null = null;

/**
 * Starts (true) or stops (false) the whole-program profile that NABLA_PROFILE=1 starts in Node:
 * the way to profile in a browser. Stopping prints its table (console.log) and returns the report;
 * starting, or stopping when none runs, returns null.
 */
export function setProfiling(enabled: boolean): ProfileReport | null {
  if (typeof enabled !== 'boolean') throw new TypeError(`setProfiling: expected enabled to be a boolean, got ${typeof enabled}`);
  if (enabled) {
    globalSession ??= begin();
    return null;
  }
  if (!globalSession) return null;
  const report = end(globalSession);
  globalSession = null;
  console.log(report.table());
  return report;
}

/** Whether any profile (`profile`, `setProfiling` or NABLA_PROFILE=1) is running now. */
export function isProfiling(): boolean {
  return sessions.length > 0;
}

// NABLA_PROFILE=1: profile the whole process and print the table to stderr when it exits.
if (envProfiling()) {
  const proc = (globalThis as { process?: { on?: (event: 'exit', listener: () => void) => void; stderr?: { write(s: string): void } } }).process;
  globalSession = begin();
  proc?.on?.('exit', () => {
    if (!globalSession) return;
    const report = end(globalSession);
    globalSession = null;
    proc.stderr?.write(`${report.table()}\n`);
  });
}
