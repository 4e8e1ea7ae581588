/**
 * The one seeded pseudo-random generator of freqlens: xoshiro128** (Blackman & Vigna, 2018), 32-bit
 * state words seeded by SplitMix32 from a single integer, normals by the Box–Muller transform. Same seed →
 * same sequence on every platform (integer arithmetic only, then one division). Every random choice in the
 * project (data order, initialisation, noise, bootstrap) draws from an {@link Rng} made from a seed.
 */

/** SplitMix32 step: returns the next 32-bit output for the state `s` (advanced by the golden ratio). */
function splitmix32(s: number): number {
  let z = s >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

/**
 * Mixes a seed with labels into a new 32-bit seed (FNV-1a over the labels' text, then SplitMix32), so
 * independent streams can be derived by name: `deriveSeed(seed, "init", layer)`.
 */
export function deriveSeed(seed: number, ...labels: (string | number)[]): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (const ch of labels.map(String).join("\u0000")) {
    h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  }
  return splitmix32((h + 0x9e3779b9) >>> 0);
}

/** A seeded xoshiro128** generator with uniform, integer, normal, shuffle and sampling helpers. */
export class Rng {
  /** The four 32-bit state words (never all zero). */
  readonly state: Uint32Array;
  private spare: number | null = null;

  /**
   * Seeds the state with four SplitMix32 outputs of `seed` (any number; its low 32 bits are used after
   * truncation towards zero).
   */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
    this.state = new Uint32Array(4);
    let s = Math.trunc(seed) >>> 0;
    for (let i = 0; i < 4; i++) {
      s = (s + 0x9e3779b9) >>> 0;
      this.state[i] = splitmix32(s);
    }
    if (this.state.every((v) => v === 0)) this.state[0] = 1;
  }

  /** A generator with the given raw state (for reproducing reference test vectors). */
  static fromState(state: readonly [number, number, number, number]): Rng {
    const r = new Rng(0);
    r.state.set(state.map((v) => v >>> 0));
    if (r.state.every((v) => v === 0)) throw new RangeError("xoshiro128** state must not be all zero");
    return r;
  }

  /** Next 32-bit unsigned integer (the xoshiro128** output function and state transition). */
  nextUint32(): number {
    const s = this.state;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n) without modulo bias (rejection sampling); n ≤ 2³². */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 32) {
      throw new RangeError(`int(n) needs 1 ≤ n ≤ 2^32, got ${n}`);
    }
    const limit = 2 ** 32 - (2 ** 32 % n);
    let x: number;
    do x = this.nextUint32(); while (x >= limit);
    return x % n;
  }

  /** Standard normal sample by Box–Muller (pairs are generated; the second is kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** `n` normal samples with mean `mean` and standard deviation `std` as a Float32Array. */
  normalArray(n: number, mean = 0, std = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = mean + std * this.normal();
    return out;
  }

  /** `n` uniform samples in [lo, hi) as a Float32Array. */
  uniformArray(n: number, lo = 0, hi = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * this.uniform();
    return out;
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(items: T): T {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** A random permutation of 0..n−1. */
  permutation(n: number): Int32Array {
    return this.shuffle(Int32Array.from({ length: n }, (_, i) => i));
  }

  /** A ±1 sign, each with probability 1/2. */
  sign(): 1 | -1 {
    return (this.nextUint32() & 1) === 0 ? 1 : -1;
  }
}
