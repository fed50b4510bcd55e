// The thread pool: worker threads that instantiate the kernel module on the shared memory and sleep
// on the pool's control block (./pool-protocol.ts) until a job is posted: a GEMM (./gemm.ts cuts it
// into chunks) or any other pass, through parallelRange. In Node the workers are worker_threads, in a browser Web Workers (which needs a
// cross-origin-isolated page: SharedArrayBuffer); both run pool-protocol.ts's workerSource. It is
// evaluated rather than loaded from a module file: Node 20 workers do not inherit loader hooks such
// as tsx's, and a bundled program has no such file beside it. Node is reached through
// process.getBuiltinModule (Node >= 20.16) only when setNumThreads(n > 1) is called.
import { loaded, load, type Runtime, type WasmKernelExports } from './instance.js';
import { CTL, runChunks, workerSource, type ControlViews, type RangeKernel, type WorkerStart } from './pool-protocol.js';

export interface Pool {
  /** The shared control block (see pool-protocol.ts) as Int32 / Float32 views, and Float64 for range kernels' arguments. */
  i32: Int32Array;
  f32: Float32Array;
  f64: Float64Array;
  seq: number;
  workers: PoolWorker[];
  area: PoolArea;
  /** Set once every worker has instantiated the module; until then GEMMs run on the caller alone. */
  ready: boolean;
}

interface PoolWorker {
  terminate(): unknown;
}

/** Permanent wasm allocations of a pool: its control block and one workspace per worker. */
interface PoolArea {
  ctl: number;
  ws: number[];
}

/** How long the caller polls for workers to finish their chunks before sleeping in Atomics.wait. */
const CALLER_SPIN_MS = 5;

let pool: Pool | null = null;
/** Memory of a stopped pool, reused by the next one. */
let poolArea: PoolArea | null = null;
/** Whether the calling thread may sleep in Atomics.wait (false on a page's main thread). */
let callerCanBlock = true;

interface NodeWorkerThreads {
  Worker: new (source: string, opts: { eval: true; workerData: unknown }) => { terminate(): unknown; unref(): void };
}

interface WebWorker extends PoolWorker {
  postMessage(data: unknown): void;
}

interface WebWorkerGlobals {
  Worker?: new (url: string) => WebWorker;
  Blob?: new (parts: string[], options: { type: string }) => unknown;
  URL?: { createObjectURL(blob: unknown): string; revokeObjectURL(url: string): void };
  crossOriginIsolated?: boolean;
}

/** How this environment starts a pool worker. */
type SpawnWorker = (start: WorkerStart) => PoolWorker;

function nodeBuiltin<T>(id: string): T | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (!proc || typeof proc.getBuiltinModule !== 'function') return null;
  try {
    return (proc.getBuiltinModule(id) as T | undefined) ?? null;
  } catch {
    return null;
  }
}

function workerSpawner(): { spawn: SpawnWorker; canBlock: boolean; node: boolean } | null {
  const wt = nodeBuiltin<NodeWorkerThreads>('node:worker_threads');
  if (wt) {
    const source = workerSource("workerMain(process.getBuiltinModule('node:worker_threads').workerData, L, runChunks);");
    return {
      canBlock: true,
      node: true,
      spawn: (start) => {
        const handle = new wt.Worker(source, { eval: true, workerData: start });
        handle.unref(); // workers do not keep the process alive
        return handle;
      },
    };
  }
  const g = globalThis as WebWorkerGlobals;
  if (!g.Worker || !g.Blob || !g.URL || g.crossOriginIsolated !== true) return null;
  const url = g.URL.createObjectURL(new g.Blob([workerSource('self.onmessage = (e) => workerMain(e.data, L, runChunks);')], { type: 'text/javascript' }));
  const Worker = g.Worker;
  return {
    // A page's main thread may not block in Atomics.wait (a worker's may): it spins instead.
    canBlock: !isBrowserMainThread(),
    node: false,
    spawn: (start) => {
      const handle = new Worker(url);
      handle.postMessage(start);
      return handle;
    },
  };
}

function isBrowserMainThread(): boolean {
  return typeof (globalThis as { document?: unknown }).document === 'object';
}

/** Tells the pool's workers to quit and waits (briefly) until they have; frees their memory for reuse. */
function stopPool(): void {
  const stopping = pool;
  if (!stopping) return;
  pool = null;
  const { i32 } = stopping;
  i32[CTL.CMD] = 1;
  Atomics.store(i32, CTL.SEQ, ++stopping.seq);
  Atomics.notify(i32, CTL.SEQ);
  const deadline = Date.now() + 5000;
  let exited = Atomics.load(i32, CTL.EXITED);
  while (callerCanBlock && exited < stopping.workers.length && Date.now() < deadline) {
    Atomics.wait(i32, CTL.EXITED, exited, 50);
    exited = Atomics.load(i32, CTL.EXITED);
  }
  // Reuse the control block and workspaces only when no worker can still touch them.
  poolArea = exited === stopping.workers.length ? stopping.area : null;
  for (const h of stopping.workers) void h.terminate();
}

