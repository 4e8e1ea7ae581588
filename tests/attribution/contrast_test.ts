/**
 * The OF verdict where the answer is known: linear models that read only chosen DCT bands of the
 * planted-frequency images (logit c = Σ over those coefficients of a fixed sign pattern × the coefficient),
 * so their OF attribution lives in exactly those bands.
 */
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import {
  labelChangeRates,
  occludedFrequency,
  ofContrastVerdicts,
  withoutBand,
} from "../../lib/attribution/mod.ts";
import { plantedDataset } from "../../lib/datasets/planted.ts";
import { bandMap, idct2, numBands } from "../../lib/dct/mod.ts";
import { Rng } from "../../lib/stats/mod.ts";
import { linearClassifier } from "./linear_model.ts";

await tf.setBackend("cpu");

const data = plantedDataset({
  size: 8,
  channels: 1,
  numClasses: 4,
  trainPerClass: 1,
  testPerClass: 20,
  seed: 4,
});
const [n, h, w, c] = data.test.shape;
const bands = numBands(h, w);

/** A linear classifier whose class-c logit reads the coefficients of `readBands` with signs from `seed`. */
function bandModel(readBands: (b: number) => boolean, seed: number) {
  const rng = new Rng(seed);
  const map = bandMap(h, w);
  const coeffs = new Float64Array(4 * h * w);
  for (let k = 0; k < coeffs.length; k++) {
    if (readBands(map[k % (h * w)])) coeffs[k] = rng.sign() * (1 + rng.uniform());
  }
  // Row c of W is the image whose DCT is the chosen coefficients: W_c · x = Σ coefficients × DCT(x).
  const weights = Float32Array.from(idct2(coeffs, [4, h, w, c]));
  return linearClassifier([h, w, c], 4, {
    w: weights,
    b: new Float32Array(4),
    p: new Float32Array(h * w * c),
  });
}

async function ofScores(readBands: (b: number) => boolean, seed: number) {
  const images = { data: data.test.images, shape: data.test.shape };
  return (await occludedFrequency(bandModel(readBands, seed), images, "predicted")).scores;
}

const low = (b: number) => b >= 1 && 3 * b < bands;
const high = (b: number) => 3 * b >= 2 * bands;
const options = { protocol: "freqlens" as const, effectName: "A", nullName: "B", seed: 3, resamples: 300 };

Deno.test("OF contrast: a model reading the low bands beats one reading the high bands; the reverse is reversed", async () => {
  const [a, b] = [await ofScores(low, 1), await ofScores(high, 2)];
  const v = ofContrastVerdicts(a, b, [n, bands], options);
  assert.deepEqual(v.map((x) => x.verdict), ["reproduced", "reproduced"]);
  assert.ok(v[0].effect > 0.99 && v[0].null < 0.01, `${v[0].effect} vs ${v[0].null}`);
  assert.match(v[1].finding, /without band 0 \(DC\): A − B/);
  assert.deepEqual(ofContrastVerdicts(b, a, [n, bands], options).map((x) => x.verdict), [
    "reversed",
    "reversed",
  ]);
});

Deno.test("OF contrast: attributions drawn from one law are not reproduced (at the false-positive rate)", () => {
  // Two fixed models differ in their expected share over images, so the exchangeable case is built on
  // the scores: per image, effect and null profiles drawn independently from the same distribution.
  let wrong = 0;
  for (let k = 0; k < 10; k++) {
    const rng = new Rng(100 + k);
    const draw = () =>
      Float32Array.from({ length: 80 * bands }, (_, i) => (1 + (i % bands)) ** -1 * rng.normal() + 0.1);
    const v = ofContrastVerdicts(draw(), draw(), [80, bands], { ...options, seed: k });
    wrong += v.filter((x) => x.verdict !== "not reproduced").length;
  }
  // 10 draws × 2 verdicts at a 5 % false-positive rate each: expect 1 (the two verdicts are correlated).
  assert.ok(wrong <= 4, `${wrong} of 20 verdicts between same-law attributions were not 'not reproduced'`);
  const same = ofContrastVerdicts(Float32Array.of(1, 2, 3, 4, 5, 6), Float32Array.of(1, 2, 3, 4, 5, 6), [
    2,
    3,
  ], options);
  assert.deepEqual(same.map((x) => [x.verdict, x.difference.lo, x.difference.hi]), [
    ["not reproduced", 0, 0],
    ["not reproduced", 0, 0],
  ]);
});

Deno.test("OF contrast: a DC-only advantage is reproduced with band 0 and vanishes without it", () => {
  // D puts mass on band 0 and the high third, E on the middle and high thirds; neither on bands 1..
  const rng = new Rng(6);
  const rows = (first: (b: number) => boolean) =>
    Float32Array.from(
      { length: 50 * bands },
      (_, i) => (first(i % bands) || high(i % bands) ? 1 + rng.uniform() : 0),
    );
  const d = rows((b) => b === 0), e = rows((b) => 3 * b >= bands && 3 * b < 2 * bands);
  const dc = ofContrastVerdicts(d, e, [50, bands], options);
  assert.deepEqual(dc.map((x) => x.verdict), ["reproduced", "not reproduced"]);
  assert.deepEqual([dc[1].effect, dc[1].null, dc[1].difference.estimate], [0, 0, 0]);
});

Deno.test("withoutBand zeroes one column; labelChangeRates counts changed predictions per band", () => {
  assert.deepEqual([...withoutBand([1, 2, 3, 4, 5, 6], [2, 3], 0)], [0, 2, 3, 0, 5, 6]);
  assert.throws(() => withoutBand([1, 2], [1, 2], 2), /band 2/);
  // 3 images × 2 bands: image 0 changes under band 1, image 2 under both.
  const rates = labelChangeRates([0, 1, 1, 1, 0, 0], [0, 1, 2], 2);
  assert.deepEqual([...rates].map((r) => Math.round(r * 3)), [1, 2]);
  assert.throws(() => labelChangeRates([0], [0, 1], 2), /1 occluded predictions/);
  // Every prediction changed: exactly 1 for any image count (a sum of n terms 1/n is not, e.g. n = 10).
  for (let n = 1; n <= 60; n++) {
    const all = labelChangeRates(new Int32Array(2 * n).fill(1), new Int32Array(n), 2);
    assert.deepEqual([...all], [1, 1], `n = ${n}`);
  }
});
