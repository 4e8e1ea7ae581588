import assert from "node:assert/strict";
import { bootstrapColumnMeansCI, bootstrapMeanCI, quantileSorted, Rng } from "../../lib/stats/mod.ts";

Deno.test("quantileSorted interpolates linearly like numpy.quantile", () => {
  const v = [1, 2, 4, 8];
  assert.equal(quantileSorted(v, 0), 1);
  assert.equal(quantileSorted(v, 1), 8);
  assert.equal(quantileSorted(v, 0.5), 3); // pos 1.5
  assert.equal(quantileSorted(v, 0.25), 1.75); // pos 0.75
});

Deno.test("95% percentile CI of the mean covers the true mean at close to the nominal rate", () => {
  // Samples of n = 40 from N(3, 2²); 300 repetitions; percentile bootstrap is slightly anti-conservative
  // at small n, so accept 0.89..0.99 (nominal 0.95; binomial s.e. ≈ 0.013).
  const data = new Rng(99);
  let covered = 0;
  const reps = 300;
  for (let r = 0; r < reps; r++) {
    const sample = Float64Array.from({ length: 40 }, () => 3 + 2 * data.normal());
    const ci = bootstrapMeanCI(sample, { seed: r, resamples: 400 });
    assert.ok(ci.lo <= ci.estimate && ci.estimate <= ci.hi);
    if (ci.lo <= 3 && 3 <= ci.hi) covered++;
  }
  const rate = covered / reps;
  assert.ok(rate > 0.89 && rate < 0.99, `coverage ${rate}`);
});

Deno.test("CI width shrinks like 1/√n and a 50% interval is narrower than a 95% one", () => {
  const data = new Rng(1);
  const small = Float64Array.from({ length: 100 }, () => data.normal());
  const large = Float64Array.from({ length: 1600 }, () => data.normal());
  const w = (s: Float64Array, level = 0.95) => {
    const ci = bootstrapMeanCI(s, { seed: 5, resamples: 1000, level });
    return ci.hi - ci.lo;
  };
  const ratio = w(small) / w(large);
  assert.ok(ratio > 3 && ratio < 5.3, `width ratio ${ratio}, expected ≈ 4`);
  // Normal theory: 95% width ≈ 2·1.96/√100 = 0.392.
  assert.ok(Math.abs(w(small) - 0.392) < 0.08, `width ${w(small)}`);
  assert.ok(w(small, 0.5) < w(small));
});

Deno.test("bootstrap is deterministic in its seed, and column CIs match per-column CIs", () => {
  const v = Float64Array.from({ length: 30 }, (_, i) => Math.sin(i));
  assert.deepEqual(bootstrapMeanCI(v, { seed: 1 }), bootstrapMeanCI(v, { seed: 1 }));
  assert.notDeepEqual(bootstrapMeanCI(v, { seed: 1 }), bootstrapMeanCI(v, { seed: 2 }));
  const rows = new Float64Array(60);
  for (let i = 0; i < 30; i++) {
    rows[2 * i] = v[i];
    rows[2 * i + 1] = 10 + v[i];
  }
  const [a, b] = bootstrapColumnMeansCI(rows, 30, { seed: 1 });
  const single = bootstrapMeanCI(v, { seed: 1 });
  assert.ok(Math.abs(a.lo - single.lo) < 1e-12 && Math.abs(a.hi - single.hi) < 1e-12);
  assert.ok(Math.abs(b.lo - 10 - single.lo) < 1e-12);
  assert.throws(() => bootstrapMeanCI([], { seed: 1 }), RangeError);
});
