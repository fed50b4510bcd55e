// Instantiation of the WebAssembly SIMD128 kernels (src/backend/wasm/kernels/), synchronously.
//
// How the bytes get here: `npm run build:wasm` (part of `npm run build`, so of `npm install`)
// compiles the AssemblyScript sources four times (ordinary or shared memory, with or without relaxed
// SIMD) and writes each build, base64-encoded, into a generated module ./kernels-<variant>.generated.ts.
// The bytes therefore travel with the JS module graph (tsx from source, tsc's dist/, any bundler) and
// loading needs neither fs nor fetch: decode with atob, compile with `new WebAssembly.Module`
// (synchronous; a build is ~54 KB, far under the 8 MB that current Chrome allows a synchronous compile
// on the main thread) and instantiate against a memory created here.
//
// ./variant.ts picks the build by feature detection. ./kernels-node.ts hands over all four builds;
// in a browser bundle package.json's `browser` field substitutes ./kernels-browser.ts, which fetches
// only the chosen one before the entry finishes loading. The shared build runs whenever
// SharedArrayBuffer exists (Node; cross-origin-isolated pages), so that worker threads (./threads.ts)
// can run on the same memory.
import { kernelsBase64, kernelsLoadError } from './kernels-node.js';
import { kernelVariant, unsharedVariant, type KernelVariant } from './variant.js';
import type { ArenaExports } from './scratch.js';
import type { GemmExports } from './gemm.js';
import type { ConvExports } from './conv.js';
import type { PoolExports } from './pool.js';
import type { ElementwiseExports, MathExports } from './elementwise.js';
import type { SgdExports } from './sgd.js';
import type { AdamExports } from './adam.js';
import type { SoftmaxExports } from './softmax.js';
import type { NormExports } from './norm.js';
import type { AttentionExports } from './attention.js';
import type { RecurrenceExports } from './recurrence.js';
import type { ReduceExports } from './reduce.js';
import type { Word2VecExports } from './word2vec.js';
import type { GloVeExports } from './glove.js';
import type { WinogradExports } from './winograd.js';

/** Raw exports of the kernel module (pointers are byte offsets into its memory), each group declared beside its wrapper. */
export type WasmKernelExports = ArenaExports & GemmExports & ConvExports & PoolExports & ElementwiseExports & ReduceExports & MathExports &
  SgdExports & AdamExports & SoftmaxExports & NormExports & AttentionExports & RecurrenceExports & Word2VecExports & GloVeExports &
  WinogradExports;

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

function instantiate(variant: KernelVariant): Runtime {
  const base64 = kernelsBase64[variant];
  if (base64 === undefined) throw new Error(kernelsLoadError || `the ${variant} kernels are not loaded`);
  const bytes = decodeBase64(base64);
  if (!WebAssembly.validate(bytes)) throw new Error(`the ${variant} kernels do not validate on this WebAssembly engine`);
  const module = new WebAssembly.Module(bytes);
  const shared = variant.endsWith('shared');
  const memory = shared
    ? new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES, shared: true })
    : new WebAssembly.Memory({ initial: 64 });
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const exports = instance.exports as unknown as WasmKernelExports;
  const ws = exports.reserve(exports.workspaceBytes()) >>> 0;
  if (ws === 0) throw new Error('cannot allocate the GEMM workspace');
  exports.setWorkspace(ws);
  return { module, memory, shared, exports, f32: new Float32Array(memory.buffer), generation: 0, relaxed: variant.startsWith('relaxed') };
}

/** The running kernels, instantiated on first call; null when this engine cannot run them. */
export function load(): Runtime | null {
  if (runtime !== undefined) return runtime;
  runtime = null;
  const { variant, reason } = kernelVariant();
  if (!variant) {
    unavailable = reason;
    return null;
  }
  // Where the shared memory cannot be had after all, the same build on an ordinary memory (if at hand).
  for (const v of new Set([variant, unsharedVariant(variant)])) {
    try {
      runtime = instantiate(v);
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
