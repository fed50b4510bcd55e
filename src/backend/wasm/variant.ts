// Which of the four kernel builds (see build.mjs) this engine runs, decided by feature detection
// before any kernel bytes are loaded, so that a browser fetches only that build (kernels-browser.ts).
//
// This module imports nothing from Node; it reaches node:v8 through process.getBuiltinModule only to
// enable relaxed SIMD on Node 20.

/** A build of the kernels: relaxed SIMD or plain SIMD128, on a shared memory (worker threads) or not. */
export type KernelVariant = 'plain' | 'shared' | 'relaxed' | 'relaxed-shared';

const wasmHeader = [0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10];
const v128Zero = [253, 12, ...new Array<number>(16).fill(0)];
/** A function returning i8x16.splat(0): validates where SIMD128 does. */
const simdProbe = new Uint8Array([...wasmHeader, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);
/** A function returning f32x4.relaxed_madd(0, 0, 0), the relaxed instruction the GEMM uses. */
const relaxedProbe = new Uint8Array([...wasmHeader, 61, 1, 59, 0, ...v128Zero, ...v128Zero, ...v128Zero, 253, 133, 2, 11]);

/**
 * Whether this engine runs relaxed SIMD. Node 20's V8 (11.3) has it behind a flag that it reads when
 * validating a module, so the flag is set here; NABLA_WASM_RELAXED=0 keeps the plain SIMD128 build.
 */
function relaxedSimdUsable(): boolean {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined>; getBuiltinModule?: (id: string) => unknown } }).process;
  if (proc?.env?.NABLA_WASM_RELAXED === '0') return false;
  if (WebAssembly.validate(relaxedProbe)) return true;
  const v8 = proc?.getBuiltinModule?.('node:v8') as { setFlagsFromString?: (flags: string) => void } | undefined;
  if (!v8?.setFlagsFromString) return false;
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  return WebAssembly.validate(relaxedProbe);
}

/** Whether a shared WebAssembly memory can be made (SharedArrayBuffer: Node, cross-origin-isolated pages). */
function sharedMemoryUsable(): boolean {
  if (typeof SharedArrayBuffer !== 'function') return false;
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return true;
  } catch {
    return false;
  }
}

let chosen: { variant: KernelVariant | null; reason: string } | undefined;

/** The build this engine runs best, or null (with the reason) where it runs none. */
export function kernelVariant(): { variant: KernelVariant | null; reason: string } {
  if (chosen) return chosen;
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.Module !== 'function') {
    chosen = { variant: null, reason: 'WebAssembly is not available' };
  } else if (!WebAssembly.validate(simdProbe)) {
    chosen = { variant: null, reason: 'this WebAssembly engine lacks SIMD128' };
  } else {
    const shared = sharedMemoryUsable();
    const variant: KernelVariant = relaxedSimdUsable() ? (shared ? 'relaxed-shared' : 'relaxed') : (shared ? 'shared' : 'plain');
    chosen = { variant, reason: '' };
  }
  return chosen;
}

/** The same build on an ordinary memory: the fallback when a shared memory cannot be had after all. */
export function unsharedVariant(variant: KernelVariant): KernelVariant {
  return variant === 'relaxed-shared' ? 'relaxed' : variant === 'shared' ? 'plain' : variant;
}
