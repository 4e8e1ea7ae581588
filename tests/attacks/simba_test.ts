import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { simba, simbaAttack, simbaDirection, simbaOrder, simbaParams } from "../../lib/attacks/mod.ts";
import type { ImageClassifier } from "../../lib/models/classifier.ts";
import { predict, randomMlp, uniform } from "./helpers.ts";

const SHAPE: [number, number, number] = [4, 4, 3];
const D = 48;

/** Wraps a model and counts the images it is queried on. */
function counting(model: ImageClassifier): { model: ImageClassifier; rows: () => number } {
  let rows = 0;
  return {
    model: {
      ...model,
      logits: (x) => {
        rows += x.shape[0];
        return model.logits(x);
      },
    },
    rows: () => rows,
  };
}

function softmaxProb(model: ImageClassifier, x: tf.Tensor4D, cls: Int32Array): number[] {
  const p = tf.tidy(() => tf.softmax(model.logits(x)));
  const v = p.arraySync() as number[][];
  p.dispose();
  return v.map((row, i) => row[cls[i]]);
}

for (const basis of ["dct", "pixel"] as const) {
  Deno.test(`SimBA-${basis}: the true-class probability never increases and ends at the model's value`, () => {
    const model = randomMlp(SHAPE, 4, 10, 81);
    const n = 5;
    const images = tf.tensor4d(uniform(n * D, 0, 1, 82), [n, ...SHAPE]);
    const labels = predict(model, images);
    const start = softmaxProb(model, images, labels);
    let prev = Float64Array.from(start);
    let iterations = 0;
    const params = simbaParams.parse({ basis, stepSize: 0.3, eps: 0.5, maxQueries: 60 });
    const res = simbaAttack({ model, images, labels, seed: 4 }, params, {
      onIteration: (_, prob) => {
        for (let i = 0; i < n; i++) assert.ok(prob[i] <= prev[i], `image ${i}: ${prob[i]} > ${prev[i]}`);
        prev = Float64Array.from(prob);
        iterations++;
      },
    });
    assert.ok(iterations > 0);
    const end = softmaxProb(model, res.adversarial, labels);
    for (let i = 0; i < n; i++) {
      assert.ok(Math.abs(end[i] - prev[i]) < 1e-6, `image ${i}: model says ${end[i]}, trace ${prev[i]}`);
      assert.ok(end[i] <= start[i]);
    }
    // Success flags agree with the model; outputs inside [0, 1] and the l∞ bound.
    const pred = predict(model, res.adversarial);
    for (let i = 0; i < n; i++) {
      assert.equal(res.success[i], pred[i] !== labels[i] ? 1 : 0);
      assert.ok(res.linf[i] <= 0.5 + 1e-6);
    }
    assert.ok(res.adversarial.dataSync().every((v) => v >= 0 && v <= 1));
    tf.dispose([images, res.adversarial]);
  });
}

Deno.test("SimBA's per-image query counts are exact, batched or one image at a time", async () => {
  const base = randomMlp(SHAPE, 3, 10, 91);
  const n = 6;
  const xs = uniform(n * D, 0, 1, 92);
  const images = tf.tensor4d(xs, [n, ...SHAPE]);
  const labels = predict(base, images);
  const params = simbaParams.parse({ stepSize: 0.4, eps: 0.6, maxQueries: 41 });
  const batched = counting(base);
  const res = await simba.run({ model: batched.model, images, labels, seed: 7 }, params);
  // Every image the model saw is counted against exactly one image.
  assert.equal(res.queries.reduce((a, q) => a + q, 0), batched.rows());
  assert.ok(res.queries.every((q) => q >= 1 && q <= 41));
  for (let i = 0; i < n; i++) {
    const single = counting(base);
    const one = tf.tensor4d(xs.subarray(i * D, (i + 1) * D), [1, ...SHAPE]);
    const r1 = await simba.run({
      model: single.model,
      images: one,
      labels: labels.subarray(i, i + 1),
      seed: 7,
    }, params);
    assert.equal(r1.queries[0], single.rows(), `image ${i}: alone it used ${single.rows()} queries`);
    assert.equal(res.queries[i], r1.queries[0], `image ${i}: batched count differs from its own run`);
    assert.deepEqual(res.adversarial.dataSync().slice(i * D, (i + 1) * D), r1.adversarial.dataSync());
    tf.dispose([one, r1.adversarial]);
  }
  // Unsuccessful images spent their whole budget; or ran out of directions (48 here, so not).
  for (let i = 0; i < n; i++) if (!res.success[i]) assert.equal(res.queries[i], 41);
  tf.dispose([images, res.adversarial]);
});

