/** Tiny seeded data and models for the training tests (cpu backend). */
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../lib/backend/mod.ts";
import type { ImageClassifier } from "../../lib/models/mod.ts";
import type { LabelledImages } from "../../lib/datasets/mod.ts";
import { Rng } from "../../lib/stats/mod.ts";

await initBackend("cpu");

/** `n` random images of shape [h, w, c] in [0, 1] with random labels in [0, k). */
export function randomImages(
  n: number,
  h: number,
  w: number,
  c: number,
  k: number,
  seed: number,
): LabelledImages {
  const rng = new Rng(seed);
  return {
    images: rng.uniformArray(n * h * w * c),
    labels: Int32Array.from({ length: n }, () => rng.int(k)),
    shape: [n, h, w, c],
  };
}

/** A linear classifier `logits = flatten(x)·W + b` with W `[D, K]` row-major, and its brute-force argmax. */
export function linear(shape: [number, number, number], k: number, seed: number) {
  const d = shape[0] * shape[1] * shape[2];
  const rng = new Rng(seed);
  const w = rng.uniformArray(d * k, -1, 1);
  const b = rng.uniformArray(k, -0.1, 0.1);
  const wT = tf.tensor2d(w, [d, k]);
  const bT = tf.tensor1d(b);
  const classifier: ImageClassifier = {
    inputShape: shape,
    numClasses: k,
    logits: (x) => tf.tidy(() => tf.add(tf.matMul(tf.reshape(x, [x.shape[0], d]), wT), bT) as tf.Tensor2D),
    features: (x) => tf.tidy(() => tf.reshape(x, [x.shape[0], d]) as tf.Tensor2D),
  };
  /** Predicted class of image `i` of `images`, in float64. */
  const argmax = (images: Float32Array, i: number) => {
    let best = -1;
    let bestV = -Infinity;
    for (let j = 0; j < k; j++) {
      let v = b[j];
      for (let p = 0; p < d; p++) v += images[i * d + p] * w[p * k + j];
      if (v > bestV) [best, bestV] = [j, v];
    }
    return best;
  };
  return { classifier, argmax };
}
