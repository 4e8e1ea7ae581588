/**
 * The one call shape every attribution method in freqlens shares (Captum-style):
 * `method(model, images, target, options) → Promise<Attribution>`, with images NHWC in [0, 1], `target`
 * the class scored per image (or `"predicted"`), and scores laid out by band (`[N, bands]`) or by
 * frequency (`[H, W]`). Occluded Frequency, gradient frequency saliency and the Fourier heat map are
 * therefore interchangeable in tasks and plots.
 */
import type { BandKind } from "../dct/mod.ts";

/** Which class each image is scored for: explicit class indices `[N]`, or the model's prediction. */
export type Target = ArrayLike<number> | "predicted";

/** What is read off the model: raw logits (default) or softmax probabilities. */
export type ScoreKind = "logit" | "probability";

/** Options every method takes. */
export interface AttributionOptions {
  /** Score read off the model for the target class; default `logit`. */
  score?: ScoreKind;
  /** Largest number of images sent through the model at once; default 256. */
  batchSize?: number;
  /** Band grouping of the DCT grid; default `diagonal` (anti-diagonals i + j, 2H − 1 bands). */
  bandKind?: BandKind;
  /** Called with (items done, items total) as batches finish. */
  onProgress?: (done: number, total: number) => void;
}

/** Attribution scores per band or per frequency. */
export interface Attribution {
  /** Row-major scores: `[N, bands]` for `axis: "band"`, `[H, W]` for `axis: "frequency"`. */
  scores: Float32Array;
  shape: number[];
  axis: "band" | "frequency";
  /** Class scored for each image, int32 `[N]`. */
  targets: Int32Array;
}

/** Invalid options or arguments to an attribution method (message names the value). */
export class AttributionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AttributionError";
  }
}

/**
 * Throws an {@link AttributionError} at the first non-finite score of `[N, bands]` band scores, naming the
 * image (as `imageName(n)` gives it, default its position) and the band, and whether the clean score
 * `clean[n]` was already non-finite (then the model, not the occlusion, is at fault).
 */
export function checkFiniteBandScores(
  scores: Float32Array,
  bands: number,
  clean?: ArrayLike<number>,
  imageName: (n: number) => string = (n) => `image ${n}`,
): void {
  for (let t = 0; t < scores.length; t++) {
    if (Number.isFinite(scores[t])) continue;
    const n = Math.floor(t / bands);
    const why = clean && !Number.isFinite(clean[n])
      ? `the model's score of the clean image is ${clean[n]}`
      : `the model's score with the band occluded is not finite`;
    throw new AttributionError(`${imageName(n)}, band ${t % bands}: attribution is ${scores[t]} (${why})`);
  }
}
