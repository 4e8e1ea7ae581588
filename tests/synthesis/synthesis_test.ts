import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { randomOtherPairing, synthesizeFromRepresentation } from "../../lib/synthesis/mod.ts";
import { hashFloat, linearClassifier, linearWeights } from "../attribution/linear_model.ts";

await tf.setBackend("cpu");

Deno.test("randomOtherPairing never pairs an image with itself and covers every other index", () => {
  const n = 5;
  const seen = new Set<string>();
  for (let rep = 0; rep < 200; rep++) {
    const s = randomOtherPairing(n, rep);
    for (let i = 0; i < n; i++) {
      assert(s[i] !== i && s[i] >= 0 && s[i] < n, `start ${s[i]} for target ${i}`);
      seen.add(`${i}:${s[i]}`);
    }
  }
  assert.deepEqual(seen.size, n * (n - 1));
  assert.throws(() => randomOtherPairing(1, 0), /at least 2/);
  assert.deepEqual(randomOtherPairing(50, 7), randomOtherPairing(50, 7));
});

Deno.test("synthesis lowers the relative representation distance by >= 90% and stays in [0,1]", () => {
  const shape = [6, 6, 2] as const;
  const n = 6;
  const model = linearClassifier(shape, 3, linearWeights(shape, 3, 6, 1));
  const d = 6 * 6 * 2;
  const x = Float32Array.from({ length: n * d }, (_, i) => (hashFloat(i, 99) + 1) / 2);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  const starts = randomOtherPairing(n, 11);
  const res = synthesizeFromRepresentation(model, { data: x, shape: [n, ...shape] }, labels, {
    startIndices: starts,
    step: 0.05,
    iterations: 300,
    batchSize: 4,
  });
  assert.deepEqual(res.lossCurve.length, 301);
  assert.deepEqual([...res.labels], [...labels]);
  assert.deepEqual([...res.startIndices], [...starts]);
  for (const v of res.images.data) assert(v >= 0 && v <= 1, `pixel ${v} outside [0,1]`);
  // Independent check of the distance, in float64 on plain arrays.
  const rel = (a: Float32Array, b: Float32Array, i: number) => {
    const w = linearWeights(shape, 3, 6, 1).p;
    let num = 0, den = 0;
    for (let f = 0; f < 6; f++) {
      let ga = 0, gb = 0;
      for (let k = 0; k < d; k++) {
        ga += w[f * d + k] * a[i * d + k];
        gb += w[f * d + k] * b[i * d + k];
      }
      num += (ga - gb) ** 2;
      den += gb ** 2;
    }
    return Math.sqrt(num / den);
  };
  for (let i = 0; i < n; i++) {
    const start = x.slice(starts[i] * d, (starts[i] + 1) * d);
    const startRel = rel(Float32Array.from({ length: n * d }, (_, k) => start[k % d]), x, i);
    const endRel = rel(res.images.data, x, i);
    assert(Math.abs(res.initialLoss[i] - startRel) < 1e-4, `initial ${res.initialLoss[i]} vs ${startRel}`);
    assert(Math.abs(res.finalLoss[i] - endRel) < 1e-4, `final ${res.finalLoss[i]} vs ${endRel}`);
    assert(endRel <= 0.1 * startRel, `image ${i}: distance ${startRel} -> ${endRel}`);
  }
  const meanStart = res.initialLoss.reduce((a, b) => a + b, 0) / n;
  assert(Math.abs(res.lossCurve[0] - meanStart) < 1e-4);
});

Deno.test("synthesis is independent of the batch size", () => {
  const shape = [4, 4, 1] as const;
  const model = linearClassifier(shape, 2, linearWeights(shape, 2, 4, 2));
  const n = 5;
  const x = Float32Array.from({ length: n * 16 }, (_, i) => (hashFloat(i, 5) + 1) / 2);
  const images = { data: x, shape: [n, 4, 4, 1] };
  const opts = { startIndices: randomOtherPairing(n, 1), step: 0.1, iterations: 20 };
  const a = synthesizeFromRepresentation(model, images, [0, 1, 0, 1, 0], { ...opts, batchSize: 5 });
  const b = synthesizeFromRepresentation(model, images, [0, 1, 0, 1, 0], { ...opts, batchSize: 2 });
  for (let i = 0; i < a.images.data.length; i++) {
    assert(Math.abs(a.images.data[i] - b.images.data[i]) < 1e-5);
  }
});
