/**
 * Repeated timings summarised the way every suite reports them: the median (the figure ratios use) and the
 * spread (min, max, quartiles), in items per second, so that run-to-run noise is visible beside a figure.
 */

/** Throughput over repetitions: `median` is what ratios use; `min`/`max`/`q1`/`q3` show the spread. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  q1: number;
  q3: number;
  reps: number;
}

/** Linear-interpolation quantile `q` ∈ [0, 1] of sorted `xs` (NumPy's default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError("quantile of no values");
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Throughput spread of `items` processed in each of the timed `seconds`. */
export function throughputSpread(items: number, seconds: readonly number[]): Spread {
  const rates = seconds.map((s) => items / s).sort((a, b) => a - b);
  return {
    median: quantile(rates, 0.5),
    min: rates[0],
    max: rates[rates.length - 1],
    q1: quantile(rates, 0.25),
    q3: quantile(rates, 0.75),
    reps: rates.length,
  };
}

/** Most timed calls {@link timeReps} makes to reach its `minSeconds`. */
const MAX_REPS = 50;

/** Wall seconds of each of at least `reps` calls of `f` after `warmup` untimed calls, continuing (up to
 * {@link MAX_REPS} calls) until the calls add up to `minSeconds`: a short workload then gets enough samples
 * for its median to outlast a moment of machine noise. */
export async function timeReps(
  f: () => unknown,
  warmup: number,
  reps: number,
  minSeconds = 0,
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await f();
  const out: number[] = [];
  let total = 0;
  while (out.length < reps || (total < minSeconds && out.length < MAX_REPS)) {
    const t0 = performance.now();
    await f();
    out.push((performance.now() - t0) / 1000);
    total += out[out.length - 1];
  }
  return out;
}
