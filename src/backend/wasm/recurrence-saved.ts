/**
 * What a recurrent forward pass leaves in wasm memory for its backward pass: the activated gates
 * (LSTM, GRU), all of h and c, and the LSTM's tanh(c), in one permanent region reused by every
 * call. The backward pass of the same call finds them there instead of copying them back in (for
 * the course's LSTM, ~60 MB an epoch). The gates stay in only, and so do h and c when every
 * sequence runs all steps (only the final states' slot goes out: the layer reads them); with
 * shorter sequences h and c go out whole.
 * When another forward pass needs the region first, it spills what stayed in into the holder's
 * arrays before taking over: a backward pass that finds another holder reads everything from the
 * caller's arrays, as without the region.
 */
import type { RecurrenceForward, RecurrenceShapes } from '../backend.js';
import { heapF32, need } from './instance.js';

/** Larger sequences keep the copies: the region is never given back, and wasm memory tops out at 4 GiB. */
const MAX_REGION_BYTES = 256 << 20;

/**
 * Byte offsets of the saved buffers in wasm memory (gates 0 when the region does not hold them).
 * tanhC: the LSTM's tanh(c) of each step ([steps, batch, hidden]); it is never spilled, since a
 * backward pass without the region computes it again from c.
 */
export interface SavedPointers { gates: number; h: number; c: number; tanhC: number }

interface Holder {
  /** The forward pass's h array: the call the region belongs to. */
  owner: Float32Array;
  /** Its gates array, where the gates are spilled to (null when the mode's backward needs none). */
  gates: Float32Array | null;
  /** Its h and c arrays while they hold only the final states, where the rest is spilled to. */
  states: { h: Float32Array; c: Float32Array | null } | null;
  floats: { gates: number; h: number; c: number; tanhC: number };
  ptrs: SavedPointers;
}

let region = { ptr: 0, bytes: 0 };
let holder: Holder | null = null;

function sizes(a: RecurrenceShapes, keepGates: boolean, GH: number): Holder['floats'] {
  const n = a.steps * a.batch;
  const lstm = a.mode === 'lstm';
  return { gates: keepGates ? n * GH : 0, h: (a.steps + 1) * a.batch * a.state, c: lstm ? (a.steps + 1) * a.batch * a.hidden : 0, tanhC: lstm ? n * a.hidden : 0 };
}

const align = (floats: number) => Math.ceil(floats / 16) * 64;

/** Writes what the holder kept only in the region (gates; h and c when they stayed in) into its arrays (they stay in the region too). */
export function spillSaved(): void {
  if (!holder) return;
  const heap = heapF32(need());
  const spill = (ptr: number, floats: number, to: Float32Array) => to.set(heap.subarray(ptr >> 2, (ptr >> 2) + floats));
  if (holder.gates) spill(holder.ptrs.gates, holder.floats.gates, holder.gates);
  if (holder.states) {
    spill(holder.ptrs.h, holder.floats.h, holder.states.h);
    if (holder.states.c) spill(holder.ptrs.c, holder.floats.c, holder.states.c);
    holder.states = null;
  }
}

/**
 * The region for this forward pass's gates, h and c, after spilling the previous holder's gates to
 * its array; null when they do not fit the cap (the caller then keeps everything in scratch space).
 * Call before allocating scratch space (growing the region drops the scratch allocations), and
 * keepSaved once the forward pass has filled it.
 */
export function claimSaved(a: RecurrenceForward, GH: number): SavedPointers | null {
  const keepGates = a.mode === 'lstm' || a.mode === 'gru';
  const floats = sizes(a, keepGates, GH);
  const bytes = align(floats.gates) + align(floats.h) + align(floats.c) + align(floats.tanhC);
  if (bytes > MAX_REGION_BYTES) return null;
  const rt = need();
  // the holder's gates live only here; a.gates is this call's output, so when it is the holder's own array those are dead
  if (holder?.gates !== a.gates) spillSaved();
  holder = null;
  if (region.bytes < bytes) {
    // grow by half again at least, so a run of growing sequences leaves at most about twice the largest behind
    const want = Math.min(MAX_REGION_BYTES, Math.max(bytes, Math.ceil(region.bytes * 1.5 / 64) * 64));
    const ptr = rt.exports.reserve(want) >>> 0;
    if (ptr === 0) return null;
    region = { ptr, bytes: want };
  }
  const h = region.ptr + align(floats.gates), c = h + align(floats.h);
  return { gates: region.ptr, h, c, tanhC: c + align(floats.c) };
}

/**
 * Marks the region as this forward pass's (after it ran to the end: one that fell back to the
 * reference left nothing there); statesKept: a.h and a.c got only the final states so far.
 */
export function keepSaved(a: RecurrenceForward, GH: number, ptrs: SavedPointers, statesKept: boolean): void {
  const keepGates = a.mode === 'lstm' || a.mode === 'gru';
  holder = { owner: a.h, gates: keepGates ? a.gates : null, states: statesKept ? { h: a.h, c: a.c } : null, floats: sizes(a, keepGates, GH), ptrs };
}

/** The forward pass that filled `h` needs its saved buffers no more: nothing is spilled into its arrays after this. */
export function dropSaved(h: Float32Array): void {
  if (holder?.owner === h) holder = null;
}

/** Where this backward pass's forward left its gates, h and c, or null when they must come from the caller's arrays. */
export function findSaved(a: RecurrenceShapes & { h: Float32Array; gates: Float32Array }, GH: number): SavedPointers | null {
  if (!holder || holder.owner !== a.h || (holder.gates !== null && holder.gates !== a.gates)) return null;
  const floats = sizes(a, holder.gates !== null, GH);
  if (floats.gates !== holder.floats.gates || floats.h !== holder.floats.h || floats.c !== holder.floats.c || floats.tanhC !== holder.floats.tanhC) return null;
  return holder.ptrs;
}