function startPool(rt: Runtime, spawn: SpawnWorker, workers: number, waitForStart: boolean): Pool | null {
  const ex = rt.exports;
  // Permanent allocations drop any scratch data: invalidate outstanding PreparedSgemm objects.
  rt.generation++;
  const area = poolArea ?? { ctl: ex.reserve(CTL.WORDS * 4) >>> 0, ws: [] };
  poolArea = null;
  if (area.ctl === 0) return null;
  while (area.ws.length < workers) {
    const ws = ex.reserve(ex.workspaceBytes()) >>> 0;
    if (ws === 0) break;
    area.ws.push(ws);
  }
  const i32 = new Int32Array(rt.memory.buffer, area.ctl, CTL.WORDS);
  const f32 = new Float32Array(rt.memory.buffer, area.ctl, CTL.WORDS);
  const f64 = new Float64Array(rt.memory.buffer, area.ctl, CTL.WORDS / 2);
  i32.fill(0);
  const started: Pool = { i32, f32, f64, seq: 0, workers: [], area, ready: false };
  for (let w = 0; w < Math.min(workers, area.ws.length); w++) {
    started.workers.push(spawn({ module: rt.module, memory: rt.memory, ctl: area.ctl, ws: area.ws[w]! }));
  }
  pool = started;
  if (started.workers.length === 0) {
    stopPool();
    return null;
  }
  // Web Workers start once the caller yields (a page, and also a worker starting nested workers, where
  // blocking here would wait for ever): poolReady() tells when.
  if (!waitForStart) return started;
  // Wait (synchronously; normally a few tens of ms) until every worker has instantiated the module.
  const deadline = Date.now() + 30000;
  let ready = Atomics.load(i32, CTL.READY);
  while (ready >= 0 && ready < started.workers.length && Date.now() < deadline) {
    Atomics.wait(i32, CTL.READY, ready, 50);
    ready = Atomics.load(i32, CTL.READY);
  }
  if (ready !== started.workers.length) {
    stopPool();
    return null;
  }
  started.ready = true;
  return started;
}

/** Whether every worker of the pool is up (checked without blocking). */
function poolReady(p: Pool): boolean {
  if (!p.ready && Atomics.load(p.i32, CTL.READY) === p.workers.length) p.ready = true;
  return p.ready;
}

/** The pool when all its workers are up, else null (GEMMs then run on the calling thread). */
export function readyPool(): Pool | null {
  return pool && poolReady(pool) ? pool : null;
}

/**
 * Posts the job whose arguments, bounds and split are already in the control block, cut into
 * `chunks`; computes chunks on the calling thread too, then waits for the others. Returns the first
 * non-zero kernel status, or 0. cmd: 0 a GEMM, 2 a range kernel (CTL.CMD).
 */
export function runJob(p: Pool, ex: WasmKernelExports, chunks: number, cmd = 0): number {
  const { i32 } = p;
  i32[CTL.CMD] = cmd;
  i32[CTL.STATUS] = 0;
  Atomics.store(i32, CTL.DONE, 0);
  const seq = ++p.seq;
  const tag = seq & CTL.TAG_MASK;
  Atomics.store(i32, CTL.NEXT, (tag << 12) | (chunks << 6));
  Atomics.add(i32, cmd === 2 ? CTL.RANGE_JOBS : CTL.JOBS, 1);
  Atomics.store(i32, CTL.SEQ, seq);
  Atomics.notify(i32, CTL.SEQ);
  runChunks(CTL, ex, p as ControlViews, tag, false);
  // Every chunk is claimed; wait for the ones other threads are still computing.
  let done = Atomics.load(i32, CTL.DONE);
  if (done !== chunks) {
    const until = performance.now() + CALLER_SPIN_MS;
    let spins = 0;
    while (done !== chunks) {
      if ((++spins & 255) === 0 && callerCanBlock && performance.now() > until) Atomics.wait(i32, CTL.DONE, done, 1000);
      done = Atomics.load(i32, CTL.DONE);
    }
  }
  return Atomics.load(i32, CTL.STATUS);
}

/** Below this many elements read and written, a pass stays on the calling thread (waking a worker costs ~45 us). */
const RANGE_MIN_ELEMENTS = 1 << 17;
/** Chunks per thread of a range kernel: a few, so that a worker slow to wake costs only its share. */
const RANGE_CHUNKS_PER_THREAD = 2;

/** An argument of a range kernel: a number is an i32 (or a pointer); floats say their width. */
export type RangeArg = number | { f32: number } | { f64: number };

function argValue(a: RangeArg): number {
  return typeof a === 'number' ? a : 'f32' in a ? a.f32 : a.f64;
}

