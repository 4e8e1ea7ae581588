import assert from "node:assert/strict";
import { accuracy, pgdAccuracy } from "../../lib/training/mod.ts";
import { predictedClasses } from "../../lib/models/mod.ts";
import { linear, randomImages } from "./helpers.ts";

const SHAPE: [number, number, number] = [3, 3, 2];

Deno.test("predictedClasses and accuracy match a brute-force argmax, across batch boundaries", () => {
  const { classifier, argmax } = linear(SHAPE, 4, 3);
  const data = randomImages(37, ...SHAPE, 4, 4);
  const pred = predictedClasses(classifier, { data: data.images, shape: data.shape }, 8);
  let correct = 0;
  for (let i = 0; i < 37; i++) {
    assert.equal(pred[i], argmax(data.images, i));
    if (pred[i] === data.labels[i]) correct++;
  }
  assert.equal(accuracy(classifier, data, 5), correct / 37);
});

Deno.test("PGD accuracy: clean as brute force, robust ≤ clean, robust = clean at a vanishing ε", async () => {
  const { classifier, argmax } = linear(SHAPE, 3, 5);
  const data = randomImages(24, ...SHAPE, 3, 6);
  // Label every image with the model's own prediction: clean accuracy 1.
  data.labels = Int32Array.from({ length: 24 }, (_, i) => argmax(data.images, i));
  const strong = await pgdAccuracy(classifier, data, {
    norm: "linf",
    eps: 0.3,
    steps: 10,
    seed: 1,
    batchSize: 10,
  });
  assert.equal(strong.n, 24);
  assert.equal(strong.clean, 1);
  assert.ok(strong.robust < 0.5, `ε = 0.3 on a random linear model leaves ${strong.robust}`);
  const tiny = await pgdAccuracy(classifier, data, {
    norm: "linf",
    eps: 1e-7,
    steps: 2,
    seed: 1,
    batchSize: 10,
  });
  assert.equal(tiny.robust, 1);
});
