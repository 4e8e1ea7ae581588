import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { cw, cwParams } from "../../lib/attacks/mod.ts";
import { linearClassifier, predict, uniform } from "./helpers.ts";

const SHAPE: [number, number, number] = [3, 3, 2];
const D = 18;

Deno.test("CW l2 on a linear binary classifier finds the analytic minimal perturbation", async () => {
  // Logits (0, v·x + c): the decision boundary is the hyperplane v·x + c = 0, so the minimal l2
  // perturbation of x is |v·x + c| / ‖v‖₂ (its foot stays inside [0, 1]: checked below). Here c = 0 and
  // each image is shifted along v to a chosen signed distance from the boundary.
  const v = uniform(D, -1, 1, 61);
  const weights = new Float32Array(D * 2);
  for (let i = 0; i < D; i++) weights[i * 2 + 1] = v[i];
  const n = 4;
  const xs = uniform(n * D, 0.35, 0.65, 62);
  const vNorm = Math.hypot(...v);
  const vx = Array.from({ length: n }, (_, i) => v.reduce((a, vi, p) => a + vi * xs[i * D + p], 0));
  // Offsets put the images at distances 0.05…0.2 from the boundary, on either side.
  const want = [0.05, 0.1, 0.15, 0.2];
  const sides = [1, -1, 1, -1];
  for (let i = 0; i < n; i++) {
    const shift = (sides[i] * want[i] * vNorm - vx[i]) / (vNorm * vNorm);
    for (let p = 0; p < D; p++) xs[i * D + p] += shift * v[p];
  }
  const lin = linearClassifier(SHAPE, 2, weights, Float32Array.of(0, 0));
  const images = tf.tensor4d(xs, [n, ...SHAPE]);
  const labels = predict(lin.model, images);
  assert.deepEqual(Array.from(labels), [1, 0, 1, 0]);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < D; p++) {
      const foot = xs[i * D + p] - sides[i] * want[i] * v[p] / vNorm;
      assert.ok(foot > 0 && foot < 1 && xs[i * D + p] > 0 && xs[i * D + p] < 1, "test geometry inside [0,1]");
    }
  }
  const params = cwParams.parse({
    binarySteps: 6,
    maxIterations: 300,
    learningRate: 0.01,
    initialConst: 0.1,
  });
  const res = await cw.run({ model: lin.model, images, labels, seed: 0 }, params);
  for (let i = 0; i < n; i++) {
    assert.equal(res.success[i], 1, `image ${i} not adversarial`);
    assert.ok(res.l2[i] >= want[i] * (1 - 1e-3), `image ${i}: l2 ${res.l2[i]} below the minimum ${want[i]}`);
    assert.ok(res.l2[i] <= want[i] * 1.03, `image ${i}: l2 ${res.l2[i]} not within 3% of ${want[i]}`);
  }
  const adv = res.adversarial.dataSync();
  assert.ok(adv.every((a) => a >= 0 && a <= 1));
  tf.dispose([images, res.adversarial]);
});

Deno.test("CW leaves an image it cannot attack unchanged and flags it unsuccessful", async () => {
  // Class 0 wins by a margin no image in [0, 1] can overcome.
  const weights = new Float32Array(D * 2);
  for (let i = 0; i < D; i++) weights[i * 2 + 1] = 0.01;
  const lin = linearClassifier(SHAPE, 2, weights, Float32Array.of(10, 0));
  const xs = uniform(D, 0, 1, 71);
  const images = tf.tensor4d(xs, [1, ...SHAPE]);
  const res = await cw.run(
    { model: lin.model, images, labels: Int32Array.of(0), seed: 0 },
    cwParams.parse({ binarySteps: 3, maxIterations: 50 }),
  );
  assert.equal(res.success[0], 0);
  assert.deepEqual(res.adversarial.dataSync(), xs);
  assert.equal(res.l2[0], 0);
  tf.dispose([images, res.adversarial]);
});