/**
 * Runs `kernel`(start, end, ...args) over units [0, units) of a pass whose data is in wasm memory:
 * on the calling thread, or cut into chunks of whole multiples of `grain` units shared with the
 * pool's workers when the pass touches at least RANGE_MIN_ELEMENTS `elements`. A range kernel
 * computes each unit by the same instructions wherever the range starts (the grain keeps SIMD blocks
 * whole), so results are bit-identical whatever the thread count. Throws on a non-zero status.
 */
export function parallelRange(ex: WasmKernelExports, kernel: RangeKernel, units: number, grain: number, elements: number, args: readonly RangeArg[]): void {
  if (units <= 0) return;
  const p = readyPool();
  const chunks = p && elements >= RANGE_MIN_ELEMENTS
    ? Math.min(Math.ceil(units / grain), CTL.MAX_CHUNKS, (p.workers.length + 1) * RANGE_CHUNKS_PER_THREAD) : 1;
  let status: number;
  if (!p || chunks < 2) {
    const run = (ex as unknown as Record<RangeKernel, (...a: number[]) => number | undefined>)[kernel];
    status = run(0, units, ...args.map(argValue)) ?? 0;
  } else {
    if (args.length > CTL.MAX_KARGS) throw new RangeError(`parallelRange: ${kernel} takes at most ${CTL.MAX_KARGS} arguments, got ${args.length}`);
    const { i32, f32, f64 } = p;
    let f32Args = 0, f64Args = 0;
    args.forEach((a, i) => {
      const w = CTL.KARGS + 2 * i;
      if (typeof a === 'number') i32[w] = a;
      else if ('f32' in a) { f32[w] = a.f32; f32Args |= 1 << i; }
      else { f64[w >> 1] = a.f64; f64Args |= 1 << i; }
    });
    i32[CTL.KERNEL] = CTL.RANGE_KERNELS.indexOf(kernel);
    i32[CTL.NARGS] = args.length;
    i32[CTL.F32_ARGS] = f32Args;
    i32[CTL.F64_ARGS] = f64Args;
    const blocks = Math.ceil(units / grain);
    for (let q = 0; q <= chunks; q++) i32[CTL.BOUNDS + q] = Math.min(units, Math.round((q * blocks) / chunks) * grain);
    status = runJob(p, ex, chunks, 2);
  }
  if (status !== 0) throw new Error(`wasm ${kernel} failed (status ${status})`);
}

/**
 * Sets how many threads (the caller plus n-1 workers) a large GEMM or pass may use; returns the number
 * actually in effect: 1 where workers or shared memory are unavailable (Node older than 20.16, a
 * page that is not cross-origin isolated) or the kernels did not load. Workers do not keep a Node
 * process alive. In a browser the Web Workers start once the page yields to its event loop: GEMMs
 * run on the calling thread until then (await threadsReady()). Changing the count invalidates
 * outstanding PreparedSgemm objects.
 */
export function setNumThreads(n: number): number {
  const rt = load();
  if (!rt) return 1;
  const want = Math.max(1, Math.min(64, Math.floor(n) || 1));
  if (getNumThreads() === want) return want;
  stopPool();
  if (want > 1 && rt.shared) {
    const spawner = workerSpawner();
    if (spawner) {
      callerCanBlock = spawner.canBlock;
      pool = startPool(rt, spawner.spawn, want - 1, spawner.node);
    }
  }
  return getNumThreads();
}

/**
 * Resolves with the number of threads in use once every worker is up (at once in Node, where
 * setNumThreads waits for them; a browser page has to yield first). Rejects when a worker fails to
 * start within `timeoutMs`.
 */
export async function threadsReady(timeoutMs = 30000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = loaded() ? pool : null;
    if (!p || poolReady(p)) return getNumThreads();
    const ready = Atomics.load(p.i32, CTL.READY);
    if (ready < 0 || Date.now() > deadline) throw new Error(`nabla threads: ${p.workers.length} workers did not start (${Math.max(ready, 0)} ready)`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Threads a large GEMM or pass uses now (1 = the calling thread only). */
export function getNumThreads(): number {
  return pool ? pool.workers.length + 1 : 1;
}

/** Diagnostics of the current thread pool: GEMMs and other passes split across threads, and chunks workers computed. */
export function wasmThreadStats(): { threads: number; parallelGemms: number; parallelPasses: number; workerChunks: number } {
  if (!pool) return { threads: 1, parallelGemms: 0, parallelPasses: 0, workerChunks: 0 };
  return {
    threads: pool.workers.length + 1,
    parallelGemms: Atomics.load(pool.i32, CTL.JOBS),
    parallelPasses: Atomics.load(pool.i32, CTL.RANGE_JOBS),
    workerChunks: Atomics.load(pool.i32, CTL.WORKER_CHUNKS),
  };
}
