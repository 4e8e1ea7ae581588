/**
 * Spectra of image pairs (the paper's Fig. 3): for pairs (x_r, x) — a synthesized image and its target, or
 * any two aligned sets — the mean over pairs of `|DCT(x_r) − DCT(x)|` (per coefficient and channel), its
 * band profile (mean per band), and the low / middle / high shares of the profile with bootstrap intervals
 * over pairs. Since the DCT is linear, `|DCT(x_r) − DCT(x)| = |DCT(x_r − x)|`.
 */
import { checkImageShape, type Images, toImageArray } from "../attribution/images.ts";
import { type BandKind, bandReduce, dct2 } from "../dct/mod.ts";
import { type BandSharesCI, bandSharesCI } from "../stats/mod.ts";

/** What {@link differenceSpectrum} returns. */
export interface DifferenceSpectrum {
  /** Mean |ΔDCT| per coefficient and channel, float64 `[H, W, C]`. */
  map: Float64Array;
  /** {@link map} averaged over channels, `[H, W]`. */
  channelMean: Float64Array;
  /** Mean of {@link map} per band (over the band's coefficients and channels), `[bands]`. */
  bandProfile: Float64Array;
  /** The same profile for each pair, `[N, bands]`. */
  pairProfiles: Float64Array;
  /** Low / middle / high shares of the band profile with bootstrap intervals over pairs; null when the
   * two sets are identical (no change to share out). */
  shares: BandSharesCI | null;
  shape: [number, number, number];
}

/** Options of {@link differenceSpectrum}. */
export interface DifferenceSpectrumOptions {
  /** Seed of the bootstrap. */
  seed: number;
  /** Bootstrap resamples; default 1000. */
  resamples?: number;
  /** Interval coverage; default 0.95. */
  level?: number;
  /** Band grouping; default `diagonal`. */
  bandKind?: BandKind;
}

/** Error for pair sets that do not line up. */
export class SpectrumError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SpectrumError";
  }
}

/** The difference spectrum of pairs `(a[n], b[n])`, both NHWC of the same shape. */
export function differenceSpectrum(
  a: Images,
  b: Images,
  options: DifferenceSpectrumOptions,
): DifferenceSpectrum {
  const x = toImageArray(a);
  const y = toImageArray(b);
  const [n, h, w, c] = x.shape;
  checkImageShape(y, [h, w, c]);
  if (y.shape[0] !== n) throw new SpectrumError(`pair sets differ in size: ${n} vs ${y.shape[0]} images`);
  if (n < 1) throw new SpectrumError("a spectrum needs at least one pair");
  const per = h * w * c;
  const map = new Float64Array(per);
  const chunk = 64;
  const parts: Float64Array[] = [];
  for (let lo = 0; lo < n; lo += chunk) {
    const hi = Math.min(n, lo + chunk);
    const diff = new Float64Array((hi - lo) * per);
    for (let t = 0; t < diff.length; t++) diff[t] = x.data[lo * per + t] - y.data[lo * per + t];
    const abs = dct2(diff, [hi - lo, h, w, c]).map(Math.abs);
    for (let t = 0; t < abs.length; t++) map[t % per] += abs[t] / n;
    parts.push(bandReduce(abs, [hi - lo, h, w, c], "mean", { kind: options.bandKind }));
  }
  const bands = parts[0].length / Math.min(n, chunk);
  const pairProfiles = new Float64Array(n * bands);
  let offset = 0;
  for (const p of parts) {
    pairProfiles.set(p, offset);
    offset += p.length;
  }
  const bandProfile = bandReduce(map, [1, h, w, c], "mean", { kind: options.bandKind });
  const channelMean = new Float64Array(h * w);
  for (let p = 0; p < h * w; p++) for (let ch = 0; ch < c; ch++) channelMean[p] += map[p * c + ch] / c;
  const shares = bandProfile.some((v) => v > 0)
    ? bandSharesCI(pairProfiles, n, {
      seed: options.seed,
      resamples: options.resamples,
      level: options.level,
    })
    : null;
  return { map, channelMean, bandProfile, pairProfiles, shares, shape: [h, w, c] };
}
