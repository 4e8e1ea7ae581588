/**
 * Relative change of DCT coefficients (RCT) under an attack: where in frequency an adversarial
 * perturbation changes the image, relative to how much of the image is there.
 *
 * Per image, channel and coefficient (i, j): `R = |DCT(x′) − DCT(x)| / max(|DCT(x)|, floor)`, with the
 * orthonormal 2-D DCT of lib/dct. The floor keeps coefficients of x near 0 from dividing by ~0 (the ratio
 * of a change to a near-zero coefficient is unbounded and would dominate the mean); it is a parameter,
 * default {@link DEFAULT_RCT_FLOOR}, and every summary records it. The RCT map is the mean of R over
 * images (`[H, W, C]`, and channel-averaged `[H, W]`); its band profile is the mean per band (diagonal
 * i + j by default); band shares split the profile into low / middle / high thirds of the bands
 * (lib/stats), with percentile bootstrap intervals over images.
 *
 * The authors' variant (`variant: "channel_mean"`, their `attack_analysis.py`): the DCT is averaged over
 * channels first and then divided, `R = |mean_c DCT(x′) − mean_c DCT(x)| / |mean_c DCT(x)|`, with no
 * floor (`floor: null`). A coefficient whose denominator is exactly 0 has no defined ratio: it is
 * excluded from every mean (the map's mean over images at that coefficient, and the band profiles) and
 * counted in {@link RctAnalysis.excluded}. Profiles pool values: a band's profile is the sum of its valid
 * R over images and coefficients divided by their count (with no exclusions, the mean of the per-image
 * profiles).
 */
import { type BandKind, bandMap, dct2, numBands } from "../dct/mod.ts";
import { bandShares, type BandSharesCI, type BootstrapOptions, bootstrapVector } from "../stats/mod.ts";

/** Default floor of |DCT(x)| in the RCT denominator (pixel values in [0, 1], orthonormal DCT). */
export const DEFAULT_RCT_FLOOR = 1e-2;

/** Clean and adversarial images of the same shape, NHWC in [0, 1]. */
export interface ImagePairs {
  clean: ArrayLike<number>;
  adversarial: ArrayLike<number>;
  /** `[N, H, W, C]`. */
  shape: readonly [number, number, number, number];
}

/** Invalid RCT input: names the offending value. */
export class RctError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RctError";
  }
}

function checkPairs({ clean, adversarial, shape }: ImagePairs, floor: number): void {
  const size = shape.reduce((a, b) => a * b, 1);
  if (clean.length !== size || adversarial.length !== size) {
    throw new RctError(
      `clean (${clean.length}) and adversarial (${adversarial.length}) must both hold [${shape}] = ${size} values`,
    );
  }
  if (!(floor > 0) || !Number.isFinite(floor)) throw new RctError(`floor ${floor} must be a positive number`);
}

/** R per image `[N, H, W, C]` (float64): `|DCT(x′) − DCT(x)| / max(|DCT(x)|, floor)`. */
export function rctPerImage(pairs: ImagePairs, floor = DEFAULT_RCT_FLOOR): Float64Array {
  checkPairs(pairs, floor);
  return rctValues(pairs, "per_channel", floor).r;
}

/** How the RCT treats channels: per channel (freqlens) or on the channel-averaged DCT (the authors'). */
export type RctVariant = "per_channel" | "channel_mean";

/**
 * R of every image and coefficient, `[N, H, W, C]` (`per_channel`) or `[N, H, W, 1]` (`channel_mean`),
 * and with `floor: null` a validity mask (0 where the denominator is 0; R is then 0 there).
 */
export function rctValues(
  pairs: ImagePairs,
  variant: RctVariant,
  floor: number | null,
): { r: Float64Array; valid: Uint8Array | null; channels: number } {
  checkPairs(pairs, floor ?? 1);
  const [n, h, w, c] = pairs.shape;
  const x = Float64Array.from(pairs.clean);
  let cx: Float64Array = dct2(x, pairs.shape);
  let cd: Float64Array = dct2(Float64Array.from(pairs.adversarial, (v, i) => v - x[i]), pairs.shape);
  if (variant === "channel_mean") [cx, cd] = [channelMean(cx, n * h * w, c), channelMean(cd, n * h * w, c)];
  const valid = floor === null ? Uint8Array.from(cx, (v) => (v !== 0 ? 1 : 0)) : null;
  const r = cd.map((d, i) =>
    floor !== null ? Math.abs(d) / Math.max(Math.abs(cx[i]), floor) : cx[i] !== 0 ? Math.abs(d / cx[i]) : 0
  );
  return { r, valid, channels: variant === "channel_mean" ? 1 : c };
}

function channelMean(v: Float64Array, cells: number, c: number): Float64Array {
  const out = new Float64Array(cells);
  for (let p = 0; p < cells; p++) {
    let s = 0;
    for (let ch = 0; ch < c; ch++) s += v[p * c + ch];
    out[p] = s / c;
  }
  return out;
}

/** Per-image band sums and counts of a per-coefficient quantity, `[N, B]` each; profiles pool them. */
export interface BandRows {
  n: number;
  bands: number;
  sums: Float64Array;
  counts: Float64Array;
}

