/**
 * A hand-built linear classifier for tests: logits = W·vec(x) + b with features = P·vec(x) (a fixed
 * projection), written with tf ops so gradients flow. Closed forms of attribution methods are linear in W.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { ImageClassifier } from "../../lib/models/classifier.ts";

/** A deterministic pseudo-random float in [-1, 1) from an integer (no state, for fixtures). */
export function hashFloat(i: number, salt = 0): number {
  let h = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(salt + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 13), 0x27d4eb2d);
  h ^= h >>> 16;
  return ((h >>> 0) / 2 ** 32) * 2 - 1;
}

/** Weights of a linear model: `w[c·D + d]` for class c and pixel d (NHWC order), bias `b[c]`. */
export interface LinearWeights {
  w: Float32Array;
  b: Float32Array;
  /** Feature projection `p[f·D + d]`, `features` rows. */
  p: Float32Array;
}

/** Random linear weights for images `[h, w, c]` and `classes` classes. */
export function linearWeights(
  shape: readonly [number, number, number],
  classes: number,
  features = 8,
  salt = 0,
): LinearWeights {
  const d = shape[0] * shape[1] * shape[2];
  return {
    w: Float32Array.from({ length: classes * d }, (_, i) => hashFloat(i, salt)),
    b: Float32Array.from({ length: classes }, (_, i) => hashFloat(i, salt + 7)),
    p: Float32Array.from({ length: features * d }, (_, i) => hashFloat(i, salt + 13)),
  };
}

/** The {@link ImageClassifier} of `weights`. */
export function linearClassifier(
  shape: readonly [number, number, number],
  classes: number,
  weights: LinearWeights,
): ImageClassifier {
  const d = shape[0] * shape[1] * shape[2];
  const features = weights.p.length / d;
  const w = tf.keep(tf.tensor2d(weights.w, [classes, d]));
  const b = tf.keep(tf.tensor1d(weights.b));
  const p = tf.keep(tf.tensor2d(weights.p, [features, d]));
  return {
    inputShape: shape,
    numClasses: classes,
    logits: (x) =>
      tf.tidy(() => tf.add(tf.matMul(tf.reshape(x, [x.shape[0], d]), w, false, true), b) as tf.Tensor2D),
    features: (x) => tf.tidy(() => tf.matMul(tf.reshape(x, [x.shape[0], d]), p, false, true) as tf.Tensor2D),
  };
}

/** Logits of the linear model computed in float64 on plain arrays: `[N, classes]`. */
export function linearLogits(
  weights: LinearWeights,
  classes: number,
  x: Float64Array | Float32Array,
  n: number,
) {
  const d = x.length / n;
  const out = new Float64Array(n * classes);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < classes; c++) {
      let s = weights.b[c];
      for (let k = 0; k < d; k++) s += weights.w[c * d + k] * x[i * d + k];
      out[i * classes + c] = s;
    }
  }
  return out;
}
