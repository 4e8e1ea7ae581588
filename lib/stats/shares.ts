/**
 * Low / middle / high shares of a band profile: how much of a per-band quantity (energy, mean RCT, logit
 * drop) sits in the lowest, middle and highest third of the frequency bands.
 *
 * Split: of B bands (0 = lowest), band b belongs to third `⌊3b / B⌋` (0 low, 1 middle, 2 high). When B is
 * a multiple of 3 the thirds are equal; otherwise the low third, then the middle third, gets the one or two
 * extra bands: B = 3q + 1 → (q + 1, q, q) bands; B = 3q + 2 → (q + 1, q + 1, q). E.g. 32×32 images:
 * 63 bands → 21/21/21 (bands 0–20, 21–41, 42–62); 28×28: 55 bands → 19/18/18.
 */
import { type BootstrapOptions, bootstrapVector, columnMeans, type Interval } from "./bootstrap.ts";

/** Shares of a profile's total in the low, middle and high thirds of its bands; they sum to 1. */
export interface BandShares {
  low: number;
  middle: number;
  high: number;
}

/** Third (0 low, 1 middle, 2 high) of band `b` among `bands` bands: `⌊3b / bands⌋`. */
export function thirdOf(b: number, bands: number): 0 | 1 | 2 {
  if (!Number.isInteger(b) || b < 0 || b >= bands) {
    throw new RangeError(`band ${b} out of range 0..${bands - 1}`);
  }
  return Math.floor((3 * b) / bands) as 0 | 1 | 2;
}

/** Number of bands in each third `[low, middle, high]` of `bands` bands (see the module doc). */
export function thirdSizes(bands: number): [number, number, number] {
  const sizes: [number, number, number] = [0, 0, 0];
  for (let b = 0; b < bands; b++) sizes[thirdOf(b, bands)]++;
  return sizes;
}

/**
 * Shares of a non-negative band profile (`[B]`, B ≥ 3) in the low, middle and high thirds of the bands.
 * Throws a RangeError on a negative or non-finite entry, or an all-zero profile.
 */
export function bandShares(profile: ArrayLike<number>): BandShares {
  const bands = profile.length;
  if (bands < 3) throw new RangeError(`bandShares needs at least 3 bands, got ${bands}`);
  const sums = [0, 0, 0];
  for (let b = 0; b < bands; b++) {
    const v = profile[b];
    if (!(v >= 0) || !Number.isFinite(v)) {
      throw new RangeError(`band ${b} of the profile is ${v}; shares need values ≥ 0`);
    }
    sums[thirdOf(b, bands)] += v;
  }
  const total = sums[0] + sums[1] + sums[2];
  if (total === 0) throw new RangeError("bandShares of an all-zero profile is undefined");
  return { low: sums[0] / total, middle: sums[1] / total, high: sums[2] / total };
}

/** {@link BandShares} with a percentile bootstrap interval per share. */
export interface BandSharesCI {
  low: Interval;
  middle: Interval;
  high: Interval;
}

/**
 * Band shares of the mean profile over images, with bootstrap intervals over images: `rows` holds one
 * profile per image (`[N, B]` row-major); each resample draws N images with replacement, averages their
 * profiles and takes the shares of that mean profile.
 */
export function bandSharesCI(rows: ArrayLike<number>, n: number, options: BootstrapOptions): BandSharesCI {
  if (n < 1 || rows.length % n !== 0) {
    throw new RangeError(`cannot split ${rows.length} values into ${n} rows`);
  }
  const bands = rows.length / n;
  const [low, middle, high] = bootstrapVector(n, (idx) => {
    const s = bandShares(columnMeans(rows, bands, idx));
    return [s.low, s.middle, s.high];
  }, options);
  return { low, middle, high };
}
