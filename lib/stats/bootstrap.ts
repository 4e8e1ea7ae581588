/**
 * Percentile bootstrap confidence intervals (Efron): resample the n observations with replacement B times
 * with a seeded {@link Rng}, compute the statistic on each resample, and take the α/2 and 1 − α/2 quantiles
 * (linear interpolation between order statistics, NumPy's default `quantile` method) of the B values.
 */
import { Rng } from "./rng.ts";

/** A point estimate (the statistic on the full sample) and its percentile interval. */
export interface Interval {
  estimate: number;
  lo: number;
  hi: number;
}

/** Options of the bootstrap. */
export interface BootstrapOptions {
  /** Seed of the resampling (required: same seed, same interval). */
  seed: number;
  /** Number of resamples B (default 1000). */
  resamples?: number;
  /** Coverage level in (0, 1) (default 0.95). */
  level?: number;
}

/** The q-quantile (0 ≤ q ≤ 1) of sorted values, linearly interpolated (NumPy's "linear" method). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) throw new RangeError("quantile of an empty sample");
  const pos = q * (sorted.length - 1);
  const i = Math.floor(pos);
  const frac = pos - i;
  return i + 1 < sorted.length ? sorted[i] + frac * (sorted[i + 1] - sorted[i]) : sorted[i];
}

/**
 * Bootstrap intervals for a vector-valued statistic of n observations. `statistic(indices)` computes the
 * statistic on the observations at `indices` (length n, with repeats); it is first called on 0..n−1 for
 * the estimate. Returns one {@link Interval} per component.
 */
export function bootstrapVector(
  n: number,
  statistic: (indices: Int32Array) => ArrayLike<number>,
  options: BootstrapOptions,
): Interval[] {
  const resamples = options.resamples ?? 1000;
  const level = options.level ?? 0.95;
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`bootstrap needs at least one observation, got ${n}`);
  }
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be in (0, 1), got ${level}`);
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new RangeError(`resamples must be ≥ 1, got ${resamples}`);
  }
  const full = Array.from(statistic(Int32Array.from({ length: n }, (_, i) => i)));
  const k = full.length;
  const draws = Array.from({ length: k }, () => new Float64Array(resamples));
  const rng = new Rng(options.seed);
  const idx = new Int32Array(n);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < n; i++) idx[i] = rng.int(n);
    const s = statistic(idx);
    for (let j = 0; j < k; j++) draws[j][b] = s[j];
  }
  const alpha = 1 - level;
  return full.map((estimate, j) => {
    const sorted = draws[j].sort();
    return { estimate, lo: quantileSorted(sorted, alpha / 2), hi: quantileSorted(sorted, 1 - alpha / 2) };
  });
}

/** Percentile bootstrap interval of the mean of `values`. */
export function bootstrapMeanCI(values: ArrayLike<number>, options: BootstrapOptions): Interval {
  return bootstrapVector(values.length, (idx) => {
    let s = 0;
    for (const i of idx) s += values[i];
    return [s / idx.length];
  }, options)[0];
}

/**
 * Percentile bootstrap intervals of the column means of `rows` (`[N, D]` row-major, e.g. per-image band
 * profiles): resamples images, one interval per column.
 */
export function bootstrapColumnMeansCI(
  rows: ArrayLike<number>,
  n: number,
  options: BootstrapOptions,
): Interval[] {
  if (n < 1 || rows.length % n !== 0) {
    throw new RangeError(`cannot split ${rows.length} values into ${n} rows`);
  }
  const d = rows.length / n;
  return bootstrapVector(n, (idx) => columnMeans(rows, d, idx), options);
}

/** Means of the columns of `[N, D]` row-major `rows` over the rows listed in `idx` (repeats count). */
export function columnMeans(rows: ArrayLike<number>, d: number, idx: ArrayLike<number>): Float64Array {
  const out = new Float64Array(d);
  for (let t = 0; t < idx.length; t++) {
    const base = idx[t] * d;
    for (let j = 0; j < d; j++) out[j] += rows[base + j];
  }
  for (let j = 0; j < d; j++) out[j] /= idx.length;
  return out;
}
