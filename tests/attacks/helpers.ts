/** Tiny hand-built classifiers and seeded random data for the attack and analysis tests. */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import type { ImageClassifier } from "../../lib/models/classifier.ts";

await tf.setBackend("cpu");

/** mulberry32: a small seeded PRNG in [0, 1), independent of the code under test. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` uniform values in [lo, hi). */
export function uniform(n: number, lo: number, hi: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/** A linear model `logits = flatten(x)·W + b`, W `[D, K]` row-major with D = H·W·C (NHWC order). */
export interface Linear {
  model: ImageClassifier;
  weights: Float32Array;
  bias: Float32Array;
}

/** Builds the linear classifier over images of `shape` with `k` classes from the given weights. */
export function linearClassifier(
  shape: [number, number, number],
  k: number,
  weights: Float32Array,
  bias: Float32Array,
): Linear {
  const d = shape[0] * shape[1] * shape[2];
  const wT = tf.tensor2d(weights, [d, k]);
  const bT = tf.tensor1d(bias);
  const logitsOf = (x: tf.Tensor4D) =>
    tf.tidy(() => tf.add(tf.matMul(tf.reshape(x, [x.shape[0], d]), wT), bT) as tf.Tensor2D);
  return {
    model: {
      inputShape: shape,
      numClasses: k,
      logits: logitsOf,
      features: (x) => tf.tidy(() => tf.reshape(x, [x.shape[0], d]) as tf.Tensor2D),
    },
    weights,
    bias,
  };
}

/** A random linear classifier with weights uniform in [−1, 1). */
export function randomLinear(shape: [number, number, number], k: number, seed: number): Linear {
  const d = shape[0] * shape[1] * shape[2];
  return linearClassifier(shape, k, uniform(d * k, -1, 1, seed), uniform(k, -0.1, 0.1, seed + 1));
}

/** A small nonlinear classifier (tanh hidden layer), to exercise attacks beyond the linear case. */
export function randomMlp(
  shape: [number, number, number],
  k: number,
  hidden: number,
  seed: number,
): ImageClassifier {
  const d = shape[0] * shape[1] * shape[2];
  const w1 = tf.tensor2d(uniform(d * hidden, -1, 1, seed), [d, hidden]);
  const w2 = tf.tensor2d(uniform(hidden * k, -1, 1, seed + 1), [hidden, k]);
  const featuresOf = (x: tf.Tensor4D) =>
    tf.tidy(() => tf.tanh(tf.matMul(tf.reshape(x, [x.shape[0], d]), w1)) as tf.Tensor2D);
  return {
    inputShape: shape,
    numClasses: k,
    features: featuresOf,
    logits: (x) => tf.tidy(() => tf.matMul(featuresOf(x), w2) as tf.Tensor2D),
  };
}

/** Argmax of each row of a logits tensor, as labels. */
export function predict(model: ImageClassifier, x: tf.Tensor4D): Int32Array {
  const p = tf.tidy(() => tf.argMax(model.logits(x), 1));
  const out = new Int32Array(p.dataSync());
  p.dispose();
  return out;
}
