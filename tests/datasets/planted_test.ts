import assert from "node:assert/strict";
import { bandEnergy, dct2, numBands } from "../../lib/dct/mod.ts";
import { type LabelledImages, loadDataset, plantedDataset, plantedParams } from "../../lib/datasets/mod.ts";

/** Per-image band energies `[N, B]` of a split. */
function energies(split: LabelledImages): Float64Array {
  return bandEnergy(dct2(Float64Array.from(split.images), split.shape), split.shape);
}

/** Accuracy of "the class whose planted band holds the most energy" (a model-free classifier). */
function bandArgmaxAccuracy(e: Float64Array, labels: Int32Array, bands: number[], nb: number): number {
  let ok = 0;
  labels.forEach((label, i) => {
    let best = 0;
    for (let c = 1; c < bands.length; c++) {
      if (e[i * nb + bands[c]] > e[i * nb + bands[best]]) best = c;
    }
    if (best === label) ok++;
  });
  return ok / labels.length;
}

Deno.test("planted dataset: deterministic in its seed, balanced, [0,1] pixels, documented defaults", () => {
  const a = plantedDataset({ seed: 3, trainPerClass: 20, testPerClass: 5 });
  const b = plantedDataset({ seed: 3, trainPerClass: 20, testPerClass: 5 });
  const c = plantedDataset({ seed: 4, trainPerClass: 20, testPerClass: 5 });
  assert.deepEqual(a.train.images, b.train.images);
  assert.deepEqual(a.test.labels, b.test.labels);
  assert.notDeepEqual(a.train.images, c.train.images);
  assert.deepEqual(a.train.shape, [80, 16, 16, 1]);
  assert.deepEqual(a.test.shape, [20, 16, 16, 1]);
  const counts = [0, 0, 0, 0];
  a.train.labels.forEach((l) => counts[l]++);
  assert.deepEqual(counts, [20, 20, 20, 20]);
  assert.ok(a.train.images.every((v) => v >= 0 && v <= 1));
  const p = plantedParams();
  assert.deepEqual(p.bands, [3, 12, 20, 29]); // evenly over [lowBands = 3, 2·16 − 1 − 2 = 29]
  assert.deepEqual(a.classNames, ["band3", "band12", "band20", "band29"]);
  assert.deepEqual((a.info?.planted as { bands: number[] }).bands, [3, 12, 20, 29]);
  assert.throws(() => plantedParams({ bands: [3, 3, 5, 6] }), /distinct/);
  assert.throws(() => plantedParams({ numClasses: 2, bands: [1, 31] }), /outside 1\.\.30/);
  assert.throws(() => plantedParams({ size: 4, numClasses: 8 }), /do not fit/);
});

Deno.test("planted energy: class c has energy ≈ amplitude² in band b_c and almost none in other classes' bands", () => {
  const ds = plantedDataset({ seed: 1, trainPerClass: 40, testPerClass: 1, channels: 3, size: 12 });
  const p = ds.info!.planted as { bands: number[]; amplitude: number; jitter: number };
  const nb = numBands(12, 12);
  const e = energies(ds.train);
  for (let c = 0; c < 4; c++) {
    for (let k = 0; k < 4; k++) {
      let mean = 0;
      let cnt = 0;
      ds.train.labels.forEach((l, i) => {
        if (l === c) {
          mean += e[i * nb + p.bands[k]];
          cnt++;
        }
      });
      mean /= cnt;
      // E[a²] for a = A(1 + j·U[-1,1]) is A²(1 + j²/3); 3 channels. Clipping and pixel noise shift it a little.
      const planted = 3 * p.amplitude ** 2 * (1 + p.jitter ** 2 / 3);
      if (k === c) {
        assert.ok(Math.abs(mean / planted - 1) < 0.1, `class ${c} band ${p.bands[k]}: ${mean} vs ${planted}`);
      } else assert.ok(mean < 0.05 * planted, `class ${c} in band ${p.bands[k]}: ${mean}`);
    }
  }
});

Deno.test("the planted band carries the class: band-energy argmax is ~100% and occluding the bands drops it to chance", () => {
  for (const signs of ["class", "image"] as const) {
    const ds = plantedDataset({ seed: 2, trainPerClass: 50, testPerClass: 1, signs });
    const p = ds.info!.planted as { bands: number[] };
    const nb = numBands(16, 16);
    const e = energies(ds.train);
    assert.ok(bandArgmaxAccuracy(e, ds.train.labels, p.bands, nb) > 0.98, signs);
    // Occlusion: zero every planted band's energy; the remaining evidence is noise → about 1/4.
    const occluded = e.map((v, i) => (p.bands.includes(i % nb) ? 0 : v));
    assert.ok(bandArgmaxAccuracy(occluded, ds.train.labels, p.bands, nb) < 0.4, `${signs} occluded`);
  }
});

Deno.test("with class sign patterns, the class-mean DCT is the planted template; per-image signs average out", () => {
  for (const [signs, expectTemplate] of [["class", true], ["image", false]] as const) {
    const ds = plantedDataset({
      seed: 5,
      trainPerClass: 60,
      testPerClass: 1,
      signs,
      numClasses: 2,
      bands: [6, 14],
    });
    const coeffs = dct2(Float64Array.from(ds.train.images), ds.train.shape);
    // Mean coefficient at (0, 6) — in band 6 — over class-0 images.
    let sum = 0;
    let n = 0;
    ds.train.labels.forEach((l, i) => {
      if (l === 0) {
        sum += coeffs[i * 256 + 6];
        n++;
      }
    });
    const mean = Math.abs(sum / n);
    const perCoef = 2 / Math.sqrt(7); // amplitude / √|band 6|
    if (expectTemplate) assert.ok(Math.abs(mean - perCoef) < 0.1 * perCoef, `${signs}: ${mean}`);
    else assert.ok(mean < 0.35 * perCoef, `${signs}: ${mean}`);
  }
});

Deno.test("loadDataset('planted') applies stratified limits and the planted params", async () => {
  const ds = await loadDataset("planted", {
    seed: 9,
    trainLimit: 12,
    testLimit: 8,
    planted: { size: 8, trainPerClass: 10, testPerClass: 5 },
  });
  assert.deepEqual(ds.train.shape, [12, 8, 8, 1]);
  assert.deepEqual(ds.test.shape, [8, 8, 8, 1]);
  const counts = [0, 0, 0, 0];
  ds.train.labels.forEach((l) => counts[l]++);
  assert.deepEqual(counts, [3, 3, 3, 3]);
  await assert.rejects(loadDataset("nope" as "mnist"), /unknown dataset 'nope'/);
});
