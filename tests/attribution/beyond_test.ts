import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import {
  filteredAccuracy,
  fourierHeatMap,
  frequencySaliency,
  occludedFrequency,
} from "../../lib/attribution/mod.ts";
import { hashFloat, linearClassifier, linearLogits, linearWeights } from "./linear_model.ts";
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

const argmax = (row: ArrayLike<number>) => {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
};

Deno.test("gradient saliency of a linear model is Σ_band |DCT(w_c)|; input×gradient equals OF (zero baseline)", async () => {
  const [h, w, c, classes, n] = [4, 5, 2, 3, 3];
  const weights = linearWeights([h, w, c], classes, 4, 2);
  const model = linearClassifier([h, w, c], classes, weights);
  const x = images(n, h, w, c, 6);
  const target = [1, 2, 0];
  const sal = await frequencySaliency(model, x, target, { batchSize: 2 });
  const mean = await frequencySaliency(model, x, target, { reduce: "mean" });
  const per = h * w * c;
  const bands = h + w - 1;
  assert.deepEqual(sal.shape, [n, bands]);
  for (let i = 0; i < n; i++) {
    const wc = bruteDct(weights.w.subarray(target[i] * per, (target[i] + 1) * per), h, w, c);
    const sum = new Float64Array(bands);
    const count = new Float64Array(bands);
    for (let p = 0; p < h; p++) {
      for (let q = 0; q < w; q++) {
        for (let ch = 0; ch < c; ch++) {
          sum[p + q] += Math.abs(wc[(p * w + q) * c + ch]);
          count[p + q]++;
        }
      }
    }
    for (let k = 0; k < bands; k++) {
      close(sal.scores[i * bands + k], sum[k], 1e-4, `sum image ${i} band ${k}`);
      close(mean.scores[i * bands + k], sum[k] / count[k], 1e-4, `mean image ${i} band ${k}`);
    }
  }
  const ixg = await frequencySaliency(model, x, target, { inputTimesGradient: true });
  const of = await occludedFrequency(model, x, target);
  of.scores.forEach((v, i) => close(ixg.scores[i], v, 1e-4, `input×gradient vs OF ${i}`));
});

/** DCT basis image (i, j), unit norm, by the textbook formula. */
function dctBasis(h: number, w: number, i: number, j: number) {
  const a = (k: number, m: number) => Math.sqrt((k === 0 ? 1 : 2) / m);
  return Float64Array.from({ length: h * w }, (_, t) => {
    const p = Math.floor(t / w), q = t % w;
    return a(i, h) * a(j, w) * Math.cos((Math.PI * (2 * p + 1) * i) / (2 * h)) *
      Math.cos((Math.PI * (2 * q + 1) * j) / (2 * w));
  });
}

Deno.test("Fourier heat map of a linear model equals the closed-form error rate per frequency", async () => {
  const [h, w, c, classes, n] = [4, 3, 2, 3, 6];
  const weights = linearWeights([h, w, c], classes, 4, 5);
  const model = linearClassifier([h, w, c], classes, weights);
  const x = images(n, h, w, c, 12);
  const clean = linearLogits(weights, classes, x.data, n);
  const labels = Array.from({ length: n }, (_, i) => argmax(clean.subarray(i * classes, (i + 1) * classes)));
  labels[0] = (labels[0] + 1) % classes; // one image misclassified to begin with
  const eps = 1.5;
  for (const sign of ["positive", "negative"] as const) {
    const map = await fourierHeatMap(model, x, labels, { eps, sign, clip: false, batchSize: 10 });
    assert.deepEqual(map.shape, [h, w]);
    assert.equal(map.axis, "frequency");
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const u = dctBasis(h, w, i, j);
        const s = sign === "positive" ? eps : -eps;
        const perturbed = Float64Array.from(x.data, (v, t) => v + s * u[Math.floor(t / c) % (h * w)]);
        const logits = linearLogits(weights, classes, perturbed, n);
        let errors = 0;
        for (
          let m = 0;
          m < n;
          m++
        ) if (argmax(logits.subarray(m * classes, (m + 1) * classes)) !== labels[m]) errors++;
        close(map.scores[i * w + j], errors / n, 1e-6, `${sign} (${i},${j})`);
      }
    }
  }
});

