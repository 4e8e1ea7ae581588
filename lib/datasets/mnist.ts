/**
 * MNIST and Fashion-MNIST from their IDX files: `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
 * `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, each optionally with `.gz`. Found in the given
 * directory, else in the standard places: Debian's `dataset-fashion-mnist` package installs Fashion-MNIST in
 * `/usr/share/datasets/fashion-mnist`; then `<cacheDir>/<name>`. Pixels become float32 /255, shape [N,28,28,1].
 */
import { join } from "node:path";
import { deriveSeed } from "../stats/mod.ts";
import { readIdx } from "./idx.ts";
import { limitSplit } from "./limit.ts";
import {
  checkSplit,
  type Dataset,
  DatasetFormatError,
  DatasetUnavailableError,
  defaultCacheDir,
  type LabelledImages,
} from "./types.ts";

/** Class names of Fashion-MNIST in label order. */
export const FASHION_MNIST_CLASSES = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
];

/** Class names of MNIST in label order. */
export const MNIST_CLASSES = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/** Which IDX dataset to load. */
export type IdxDatasetName = "mnist" | "fashion-mnist";

/** Options of {@link loadMnistLike}. */
export interface IdxLoadOptions {
  /** Directory holding the four IDX files; default: the standard places (see the module doc). */
  dir?: string;
  /** Cache directory searched after the system directory (default {@link defaultCacheDir}). */
  cacheDir?: string;
  /** Stratified limits (total images) of each split; undefined = all. */
  trainLimit?: number;
  testLimit?: number;
  /** Seed of the stratified limit. */
  seed?: number;
}

const FILES = {
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte",
};

/** Path of `base` or `base.gz` in `dir`, or null when neither exists. */
function findFile(dir: string, base: string): string | null {
  for (const name of [base, `${base}.gz`]) {
    try {
      if (Deno.statSync(join(dir, name)).isFile) return join(dir, name);
    } catch { /* absent */ }
  }
  return null;
}

/** The directories searched for `name`, in order. */
export function idxSearchDirs(name: IdxDatasetName, options: IdxLoadOptions = {}): string[] {
  if (options.dir) return [options.dir];
  return [`/usr/share/datasets/${name}`, join(options.cacheDir ?? defaultCacheDir(), name)];
}

/**
 * The four IDX files {@link loadMnistLike} would read with these options (the first search directory that
 * has any of them), or an empty list when none is found.
 */
export function mnistSourceFiles(name: IdxDatasetName, options: IdxLoadOptions = {}): string[] {
  for (const dir of idxSearchDirs(name, options)) {
    const found = Object.values(FILES).map((base) => findFile(dir, base)).filter((p) => p !== null);
    if (found.length) return found;
  }
  return [];
}

async function readSplit(imagesPath: string, labelsPath: string): Promise<LabelledImages> {
  const images = await readIdx(imagesPath);
  const labels = await readIdx(labelsPath);
  if (images.shape.length !== 3) {
    throw new DatasetFormatError(
      imagesPath,
      3,
      `expected a 3-d image array [N, H, W], got [${images.shape}]`,
    );
  }
  if (labels.shape.length !== 1) {
    throw new DatasetFormatError(labelsPath, 3, `expected a 1-d label array [N], got [${labels.shape}]`);
  }
  const [n, h, w] = images.shape;
  if (n === 0) throw new DatasetFormatError(imagesPath, 4, "empty: the IDX header declares 0 images");
  if (labels.shape[0] !== n) {
    throw new DatasetFormatError(
      labelsPath,
      4,
      `${labels.shape[0]} labels but ${imagesPath} holds ${n} images`,
    );
  }
  const pixels = new Float32Array(images.data.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = images.data[i] / 255;
  const lab = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (labels.data[i] > 9) {
      throw new DatasetFormatError(labelsPath, 8 + i, `label ${labels.data[i]} of item ${i} outside 0..9`);
    }
    lab[i] = labels.data[i];
  }
  return { images: pixels, labels: lab, shape: [n, h, w, 1] };
}

/** Loads MNIST or Fashion-MNIST (see the module doc); throws {@link DatasetUnavailableError} naming where it looked. */
export async function loadMnistLike(name: IdxDatasetName, options: IdxLoadOptions = {}): Promise<Dataset> {
  const dirs = idxSearchDirs(name, options);
  for (const dir of dirs) {
    const paths = Object.fromEntries(
      Object.entries(FILES).map(([k, base]) => [k, findFile(dir, base)]),
    ) as Record<keyof typeof FILES, string | null>;
    const found = Object.values(paths).filter((p) => p !== null).length;
    if (found === 0) continue;
    if (found < 4) {
      const missing = Object.entries(paths).filter(([, p]) => p === null).map(([k]) =>
        FILES[k as keyof typeof FILES]
      );
      throw new DatasetUnavailableError(`${name}: ${dir} lacks ${missing.join(", ")} (with or without .gz)`);
    }
    const classNames = name === "mnist" ? MNIST_CLASSES : FASHION_MNIST_CLASSES;
    const seed = options.seed ?? 0;
    const train = limitSplit(
      await readSplit(paths.trainImages!, paths.trainLabels!),
      10,
      options.trainLimit,
      deriveSeed(seed, "train"),
    );
    const test = limitSplit(
      await readSplit(paths.testImages!, paths.testLabels!),
      10,
      options.testLimit,
      deriveSeed(seed, "test"),
    );
    checkSplit(train, 10, `${name} train`);
    checkSplit(test, 10, `${name} test`);
    return { name, classNames, train, test, info: { dir } };
  }
  throw new DatasetUnavailableError(
    `${name}: no IDX files found in ${dirs.join(" or ")}; put ${Object.values(FILES).join(", ")} ` +
      `(optionally .gz) into one of them or pass dir` +
      (name === "fashion-mnist" ? " (Debian: apt install dataset-fashion-mnist)" : ""),
  );
}
