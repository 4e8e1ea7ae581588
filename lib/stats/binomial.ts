/**
 * Intervals for a proportion of counts (success rates, accuracies): the Wilson score interval, which
 * stays inside [0, 1] and keeps its coverage near 0 and 1, where the normal approximation does not
 * (Brown, Cai & DasGupta 2001).
 *
 * Import it from this file: it is deliberately not re-exported by `lib/stats/mod.ts`, which nearly every
 * stage imports, so that adding it did not change those stages' cache keys (only the report reads it).
 */
import type { Interval } from "./bootstrap.ts";

/** Two-sided normal quantile for the usual levels (Wilson needs z; these three cover the project). */
const Z: Record<string, number> = {
  "0.9": 1.6448536269514722,
  "0.95": 1.959963984540054,
  "0.99": 2.5758293035489004,
};

/**
 * Wilson score interval of `k` successes in `n` trials at `level` (0.9, 0.95 or 0.99).
 *
 * @example wilsonInterval(8, 10) // → { estimate: 0.8, lo: 0.4902, hi: 0.9433 } (rounded)
 */
export function wilsonInterval(k: number, n: number, level = 0.95): Interval {
  const z = Z[String(level)];
  if (z === undefined) throw new RangeError(`wilsonInterval: level ${level} is not one of 0.9, 0.95, 0.99`);
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(k) || k < 0 || k > n) {
    throw new RangeError(`wilsonInterval: need integers 0 ≤ k ≤ n, n ≥ 1; got k=${k}, n=${n}`);
  }
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At k = 0 (k = n) the lower (upper) end is exactly 0 (1); the formula gets there only up to rounding.
  return {
    estimate: p,
    lo: k === 0 ? 0 : Math.max(0, centre - half),
    hi: k === n ? 1 : Math.min(1, centre + half),
  };
}
