/**
 * Reuse of large float32 work buffers between training steps. A fresh multi-megabyte typed array
 * costs a page fault per 4 KiB on its first write (the OS hands out zeroed pages), which for the
 * recurrent layers' saved gates and states was slower than the recurrence itself; a buffer handed
 * back after the backward pass and taken again by the next forward pass is already mapped.
 * Like PyTorch's caching allocator, the pool keeps what it was given (up to a cap) for later calls.
 */

/** Buffers below this many floats come fresh: small ones are cheap and would only crowd the pool. */
const MIN_POOLED = 1 << 16;
/** The most bytes the pool keeps; buffers given back beyond it are left to the garbage collector. */
const MAX_POOLED_BYTES = 256 << 20;

const free = new Map<number, Float32Array[]>();
let pooledBytes = 0;

/** A Float32Array of `length` floats, from the pool when one of that length is there; zero-filled when `zero`. */
export function takeFloat32(length: number, zero: boolean): Float32Array {
  const list = free.get(length);
  const buffer = list?.pop();
  if (!buffer) return new Float32Array(length);
  pooledBytes -= buffer.byteLength;
  if (zero) buffer.fill(0);
  return buffer;
}

/** Hands buffers back for later takeFloat32 calls; the caller must not touch them afterwards. */
export function giveBackFloat32(...buffers: (Float32Array | null)[]): void {
  for (const buffer of buffers) {
    if (!buffer || buffer.length < MIN_POOLED || buffer.byteOffset !== 0 || buffer.length !== buffer.buffer.byteLength / 4) continue;
    if (pooledBytes + buffer.byteLength > MAX_POOLED_BYTES) continue;
    let list = free.get(buffer.length);
    if (!list) free.set(buffer.length, (list = []));
    if (list.includes(buffer)) continue;
    list.push(buffer);
    pooledBytes += buffer.byteLength;
  }
}

/** Bytes the pool holds now (tests check that buffers come back). */
export function pooledFloat32Bytes(): number {
  return pooledBytes;
}
