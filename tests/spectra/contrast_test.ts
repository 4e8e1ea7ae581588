/**
 * The paired Fig. 3 contrast: the estimate against a hand computation of the shares, intervals that can
 * only come out one way (a set against itself, mass added to the low bands of every pair of one set), the
 * verdict rule, and the check that two sets share their (start, target) pairs.
 */
import assert from "node:assert/strict";
import { assertSamePairs, pairedShareContrast, SpectrumError } from "../../lib/spectra/mod.ts";
import { verdictOf } from "../../lib/stats/mod.ts";
import { hashFloat } from "../attribution/linear_model.ts";

const [N, B] = [30, 9]; // 9 bands: thirds 0–2, 3–5, 6–8
const rows = (salt: number) => Float64Array.from({ length: N * B }, (_, t) => 1 + hashFloat(t, salt));

Deno.test("pairedShareContrast: estimate = low share of subject's mean profile − reference's, by hand", () => {
  const ref = rows(1), sub = rows(2);
  const lowShare = (r: Float64Array) => {
    const mean = new Float64Array(B);
    for (let t = 0; t < r.length; t++) mean[t % B] += r[t] / N;
    const total = mean.reduce((a, b) => a + b, 0);
    return (mean[0] + mean[1] + mean[2]) / total;
  };
  const c = pairedShareContrast(ref, sub, N, { seed: 3, resamples: 200 });
  assert.ok(Math.abs(c.effect - lowShare(sub)) < 1e-12);
  assert.ok(Math.abs(c.null - lowShare(ref)) < 1e-12);
  assert.ok(Math.abs(c.difference.estimate - (lowShare(sub) - lowShare(ref))) < 1e-12);
  assert.ok(c.difference.lo <= c.difference.estimate && c.difference.estimate <= c.difference.hi);
  assert.equal(c.difference.level, 0.95);
  const high = pairedShareContrast(ref, sub, N, { seed: 3, resamples: 50, part: "high", level: 0.9 });
  assert.equal(high.difference.level, 0.9);
  assert.notEqual(high.effect, c.effect);
});

Deno.test("a set against itself: difference 0 in every resample, verdict not reproduced", () => {
  const ref = rows(4);
  const c = pairedShareContrast(ref, ref, N, { seed: 1, resamples: 100 });
  assert.deepEqual([c.difference.estimate, c.difference.lo, c.difference.hi], [0, 0, 0]);
  assert.equal(verdictOf(c.difference.lo, c.difference.hi, "greater"), "not reproduced");
});

Deno.test("low-band mass added to every subject pair is reproduced; added to the reference, reversed", () => {
  const ref = rows(5);
  const lifted = Float64Array.from(ref, (v, t) => (t % B < 3 ? v + 0.5 : v));
  const up = pairedShareContrast(ref, lifted, N, { seed: 2, resamples: 300 });
  assert.ok(up.difference.lo > 0, `lo ${up.difference.lo}`);
  assert.equal(verdictOf(up.difference.lo, up.difference.hi, "greater"), "reproduced");
  assert.equal(verdictOf(up.difference.lo, up.difference.hi, "less"), "reversed");
  const down = pairedShareContrast(lifted, ref, N, { seed: 2, resamples: 300 });
  assert.ok(down.difference.hi < 0);
  assert.equal(verdictOf(down.difference.lo, down.difference.hi, "greater"), "reversed");
  // Paired: unrelated noise between pairs does not widen the interval of a constant shift much.
  assert.ok(up.difference.hi - up.difference.lo < 0.05, `width ${up.difference.hi - up.difference.lo}`);
});

Deno.test("assertSamePairs accepts identical pairs and names the first differing pair", () => {
  const a = { split: "train", targets: [5, 7, 9], starts: [7, 9, 5] };
  assertSamePairs(a, { split: "train", targets: [5, 7, 9], starts: [7, 9, 5] }, ["nat", "rob"]);
  assert.throws(
    () => assertSamePairs(a, { split: "train", targets: [5, 7, 9], starts: [7, 5, 5] }, ["nat", "rob"]),
    (e: Error) => e instanceof SpectrumError && /nat vs rob: pair 1 differs/.test(e.message),
  );
  assert.throws(() => assertSamePairs(a, { ...a, split: "test" }, ["nat", "rob"]), /splits differ/);
  assert.throws(() => assertSamePairs(a, { ...a, targets: [5, 7] }, ["nat", "rob"]), /3 vs 2 pairs/);
  assert.throws(() => pairedShareContrast(rows(1), rows(2).subarray(0, B), N, { seed: 1 }), SpectrumError);
});
