import type { OptionTest } from '../util/options.js';

/**
 * One xoshiro128** draw from the state held in s[o .. o + 4), advanced in place: the Generator's step,
 * also used by kernels' reference twins that keep several streams in one array.
 */
export function xoshiroNext(s: Uint32Array, o: number): number {
  const result = Math.imul(rotl(Math.imul(s[o + 1]!, 5), 7), 9) >>> 0;
  const t = s[o + 1]! << 9;
  s[o + 2] ^= s[o]!;
  s[o + 3] ^= s[o + 1]!;
  s[o + 1] ^= s[o + 2]!;
  s[o] ^= s[o + 3]!;
  s[o + 2] ^= t;
  s[o + 3] = rotl(s[o + 3]!, 11);
  return result;
}

/**
 * Seeded pseudo-random numbers (xoshiro128**, seeded through splitmix32), so a run with the same
 * `manualSeed` repeats exactly. Not PyTorch's Mersenne Twister: seeds give different numbers than
 * PyTorch's, but the same numbers on every run and every platform.
 */
export class Generator {
  private s = new Uint32Array(4);
  private spareNormal: number | null = null;
  private initialSeed = 0;

  constructor(seed = Date.now()) {
    this.manualSeed(seed);
  }

  manualSeed(seed: number): this {
    this.initialSeed = seed;
    let x = (seed >>> 0) ^ Math.floor(seed / 4294967296);
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if (this.s.every((v) => v === 0)) this.s[0] = 1;
    this.spareNormal = null;
    return this;
  }

  seed(): number {
    return this.initialSeed;
  }

  /** The generator's full state, for checkpoints. */
  getState(): number[] {
    return [...this.s, this.spareNormal === null ? NaN : this.spareNormal];
  }

  setState(state: readonly number[]): void {
    if (state.length !== 5) throw new Error('Generator.setState: expected a state of 5 numbers from getState()');
    for (let i = 0; i < 4; i++) this.s[i] = state[i] >>> 0;
    this.spareNormal = Number.isNaN(state[4]) ? null : state[4];
  }

  nextUint32(): number {
    return xoshiroNext(this.s, 0);
  }

  /** Uniform in [0, 1) with 24 random bits, exactly representable in float32. */
  random(): number {
    return (this.nextUint32() >>> 8) / 16777216;
  }

  /**
   * Fills `out` with dropout's scaled mask: `keep` where random() >= p, else 0, drawing one random()
   * per element in order (the same numbers and mask as that loop), with the state in locals: several
   * times faster than calling random() per element. A Uint8Array with keep = 1 holds the mask as bits.
   * No branch on the draw: one the CPU cannot predict costs more than the draw itself.
   */
  fillDropoutMask(out: Float32Array | Uint8Array, p: number, keep: number): void {
    const st = this.s;
    let s0 = st[0], s1 = st[1], s2 = st[2], s3 = st[3];
    // random() >= p exactly when its 24 bits >= ceil(p * 2^24), i.e. when last - bits is negative
    const last = Math.ceil(p * 16777216) - 1;
    for (let i = 0; i < out.length; i++) {
      const m = Math.imul(s1, 5);
      const bits = (Math.imul((m << 7) | (m >>> 25), 9) >>> 8);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      out[i] = ((last - bits) >>> 31) * keep;
    }
    st[0] = s0;
    st[1] = s1;
    st[2] = s2;
    st[3] = s3;
  }

  /** Uniform integer in [low, high). */
  randint(low: number, high: number): number {
    const range = high - low;
    if (range <= 4294967296) {
      // rejection sampling keeps the draw unbiased
      const limit = Math.floor(4294967296 / range) * range;
      let v = this.nextUint32();
      while (v >= limit) v = this.nextUint32();
      return low + (v % range);
    }
    return low + Math.floor(this.random() * range);
  }

  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

/** The options check of a `generator` option that must be a Generator (checkOptions' value test). */
export const GENERATOR_OPTION: OptionTest = { test: (v) => v instanceof Generator, expected: 'a Generator' };

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** The generator random functions use when none is given (reseed it with `manualSeed`). */
export const defaultGenerator = new Generator(0x5eed);

/** Seeds the default generator, like `torch.manual_seed`. */
export function manualSeed(seed: number): Generator {
  return defaultGenerator.manualSeed(seed);
}
