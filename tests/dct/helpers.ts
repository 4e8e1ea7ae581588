/** Shared helpers of the DCT tests: seeded data and the textbook (brute-force) DCT-II double sum. */

/** Deterministic pseudo-random values in [0, 1) (a linear congruential sequence; tests only). */
export function seededValues(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32;
  }
  return out;
}

/**
 * Orthonormal 2-D DCT-II by its textbook definition, NHWC, per channel:
 * `Y[k,l] = α_k α_l Σ_m Σ_n x[m,n] cos(π(2m+1)k / 2H) cos(π(2n+1)l / 2W)`, `α_0 = √(1/N)`, `α_k = √(2/N)`.
 */
export function bruteDct2(x: ArrayLike<number>, [n, h, w, c]: readonly number[]): Float64Array {
  const out = new Float64Array(n * h * w * c);
  const a = (k: number, len: number) => Math.sqrt((k === 0 ? 1 : 2) / len);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      for (let k = 0; k < h; k++) {
        for (let l = 0; l < w; l++) {
          let s = 0;
          for (let m = 0; m < h; m++) {
            for (let q = 0; q < w; q++) {
              s += x[((b * h + m) * w + q) * c + ch] * Math.cos((Math.PI * (2 * m + 1) * k) / (2 * h)) *
                Math.cos((Math.PI * (2 * q + 1) * l) / (2 * w));
            }
          }
          out[((b * h + k) * w + l) * c + ch] = a(k, h) * a(l, w) * s;
        }
      }
    }
  }
  return out;
}

/** Largest absolute elementwise difference. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
