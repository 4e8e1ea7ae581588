import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { bandMask, dct2, idct2 } from "../../lib/dct/mod.ts";
import type { ImageClassifier } from "../../lib/models/classifier.ts";
import {
  ablateBands,
  bandLayout,
  coefficientStats,
  cumulativeBandAblation,
  occludedFrequency,
  toImageArray,
} from "../../lib/attribution/mod.ts";
import { hashFloat, linearClassifier, linearWeights } from "./linear_model.ts";
import { bruteDct } from "./dct_reference.ts";

await tf.setBackend("cpu");

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${what}: ${a} vs ${b}`);

function images(n: number, h: number, w: number, c: number, salt: number) {
  return {
    data: Float32Array.from({ length: n * h * w * c }, (_, i) => (hashFloat(i, salt) + 1) / 2),
    shape: [n, h, w, c],
  };
}

/** A small nonlinear model: logits = V·relu(U·vec(x)) + b. */
function mlp(shape: [number, number, number], classes: number): ImageClassifier {
  const d = shape[0] * shape[1] * shape[2];
  const u = tf.keep(tf.tensor2d(Float32Array.from({ length: 16 * d }, (_, i) => hashFloat(i, 21)), [d, 16]));
  const v = tf.keep(
    tf.tensor2d(Float32Array.from({ length: 16 * classes }, (_, i) => hashFloat(i, 22)), [16, classes]),
  );
  const features = (x: tf.Tensor4D) =>
    tf.tidy(() => tf.relu(tf.matMul(tf.reshape(x, [x.shape[0], d]), u)) as tf.Tensor2D);
  return {
    inputShape: shape,
    numClasses: classes,
    features,
    logits: (x) => tf.tidy(() => tf.matMul(features(x), v) as tf.Tensor2D),
  };
}

Deno.test("OF on a linear model equals its closed form Σ_{(i,j)∈k} DCT(w_c)·DCT(x) (zero baseline)", async () => {
  const [h, w, c, classes, n] = [5, 4, 2, 3, 4];
  const weights = linearWeights([h, w, c], classes);
  const model = linearClassifier([h, w, c], classes, weights);
  const x = images(n, h, w, c, 3);
  const target = [2, 0, 1, 2];
  const of = await occludedFrequency(model, x, target, { batchSize: 5 });
  assert.deepEqual(of.shape, [n, h + w - 1]);
  const per = h * w * c;
  for (let img = 0; img < n; img++) {
    const xc = bruteDct(x.data.subarray(img * per, (img + 1) * per), h, w, c);
    const wc = bruteDct(weights.w.subarray(target[img] * per, (target[img] + 1) * per), h, w, c);
    const expected = new Float64Array(h + w - 1);
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        for (let ch = 0; ch < c; ch++) expected[i + j] += xc[(i * w + j) * c + ch] * wc[(i * w + j) * c + ch];
      }
    }
    for (let k = 0; k < h + w - 1; k++) {
      close(of.scores[img * (h + w - 1) + k], expected[k], 1e-4, `image ${img} band ${k}`);
    }
  }
});

Deno.test("OF on a linear model with the mean baseline equals Σ_{(i,j)∈k} DCT(w_c)·(DCT(x) − mean)", async () => {
  const [h, w, c, classes, n] = [4, 4, 1, 2, 3];
  const weights = linearWeights([h, w, c], classes, 8, 4);
  const model = linearClassifier([h, w, c], classes, weights);
  const x = images(n, h, w, c, 8);
  const ref = images(6, h, w, c, 9);
  const of = await occludedFrequency(model, x, [1, 0, 1], {
    baseline: "mean",
    reference: ref,
    score: "logit",
  });
  const per = h * w * c;
  const mean = new Float64Array(per);
  for (let r = 0; r < 6; r++) {
    bruteDct(ref.data.subarray(r * per, (r + 1) * per), h, w, c).forEach((v, p) => (mean[p] += v / 6));
  }
  for (let img = 0; img < n; img++) {
    const t = [1, 0, 1][img];
    const xc = bruteDct(x.data.subarray(img * per, (img + 1) * per), h, w, c);
    const wc = bruteDct(weights.w.subarray(t * per, (t + 1) * per), h, w, c);
    for (let k = 0; k < 7; k++) {
      let e = 0;
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < w; j++) if (i + j === k) e += (xc[i * w + j] - mean[i * w + j]) * wc[i * w + j];
      }
      close(of.scores[img * 7 + k], e, 1e-4, `image ${img} band ${k}`);
    }
  }
});

/** Reference: occlude one band of the whole batch at a time through lib/dct, one model call per band. */
async function ofOneBandAtATime(
  model: ImageClassifier,
  x: { data: Float32Array; shape: number[] },
  target: number[],
  baseline: Float64Array | undefined,
  probability: boolean,
) {
  const [n, h, w, c] = x.shape;
  const coeffs = dct2(Float64Array.from(x.data), x.shape);
  const score = (imgs: Float32Array) =>
    tf.tidy(() => {
      const l = model.logits(tf.tensor4d(imgs, [n, h, w, c]));
      return (probability ? tf.softmax(l) : l).arraySync() as number[][];
    });
  const clean = score(x.data);
  const bands = h + w - 1;
  const out = new Float64Array(n * bands);
  for (let k = 0; k < bands; k++) {
    const m = bandMask(h, w, k);
    const occluded = Float64Array.from(coeffs, (v, idx) => {
      const p = Math.floor(idx / c) % (h * w);
      return m[p] ? (baseline ? baseline[idx % (h * w * c)] : 0) : v;
    });
    const logits = score(Float32Array.from(idct2(occluded, x.shape)));
    for (let i = 0; i < n; i++) out[i * bands + k] = clean[i][target[i]] - logits[i][target[i]];
  }
  await Promise.resolve();
  return out;
}

Deno.test("OF batched (all bands of several images per batch) equals OF one band at a time", async () => {
  const shape: [number, number, number] = [6, 5, 3];
  const model = mlp(shape, 4);
  const x = images(5, ...shape, 31);
  const target = [0, 3, 1, 2, 0];
  for (const probability of [false, true]) {
    const expected = await ofOneBandAtATime(model, x, target, undefined, probability);
    const of = await occludedFrequency(model, x, target, {
      batchSize: 7,
      score: probability ? "probability" : "logit",
    });
    expected.forEach((e, i) => close(of.scores[i], e, 2e-4, `probability=${probability} item ${i}`));
  }
  const stats = coefficientStats(toImageArray(x), bandLayout(shape));
  const expectedMean = await ofOneBandAtATime(model, x, target, stats.mean, false);
  const ofMean = await occludedFrequency(model, x, target, { batchSize: 64, baseline: "mean" });
  expectedMean.forEach((e, i) => close(ofMean.scores[i], e, 2e-4, `mean baseline item ${i}`));
});

Deno.test("OF with the predicted class scores the model's argmax, and clean scores are the logits", async () => {
  const shape: [number, number, number] = [4, 4, 1];
  const model = mlp(shape, 3);
  const x = images(4, ...shape, 5);
  const logits = tf.tidy(() => model.logits(tf.tensor4d(x.data, [4, ...shape])).arraySync());
  const of = await occludedFrequency(model, x, "predicted");
  logits.forEach((row, i) => {
    const arg = row.indexOf(Math.max(...row));
    assert.equal(of.targets[i], arg);
    assert.equal(of.cleanPredicted[i], arg);
    close(of.clean[i], row[arg], 1e-5, `clean ${i}`);
  });
});

Deno.test("cumulative ablation: 0 bands is no change, all bands equals scoring the zero image; ablateBands agrees", async () => {
  const shape: [number, number, number] = [4, 3, 2];
  const model = mlp(shape, 3);
  const x = images(3, ...shape, 17);
  const target = [2, 1, 0];
  const cum = await cumulativeBandAblation(model, x, target, { batchSize: 4 });
  const bands = 6;
  assert.deepEqual(cum.shape, [3, bands + 1]);
  const zero = tf.tidy(() => model.logits(tf.zeros([1, ...shape])).arraySync()[0]);
  const clean = tf.tidy(() => model.logits(tf.tensor4d(x.data, [3, ...shape])).arraySync());
  for (let i = 0; i < 3; i++) {
    close(cum.scores[i * (bands + 1)], 0, 1e-6, "k=0");
    close(cum.scores[i * (bands + 1) + bands], clean[i][target[i]] - zero[target[i]], 1e-4, "k=all");
    // k = 2 lowest bands, against ablateBands + a direct model call.
    const img = ablateBands(model, x, i, [0, 1]);
    const l = tf.tidy(() => model.logits(tf.tensor4d(img, [1, ...shape])).arraySync()[0]);
    close(cum.scores[i * (bands + 1) + 2], clean[i][target[i]] - l[target[i]], 1e-4, "k=2");
  }
});
