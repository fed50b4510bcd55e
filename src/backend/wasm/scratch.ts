// The scratch arena: regions of wasm memory that a kernel call copies its operands into, drops at
// the next call, and grows memory for (kernels/arena.ts is its allocator).
import { heapF32, need } from './instance.js';
import type { WasmKernelExports } from './instance.js';
import { profileHooks } from '../../util/profile-hooks.js';

/** The arena's exports (kernels/arena.ts). */
export interface ArenaExports {
  /** Scratch allocation, 64-byte aligned; 0 when memory cannot grow. Dropped by reset(). */
  alloc(bytes: number): number;
  /** Drops all scratch allocations. */
  reset(): void;
  /** Permanent allocation (drops scratch allocations first); 0 on failure. */
  reserve(bytes: number): number;
  heapBase(): number;
}

/**
 * A kernel's operands do not fit in wasm memory (at most 4 GiB, less what the arena already holds).
 * Thrown before anything is written, so the caller can run the reference kernel instead.
 */
export class WasmMemoryFull extends RangeError {
  override readonly name = 'WasmMemoryFull';
}

/** Regions of wasm memory for one kernel call, and views of the whole heap to fill and read them. */
export interface WasmScratch {
  exports: WasmKernelExports;
  /** Byte offset of each requested region, in request order. */
  ptrs: number[];
  f32: Float32Array;
  i32: Int32Array;
  /** Copies the first `length` floats of src to byte offset ptr; returns ptr. */
  put(ptr: number, src: Float32Array, length: number): number;
  /** Copies `length` floats at byte offset ptr into dst (nothing when dst is null). */
  take(ptr: number, dst: Float32Array | null, length: number): void;
}

/**
 * Reserves regions of the given sizes (4-byte elements) in the scratch arena, dropping every earlier
 * scratch allocation (an outstanding PreparedSgemm then refuses to run). The views stay valid until
 * the next call that allocates scratch space.
 */
export function wasmScratch(op: string, elements: readonly number[]): WasmScratch {
  const rt = need();
  const ex = rt.exports;
  ex.reset();
  rt.generation++;
  const ptrs = elements.map((n) => {
    const p = ex.alloc(n * 4) >>> 0;
    if (p === 0 && n > 0) throw new WasmMemoryFull(`${op}: cannot fit ${elements.join(' + ')} floats in wasm memory`);
    return p;
  });
  const f32 = heapF32(rt);
  return {
    exports: ex, ptrs, f32, i32: new Int32Array(f32.buffer),
    put: (ptr, src, length) => {
      f32.set(src.length === length ? src : src.subarray(0, length), ptr >> 2);
      if (profileHooks) profileHooks.wasmCopy(length * 4);
      return ptr;
    },
    take: (ptr, dst, length) => {
      if (!dst) return;
      dst.set(f32.subarray(ptr >> 2, (ptr >> 2) + length));
      if (profileHooks) profileHooks.wasmCopy(length * 4);
    },
  };
}
