import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { classProfiles, labelChangeRates, occludedFrequency, topBands } from "../../lib/attribution/mod.ts";
import { randomOtherPairing, synthesizeFromRepresentation } from "../../lib/synthesis/mod.ts";
import { trainedPlantedModel } from "./planted_model.ts";

await tf.setBackend("cpu");
const { data, classifier } = await trainedPlantedModel();
const bands = (data.info!.planted as { bands: number[] }).bands;

Deno.test("planted-frequency dataset: a trained model's top OF band is the planted band for >= 90% of images", async () => {
  const test = data.test;
  const of = await occludedFrequency(classifier, { data: test.images, shape: test.shape }, test.labels);
  const cleanAcc = of.cleanPredicted.reduce((a, y, i) => a + (y === test.labels[i] ? 1 : 0), 0) /
    test.labels.length;
  assert.ok(cleanAcc > 0.9, `the model did not learn the dataset: accuracy ${cleanAcc}`);
  const top = topBands(of.scores, of.shape, 1);
  let hits = 0;
  top.forEach((b, i) => (hits += b === bands[test.labels[i]] ? 1 : 0));
  assert.ok(hits / top.length >= 0.9, `top band is the planted band for ${hits}/${top.length} images`);
  // Each class's mean attribution peaks at its own band, and occluding that band changes the predicted
  // label of more of the class's images than occluding any other band (which changes few).
  const nb = of.shape[1];
  const { profiles } = classProfiles(of.scores, of.shape, test.labels, 4);
  bands.forEach((band, cls) => {
    const row = Array.from(profiles.subarray(cls * nb, (cls + 1) * nb));
    assert.equal(row.indexOf(Math.max(...row)), band, `class ${cls}`);
    const members = Array.from(test.labels.keys()).filter((i) => test.labels[i] === cls);
    const pick = (a: ArrayLike<number>, per: number) =>
      members.flatMap((i) => Array.from({ length: per }, (_, k) => a[i * per + k]));
    const rates = labelChangeRates(pick(of.occludedPredicted, nb), pick(of.cleanPredicted, 1), nb);
    assert.ok(
      rates[band] >= 0.2,
      `class ${cls}: occluding band ${band} changes ${rates[band]} of its labels`,
    );
    rates.forEach((r, k) =>
      k !== band && assert.ok(r < rates[band] && r <= 0.2, `class ${cls}, band ${k}: ${r}`)
    );
  });
});

Deno.test("synthesis on the trained model lowers the representation distance by >= 90%, in [0,1]", () => {
  const n = 12;
  const [, h, w, c] = data.test.shape;
  const images = { data: data.test.images.slice(0, n * h * w * c), shape: [n, h, w, c] };
  const res = synthesizeFromRepresentation(classifier, images, data.test.labels.slice(0, n), {
    startIndices: randomOtherPairing(n, 3),
    step: 0.05,
    iterations: 200,
  });
  for (const v of res.images.data) assert.ok(v >= 0 && v <= 1);
  const start = res.initialLoss.reduce((a, b) => a + b, 0);
  const end = res.finalLoss.reduce((a, b) => a + b, 0);
  assert.ok(end <= 0.1 * start, `mean relative distance ${start / n} → ${end / n}`);
  assert.ok(res.lossCurve[200] < res.lossCurve[0]);
});
