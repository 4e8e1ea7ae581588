/**
 * Occluded Frequency (OF; the paper's Definition 1): for image x, target class c and band k,
 * `OF_k(x) = f_c(x) − f_c(x̃_k)`, where x̃_k is x with band k's DCT coefficients (all channels) replaced by a
 * baseline and transformed back. A large OF_k means the model's evidence for c lives in band k.
 *
 * All bands of several images go through the model in one batch (chunked to `batchSize`); each image's
 * band contributions are computed once and subtracted (see band_decomposition.ts), so the cost is close to
 * that of the N·bands forward passes themselves. Also here: the cumulative "ablate the k lowest bands"
 * curve and the images of a single-image view.
 */
import type { ImageClassifier } from "../models/classifier.ts";
import { Rng } from "../stats/mod.ts";
import { BandDecomposer } from "./band_decomposition.ts";
import { baselineFill, type BaselineKind, type CoefficientStats, coefficientStats } from "./baseline.ts";
import { checkImageShape, type ImageArray, type Images, toImageArray } from "./images.ts";
import { resolveTargets, scoreGenerated } from "./scoring.ts";
import { type Attribution, AttributionError, type AttributionOptions, type Target } from "./types.ts";

/** Options of the occlusion methods. */
export interface OcclusionOptions extends AttributionOptions {
  /** What replaces an occluded band; default `zero`. */
  baseline?: BaselineKind;
  /** DCT statistics for the `mean` and `noise` baselines; default: computed from `reference`. */
  stats?: CoefficientStats;
  /** Images whose DCT statistics define `mean` / `noise` (e.g. the training split); default: the images. */
  reference?: Images;
  /** Seed of the `noise` baseline's draws (image i's noise is drawn i-th; same seed, same noise). */
  seed?: number;
  /** Clip occluded images to [0, 1] before scoring; default false (the definition does not clip). */
  clip?: boolean;
}

/** Result of {@link occludedFrequency}: `scores` is `[N, bands]`. */
export interface OcclusionAttribution extends Attribution {
  /** Target score of each unoccluded image, `[N]`. */
  clean: Float32Array;
  /** Predicted class of each unoccluded image, `[N]`. */
  cleanPredicted: Int32Array;
  /** Predicted class of each occluded image, `[N, bands]`. */
  occludedPredicted: Int32Array;
}

/** Builds the decomposer of `images` for `options`' baseline. */
export function occlusionDecomposer(
  model: ImageClassifier,
  images: ImageArray,
  options: OcclusionOptions,
): BandDecomposer {
  checkImageShape(images, model.inputShape);
  const kind = options.baseline ?? "zero";
  const probe = new BandDecomposer(images, options.bandKind);
  let stats = options.stats;
  if (!stats && kind !== "zero") {
    const reference = options.reference ? toImageArray(options.reference) : images;
    checkImageShape(reference, model.inputShape);
    stats = coefficientStats(reference, probe.layout);
  }
  const rng = new Rng(options.seed ?? 0);
  const fill = baselineFill(kind, probe.layout, stats, () => rng.normal());
  return fill ? new BandDecomposer(images, options.bandKind, fill) : probe;
}

/**
 * Occluded Frequency of every band for every image: `scores[n, k] = f_c(x_n) − f_c(x̃_{n,k})`, with
 * c = `target[n]` (or the predicted class), f the logit (or probability with `score: "probability"`).
 */
export async function occludedFrequency(
  model: ImageClassifier,
  images: Images,
  target: Target,
  options: OcclusionOptions = {},
): Promise<OcclusionAttribution> {
  const x = toImageArray(images);
  const decomposer = occlusionDecomposer(model, x, options);
  const targets = resolveTargets(model, x, target, options.batchSize);
  const n = x.shape[0];
  const bands = decomposer.layout.bands;
  const per = decomposer.perImage;
  // Item t < N·bands is image ⌊t / bands⌋ with band t mod bands occluded; the N clean images follow.
  const total = n * bands + n;
  const result = await scoreGenerated(
    model,
    total,
    (t, out) => {
      if (t >= n * bands) out.set(x.data.subarray((t - n * bands) * per, (t - n * bands + 1) * per));
      else {
        const k = t % bands;
        decomposer.ablate(Math.floor(t / bands), (b) => b === k, out, options.clip);
      }
    },
    (t) => targets[t >= n * bands ? t - n * bands : Math.floor(t / bands)],
    options,
  );
  const clean = Float32Array.from(result.scores.subarray(n * bands));
  const scores = new Float32Array(n * bands);
  for (let t = 0; t < n * bands; t++) scores[t] = clean[Math.floor(t / bands)] - result.scores[t];
  return {
    scores,
    shape: [n, bands],
    axis: "band",
    targets,
    clean,
    cleanPredicted: result.predicted.slice(n * bands),
    occludedPredicted: result.predicted.slice(0, n * bands),
  };
}

/** Result of {@link cumulativeBandAblation}: `scores[n, k]` for k = 0..bands ablated bands. */
export interface CumulativeAblation extends Attribution {
  /** Predicted class of each image with its k lowest bands ablated, `[N, bands + 1]`. */
  predicted: Int32Array;
}

/**
 * The cumulative curve: for k = 0..bands, `scores[n, k] = f_c(x) − f_c(x with its k lowest bands
 * replaced by the baseline)` (`order: "lowest"`), or its k highest (`order: "highest"`).
 */
export async function cumulativeBandAblation(
  model: ImageClassifier,
  images: Images,
  target: Target,
  options: OcclusionOptions & { order?: "lowest" | "highest" } = {},
): Promise<CumulativeAblation> {
  const x = toImageArray(images);
  const decomposer = occlusionDecomposer(model, x, options);
  const targets = resolveTargets(model, x, target, options.batchSize);
  const n = x.shape[0];
  const bands = decomposer.layout.bands;
  const cols = bands + 1;
  const highest = options.order === "highest";
  const result = await scoreGenerated(
    model,
    n * cols,
    (t, out) => {
      const k = t % cols;
      decomposer.ablate(Math.floor(t / cols), (b) => (highest ? b >= bands - k : b < k), out, options.clip);
    },
    (t) => targets[Math.floor(t / cols)],
    options,
  );
  const scores = new Float32Array(n * cols);
  for (let t = 0; t < n * cols; t++) scores[t] = result.scores[t - (t % cols)] - result.scores[t];
  return { scores, shape: [n, cols], axis: "band", targets, predicted: result.predicted };
}

/**
 * Image `index` with the bands in `bands` replaced by the baseline (the single-image view of Fig. 4),
 * `[H, W, C]` float32 — not clipped unless `options.clip`.
 */
export function ablateBands(
  model: ImageClassifier,
  images: Images,
  index: number,
  bands: readonly number[],
  options: OcclusionOptions = {},
): Float32Array {
  const x = toImageArray(images);
  if (!Number.isInteger(index) || index < 0 || index >= x.shape[0]) {
    throw new AttributionError(`image index ${index} is outside [0, ${x.shape[0]})`);
  }
  const decomposer = occlusionDecomposer(model, x, options);
  for (const b of bands) {
    if (!Number.isInteger(b) || b < 0 || b >= decomposer.layout.bands) {
      throw new AttributionError(`band ${b} is outside [0, ${decomposer.layout.bands})`);
    }
  }
  const out = new Float32Array(decomposer.perImage);
  const set = new Set(bands);
  decomposer.ablate(index, (b) => set.has(b), out, options.clip);
  return out;
}
