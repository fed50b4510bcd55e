/**
 * The slot through which the profiler (src/profile/) hears about work done in the layers below it:
 * tensor allocations, autograd records and backward nodes, grad-mode switches, backend activation
 * and copies into and out of wasm memory. It is null unless a profile is running, so each hook site
 * costs one null check when profiling is off.
 */
export interface ProfileHooks {
  /** A tensor storage of `bytes` bytes was created on a fresh array. */
  tensorAllocated(bytes: number): void;
  /** A tensor storage of `bytes` bytes took an array from the storage pool instead. */
  storageReused(bytes: number): void;
  /** `copies` copies (1 unless given) of `bytes` bytes in all were made between JS typed arrays and wasm memory. */
  wasmCopy(bytes: number, copies?: number): void;
  /** A forward op recorded itself (autograd's `record`, called whether or not it builds a graph). */
  opRecorded(name: string): void;
  /** Backward starts a step: a gradient rule (`<op>.backward`) or adding a gradient into a leaf's .grad (`accumulateGrad`). */
  backwardStepStart(name: string): void;
  /** That step returned or threw. */
  backwardStepEnd(): void;
  /** Grad mode was switched (noGrad, enableGrad, setGradEnabled): work on either side belongs to different ops. */
  gradModeChanged(): void;
  /** The registry made `backend` the active one. */
  backendActivated(backend: object): void;
}

/** The running profiler's hooks, or null when no profile runs. */
export let profileHooks: ProfileHooks | null = null;

/** Installs (or with null removes) the profiler's hooks. */
export function setProfileHooks(hooks: ProfileHooks | null): void {
  profileHooks = hooks;
}
