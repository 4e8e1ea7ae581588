/**
 * Figures of freqlens as Vega-Lite specs built by pure functions from plain arrays, and their rendering to
 * SVG and PNG. No file I/O here: the `report` task writes what these return.
 */
export * from "./data.ts";
export * from "./spec.ts";
export * from "./theme.ts";
export * from "./heatmap.ts";
export * from "./image.ts";
export * from "./bands.ts";
export * from "./rct.ts";
export * from "./spectra.ts";
export * from "./convergence.ts";
export * from "./occlusion.ts";
export * from "./prop1.ts";
export * from "./fourier.ts";
export * from "./filtered.ts";
export * from "./saliency.ts";
export * from "./metrics.ts";
export * from "./trends.ts";
export * from "./render.ts";
