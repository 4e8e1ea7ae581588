/**
 * Frequency attribution of image classifiers, all with one call shape
 * `(model, images NHWC [0,1], target, options) → Attribution` (scores by band or by frequency):
 * Occluded Frequency (the paper's Definition 1) and its cumulative / single-image views, gradient frequency
 * saliency, the Fourier heat map (Yin et al. 2019), and band-filtered accuracy curves (Wang et al. 2020);
 * plus the per-class profiles, top bands and band shares derived from band attributions.
 */
export * from "./types.ts";
export * from "./images.ts";
export { DEFAULT_BATCH_SIZE, resolveTargets, scoreGenerated } from "./scoring.ts";
export { bandContributions, BandDecomposer, type BandLayout, bandLayout } from "./band_decomposition.ts";
export * from "./baseline.ts";
export * from "./occluded_frequency.ts";
export * from "./saliency.ts";
export * from "./fourier_heatmap.ts";
export * from "./filtered_accuracy.ts";
export * from "./derived.ts";
export * from "./contrast.ts";
