/**
 * Band-filtered accuracy curves (after Wang et al. 2020, "High-frequency component helps explain the
 * generalization of CNNs"): accuracy on low-pass images (only the DCT bands below the cut-off k kept) and
 * on high-pass images (only bands ≥ k kept), for every cut-off k = 0..bands. Low-pass at k = bands and
 * high-pass at k = 0 are the images themselves. Filtering is exact in the DCT domain (band contributions
 * summed, see band_decomposition.ts); filtered images are not clipped unless `clip`.
 */
import type { ImageClassifier } from "../models/classifier.ts";
import { BandDecomposer } from "./band_decomposition.ts";
import { checkImageShape, type Images, toImageArray } from "./images.ts";
import { resolveTargets, scoreGenerated } from "./scoring.ts";
import type { AttributionOptions, Target } from "./types.ts";

/** Accuracy per cut-off band. */
export interface FilteredAccuracy {
  /** Cut-offs k = 0..bands, int32 `[bands + 1]`. */
  cutoffs: Int32Array;
  /** Accuracy with bands < k kept, `[bands + 1]`. */
  lowPass: Float64Array;
  /** Accuracy with bands ≥ k kept, `[bands + 1]`. */
  highPass: Float64Array;
}

/** Low-pass and high-pass accuracy of `model` on `images` labelled `target`, for every cut-off band. */
export async function filteredAccuracy(
  model: ImageClassifier,
  images: Images,
  target: Target,
  options: AttributionOptions & { clip?: boolean } = {},
): Promise<FilteredAccuracy> {
  const x = toImageArray(images);
  checkImageShape(x, model.inputShape);
  const targets = resolveTargets(model, x, target, options.batchSize);
  const decomposer = new BandDecomposer(x, options.bandKind);
  const n = x.shape[0];
  const cols = decomposer.layout.bands + 1;
  // Item t: image ⌊t / 2cols⌋; r = t mod 2cols < cols is low-pass at k = r, else high-pass at k = r − cols.
  const result = await scoreGenerated(
    model,
    n * 2 * cols,
    (t, out) => {
      const r = t % (2 * cols);
      const img = Math.floor(t / (2 * cols));
      if (r < cols) decomposer.ablate(img, (b) => b >= r, out, options.clip);
      else decomposer.ablate(img, (b) => b < r - cols, out, options.clip);
    },
    (t) => targets[Math.floor(t / (2 * cols))],
    options,
  );
  const lowPass = new Float64Array(cols);
  const highPass = new Float64Array(cols);
  for (let t = 0; t < n * 2 * cols; t++) {
    if (result.predicted[t] !== targets[Math.floor(t / (2 * cols))]) continue;
    const r = t % (2 * cols);
    if (r < cols) lowPass[r]++;
    else highPass[r - cols]++;
  }
  // Counts divided once, so an accuracy of all images is exactly 1 (a sum of n terms 1/n can exceed it).
  return {
    cutoffs: Int32Array.from({ length: cols }, (_, k) => k),
    lowPass: lowPass.map((c) => c / n),
    highPass: highPass.map((c) => c / n),
  };
}
