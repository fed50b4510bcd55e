// The memory arena of nabla's WebAssembly kernels: a bump allocator over linear memory, 64-byte aligned.
// reserve() makes permanent allocations (it first drops the scratch ones); alloc() makes scratch
// allocations that reset() drops. Each module instance has its own arena state; in a multi-thread
// setup only one instance allocates and hands pointers to the others.

let heapFloor: usize = 0;
let heapTop: usize = 0;

function initHeap(): void {
  if (heapTop == 0) {
    heapTop = (__heap_base + 63) & ~(<usize>63);
    heapFloor = heapTop;
  }
}

function bump(bytes: usize): usize {
  initHeap();
  const p = heapTop;
  const end = (<u64>p + <u64>bytes + 63) & ~(<u64>63);
  if (end > (<u64>1 << 32)) return 0;
  const have = <u64>memory.size() << 16;
  if (end > have) {
    const pages = <i32>((end - have + 0xffff) >> 16);
    if (memory.grow(pages) < 0) return 0;
  }
  heapTop = <usize>end;
  return p;
}

/** Scratch allocation (dropped by reset()). Returns 0 when memory cannot grow. */
export function alloc(bytes: usize): usize {
  return bump(bytes);
}

/** Drops every scratch allocation. */
export function reset(): void {
  initHeap();
  heapTop = heapFloor;
}

/** Permanent allocation. Drops the scratch allocations first. Returns 0 on failure. */
export function reserve(bytes: usize): usize {
  reset();
  const p = bump(bytes);
  if (p != 0) heapFloor = heapTop;
  return p;
}

/** First byte past the permanent allocations. */
export function heapBase(): usize {
  initHeap();
  return heapFloor;
}