/** The pooled band profile of the images at `idx` (repeats count): Σ sums / Σ counts per band (0 if none). */
export function pooledProfile(rows: BandRows, idx: ArrayLike<number>): Float64Array {
  const { bands, sums, counts } = rows;
  const s = new Float64Array(bands), k = new Float64Array(bands);
  for (let t = 0; t < idx.length; t++) {
    const o = idx[t] * bands;
    for (let b = 0; b < bands; b++) [s[b], k[b]] = [s[b] + sums[o + b], k[b] + counts[o + b]];
  }
  return s.map((v, b) => (k[b] > 0 ? v / k[b] : 0));
}

/** All image indices 0..n−1. */
export function allImages(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

/**
 * Band rows of values `[N, H, W, C]` under `kind` bands: sums and counts of the valid values (all when
 * `valid` is null) per image and band.
 */
export function bandRows(
  values: ArrayLike<number>,
  valid: Uint8Array | null,
  shape: readonly [number, number, number, number],
  kind: BandKind = "diagonal",
): BandRows {
  const [n, h, w, c] = shape;
  const map = bandMap(h, w, kind);
  const bands = numBands(h, w, kind);
  const sums = new Float64Array(n * bands), counts = new Float64Array(n * bands);
  for (let img = 0; img < n; img++) {
    for (let p = 0; p < h * w; p++) {
      const o = img * bands + map[p];
      for (let ch = 0; ch < c; ch++) {
        const i = (img * h * w + p) * c + ch;
        if (valid && !valid[i]) continue;
        sums[o] += values[i];
        counts[o]++;
      }
    }
  }
  return { n, bands, sums, counts };
}

/** Low / middle / high shares of the pooled profile, with percentile bootstrap intervals over images. */
export function pooledSharesCI(rows: BandRows, options: BootstrapOptions): BandSharesCI {
  const [low, middle, high] = bootstrapVector(rows.n, (idx) => {
    const s = bandShares(pooledProfile(rows, idx));
    return [s.low, s.middle, s.high];
  }, options);
  return { low, middle, high };
}

/** Everything {@link rctAnalysis} computes. */
export interface RctAnalysis {
  /** Mean R over images, `[H, W, C′]` row-major (C′ = C, or 1 for `channel_mean`). */
  map: Float64Array;
  /** {@link RctAnalysis.map} averaged over channels, `[H, W]`. */
  mean: Float64Array;
  /** Pooled mean of R per band, `[B]`, low to high. */
  profile: Float64Array;
  /** Per-image band profiles `[N, B]` (mean of the image's valid R per band; 0 where none is valid). */
  imageProfiles: Float64Array;
  /** Per-image band sums and counts (for paired tests against a null). */
  rows: BandRows;
  /** Low / middle / high shares of the profile with bootstrap intervals; null when R is 0 everywhere. */
  shares: BandSharesCI | null;
  /** The floor, or null (no floor: zero denominators excluded). */
  floor: number | null;
  variant: RctVariant;
  bandKind: BandKind;
  /** (image, coefficient[, channel]) entries excluded for a zero denominator (only with `floor: null`). */
  excluded: number;
}

/** Options of {@link rctAnalysis}. */
export interface RctOptions {
  /** Floor of |DCT(x)| (default {@link DEFAULT_RCT_FLOOR}); null: none, zero denominators excluded. */
  floor?: number | null;
  /** `per_channel` (default) or the authors' `channel_mean`. */
  variant?: RctVariant;
  /** Band grouping of the profile (default `diagonal`). */
  bandKind?: BandKind;
  /** Bootstrap of the band shares over images (seed required). */
  bootstrap: BootstrapOptions;
}

/** RCT map, channel mean, band profile and band shares with bootstrap intervals of image pairs. */
export function rctAnalysis(pairs: ImagePairs, options: RctOptions): RctAnalysis {
  const floor = options.floor === undefined ? DEFAULT_RCT_FLOOR : options.floor;
  const variant = options.variant ?? "per_channel";
  const bandKind = options.bandKind ?? "diagonal";
  const [n, h, w] = pairs.shape;
  if (n < 1) throw new RctError("RCT needs at least one image pair");
  const { r, valid, channels: c } = rctValues(pairs, variant, floor);
  const per = h * w * c;
  const map = new Float64Array(per);
  const seen = new Float64Array(per);
  for (let img = 0; img < n; img++) {
    for (let p = 0; p < per; p++) {
      if (valid && !valid[img * per + p]) continue;
      map[p] += r[img * per + p];
      seen[p]++;
    }
  }
  for (let p = 0; p < per; p++) map[p] = seen[p] > 0 ? map[p] / seen[p] : 0;
  const mean = new Float64Array(h * w);
  for (let p = 0; p < h * w; p++) for (let ch = 0; ch < c; ch++) mean[p] += map[p * c + ch] / c;
  const rows = bandRows(r, valid, [n, h, w, c], bandKind);
  const imageProfiles = rows.sums.map((v, i) => (rows.counts[i] > 0 ? v / rows.counts[i] : 0));
  const profile = pooledProfile(rows, allImages(n));
  const excluded = valid ? valid.reduce((a, v) => a + (v ? 0 : 1), 0) : 0;
  const nonzero = profile.some((v) => v > 0);
  const shares = nonzero && rows.bands >= 3 ? pooledSharesCI(rows, options.bootstrap) : null;
  return { map, mean, profile, imageProfiles, rows, shares, floor, variant, bandKind, excluded };
}
