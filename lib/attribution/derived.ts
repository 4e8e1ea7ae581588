/**
 * Summaries derived from band attributions `[N, bands]`: per-class mean profiles (the paper's Fig. 1),
 * each image's top bands, low / middle / high shares of attribution with bootstrap intervals (with or
 * without a band, e.g. the DC term), and the per-band label-change rate of an occlusion.
 */
import { type BandSharesCI, bandSharesCI } from "../stats/mod.ts";
import { AttributionError } from "./types.ts";

function dims(scores: ArrayLike<number>, shape: readonly number[]): [number, number] {
  if (shape.length !== 2 || shape[0] * shape[1] !== scores.length) {
    throw new AttributionError(
      `band attributions must be [N, bands] for ${scores.length} values, got [${shape}]`,
    );
  }
  return [shape[0], shape[1]];
}

/** Mean attribution profile of each class: `profiles` `[classes, bands]` (zeros where `counts[c]` is 0). */
export function classProfiles(
  scores: ArrayLike<number>,
  shape: readonly number[],
  labels: ArrayLike<number>,
  numClasses: number,
): { profiles: Float64Array; counts: Int32Array } {
  const [n, bands] = dims(scores, shape);
  if (labels.length !== n) throw new AttributionError(`${labels.length} labels for ${n} images`);
  const profiles = new Float64Array(numClasses * bands);
  const counts = new Int32Array(numClasses);
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= numClasses) {
      throw new AttributionError(`label ${y} of image ${i} is not in [0, ${numClasses})`);
    }
    counts[y]++;
    for (let b = 0; b < bands; b++) profiles[y * bands + b] += scores[i * bands + b];
  }
  for (let y = 0; y < numClasses; y++) {
    if (counts[y] > 0) { for (let b = 0; b < bands; b++) profiles[y * bands + b] /= counts[y]; }
  }
  return { profiles, counts };
}

/** The `k` bands with the largest attribution of each image, best first: int32 `[N, k]` (ties: lower band). */
export function topBands(scores: ArrayLike<number>, shape: readonly number[], k: number): Int32Array {
  const [n, bands] = dims(scores, shape);
  if (!Number.isInteger(k) || k < 1 || k > bands) {
    throw new AttributionError(`k must be in 1..${bands}, got ${k}`);
  }
  const out = new Int32Array(n * k);
  const order = Array.from({ length: bands }, (_, b) => b);
  for (let i = 0; i < n; i++) {
    order.sort((a, b) => scores[i * bands + b] - scores[i * bands + a] || a - b);
    for (let r = 0; r < k; r++) out[i * k + r] = order[r];
  }
  return out;
}

/** How signed attributions become the non-negative mass that shares are taken of. */
export type ShareMass = "positive" | "absolute";

/**
 * Low / middle / high shares of attribution with bootstrap intervals over images: each image's profile is
 * first made non-negative — its positive part (evidence for the class; default) or its absolute value —
 * then the shares of the mean profile are taken (see `bandSharesCI`). Null when there is no mass at all
 * (e.g. no band has positive attribution in any image).
 */
export function attributionShares(
  scores: ArrayLike<number>,
  shape: readonly number[],
  options: { seed: number; resamples?: number; level?: number; mass?: ShareMass },
): BandSharesCI | null {
  const [n] = dims(scores, shape);
  const mass = options.mass ?? "positive";
  const rows = Float64Array.from(scores, (v) => (mass === "positive" ? Math.max(0, v) : Math.abs(v)));
  return rows.some((v) => v > 0) ? bandSharesCI(rows, n, options) : null;
}

/** A copy of `[N, bands]` scores with band `band` set to 0 (e.g. band 0, the DC term, left out of shares). */
export function withoutBand(scores: ArrayLike<number>, shape: readonly number[], band: number): Float32Array {
  const [, bands] = dims(scores, shape);
  if (!Number.isInteger(band) || band < 0 || band >= bands) {
    throw new AttributionError(`band ${band} is outside [0, ${bands})`);
  }
  return Float32Array.from(scores, (v, i) => (i % bands === band ? 0 : v));
}

/**
 * Per band k, the fraction of images whose predicted class changes when band k is occluded:
 * `occludedPredicted` `[N, bands]` against `cleanPredicted` `[N]` (what the authors' code records).
 */
export function labelChangeRates(
  occludedPredicted: ArrayLike<number>,
  cleanPredicted: ArrayLike<number>,
  bands: number,
): Float64Array {
  const n = cleanPredicted.length;
  if (occludedPredicted.length !== n * bands) {
    throw new AttributionError(
      `${occludedPredicted.length} occluded predictions for ${n} images × ${bands} bands`,
    );
  }
  // Count, then divide once: a sum of n terms 1/n can round above 1.
  const changed = new Int32Array(bands);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < bands; k++) {
      if (occludedPredicted[i * bands + k] !== cleanPredicted[i]) changed[k]++;
    }
  }
  return Float64Array.from(changed, (c) => c / n);
}
