/**
 * What most analysis stages start with: the classifier of a model stage and a deterministic selection of
 * images (with their labels) from a data stage's split — read through the two stages' contracts
 * (lib/stages/model.ts, lib/stages/data.ts) — and the params that choose the images, one schema for every
 * stage kind that takes them.
 */
import { z } from "zod";
import { selectIndices } from "../datasets/limit.ts";
import type { ImageClassifier } from "../models/mod.ts";
import { gatherImages, type ImageArray } from "../attribution/images.ts";
import { type DataSplit, readDataSplit, type SplitName } from "./data.ts";
import { loadStageClassifier } from "./model.ts";
import { StageFileError } from "./files.ts";

/** Which images a stage takes from a data stage (the `split`, `limit`, `select_seed` params). */
export interface ImageSelection {
  split: SplitName;
  /** Number of images the stage takes from its split; null: the whole split. */
  limit: number | null;
  /** Seed of a class-stratified choice of `limit` images (the same for every model); absent: the first `limit`. */
  select_seed?: number;
}

/** A model with the images selected for it. */
export interface ModelAndImages {
  model: ImageClassifier;
  /** The whole split the images come from. */
  data: DataSplit;
  /** Split indices of the selected images, int32 `[N]`. */
  indices: Int32Array;
  /** The selected images, NHWC float32 in [0, 1]. */
  images: ImageArray;
  /** Their labels, int32 `[N]`. */
  labels: Int32Array;
}

/**
 * The params of {@link ImageSelection} as a zod shape, with the stage kind's defaults — spread into a
 * task's `z.strictObject`.
 */
export function imageSelectionParams(defaults: { split: SplitName; limit: number; minLimit?: number }) {
  return {
    /** Split the images are drawn from. */
    split: z.enum(["train", "test"]).default(defaults.split),
    /** Number of images (stratified by class); null for the whole split. */
    limit: z.number().int().min(defaults.minLimit ?? 1).nullable().default(defaults.limit),
    /** Seed of the image selection (keep it fixed across models). */
    select_seed: z.number().int().default(0),
  };
}

/** Split indices of `selection` in `data` (stratified by class with a `select_seed`, else the first ones). */
export function selectedIndices(data: DataSplit, numClasses: number, selection: ImageSelection): Int32Array {
  if (selection.select_seed === undefined) {
    const n = Math.min(selection.limit ?? data.labels.length, data.labels.length);
    return Int32Array.from({ length: n }, (_, i) => i);
  }
  return selectIndices(data.labels, numClasses, selection.limit, selection.select_seed);
}

/** The input aliases {@link readModelAndImages} reads, declared as a task's `inputs`. */
export const MODEL_AND_DATA_INPUTS = {
  model: { doc: "the model: a train or import stage (model/)" },
  data: { doc: "the data stage (train/test .npy arrays, meta.json)" },
};

/**
 * The classifier of a stage's `model` input and the images `selection` takes from its `data` input (each
 * exactly one entry, as a task's `ctx.inputs` holds them).
 */
export async function readModelAndImages(
  inputs: Record<string, readonly { dir: string }[]>,
  selection: ImageSelection,
): Promise<ModelAndImages> {
  const one = (alias: string) => {
    const list = inputs[alias];
    if (list?.length !== 1) {
      throw new Error(`input '${alias}': expected exactly one stage instance, got ${list?.length ?? 0}`);
    }
    return list[0].dir;
  };
  const [modelDir, dataDir] = [one("model"), one("data")];
  const model = await loadStageClassifier(modelDir);
  const data = await readDataSplit(dataDir, selection.split);
  if (data.classNames.length > model.numClasses) {
    throw new StageFileError(
      modelDir,
      `the model has ${model.numClasses} classes, the data stage ${dataDir} ${data.classNames.length}`,
    );
  }
  const indices = selectedIndices(data, model.numClasses, selection);
  const images = gatherImages({ data: data.images, shape: data.shape }, indices);
  return { model, data, indices, images, labels: Int32Array.from(indices, (i) => data.labels[i]) };
}
