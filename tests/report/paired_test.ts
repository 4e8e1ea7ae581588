import assert from "node:assert/strict";
import { pairedLowShareDifference } from "../../lib/report/paired.ts";
import { bandShares, bandSharesCI, Rng } from "../../lib/stats/mod.ts";

Deno.test("pairedLowShareDifference: zero for a model against itself; low mass added to every image gives lo > 0", () => {
  const [n, bands] = [40, 9];
  const rng = new Rng(5);
  // Images of very different scales: their shares spread widely, the paired difference does not.
  const a = new Float64Array(n * bands);
  for (let i = 0; i < n; i++) {
    const scale = 0.1 + 10 * rng.uniform();
    for (let b = 0; b < bands; b++) a[i * bands + b] = scale * rng.uniform();
  }
  const same = pairedLowShareDifference(a, a, n, { seed: 1, resamples: 200 });
  assert.deepEqual([same.estimate, same.lo, same.hi], [0, 0, 0]);

  const b = Float64Array.from(a, (v, k) => (k % bands === 0 ? v + 0.05 * a[k + bands - 1] : v));
  const d = pairedLowShareDifference(a, b, n, { seed: 1, resamples: 500 });
  const mean = (rows: Float64Array) =>
    Array.from(
      { length: bands },
      (_, j) => rows.filter((_, k) => k % bands === j).reduce((s, v) => s + v) / n,
    );
  const expected = bandShares(mean(b)).low - bandShares(mean(a)).low;
  assert.ok(Math.abs(d.estimate - expected) < 1e-12, `${d.estimate} vs ${expected}`);
  // Every resample adds low mass to the same images of both models, so the whole interval is above 0,
  // although the unpaired per-model intervals overlap.
  assert.ok(d.lo > 0 && d.lo <= d.estimate && d.estimate <= d.hi, JSON.stringify(d));
  const [ciA, ciB] = [bandSharesCI(a, n, { seed: 1 }), bandSharesCI(b, n, { seed: 1 })];
  assert.ok(ciB.low.lo < ciA.low.hi, "the unpaired intervals were expected to overlap");
  assert.throws(() => pairedLowShareDifference(a, b.subarray(bands), n, { seed: 1 }), RangeError);
});
