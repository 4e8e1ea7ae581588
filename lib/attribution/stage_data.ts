/**
 * Reading what the analyses take from other stages' files: a `data` stage's split (`<split>_x.npy`,
 * `<split>_y.npy`, `meta.json`), a model stage's classifier (`model/` in the TensorFlow.js LayersModel
 * format), and a deterministic, stratified selection of its images.
 * Kept apart from the methods so a script can call the methods on arrays it made itself.
 */
import { join } from "node:path";
import { readNpy } from "../io/mod.ts";
import { stratifiedIndices } from "../datasets/limit.ts";
import { type ImageClassifier, loadClassifier } from "../models/mod.ts";
import type { ImageArray } from "./images.ts";
import { AttributionError } from "./types.ts";

/** One split of a `data` stage's entry. */
export interface DataSplit {
  images: ImageArray;
  labels: Int32Array;
  classNames: string[];
  dataset: string;
}

/** Reads split `split` (`train` or `test`) of the data stage entry in `dir`. */
export async function readDataSplit(dir: string, split: "train" | "test"): Promise<DataSplit> {
  const x = await readNpy(join(dir, `${split}_x.npy`));
  const y = await readNpy(join(dir, `${split}_y.npy`));
  if (x.dtype !== "float32" || x.shape.length !== 4) {
    throw new AttributionError(
      `${join(dir, `${split}_x.npy`)}: expected float32 [N,H,W,C], got ${x.dtype} [${x.shape}]`,
    );
  }
  if (y.dtype !== "int32" || y.shape.length !== 1 || y.shape[0] !== x.shape[0]) {
    throw new AttributionError(
      `${join(dir, `${split}_y.npy`)}: expected int32 [${x.shape[0]}], got ${y.dtype} [${y.shape}]`,
    );
  }
  const meta = JSON.parse(await Deno.readTextFile(join(dir, "meta.json")));
  const classNames: string[] = Array.isArray(meta.classNames) ? meta.classNames : [];
  return {
    images: { data: x.data as Float32Array, shape: x.shape as [number, number, number, number] },
    labels: y.data as Int32Array,
    classNames,
    dataset: String(meta.dataset ?? "unknown"),
  };
}

/**
 * Split indices of `limit` images, stratified by class and fixed by `seed` (all of them, in order, when
 * `limit` is null, omitted or not smaller than the split) — the same images for every model compared.
 */
export function selectIndices(
  labels: Int32Array,
  numClasses: number,
  limit: number | null | undefined,
  seed: number,
) {
  if (limit == null || limit >= labels.length) {
    return Int32Array.from({ length: labels.length }, (_, i) => i);
  }
  return stratifiedIndices(labels, numClasses, limit, seed);
}

/** The classifier saved under `model/` in a model stage's entry `dir` (`train` or `import`). */
export function loadStageClassifier(dir: string): Promise<ImageClassifier> {
  return loadClassifier(join(dir, "model"));
}
