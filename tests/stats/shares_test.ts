import assert from "node:assert/strict";
import fc from "fast-check";
import { bandShares, bandSharesCI, Rng, thirdOf, thirdSizes } from "../../lib/stats/mod.ts";

Deno.test("thirds: ⌊3b/B⌋, extra bands go to low then middle (63 → 21/21/21, 55 → 19/18/18, 11 → 4/4/3)", () => {
  assert.deepEqual(thirdSizes(63), [21, 21, 21]);
  assert.deepEqual(thirdSizes(55), [19, 18, 18]);
  assert.deepEqual(thirdSizes(11), [4, 4, 3]);
  assert.deepEqual(thirdSizes(3), [1, 1, 1]);
  assert.equal(thirdOf(20, 63), 0);
  assert.equal(thirdOf(21, 63), 1);
  assert.equal(thirdOf(42, 63), 2);
  assert.equal(thirdOf(18, 55), 0);
  assert.equal(thirdOf(19, 55), 1);
  assert.equal(thirdOf(37, 55), 2);
  // Rule for every B: sizes are (q+1,q,q) for B=3q+1 and (q+1,q+1,q) for B=3q+2, contiguous and ordered.
  for (let bands = 3; bands < 200; bands++) {
    const q = Math.floor(bands / 3);
    const r = bands % 3;
    assert.deepEqual(thirdSizes(bands), [q + (r >= 1 ? 1 : 0), q + (r === 2 ? 1 : 0), q]);
    for (let b = 1; b < bands; b++) assert.ok(thirdOf(b, bands) >= thirdOf(b - 1, bands));
  }
});

Deno.test("bandShares sums to 1 and puts each third's mass where it belongs (property)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 3, maxLength: 80 }),
      (profile) => {
        fc.pre(profile.some((v) => v > 0));
        const s = bandShares(profile);
        assert.ok(Math.abs(s.low + s.middle + s.high - 1) < 1e-12);
        const total = profile.reduce((a, b) => a + b, 0);
        const low = profile.filter((_, b) => thirdOf(b, profile.length) === 0).reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(s.low - low / total) < 1e-12);
      },
    ),
  );
  const s = bandShares([5, 0, 0, 0, 0, 0, 0, 0, 1]);
  assert.deepEqual(s, { low: 5 / 6, middle: 0, high: 1 / 6 });
  assert.throws(() => bandShares([1, -1, 1]), /band 1 of the profile is -1/);
  assert.throws(() => bandShares([0, 0, 0]), /all-zero/);
});

Deno.test("bandSharesCI: estimate is the shares of the mean profile and the interval brackets it", () => {
  const rng = new Rng(11);
  const n = 50;
  const bands = 9;
  const rows = new Float64Array(n * bands);
  // Per image: energy 3 in low bands, 2 in middle, 1 in high, plus noise.
  for (let i = 0; i < n; i++) {
    for (let b = 0; b < bands; b++) rows[i * bands + b] = [3, 2, 1][thirdOf(b, bands)] + 0.5 * rng.uniform();
  }
  const ci = bandSharesCI(rows, n, { seed: 3, resamples: 500 });
  const mean = new Float64Array(bands);
  for (let i = 0; i < n; i++) for (let b = 0; b < bands; b++) mean[b] += rows[i * bands + b] / n;
  const s = bandShares(mean);
  assert.ok(Math.abs(ci.low.estimate - s.low) < 1e-12 && Math.abs(ci.high.estimate - s.high) < 1e-12);
  for (const part of [ci.low, ci.middle, ci.high]) {
    assert.ok(part.lo <= part.estimate && part.estimate <= part.hi);
  }
  assert.ok(Math.abs(ci.low.estimate - 3.25 / 6.75) < 0.02);
  assert.ok(ci.low.lo > ci.middle.hi && ci.middle.lo > ci.high.hi, "the three shares are separated");
});
