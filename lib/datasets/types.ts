/**
 * The common shape of every dataset in freqlens, and its errors.
 *
 * Images are NHWC float32 in [0, 1] (`images[((n·H + i)·W + j)·C + c]`), labels int32 class indices.
 */

/**
 * Images with their labels: a split (train or test) of a dataset, a subset of one, a batch — the one
 * images-plus-labels type of freqlens (datasets, training, evaluation, the stage readers).
 */
export interface LabelledImages {
  /** NHWC float32 pixels in [0, 1]. */
  images: Float32Array;
  /** Class index per image, 0 ≤ label < classNames.length. */
  labels: Int32Array;
  /** `[N, H, W, C]`. */
  shape: readonly [number, number, number, number];
}

/** A labelled image dataset with a train and a test split. */
export interface Dataset {
  /** `cifar10`, `mnist`, `fashion-mnist` or `planted`. */
  name: string;
  /** Class names in label order. */
  classNames: string[];
  train: LabelledImages;
  test: LabelledImages;
  /** Facts about how the data was made (the planted dataset's bands, the files read…), JSON-serialisable. */
  info?: Record<string, unknown>;
}

/** A malformed or truncated dataset file; names the file and the byte offset where reading failed. */
export class DatasetFormatError extends Error {
  constructor(readonly file: string, readonly offset: number, readonly reason: string) {
    super(`${file}: at byte offset ${offset}: ${reason}`);
    this.name = "DatasetFormatError";
  }
}

/** A dataset whose files are not where they were looked for (and could not be downloaded). */
export class DatasetUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatasetUnavailableError";
  }
}

/** Default cache directory for downloaded datasets: `$FREQLENS_CACHE/datasets`, else `~/.cache/freqlens/datasets`. */
export function defaultCacheDir(): string {
  const root = Deno.env.get("FREQLENS_CACHE") ??
    `${Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME") ?? "."}/.cache`}/freqlens`;
  return `${root}/datasets`;
}

/** Checks that a split is non-empty and consistent (lengths, label range); throws naming the problem. */
export function checkSplit(split: LabelledImages, numClasses: number, what: string): void {
  const [n, h, w, c] = split.shape;
  if (n === 0) throw new RangeError(`${what}: no images`);
  if (split.images.length !== n * h * w * c) {
    throw new RangeError(`${what}: ${split.images.length} pixel values for shape [${split.shape}]`);
  }
  if (split.labels.length !== n) {
    throw new RangeError(`${what}: ${split.labels.length} labels for ${n} images`);
  }
  for (let i = 0; i < n; i++) {
    if (split.labels[i] < 0 || split.labels[i] >= numClasses) {
      throw new RangeError(`${what}: label ${split.labels[i]} of image ${i} outside 0..${numClasses - 1}`);
    }
  }
}
