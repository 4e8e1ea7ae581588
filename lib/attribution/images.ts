/**
 * Image batches as the attribution and synthesis code takes them: either a tfjs `Tensor4D` or a plain
 * NHWC float32 array (what `readNpy` returns for a `data` stage's `test_x.npy`), pixels in [0, 1].
 *
 * Everything here works on plain arrays in C order so that batches can be sliced, tiled and assembled
 * without round trips through the backend.
 */
import * as tf from "@tensorflow/tfjs-core";

/** NHWC float32 images in C order: `data.length === N·H·W·C`. */
export interface ImageArray {
  data: Float32Array;
  shape: readonly [number, number, number, number];
}

/** What the analyses accept: a tensor or an {@link ImageArray} (or any `{data, shape}` with 4 dims). */
export type Images = tf.Tensor4D | { data: Float32Array; shape: readonly number[] };

/** Images of the wrong rank, size or shape for the model they are given to. */
export class ImageShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImageShapeError";
  }
}

/** Normalises `images` to an {@link ImageArray} (copies a tensor's data; keeps an array as is). */
export function toImageArray(images: Images): ImageArray {
  if (images instanceof tf.Tensor) {
    return {
      data: images.dataSync() as Float32Array,
      shape: images.shape as [number, number, number, number],
    };
  }
  const { data, shape } = images;
  if (shape.length !== 4) throw new ImageShapeError(`images: expected NHWC (4 dims), got shape [${shape}]`);
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== data.length) {
    throw new ImageShapeError(`images: shape [${shape}] holds ${size} values but data has ${data.length}`);
  }
  return { data, shape: shape as unknown as [number, number, number, number] };
}

/** Throws unless `images` are `[N, ...inputShape]` for a model with that input shape. */
export function checkImageShape(images: ImageArray, inputShape: readonly [number, number, number]): void {
  const [, h, w, c] = images.shape;
  if (h !== inputShape[0] || w !== inputShape[1] || c !== inputShape[2]) {
    throw new ImageShapeError(
      `images have shape [${images.shape}] but the model takes [N,${inputShape.join(",")}]`,
    );
  }
}

/** Number of values in one image. */
export function imageSize(images: ImageArray): number {
  const [, h, w, c] = images.shape;
  return h * w * c;
}

/** Images `[start, end)` as a tensor (caller disposes). */
export function batchTensor(images: ImageArray, start: number, end: number): tf.Tensor4D {
  const per = imageSize(images);
  const [, h, w, c] = images.shape;
  return tf.tensor4d(images.data.subarray(start * per, end * per), [end - start, h, w, c]);
}

/** Images at `indices`, gathered into a new array. */
export function gatherImages(images: ImageArray, indices: ArrayLike<number>): ImageArray {
  const per = imageSize(images);
  const [n, h, w, c] = images.shape;
  const out = new Float32Array(indices.length * per);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      throw new ImageShapeError(`image index ${i} (position ${k}) is outside [0, ${n})`);
    }
    out.set(images.data.subarray(i * per, (i + 1) * per), k * per);
  }
  return { data: out, shape: [indices.length, h, w, c] };
}
