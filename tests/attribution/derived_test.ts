import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import {
  attributionShares,
  bandLayout,
  baselineFill,
  classProfiles,
  coefficientStats,
  occludedFrequency,
  topBands,
} from "../../lib/attribution/mod.ts";
import { Rng } from "../../lib/stats/mod.ts";
import { hashFloat, linearClassifier, linearWeights } from "./linear_model.ts";
import { bruteDct } from "./dct_reference.ts";

await tf.setBackend("cpu");

Deno.test("classProfiles averages per class; topBands orders bands by attribution", () => {
  const scores = [1, 2, 3, 4, 5, 0, 3, 3, 3, 7, 8, 9];
  const { profiles, counts } = classProfiles(scores, [4, 3], [0, 1, 0, 1], 3);
  assert.deepEqual([...counts], [2, 2, 0]);
  assert.deepEqual([...profiles], [2, 2.5, 3, 5.5, 6.5, 4.5, 0, 0, 0]);
  assert.deepEqual([...topBands(scores, [4, 3], 2)], [2, 1, 1, 0, 0, 1, 2, 1]);
  assert.throws(() => classProfiles(scores, [4, 3], [0, 1, 3, 1], 3), /label 3 of image 2/);
});

Deno.test("attributionShares: positive-part shares of the mean profile with an interval around them", () => {
  // 6 bands → thirds of 2. Image rows with negative entries, which the positive part drops.
  const rows = [4, -1, 1, 1, 0, 2, 2, 0, 1, -3, 2, 0];
  const s = attributionShares(rows, [2, 6], { seed: 1, resamples: 200 })!;
  assert.equal(attributionShares([-1, 0, -2], [1, 3], { seed: 1 }), null);
  // Positive parts: [4,0,1,1,0,2], [2,0,1,0,2,0]; mean [3,0,1,.5,1,1] → low 3/6.5, mid 1.5/6.5, high 2/6.5.
  assert.ok(Math.abs(s.low.estimate - 3 / 6.5) < 1e-12);
  assert.ok(Math.abs(s.middle.estimate - 1.5 / 6.5) < 1e-12);
  assert.ok(Math.abs(s.high.estimate - 2 / 6.5) < 1e-12);
  assert.ok(s.low.lo <= s.low.estimate && s.low.estimate <= s.low.hi);
  const abs = attributionShares(rows, [2, 6], { seed: 1, resamples: 10, mass: "absolute" })!;
  assert.ok(Math.abs(abs.low.estimate - 3.5 / 8.5) < 1e-12); // mean |rows| = [3,.5,1,2,1,1]
});

Deno.test("coefficientStats matches brute force; the noise baseline draws each band's mean and std", () => {
  const [h, w, c, n] = [3, 4, 2, 5];
  const x = Float32Array.from({ length: n * h * w * c }, (_, i) => (hashFloat(i, 77) + 1) / 2);
  const layout = bandLayout([h, w, c]);
  const stats = coefficientStats({ data: x, shape: [n, h, w, c] }, layout);
  const per = h * w * c;
  const all = Array.from({ length: n }, (_, m) => bruteDct(x.subarray(m * per, (m + 1) * per), h, w, c));
  for (let p = 0; p < per; p++) {
    const mean = all.reduce((s, a) => s + a[p], 0) / n;
    assert.ok(Math.abs(stats.mean[p] - mean) < 1e-9);
  }
  for (let k = 0; k < h + w - 1; k++) {
    for (let ch = 0; ch < c; ch++) {
      const vals: number[] = [];
      for (const a of all) {
        for (let p = 0; p < h * w; p++) if (Math.floor(p / w) + (p % w) === k) vals.push(a[p * c + ch]);
      }
      const m = vals.reduce((s, v) => s + v, 0) / vals.length;
      const sd = Math.sqrt(vals.reduce((s, v) => s + (v - m) ** 2, 0) / vals.length);
      assert.ok(Math.abs(stats.bandMean[k * c + ch] - m) < 1e-9);
      assert.ok(Math.abs(stats.bandStd[k * c + ch] - sd) < 1e-9);
    }
  }
  const rng = new Rng(5);
  const fill = baselineFill("noise", layout, stats, () => rng.normal())!;
  const draws = 4000;
  const sum = new Float64Array(per), sq = new Float64Array(per);
  const out = new Float64Array(per);
  for (let d = 0; d < draws; d++) {
    fill(d, out);
    for (let p = 0; p < per; p++) {
      sum[p] += out[p];
      sq[p] += out[p] ** 2;
    }
  }
  for (let p = 0; p < per; p++) {
    const slot = layout.map[Math.floor(p / c)] * c + (p % c);
    const m = sum[p] / draws;
    const sd = Math.sqrt(sq[p] / draws - m * m);
    const std = stats.bandStd[slot];
    assert.ok(Math.abs(m - stats.bandMean[slot]) < 5 * std / Math.sqrt(draws) + 1e-9, `mean at ${p}`);
    assert.ok(Math.abs(sd - std) < 0.1 * std + 1e-9, `std at ${p}: ${sd} vs ${std}`);
  }
});

Deno.test("OF with the noise baseline is seeded, and averages to OF with the band-mean baseline on a linear model", async () => {
  const [h, w, c, classes] = [4, 4, 1, 2];
  const weights = linearWeights([h, w, c], classes, 4, 8);
  const model = linearClassifier([h, w, c], classes, weights);
  const one = Float32Array.from({ length: h * w * c }, (_, i) => (hashFloat(i, 3) + 1) / 2);
  const reps = 300;
  const x = { data: new Float32Array(reps * one.length), shape: [reps, h, w, c] };
  for (let r = 0; r < reps; r++) x.data.set(one, r * one.length);
  const ref = {
    data: Float32Array.from({ length: 8 * h * w * c }, (_, i) => (hashFloat(i, 4) + 1) / 2),
    shape: [8, h, w, c],
  };
  const target = new Array(reps).fill(1);
  const a = await occludedFrequency(model, x, target, { baseline: "noise", reference: ref, seed: 2 });
  const b = await occludedFrequency(model, x, target, { baseline: "noise", reference: ref, seed: 2 });
  assert.deepEqual(a.scores, b.scores);
  // E[OF_k] = Σ_{(i,j)∈k} DCT(w)·(DCT(x) − μ_k): the noise has mean μ_k on every coefficient of band k.
  const stats = coefficientStats({ data: ref.data, shape: [8, h, w, c] }, bandLayout([h, w, c]));
  const xc = bruteDct(one, h, w, c);
  const wc = bruteDct(weights.w.subarray(h * w * c), h, w, c);
  for (let k = 0; k < 7; k++) {
    let expected = 0, spread = 0;
    for (let p = 0; p < h * w; p++) {
      if (Math.floor(p / w) + (p % w) !== k) continue;
      expected += wc[p] * (xc[p] - stats.bandMean[k]);
      spread += (wc[p] * stats.bandStd[k]) ** 2;
    }
    let mean = 0;
    for (let r = 0; r < reps; r++) mean += a.scores[r * 7 + k] / reps;
    assert.ok(
      Math.abs(mean - expected) <= 5 * Math.sqrt(spread / reps) + 1e-4,
      `band ${k}: ${mean} vs ${expected}`,
    );
  }
});
