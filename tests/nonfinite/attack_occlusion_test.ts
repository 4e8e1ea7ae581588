/**
 * Issue 12, case 1: NaN logits never count as an attack success (FGSM reported "success 81.3 %" at
 * l2 = 0 on a NaN model: tfjs' argMax of a NaN row is class 0, which differs from most labels), and a
 * non-finite attribution is an error naming the image and the band.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { rng } from "../attacks/helpers.ts";
import { fgsm, pgd, successOf } from "../../lib/attacks/mod.ts";
import type { ImageClassifier } from "../../lib/models/classifier.ts";
import { AttributionError, checkFiniteBandScores } from "../../lib/attribution/mod.ts";

/** A classifier whose logits are NaN for every image (what a diverged model computes). */
function nanModel(k: number): ImageClassifier {
  return {
    inputShape: [4, 4, 1],
    numClasses: k,
    logits: (x) =>
      tf.tidy(() => tf.mul(tf.sum(tf.reshape(x, [x.shape[0], 16]), 1, true), tf.fill([1, k], NaN))),
    features: (x) => tf.reshape(x, [x.shape[0], 16]),
  } as ImageClassifier;
}

Deno.test("argMax of NaN logits is class 0 in tfjs, and successOf does not call it a success", () => {
  const logits = tf.tensor2d([[NaN, NaN, NaN], [1, 2, NaN], [3, 1, 0]]);
  const labels = tf.tensor1d([1, 0, 1], "int32");
  assert.deepEqual(Array.from(tf.argMax(logits, 1).dataSync()), [0, 1, 0]);
  assert.deepEqual(Array.from(successOf(logits, labels).dataSync()), [0, 0, 1]);
  assert.deepEqual(Array.from(successOf(logits, labels, tf.tensor1d([0, 1, 0], "int32")).dataSync()), [
    0,
    0,
    1,
  ]);
});

Deno.test("FGSM and PGD on a NaN model report no success", async () => {
  const r = rng(4);
  const n = 16;
  const images = tf.tensor4d(Float32Array.from({ length: n * 16 }, () => r()), [n, 4, 4, 1]);
  const labels = Int32Array.from({ length: n }, (_, i) => 1 + (i % 2)); // never class 0
  for (const [attack, params] of [[fgsm, { eps: 0.1 }], [pgd, pgd.params.parse({ steps: 2 })]] as const) {
    // deno-lint-ignore no-explicit-any
    const res = await attack.run({ model: nanModel(3), images, labels, seed: 1 }, params as any);
    assert.deepEqual(Array.from(res.success), new Array(n).fill(0), attack.name);
    res.adversarial.dispose();
  }
});

Deno.test("checkFiniteBandScores names the first image and band with a non-finite attribution", () => {
  const scores = Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, NaN]);
  assert.doesNotThrow(() => checkFiniteBandScores(scores.subarray(0, 3), 3));
  assert.throws(
    () => checkFiniteBandScores(scores, 3, [1, 2], (i) => `test image ${[17, 42][i]}`),
    (e) =>
      e instanceof AttributionError &&
      e.message ===
        "test image 42, band 2: attribution is NaN (the model's score with the band occluded is not finite)",
  );
  assert.throws(
    () => checkFiniteBandScores(scores, 3, [1, NaN]),
    (e) =>
      e instanceof AttributionError && /^image 1, band 2: .*score of the clean image is NaN/.test(e.message),
  );
});
