/**
 * The model's predicted class (argmax of the logits) of each image, computed a batch at a time — the one
 * prediction helper of freqlens, used by evaluation, the attribution methods and the tasks.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { ImageClassifier } from "./classifier.ts";

/** Predicted class of every image of `images` (NHWC float32 in [0, 1]), int32 `[N]`, `batchSize` at a time. */
export function predictedClasses(
  model: ImageClassifier,
  images: { data: Float32Array; shape: readonly number[] },
  batchSize = 256,
): Int32Array {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  }
  const [n, h, w, c] = images.shape;
  const per = h * w * c;
  const out = new Int32Array(n);
  for (let lo = 0; lo < n; lo += batchSize) {
    const hi = Math.min(n, lo + batchSize);
    const pred = tf.tidy(() =>
      tf.argMax(model.logits(tf.tensor4d(images.data.subarray(lo * per, hi * per), [hi - lo, h, w, c])), 1)
    );
    out.set(pred.dataSync() as Int32Array, lo);
    pred.dispose();
  }
  return out;
}
