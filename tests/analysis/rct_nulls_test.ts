/**
 * Verdicts of the RCT finding where the answer is known: clean images from the planted-frequency dataset,
 * perturbations built in the DCT domain with their frequency content chosen.
 */
import assert from "node:assert/strict";
import { rctAnalysis, rctNullComparison } from "../../lib/analysis/mod.ts";
import { plantedDataset } from "../../lib/datasets/planted.ts";
import { bandMap, idct2, numBands } from "../../lib/dct/mod.ts";
import { Rng } from "../../lib/stats/mod.ts";

const data = plantedDataset({
  size: 16,
  channels: 3,
  numClasses: 4,
  trainPerClass: 1,
  testPerClass: 15,
  seed: 2,
});
const shape = data.test.shape;
const [n, h, w, c] = shape;

/** x′ = x + δ with δ white in the DCT coefficients of the chosen diagonal bands, l2 ≈ 0.8 per image. */
function perturbed(keep: (band: number, bands: number) => boolean, seed: number) {
  const rng = new Rng(seed);
  const map = bandMap(h, w);
  const bands = numBands(h, w);
  const coeffs = new Float64Array(n * h * w * c);
  for (let i = 0; i < coeffs.length; i++) {
    if (keep(map[Math.floor(i / c) % (h * w)], bands)) coeffs[i] = rng.normal();
  }
  const delta = idct2(coeffs, shape);
  const per = h * w * c;
  for (let img = 0; img < n; img++) {
    let s = 0;
    for (let p = 0; p < per; p++) s += delta[img * per + p] ** 2;
    for (let p = 0; p < per; p++) delta[img * per + p] *= 0.8 / Math.sqrt(s);
  }
  return { clean: data.test.images, adversarial: data.test.images.map((v, i) => v + delta[i]), shape };
}

function verdicts(pairs: ReturnType<typeof perturbed>, variant: "per_channel" | "channel_mean", seed = 5) {
  const options = {
    variant,
    floor: variant === "per_channel" ? 0.01 : null,
    bandKind: variant === "per_channel" ? "diagonal" as const : "shell" as const,
    seed,
    resamples: 200,
    protocol: variant === "per_channel" ? "freqlens" as const : "authors" as const,
  };
  const attack = rctAnalysis(pairs, { ...options, bootstrap: { seed: 1, resamples: 100 } });
  // The noise null keeps the perturbation's values inside [0, 1] only approximately: do not clip here, so
  // both sides carry the same energy.
  return rctNullComparison(pairs, attack, { ...options, clipNoise: false }).verdicts.map((v) => v.verdict);
}

Deno.test("planted: a perturbation in the high third beats noise and its shuffle under both protocols", () => {
  const high = perturbed((b, bands) => 3 * b >= 2 * bands, 1);
  assert.deepEqual(verdicts(high, "per_channel"), ["reproduced", "reproduced", "reproduced"]);
  assert.deepEqual(verdicts(high, "channel_mean"), ["reproduced", "reproduced", "reproduced"]);
});

Deno.test("planted: white noise as the 'attack' is not reproduced, but at the test's false-positive rate", () => {
  // Attack and null are exchangeable, so each 95 % interval excludes 0 about 5 % of the time: over 10
  // independent draws × 3 verdicts, expect 1.5 such verdicts (P(≥ 5) ≈ 2 %).
  const all = Array.from({ length: 10 }, (_, k) => verdicts(perturbed(() => true, 100 + k), "per_channel", k))
    .flat();
  const wrong = all.filter((v) => v !== "not reproduced").length;
  assert.ok(wrong <= 4, `${wrong} of 30 verdicts on white noise were not 'not reproduced'`);
});

Deno.test("planted: a low-frequency perturbation is reversed (less high-frequency than noise)", () => {
  const low = perturbed((b, bands) => 3 * b < bands, 3);
  assert.deepEqual(verdicts(low, "per_channel"), ["reversed", "reversed", "reversed"]);
});
