// Instantiation of the WebAssembly SIMD128 kernels (src/backend/wasm/kernels/), synchronously.
//
// How the bytes get here: `npm run build:wasm` (part of `npm run build`, so of `npm install`)
// compiles the AssemblyScript sources and writes them, base64-encoded, into the generated module
// ./kernels.generated.ts. The bytes therefore travel with the JS module graph (tsx from source,
// tsc's dist/, any bundler) and loading needs neither fs nor fetch: decode with atob, compile with
// `new WebAssembly.Module` (synchronous; the module is ~50 KB, far under the 8 MB that current Chrome
// allows a synchronous compile on the main thread -- Chrome before ~2023 allowed only 4 KB) and
// instantiate against a memory created here.
//
// Two builds are embedded: one importing an ordinary memory, one importing a shared memory. The
// shared one is used whenever SharedArrayBuffer exists (Node; cross-origin-isolated pages), so that
// worker threads (./threads.ts) can run on the same memory.
//
// This module imports nothing from Node; it reaches node:v8 through process.getBuiltinModule only to
// enable relaxed SIMD on Node 20.
import {
  KERNELS_RELAXED_SHARED_WASM_BASE64,
  KERNELS_RELAXED_WASM_BASE64,
  KERNELS_SHARED_WASM_BASE64,
  KERNELS_WASM_BASE64,
} from './kernels.generated.js';
import type { ArenaExports } from './scratch.js';
import type { GemmExports } from './gemm.js';
import type { ConvExports } from './conv.js';
import type { PoolExports } from './pool.js';
import type { ElementwiseExports, MathExports } from './elementwise.js';
import type { SgdExports } from './sgd.js';
import type { SoftmaxExports } from './softmax.js';
import type { NormExports } from './norm.js';
import type { AttentionExports } from './attention.js';
import type { RecurrenceExports } from './recurrence.js';
import type { ReduceExports } from './reduce.js';

/** Raw exports of the kernel module (pointers are byte offsets into its memory), each group declared beside its wrapper. */
export type WasmKernelExports = ArenaExports & GemmExports & ConvExports & PoolExports & ElementwiseExports & ReduceExports & MathExports &
  SgdExports & SoftmaxExports & NormExports & AttentionExports & RecurrenceExports;

export interface Runtime {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  shared: boolean;
  exports: WasmKernelExports;
  f32: Float32Array;
  /** Bumped whenever the scratch arena is reused, so stale PreparedSgemm objects refuse to run. */
  generation: number;
  /** The relaxed-SIMD build (fused multiply-add) is running. */
  relaxed: boolean;
}

const MAX_PAGES = 65536; // the shared build declares this maximum (4 GiB)

let runtime: Runtime | null | undefined;
let unavailable = '';

function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Whether this engine runs relaxed SIMD. Node 20's V8 (11.3) has it behind a flag that it reads when
 * validating a module, so the flag is set here; NABLA_WASM_RELAXED=0 keeps the plain SIMD128 build.
 */
function relaxedSimdUsable(bytes: Uint8Array<ArrayBuffer>): boolean {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined>; getBuiltinModule?: (id: string) => unknown } }).process;
  if (proc?.env?.NABLA_WASM_RELAXED === '0') return false;
  if (WebAssembly.validate(bytes)) return true;
  const v8 = proc?.getBuiltinModule?.('node:v8') as { setFlagsFromString?: (flags: string) => void } | undefined;
  if (!v8?.setFlagsFromString) return false;
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  return WebAssembly.validate(bytes);
}

function instantiate(shared: boolean, relaxedWanted: boolean): Runtime {
  let relaxed = false;
  let bytes = decodeBase64(shared ? KERNELS_SHARED_WASM_BASE64 : KERNELS_WASM_BASE64);
  if (relaxedWanted) {
    const relaxedBytes = decodeBase64(shared ? KERNELS_RELAXED_SHARED_WASM_BASE64 : KERNELS_RELAXED_WASM_BASE64);
    if (relaxedSimdUsable(relaxedBytes)) {
      bytes = relaxedBytes;
      relaxed = true;
    }
  }
  if (!WebAssembly.validate(bytes)) throw new Error('this WebAssembly engine lacks SIMD128 (the kernels do not validate)');
  const module = new WebAssembly.Module(bytes);
  const memory = shared
    ? new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES, shared: true })
    : new WebAssembly.Memory({ initial: 64 });
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const exports = instance.exports as unknown as WasmKernelExports;
  const ws = exports.reserve(exports.workspaceBytes()) >>> 0;
  if (ws === 0) throw new Error('cannot allocate the GEMM workspace');
  exports.setWorkspace(ws);
  return { module, memory, shared, exports, f32: new Float32Array(memory.buffer), generation: 0, relaxed };
}

/** The running kernels, instantiated on first call; null when this engine cannot run them. */
export function load(): Runtime | null {
  if (runtime !== undefined) return runtime;
  runtime = null;
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.Module !== 'function') {
    unavailable = 'WebAssembly is not available';
    return null;
  }
  const canShare = typeof SharedArrayBuffer === 'function';
  for (const shared of canShare ? [true, false] : [false]) {
    try {
      runtime = instantiate(shared, true);
      return runtime;
    } catch (e) {
      unavailable = e instanceof Error ? e.message : String(e);
    }
  }
  return null;
}

/** The running kernels, or an error saying why there are none. */
export function need(): Runtime {
  const rt = load();
  if (!rt) throw new Error(`nabla wasm backend unavailable: ${unavailable}`);
  return rt;
}

/** The kernels if they were instantiated already (does not load them). */
export function loaded(): Runtime | null {
  return runtime ?? null;
}

/** True when WebAssembly with SIMD128 is available and the kernels loaded (loads them on first call). */
export function wasmAvailable(): boolean {
  return load() !== null;
}

/** Which build of the kernels runs: relaxed SIMD (fused multiply-add) or plain SIMD128, on shared memory or not. */
export function wasmFeatures(): { relaxedSimd: boolean; sharedMemory: boolean } {
  const rt = load();
  return { relaxedSimd: rt?.relaxed ?? false, sharedMemory: rt?.shared ?? false };
}

/** Why wasmAvailable() is false ('' when it is true or was not asked yet). */
export function wasmUnavailableReason(): string {
  return runtime ? '' : unavailable;
}

/** The raw kernel exports and memory, for callers placing data themselves (advanced use). */
export function wasmKernels(): { exports: WasmKernelExports; memory: WebAssembly.Memory } {
  const rt = need();
  return { exports: rt.exports, memory: rt.memory };
}

/** A Float32Array over the whole of wasm memory (renewed after the memory grew). */
export function heapF32(rt: Runtime): Float32Array {
  const buf = rt.memory.buffer;
  if (rt.f32.byteLength !== buf.byteLength) rt.f32 = new Float32Array(buf);
  return rt.f32;
}
