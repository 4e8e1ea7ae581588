/**
 * Baselines that replace an occluded band's DCT coefficients (Occluded Frequency, the paper's Definition 1):
 * `zero`; `mean` — the dataset's mean coefficient at each (i, j, c); `noise` — Gaussian noise matched to the
 * band's statistics, i.e. each coefficient of band k, channel c drawn from N(μ_kc, σ_kc²) with μ, σ the mean
 * and standard deviation of all band-k, channel-c coefficients of a reference set (seeded, one draw per
 * image). Statistics come from a reference set of images (e.g. the training split).
 */
import { dct2 } from "../dct/mod.ts";
import type { BandLayout, BaselineFill } from "./band_decomposition.ts";
import type { ImageArray } from "./images.ts";
import { AttributionError } from "./types.ts";

/** What an occluded band is replaced by. */
export type BaselineKind = "zero" | "mean" | "noise";

/** The baseline kinds, for option schemas. */
export const BASELINE_KINDS = ["zero", "mean", "noise"] as const;

/** DCT statistics of a reference set of images. */
export interface CoefficientStats {
  /** Mean coefficient per (i, j, c), float64 `[H, W, C]`. */
  mean: Float64Array;
  /** Mean of band k, channel c coefficients, `[bands, C]`. */
  bandMean: Float64Array;
  /** Standard deviation of band k, channel c coefficients (over images and the band's coefficients), `[bands, C]`. */
  bandStd: Float64Array;
}

/** DCT statistics of `images` under `layout`'s bands. */
export function coefficientStats(images: ImageArray, layout: BandLayout): CoefficientStats {
  const { h, w, c, bands, map } = layout;
  const [n] = images.shape;
  if (n < 1) throw new AttributionError("coefficient statistics need at least one reference image");
  const per = h * w * c;
  const mean = new Float64Array(per);
  const sum = new Float64Array(bands * c);
  const sumSq = new Float64Array(bands * c);
  const count = new Float64Array(bands * c);
  const chunk = 64;
  for (let lo = 0; lo < n; lo += chunk) {
    const hi = Math.min(n, lo + chunk);
    const coeffs = dct2(Float64Array.from(images.data.subarray(lo * per, hi * per)), [hi - lo, h, w, c]);
    for (let img = 0; img < hi - lo; img++) {
      for (let p = 0; p < h * w; p++) {
        for (let ch = 0; ch < c; ch++) {
          const v = coeffs[img * per + p * c + ch];
          mean[p * c + ch] += v / n;
          const slot = map[p] * c + ch;
          sum[slot] += v;
          sumSq[slot] += v * v;
          count[slot] += 1;
        }
      }
    }
  }
  const bandMean = new Float64Array(bands * c);
  const bandStd = new Float64Array(bands * c);
  for (let s = 0; s < bands * c; s++) {
    if (count[s] === 0) continue;
    bandMean[s] = sum[s] / count[s];
    bandStd[s] = Math.sqrt(Math.max(0, sumSq[s] / count[s] - bandMean[s] ** 2));
  }
  return { mean, bandMean, bandStd };
}

/**
 * The baseline coefficients of each image as a {@link BaselineFill}, or undefined for `zero`.
 * `normal` draws standard normal variates (a seeded generator) and is required for `noise`; image i's
 * noise is drawn when it is first asked for, so the caller must ask in a fixed order for reproducibility.
 */
export function baselineFill(
  kind: BaselineKind,
  layout: BandLayout,
  stats: CoefficientStats | undefined,
  normal?: () => number,
): BaselineFill | undefined {
  if (kind === "zero") return undefined;
  if (!stats) {
    throw new AttributionError(`baseline '${kind}' needs coefficient statistics of a reference set`);
  }
  const { h, w, c, map } = layout;
  if (stats.mean.length !== h * w * c) {
    throw new AttributionError(
      `coefficient statistics are for ${stats.mean.length} values, images have ${h * w * c}`,
    );
  }
  if (kind === "mean") return (_index, out) => out.set(stats.mean);
  if (kind !== "noise") {
    throw new AttributionError(`unknown baseline '${kind}' (expected zero, mean or noise)`);
  }
  if (!normal) throw new AttributionError("baseline 'noise' needs a seeded normal generator");
  return (_index, out) => {
    for (let p = 0; p < h * w; p++) {
      for (let ch = 0; ch < c; ch++) {
        const slot = map[p] * c + ch;
        out[p * c + ch] = stats.bandMean[slot] + stats.bandStd[slot] * normal();
      }
    }
  };
}
