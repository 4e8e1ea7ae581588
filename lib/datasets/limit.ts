/**
 * Deterministic stratified subsets: `limit` images drawn from a split with (as nearly as possible) the same
 * number per class, chosen by a seeded shuffle within each class, returned in the split's original order.
 */
import { deriveSeed, Rng } from "../stats/mod.ts";
import type { LabelledImages } from "./types.ts";

/**
 * Indices of a stratified subset of `limit` items. Each of the K classes gets `⌊limit / K⌋` items, and the
 * first `limit mod K` classes (by class index) one more; a class with fewer items than its quota gives all
 * it has (the subset is then smaller than `limit`; quotas are not moved between classes). Within a class the
 * items are a seeded random choice (`deriveSeed(seed, "limit", class)`); the result is sorted ascending.
 * `limit` ≥ the number of items returns every index.
 */
export function stratifiedIndices(
  labels: Int32Array,
  numClasses: number,
  limit: number,
  seed: number,
): Int32Array {
  if (!Number.isInteger(limit) || limit < 0) {
    throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
  }
  if (limit >= labels.length) return Int32Array.from({ length: labels.length }, (_, i) => i);
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  labels.forEach((l, i) => byClass[l].push(i));
  const chosen: number[] = [];
  const base = Math.floor(limit / numClasses);
  const extra = limit % numClasses;
  for (let c = 0; c < numClasses; c++) {
    const quota = base + (c < extra ? 1 : 0);
    const members = Int32Array.from(byClass[c]);
    new Rng(deriveSeed(seed, "limit", c)).shuffle(members);
    chosen.push(...members.subarray(0, Math.min(quota, members.length)));
  }
  return Int32Array.from(chosen.sort((a, b) => a - b));
}

/**
 * Split indices of `limit` images, stratified by class and fixed by `seed` (all of them, in order, when
 * `limit` is null or not smaller than the split) — the same images for every model compared.
 */
export function selectIndices(
  labels: Int32Array,
  numClasses: number,
  limit: number | null,
  seed: number,
): Int32Array {
  if (limit === null || limit >= labels.length) {
    return Int32Array.from({ length: labels.length }, (_, i) => i);
  }
  return stratifiedIndices(labels, numClasses, limit, seed);
}

/** The images and labels of `split` at `indices`, in that order. */
export function takeIndices(split: LabelledImages, indices: Int32Array): LabelledImages {
  const [, h, w, c] = split.shape;
  const size = h * w * c;
  const images = new Float32Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  indices.forEach((src, dst) => {
    images.set(split.images.subarray(src * size, (src + 1) * size), dst * size);
    labels[dst] = split.labels[src];
  });
  return { images, labels, shape: [indices.length, h, w, c] };
}

/** A stratified subset of `split` of (at most) `limit` images (see {@link stratifiedIndices}); no limit → the split. */
export function limitSplit(
  split: LabelledImages,
  numClasses: number,
  limit: number | null | undefined,
  seed: number,
): LabelledImages {
  if (limit == null || limit >= split.labels.length) return split;
  return takeIndices(split, stratifiedIndices(split.labels, numClasses, limit, seed));
}
