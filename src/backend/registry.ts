/**
 * Backend registry: backends register a factory under a name; the first one asked for that is
 * available becomes active. NABLA_BACKEND (js|wasm) picks one in Node; otherwise the fastest available.
 */
import type { Backend } from './backend.js';
import { JsBackend } from './js/index.js';
import { WasmBackend } from './wasm/index.js';
import { getNumThreads, setNumThreads as setWasmThreads, threadsReady as wasmThreadsReady } from './wasm/threads.js';
import { wasmAvailable } from './wasm/instance.js';
import { profileHooks } from '../util/profile-hooks.js';

interface Entry { name: string; priority: number; create: () => Backend | null }

const entries: Entry[] = [
  { name: 'js', priority: 0, create: () => new JsBackend() },
  { name: 'wasm', priority: 1, create: createWasmBackend },
];
let active: Backend | null = null;

/** Registers a backend factory under a name; the highest-priority one that can start is the default. */
export function registerBackend(name: string, priority: number, create: () => Backend | null): void {
  const existing = entries.findIndex((e) => e.name === name);
  if (existing >= 0) entries.splice(existing, 1);
  entries.push({ name, priority, create });
  active = null;
}

/** The names of the registered backends. */
export function listBackends(): string[] {
  return entries.map((e) => e.name);
}

function requestedName(): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.NABLA_BACKEND || undefined;
}

/** Makes the named backend (`'js'` or `'wasm'`) the one every new operation runs on, and returns it. */
export function setBackend(name: string): Backend {
  const entry = entries.find((e) => e.name === name);
  if (!entry) throw new Error(`setBackend: unknown backend '${name}' (known: ${listBackends().join(', ')})`);
  const backend = entry.create();
  if (!backend) throw new Error(`setBackend: backend '${name}' is not available in this environment`);
  active = backend;
  if (profileHooks) profileHooks.backendActivated(backend);
  return backend;
}

/** The active backend if one was chosen or started already, else null (starts none: the profiler's question). */
export function activeBackend(): Backend | null {
  return active;
}

/** The backend operations run on now (from `NABLA_BACKEND`, `setBackend` or the highest priority). */
export function getBackend(): Backend {
  if (active) return active;
  const wanted = requestedName();
  if (wanted) return setBackend(wanted);
  for (const entry of [...entries].sort((a, b) => b.priority - a.priority)) {
    const backend = entry.create();
    if (backend) {
      active = backend;
      if (profileHooks) profileHooks.backendActivated(backend);
      return backend;
    }
  }
  throw new Error('getBackend: no backend is available');
}

function coreCount(): number {
  const g = globalThis as { navigator?: { hardwareConcurrency?: number }; process?: { getBuiltinModule?: (id: string) => unknown } };
  const os = g.process?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number } | undefined;
  return os?.availableParallelism?.() ?? g.navigator?.hardwareConcurrency ?? 1;
}

let threadsChosen = false;

/**
 * Threads the fast kernels may use (the calling thread included); returns the number in effect.
 * The default is the core count; results are identical whatever the count.
 */
export function setNumThreads(n: number): number {
  threadsChosen = true;
  return wasmAvailable() ? setWasmThreads(n) : 1;
}

/** How many threads large GEMMs are split over (see `setNumThreads`). */
export function numThreads(): number {
  return getNumThreads();
}

/**
 * Resolves with the thread count once the workers are up. Node starts them synchronously; a
 * browser page must yield first, so `await nb.threadsReady()` before timing or heavy work there.
 */
export function threadsReady(): Promise<number> {
  if (!threadsChosen && !active) getBackend(); // the default backend picks the default count
  return wasmAvailable() ? wasmThreadsReady() : Promise.resolve(1);
}

function createWasmBackend(): Backend | null {
  if (!wasmAvailable()) return null;
  if (!threadsChosen) setWasmThreads(coreCount());
  return new WasmBackend();
}
