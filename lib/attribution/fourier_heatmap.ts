/**
 * Fourier heat map (Yin et al. 2019, "A Fourier perspective on model robustness"): for every frequency
 * (i, j), the model's error rate on `x + ε·s_c·U_ij` with U_ij the unit-l2-norm basis image of that
 * frequency, added to each channel c with a random sign s_c (drawn per image, channel and frequency), then
 * clipped to [0, 1]. Bases: `dct` — the DCT-II basis image `C_H[i,p]·C_W[j,q]`; `fourier` — the real
 * Fourier basis `cos(2π(ip/H + jq/W))` normalised to unit norm (its spectrum is nonzero only at (i, j) and
 * its mirror; frequencies are in unshifted FFT order, (0, 0) top-left). Scores are `[H, W]`.
 */
import { dctMatrix } from "../dct/mod.ts";
import type { ImageClassifier } from "../models/classifier.ts";
import { Rng } from "../stats/mod.ts";
import { checkImageShape, type Images, toImageArray } from "./images.ts";
import { resolveTargets, scoreGenerated } from "./scoring.ts";
import { type Attribution, AttributionError, type AttributionOptions, type Target } from "./types.ts";

/** Options of {@link fourierHeatMap}. */
export interface FourierHeatMapOptions extends AttributionOptions {
  /** l2 norm of the perturbation in each channel; default 4 (Yin et al. use 4 on CIFAR-10). */
  eps?: number;
  /** Basis of the perturbation; default `dct`. */
  basis?: "dct" | "fourier";
  /** Sign of each channel's perturbation: seeded random (default), or all + / all −. */
  sign?: "random" | "positive" | "negative";
  /** Seed of the random signs. */
  seed?: number;
  /** Clip perturbed images to [0, 1]; default true. */
  clip?: boolean;
}

/** The unit-norm basis image `[H·W]` (row-major) of frequency (i, j). */
export function basisImage(
  h: number,
  w: number,
  i: number,
  j: number,
  basis: "dct" | "fourier",
): Float64Array<ArrayBuffer> {
  const out = new Float64Array(h * w);
  if (basis === "dct") {
    const ch = dctMatrix(h);
    const cw = dctMatrix(w);
    for (let p = 0; p < h; p++) for (let q = 0; q < w; q++) out[p * w + q] = ch[i * h + p] * cw[j * w + q];
    return out;
  }
  let norm = 0;
  for (let p = 0; p < h; p++) {
    for (let q = 0; q < w; q++) {
      const v = Math.cos(2 * Math.PI * ((i * p) / h + (j * q) / w));
      out[p * w + q] = v;
      norm += v * v;
    }
  }
  const s = 1 / Math.sqrt(norm);
  for (let p = 0; p < h * w; p++) out[p] *= s;
  return out;
}

/**
 * Error rate for every frequency: `scores[i, j]` = fraction of images whose prediction differs from
 * `target` (their labels) under the (i, j) basis perturbation. Costs N·H·W forward passes.
 */
export async function fourierHeatMap(
  model: ImageClassifier,
  images: Images,
  target: Target,
  options: FourierHeatMapOptions = {},
): Promise<Attribution> {
  const x = toImageArray(images);
  checkImageShape(x, model.inputShape);
  const targets = resolveTargets(model, x, target, options.batchSize);
  const [n, h, w, c] = x.shape;
  const eps = options.eps ?? 4;
  if (!(eps >= 0)) throw new AttributionError(`eps must be ≥ 0, got ${eps}`);
  const basis = options.basis ?? "dct";
  const clip = options.clip ?? true;
  const rng = new Rng(options.seed ?? 0);
  const signOf = options.sign === "positive"
    ? () => 1
    : options.sign === "negative"
    ? () => -1
    : () => rng.sign();
  const per = h * w * c;
  let cachedFreq = -1;
  let u: Float64Array = new Float64Array(0);
  // Item t is frequency ⌊t / N⌋ (row-major over (i, j)) applied to image t mod N.
  const result = await scoreGenerated(
    model,
    h * w * n,
    (t, out) => {
      const f = Math.floor(t / n);
      if (f !== cachedFreq) {
        u = basisImage(h, w, Math.floor(f / w), f % w, basis);
        cachedFreq = f;
      }
      const img = t % n;
      const src = x.data.subarray(img * per, (img + 1) * per);
      for (let ch = 0; ch < c; ch++) {
        const a = eps * signOf();
        for (let p = 0; p < h * w; p++) {
          const v = src[p * c + ch] + a * u[p];
          out[p * c + ch] = clip ? Math.min(1, Math.max(0, v)) : v;
        }
      }
    },
    (t) => targets[t % n],
    options,
  );
  // Count, then divide once: a sum of n terms 1/n can round above 1.
  const errors = new Int32Array(h * w);
  for (let t = 0; t < h * w * n; t++) {
    if (result.predicted[t] !== targets[t % n]) errors[Math.floor(t / n)]++;
  }
  const scores = Float32Array.from(errors, (e) => e / n);
  return { scores, shape: [h, w], axis: "frequency", targets };
}
