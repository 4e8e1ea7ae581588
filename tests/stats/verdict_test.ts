import assert from "node:assert/strict";
import { pairedMeanVerdict, pairedVerdict, Rng, verdictOf } from "../../lib/stats/mod.ts";

const spec = { finding: "f", protocol: "freqlens", direction: "greater" } as const;

Deno.test("verdictOf: reproduced only when the interval excludes 0 in the paper's direction", () => {
  assert.equal(verdictOf(0.1, 0.3, "greater"), "reproduced");
  assert.equal(verdictOf(-0.3, -0.1, "greater"), "reversed");
  assert.equal(verdictOf(-0.1, 0.3, "greater"), "not reproduced");
  assert.equal(verdictOf(0, 0.3, "greater"), "not reproduced");
  assert.equal(verdictOf(-0.3, -0.1, "less"), "reproduced");
  assert.equal(verdictOf(0.1, 0.3, "less"), "reversed");
  assert.equal(verdictOf(0, 0, "less"), "not reproduced");
  assert.throws(() => verdictOf(1, 0, "less"), RangeError);
});

Deno.test("paired verdict: a small shift under large shared per-image spread is detected (pairing matters)", () => {
  const rng = new Rng(3);
  const base = Float64Array.from({ length: 200 }, () => 10 * rng.normal());
  const effect = base.map((v) => v + 0.5 + 0.1 * rng.normal());
  const v = pairedMeanVerdict(spec, effect, base, { seed: 1, resamples: 500 });
  assert.equal(v.verdict, "reproduced");
  // Closed forms of the point estimates: the means and their difference.
  const mean = (a: Float64Array) => a.reduce((s, x) => s + x, 0) / a.length;
  assert.ok(Math.abs(v.effect - mean(effect)) < 1e-12 && Math.abs(v.null - mean(base)) < 1e-12);
  assert.ok(Math.abs(v.difference.estimate - (mean(effect) - mean(base))) < 1e-12);
  assert.ok(v.difference.lo > 0.4 && v.difference.hi < 0.6, JSON.stringify(v.difference));
  assert.equal(v.difference.level, 0.95);
  // Unpaired (the null's images shuffled) the same shift drowns in the spread.
  const shuffled = new Rng(4).shuffle(Float64Array.from(base));
  const unpaired = pairedMeanVerdict(spec, effect, shuffled, { seed: 1, resamples: 500 });
  assert.equal(unpaired.verdict, "not reproduced");
  assert.ok(unpaired.difference.hi - unpaired.difference.lo > 10 * (v.difference.hi - v.difference.lo));
});

Deno.test("paired verdict: identical samples and exchangeable noise are not reproduced; the other sign is reversed", () => {
  const rng = new Rng(8);
  const a = Float64Array.from({ length: 100 }, () => rng.normal());
  const same = pairedMeanVerdict(spec, a, a, { seed: 2, resamples: 300 });
  assert.deepEqual([same.difference.lo, same.difference.hi, same.verdict], [0, 0, "not reproduced"]);
  const b = Float64Array.from({ length: 100 }, () => rng.normal());
  assert.equal(pairedMeanVerdict(spec, a, b, { seed: 2, resamples: 300 }).verdict, "not reproduced");
  const lower = a.map((v) => v - 1);
  assert.equal(pairedMeanVerdict(spec, lower, a, { seed: 2, resamples: 300 }).verdict, "reversed");
  assert.equal(
    pairedMeanVerdict({ ...spec, direction: "less" }, lower, a, { seed: 2, resamples: 300 }).verdict,
    "reproduced",
  );
});

Deno.test("pairedVerdict: ratio statistics, same seed same interval, errors name the finding", () => {
  const rng = new Rng(5);
  const num = Float64Array.from({ length: 80 }, () => 1 + rng.uniform());
  const den = Float64Array.from({ length: 80 }, () => 2 + rng.uniform());
  const ratio = (v: Float64Array) => (idx: Int32Array) => {
    let s = 0, t = 0;
    for (const i of idx) [s, t] = [s + v[i], t + den[i]];
    return s / t;
  };
  const run = () =>
    pairedVerdict(spec, 80, ratio(num.map((v) => v * 1.2)), ratio(num), { seed: 9, resamples: 200 });
  assert.deepEqual(run(), run());
  assert.equal(run().verdict, "reproduced");
  assert.throws(() => pairedMeanVerdict(spec, [1, 2], [1], { seed: 0 }), /f: 2 effects but 1/);
  assert.throws(() => pairedVerdict(spec, 3, () => NaN, () => 0, { seed: 0, resamples: 5 }), /f: the effect/);
});
