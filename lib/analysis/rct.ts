/**
 * Relative change of DCT coefficients (RCT) under an attack: where in frequency an adversarial
 * perturbation changes the image, relative to how much of the image is there.
 *
 * Per image, channel and coefficient (i, j): `R = |DCT(x′) − DCT(x)| / max(|DCT(x)|, floor)`, with the
 * orthonormal 2-D DCT of lib/dct. The floor keeps coefficients of x near 0 from dividing by ~0 (the ratio
 * of a change to a near-zero coefficient is unbounded and would dominate the mean); it is a parameter,
 * default {@link DEFAULT_RCT_FLOOR}, and every summary records it. The RCT map is the mean of R over
 * images (`[H, W, C]`, and channel-averaged `[H, W]`); its band profile is the mean per diagonal band
 * i + j; band shares split the profile into low / middle / high thirds of the bands (lib/stats), with
 * percentile bootstrap intervals over images.
 */
import { bandProfile, dct2, numBands } from "../dct/mod.ts";
import { type BandSharesCI, bandSharesCI, type BootstrapOptions } from "../stats/mod.ts";

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
  const x = Float64Array.from(pairs.clean);
  const cx = dct2(x, pairs.shape);
  const cd = dct2(Float64Array.from(pairs.adversarial, (v, i) => v - x[i]), pairs.shape);
  return cd.map((d, i) => Math.abs(d) / Math.max(Math.abs(cx[i]), floor));
}

/** Everything {@link rctAnalysis} computes. */
export interface RctAnalysis {
  /** Mean R over images, `[H, W, C]` row-major. */
  map: Float64Array;
  /** {@link RctAnalysis.map} averaged over channels, `[H, W]`. */
  mean: Float64Array;
  /** Mean of {@link RctAnalysis.mean} per diagonal band i + j, `[H + W − 1]`, low to high. */
  profile: Float64Array;
  /** Per-image band profiles `[N, H + W − 1]` (their mean over images is `profile`). */
  imageProfiles: Float64Array;
  /** Low / middle / high shares of the profile with bootstrap intervals; null when R is 0 everywhere. */
  shares: BandSharesCI | null;
  floor: number;
}

/** Options of {@link rctAnalysis}. */
export interface RctOptions {
  /** Floor of |DCT(x)| (default {@link DEFAULT_RCT_FLOOR}). */
  floor?: number;
  /** Bootstrap of the band shares over images (seed required). */
  bootstrap: BootstrapOptions;
}

/** RCT map, channel mean, band profile and band shares with bootstrap intervals of image pairs. */
export function rctAnalysis(pairs: ImagePairs, options: RctOptions): RctAnalysis {
  const floor = options.floor ?? DEFAULT_RCT_FLOOR;
  const [n, h, w, c] = pairs.shape;
  if (n < 1) throw new RctError("RCT needs at least one image pair");
  const r = rctPerImage(pairs, floor);
  const map = new Float64Array(h * w * c);
  for (let img = 0; img < n; img++) {
    for (let p = 0; p < map.length; p++) map[p] += r[img * map.length + p] / n;
  }
  const mean = new Float64Array(h * w);
  for (let p = 0; p < h * w; p++) for (let ch = 0; ch < c; ch++) mean[p] += map[p * c + ch] / c;
  // Mean per band over coefficients and channels = mean per band of the channel-averaged map.
  const imageProfiles = bandProfile(r, pairs.shape);
  const profile = bandProfile(map, [1, h, w, c]);
  const nb = numBands(h, w);
  const nonzero = profile.some((v) => v > 0);
  const shares = nonzero && nb >= 3 ? bandSharesCI(imageProfiles, n, options.bootstrap) : null;
  return { map, mean, profile, imageProfiles, shares, floor };
}
