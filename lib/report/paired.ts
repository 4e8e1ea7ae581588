/**
 * Paired comparison of two models' Occluded Frequency attributions on the same images: the difference in
 * low-third share with a bootstrap interval that resamples the images jointly for both models.
 */
import {
  bandShares,
  type BootstrapOptions,
  bootstrapVector,
  columnMeans,
  type Interval,
} from "../stats/mod.ts";

/**
 * Paired bootstrap of the difference in low-third share between two models attributed on the same N
 * images (`rowsB` minus `rowsA`, each `[N, B]` row-major, non-negative): each resample draws N image
 * indices once and uses them for both models, so the interval reflects the models' difference rather
 * than the spread of the images. The estimate is the difference of the full-sample shares.
 */
export function pairedLowShareDifference(
  rowsA: ArrayLike<number>,
  rowsB: ArrayLike<number>,
  n: number,
  options: BootstrapOptions,
): Interval {
  if (n < 1 || rowsA.length !== rowsB.length || rowsA.length % n !== 0) {
    throw new RangeError(
      `paired profiles need two [${n}, B] arrays, got ${rowsA.length} and ${rowsB.length} values`,
    );
  }
  const bands = rowsA.length / n;
  const [difference] = bootstrapVector(n, (idx) => [
    bandShares(columnMeans(rowsB, bands, idx)).low - bandShares(columnMeans(rowsA, bands, idx)).low,
  ], options);
  return difference;
}