Deno.test("SimBA counts an already misclassified image as one query and leaves it unchanged", async () => {
  const model = randomMlp(SHAPE, 3, 10, 95);
  const xs = uniform(D, 0, 1, 96);
  const images = tf.tensor4d(xs, [1, ...SHAPE]);
  const wrong = Int32Array.of((predict(model, images)[0] + 1) % 3);
  const res = await simba.run({ model, images, labels: wrong, seed: 1 }, simbaParams.parse({}));
  assert.equal(res.queries[0], 1);
  assert.equal(res.success[0], 1);
  assert.deepEqual(res.adversarial.dataSync(), xs);
  tf.dispose([images, res.adversarial]);
});

Deno.test("SimBA's DCT-basis directions are orthonormal", () => {
  for (const shape of [[4, 4, 3], [3, 5, 1]] as [number, number, number][]) {
    const d = shape[0] * shape[1] * shape[2];
    const dirs = Array.from({ length: d }, (_, i) => simbaDirection(shape, "dct", i));
    for (let a = 0; a < d; a++) {
      for (let b = a; b < d; b++) {
        let dot = 0;
        for (let p = 0; p < d; p++) dot += dirs[a][p] * dirs[b][p];
        assert.ok(Math.abs(dot - (a === b ? 1 : 0)) < 1e-12, `⟨q${a}, q${b}⟩ = ${dot}`);
      }
    }
  }
});

Deno.test("SimBA orders: random covers the freqDims block once, strided goes block then rings", () => {
  const [h, w, c] = [6, 6, 2];
  const pos = (i: number, j: number, ch: number) => (i * w + j) * c + ch;
  const rand = simbaOrder([h, w, c], "random", 3, 1, 5);
  const block = new Set<number>();
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) for (let ch = 0; ch < c; ch++) block.add(pos(i, j, ch));
  }
  assert.equal(rand.length, block.size);
  assert.deepEqual(new Set(rand), block);
  const strided = simbaOrder([h, w, c], "strided", 2, 3, 5);
  assert.equal(new Set(strided).size, h * w * c);
  // Rings by max(i, j): [0, 2) first, then [2, 5), then [5, 6); within the order they never go back.
  const ringOf = (p: number) => {
    const m = Math.max(Math.floor(p / c / w), Math.floor(p / c) % w);
    return m < 2 ? 0 : m < 5 ? 1 : 2;
  };
  const rings = Array.from(strided, ringOf);
  for (let t = 1; t < rings.length; t++) assert.ok(rings[t] >= rings[t - 1]);
  assert.deepEqual([rings.filter((r) => r === 0).length, rings.filter((r) => r === 1).length], [8, 42]);
  // Same seed, same order; another seed, another order.
  assert.deepEqual(simbaOrder([h, w, c], "random", 3, 1, 5), rand);
  assert.notDeepEqual(simbaOrder([h, w, c], "random", 3, 1, 6), rand);
});

Deno.test("targeted SimBA raises the target's probability and succeeds only on the target class", () => {
  const model = randomMlp(SHAPE, 4, 10, 131);
  const n = 4;
  const images = tf.tensor4d(uniform(n * D, 0, 1, 132), [n, ...SHAPE]);
  const labels = predict(model, images);
  const targets = labels.map((y) => (y + 1) % 4);
  let prev = Float64Array.from(softmaxProb(model, images, targets));
  const res = simbaAttack(
    { model, images, labels, targets, seed: 2 },
    simbaParams.parse({ stepSize: 0.5, eps: 1, maxQueries: 97 }),
    {
      onIteration: (_, prob) => {
        for (let i = 0; i < n; i++) assert.ok(prob[i] >= prev[i]);
        prev = Float64Array.from(prob);
      },
    },
  );
  const pred = predict(model, res.adversarial);
  for (let i = 0; i < n; i++) assert.equal(res.success[i], pred[i] === targets[i] ? 1 : 0);
  assert.ok(res.success.some((s) => s === 1), "some image reached its target");
  tf.dispose([images, res.adversarial]);
});
