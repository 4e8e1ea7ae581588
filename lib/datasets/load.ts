/** One entry point for every dataset by name, as the `data` stage and scripts use it. */
import { deriveSeed } from "../stats/mod.ts";
import { cifar10SourceFiles, loadCifar10 } from "./cifar10.ts";
import { limitSplit } from "./limit.ts";
import { loadMnistLike, mnistSourceFiles } from "./mnist.ts";
import { plantedDataset, type PlantedOptions } from "./planted.ts";
import type { Dataset } from "./types.ts";

/** The datasets {@link loadDataset} knows. */
export const DATASET_NAMES = ["cifar10", "mnist", "fashion-mnist", "planted"] as const;
/** One of {@link DATASET_NAMES}. */
export type DatasetName = typeof DATASET_NAMES[number];

/** Options of {@link loadDataset}. */
export interface LoadDatasetOptions {
  /** Local directory with the dataset's files (cifar10, mnist, fashion-mnist). */
  dir?: string;
  /** Cache directory for downloads and the standard search (default `defaultCacheDir()`). */
  cacheDir?: string;
  /** Download CIFAR-10 when it is not found (default: only when no `dir` is given). */
  download?: boolean;
  /** Stratified limits (total images) of the splits; undefined = all. */
  trainLimit?: number;
  testLimit?: number;
  /** Seed of the stratified limits and of the planted dataset's generator (default 0). */
  seed?: number;
  /** Parameters of the planted dataset (its `seed` defaults to `seed`). */
  planted?: PlantedOptions;
}

/** Loads a dataset by name; the planted one is generated, then limited like the others. */
export async function loadDataset(name: DatasetName, options: LoadDatasetOptions = {}): Promise<Dataset> {
  const seed = options.seed ?? 0;
  switch (name) {
    case "cifar10":
      return await loadCifar10({ ...options, seed });
    case "mnist":
    case "fashion-mnist":
      return await loadMnistLike(name, { ...options, seed });
    case "planted": {
      const ds = plantedDataset({ seed, ...options.planted });
      const k = ds.classNames.length;
      return {
        ...ds,
        train: limitSplit(ds.train, k, options.trainLimit, deriveSeed(seed, "train")),
        test: limitSplit(ds.test, k, options.testLimit, deriveSeed(seed, "test")),
      };
    }
    default:
      throw new RangeError(`unknown dataset '${name}'; known: ${DATASET_NAMES.join(", ")}`);
  }
}

/**
 * The local files {@link loadDataset} would read for `name` with these options (default locations
 * included), found without downloading: what a cache key must cover so that replacing them reruns the
 * stage. Empty for the generated planted dataset and while a download is still needed.
 */
export function datasetSourceFiles(name: DatasetName, options: LoadDatasetOptions = {}): string[] {
  switch (name) {
    case "cifar10":
      return cifar10SourceFiles(options);
    case "mnist":
    case "fashion-mnist":
      return mnistSourceFiles(name, options);
    default:
      return [];
  }
}