Deno.test("Fourier heat map with random signs lies between the per-image sign outcomes and is seeded", async () => {
  const [h, w, c, classes, n] = [3, 3, 1, 2, 8];
  const weights = linearWeights([h, w, c], classes, 4, 9);
  const model = linearClassifier([h, w, c], classes, weights);
  const x = images(n, h, w, c, 4);
  const labels = Array.from({ length: n }, (_, i) => i % 2);
  const opts = { eps: 2, clip: false, basis: "fourier" as const };
  const a = await fourierHeatMap(model, x, labels, { ...opts, seed: 3 });
  const b = await fourierHeatMap(model, x, labels, { ...opts, seed: 3 });
  assert.deepEqual(a.scores, b.scores);
  // With one channel, each image's outcome under a random sign is its outcome under + or under −.
  const lo = new Float64Array(h * w), hi = new Float64Array(h * w);
  for (let m = 0; m < n; m++) {
    const one = { data: x.data.slice(m * h * w, (m + 1) * h * w), shape: [1, h, w, c] };
    const pos = await fourierHeatMap(model, one, [labels[m]], { ...opts, sign: "positive" });
    const neg = await fourierHeatMap(model, one, [labels[m]], { ...opts, sign: "negative" });
    for (let f = 0; f < h * w; f++) {
      lo[f] += Math.min(pos.scores[f], neg.scores[f]) / n;
      hi[f] += Math.max(pos.scores[f], neg.scores[f]) / n;
    }
  }
  let mixed = 0;
  for (let f = 0; f < h * w; f++) {
    assert.ok(a.scores[f] >= lo[f] - 1e-6 && a.scores[f] <= hi[f] + 1e-6, `frequency ${f}`);
    if (hi[f] > lo[f]) mixed++;
  }
  assert.ok(mixed > 0, "the sign matters somewhere, so the bound is not vacuous");
});

Deno.test("filtered accuracy: full pass-band equals clean accuracy; each cut-off matches the closed form", async () => {
  const [h, w, c, classes, n] = [4, 4, 1, 3, 9];
  const weights = linearWeights([h, w, c], classes, 4, 3);
  const model = linearClassifier([h, w, c], classes, weights);
  const x = images(n, h, w, c, 2);
  const labels = Array.from({ length: n }, (_, i) => i % classes);
  const curves = await filteredAccuracy(model, x, labels, { batchSize: 13 });
  const bands = 7;
  assert.deepEqual([...curves.cutoffs], [0, 1, 2, 3, 4, 5, 6, 7]);
  const clean = linearLogits(weights, classes, x.data, n);
  let correct = 0;
  for (let m = 0; m < n; m++) {
    if (argmax(clean.subarray(m * classes, (m + 1) * classes)) === labels[m]) correct++;
  }
  close(curves.lowPass[bands], correct / n, 1e-9, "low-pass at full pass-band");
  close(curves.highPass[0], correct / n, 1e-9, "high-pass at cut-off 0");
  // Closed form: logits of the low-pass image = b + Σ_{i+j<k} DCT(w_c)·DCT(x).
  const per = h * w * c;
  for (let k = 0; k <= bands; k++) {
    let low = 0, high = 0;
    for (let m = 0; m < n; m++) {
      const xc = bruteDct(x.data.subarray(m * per, (m + 1) * per), h, w, c);
      const lowLogits = new Float64Array(classes), highLogits = new Float64Array(classes);
      for (let y = 0; y < classes; y++) {
        const wc = bruteDct(weights.w.subarray(y * per, (y + 1) * per), h, w, c);
        lowLogits[y] = highLogits[y] = weights.b[y];
        for (let p = 0; p < per; p++) {
          const band = Math.floor(p / w) + (p % w);
          if (band < k) lowLogits[y] += wc[p] * xc[p];
          else highLogits[y] += wc[p] * xc[p];
        }
      }
      if (argmax(lowLogits) === labels[m]) low++;
      if (argmax(highLogits) === labels[m]) high++;
    }
    close(curves.lowPass[k], low / n, 1e-9, `low-pass k=${k}`);
    close(curves.highPass[k], high / n, 1e-9, `high-pass k=${k}`);
  }
});

Deno.test("fourierHeatMap: every image wrong at every frequency scores exactly 1 (counted, then divided)", async () => {
  const [h, w, c, classes, n] = [3, 3, 1, 3, 10];
  const weights = linearWeights([h, w, c], classes, 4, 7);
  const model = linearClassifier([h, w, c], classes, weights);
  const x = images(n, h, w, c, 13);
  const clean = linearLogits(weights, classes, x.data, n);
  // Labels none of the clean predictions match, and a perturbation too small to change one.
  const labels = Array.from(
    { length: n },
    (_, i) => (argmax(clean.subarray(i * classes, (i + 1) * classes)) + 1) % classes,
  );
  const map = await fourierHeatMap(model, x, labels, { eps: 0, clip: false });
  assert.deepEqual([...map.scores], new Array(h * w).fill(1));
});
