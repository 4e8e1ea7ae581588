import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert";
import { initBackend } from "../../lib/backend/mod.ts";
import { cifarResNet, classifierFromLayersModel, trainingGradients } from "../../lib/models/mod.ts";
import { createOptimizer } from "../../lib/training/optimizer.ts";
import { seededValues } from "../backend/helpers.ts";

/** A ResNet-8 (batch-norm, 1×1 shortcuts) with the given seed. */
const build = () =>
  cifarResNet({ inputShape: [16, 16, 3], numClasses: 10, depth: 8, shortcut: "B", seed: 5 });

Deno.test("after optimiser steps, inference and training see the new weights and moving statistics", async () => {
  await initBackend("wasm");
  const model = build();
  const x = tf.tensor4d(seededValues(4 * 16 * 16 * 3, 3).map((v) => (v + 1) / 2), [4, 16, 16, 3]);
  const labels = tf.oneHot(tf.tensor1d([1, 7, 3, 0], "int32"), 10);
  const lossOf = (logits: tf.Tensor) => tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
  const classifier = classifierFromLayersModel(model);
  const gradients = trainingGradients(model);
  const { optimizer, dispose } = createOptimizer({ kind: "sgd", momentum: 0.9, nesterov: false }, 0.1);
  /** Logits (twice: kept copies of reordered filters serve the second) and a step's loss, from `m`. */
  const read = (m: typeof model, c: typeof classifier) => {
    const logits = [0, 1].map(() => tf.tidy(() => Array.from(c.logits(x).dataSync())));
    const { value, grads } = trainingGradients(m)(x, lossOf);
    const loss = value.dataSync()[0];
    tf.dispose([value, ...Object.values(grads)]);
    return { logits, loss };
  };
  for (let step = 0; step < 3; step++) {
    tf.tidy(() => classifier.logits(x)); // caches made from the weights before the step
    const { value, grads } = gradients(x, lossOf);
    optimizer.applyGradients(grads);
    tf.dispose([value, ...Object.values(grads)]);
    // The same weights in a fresh model (new tensors: nothing cached from them) are the reference.
    const fresh = build();
    fresh.setWeights(model.getWeights());
    const want = read(fresh, classifierFromLayersModel(fresh));
    const got = read(model, classifier);
    assert.deepStrictEqual(got, want, `after step ${step + 1}`);
    fresh.dispose();
  }
  tf.dispose([x, labels]);
  dispose();
  model.dispose();
});
