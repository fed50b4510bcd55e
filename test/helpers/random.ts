/** Deterministic random numbers for kernel tests, so a failure reproduces. */

/** mulberry32: uniform numbers in [0, 1) from a 32-bit seed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n values uniform in [shift - scale, shift + scale). */
export function randomArray(n: number, rand: () => number, scale = 1, shift = 0): Float32Array {
  return Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale + shift);
}
