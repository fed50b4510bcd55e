/**
 * The storage pool: typed arrays that the engine has proved nobody else can reach (a gradient the
 * backward walk consumed, a tensor an op made for its gradient rule alone, a parameter's gradient
 * no user code ever read) come back here, and new tensors of the same dtype and length take them
 * instead of fresh ones. A fresh large array costs page faults (the allocator maps it from the
 * system and unmaps it when freed); a reused one costs a fill. The size classes are exact lengths,
 * so a storage's array is never longer than its tensors assume.
 *
 * Only explicit release points feed it: a FinalizationRegistry cannot return an array (its target
 * is gone when it runs), and its callbacks never run inside a synchronous training loop anyway.
 * Arrays nobody releases are simply collected.
 */
import { profileHooks } from '../util/profile-hooks.js';
import type { DType, TypedArray } from './dtype.js';

/** Shorter arrays come from the engine's own heap cheaply: pooling them saves nothing. */
const MIN_POOLED_ELEMENTS = 4096;
/** At most this many bytes wait in the pool; beyond it the arrays that waited longest go to the collector. */
let maxPooledBytes = 256 * 2 ** 20;

/** What a released storage's array becomes, so a stale view reads nothing instead of someone else's values. */
const RELEASED: Record<DType, TypedArray> = { float32: new Float32Array(0), int32: new Int32Array(0), bool: new Uint8Array(0) };

const free: Record<DType, Map<number, TypedArray[]>> = { float32: new Map(), int32: new Map(), bool: new Map() };
/** Every waiting array, oldest first (lengths that stop recurring, such as a last smaller batch, age out). */
const waiting = new Set<TypedArray>();
let pooledBytes = 0;
/** Arrays handed out while a profile runs, so their storages count as reused, not allocated. */
const reusedArrays = new WeakSet<TypedArray>();
const stats = { reused: 0, reusedBytes: 0, released: 0, releasedBytes: 0 };

/** An array of `length` elements, zero-filled unless `zero` is false: a pooled one when one of that dtype and length waits, else a fresh one (null). */
export function takePooled(dtype: DType, length: number, zero = true): TypedArray | null {
  if (length < MIN_POOLED_ELEMENTS) return null;
  const list = free[dtype].get(length);
  const data = list?.pop();
  if (!data) return null;
  waiting.delete(data);
  pooledBytes -= data.byteLength;
  stats.reused++;
  stats.reusedBytes += data.byteLength;
  if (profileHooks) {
    profileHooks.storageReused(data.byteLength);
    reusedArrays.add(data);
  }
  if (zero) data.fill(0);
  return data;
}

/** A float32 work buffer an op keeps outside any tensor (a recurrent layer's saved gates and states): pooled when one waits, else fresh. */
export function takeFloat32(length: number, zero: boolean): Float32Array {
  return (takePooled('float32', length, zero) as Float32Array | null) ?? new Float32Array(length);
}

/** Whether `data` came out of the pool while a profile ran (its storage is no fresh allocation). */
export function cameFromPool(data: TypedArray): boolean {
  return reusedArrays.has(data);
}

/** The part of a storage the pool needs: its array, which release replaces. */
export interface PoolableStorage {
  data: TypedArray;
}

/**
 * Gives `storage`'s array to the pool. The caller has proved that nothing the user can reach reads
 * or writes this storage from now on; its array is replaced by an empty one, so any view the proof
 * missed reads no values at all (a length mismatch, NaN) rather than another tensor's.
 */
export function releaseStorage(storage: PoolableStorage, dtype: DType): void {
  const data = storage.data;
  if (data.length < MIN_POOLED_ELEMENTS || data === RELEASED[dtype]) return;
  storage.data = RELEASED[dtype];
  releaseArray(dtype, data);
}

/**
 * Gives a whole array (no view into a larger buffer) to the pool; the caller has proved that
 * nothing reads or writes it from now on. Arrays the pool holds already are not added twice.
 */
export function releaseArray(dtype: DType, data: TypedArray): void {
  if (data.length < MIN_POOLED_ELEMENTS || data.byteLength > maxPooledBytes || waiting.has(data)) return;
  if (data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength) return;
  evictUntil(maxPooledBytes - data.byteLength);
  let list = free[dtype].get(data.length);
  if (!list) free[dtype].set(data.length, (list = []));
  list.push(data);
  waiting.add(data);
  pooledBytes += data.byteLength;
  stats.released++;
  stats.releasedBytes += data.byteLength;
}

/** Drops the arrays that waited longest until at most `bytes` wait. */
function evictUntil(bytes: number): void {
  for (const data of waiting) {
    if (pooledBytes <= bytes) return;
    const list = free[dtypeOfPooled(data)].get(data.length)!;
    list.splice(list.indexOf(data), 1);
    waiting.delete(data);
    pooledBytes -= data.byteLength;
  }
}

function dtypeOfPooled(data: TypedArray): DType {
  return data instanceof Float32Array ? 'float32' : data instanceof Int32Array ? 'int32' : 'bool';
}

/** Sets how many bytes may wait in the pool (evicting the oldest arrays now if more do); returns the previous limit. */
export function setStoragePoolLimit(bytes: number): number {
  const previous = maxPooledBytes;
  maxPooledBytes = bytes;
  evictUntil(bytes);
  return previous;
}

/** Whether `storage` was released (its array is the empty stand-in). */
export function isReleased(storage: PoolableStorage, dtype: DType): boolean {
  return storage.data === RELEASED[dtype];
}

/** Counts since the process started (or the last clearStoragePool): arrays reused and released, and the bytes waiting now. */
export interface StoragePoolStats {
  reused: number;
  reusedBytes: number;
  released: number;
  releasedBytes: number;
  pooledBytes: number;
}

/** The pool's counters. */
export function storagePoolStats(): StoragePoolStats {
  return { ...stats, pooledBytes };
}

/** Drops every waiting array (for the collector) and zeroes the counters. */
export function clearStoragePool(): void {
  for (const d of Object.values(free)) d.clear();
  waiting.clear();
  pooledBytes = 0;
  stats.reused = stats.reusedBytes = stats.released = stats.releasedBytes = 0;
}
