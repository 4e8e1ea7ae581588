import assert from "node:assert/strict";
import { deriveSeed, Rng } from "../../lib/stats/mod.ts";

Deno.test("xoshiro128** matches the reference C algorithm from state [1, 2, 3, 4]", () => {
  // From scripts/fixtures_stats.py; the first two are checkable by hand: rotl(2·5, 7)·9 = 11520, then s1 = 0.
  const expected = [
    11520,
    0,
    5927040,
    70819200,
    2031721883,
    1637235492,
    1287239034,
    3734860849,
    3729100597,
    4258142804,
  ];
  const r = Rng.fromState([1, 2, 3, 4]);
  assert.deepEqual(expected.map(() => r.nextUint32()), expected);
});

Deno.test("same seed gives the same stream; different seeds and derived seeds differ", () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const c = new Rng(43);
  const sa = Array.from({ length: 20 }, () => a.uniform());
  assert.deepEqual(Array.from({ length: 20 }, () => b.uniform()), sa);
  assert.notDeepEqual(Array.from({ length: 20 }, () => c.uniform()), sa);
  assert.equal(deriveSeed(1, "init", 3), deriveSeed(1, "init", 3));
  assert.notEqual(deriveSeed(1, "init", 3), deriveSeed(1, "init", 4));
  assert.notEqual(deriveSeed(1, "init"), deriveSeed(2, "init"));
  assert.ok(sa.every((v) => v >= 0 && v < 1));
});

Deno.test("uniform and int are unbiased: chi-square over 10 bins stays below the 0.999 quantile", () => {
  const r = new Rng(7);
  const n = 50000;
  for (const draw of [() => Math.floor(r.uniform() * 10), () => r.int(10)]) {
    const counts = new Array(10).fill(0);
    for (let i = 0; i < n; i++) counts[draw()]++;
    const chi2 = counts.reduce((s, c) => s + (c - n / 10) ** 2 / (n / 10), 0);
    assert.ok(chi2 < 27.88, `chi2 = ${chi2}`); // χ²(9) 0.999 quantile
  }
  assert.throws(() => r.int(0), RangeError);
});

Deno.test("normal(): mean 0, variance 1, and P(|z| < 1.96) ≈ 0.95 over 100k Box–Muller draws", () => {
  const r = new Rng(2024);
  const n = 100000;
  let s = 0;
  let s2 = 0;
  let inside = 0;
  for (let i = 0; i < n; i++) {
    const z = r.normal();
    s += z;
    s2 += z * z;
    if (Math.abs(z) < 1.96) inside++;
  }
  const mean = s / n;
  const variance = s2 / n - mean * mean;
  assert.ok(Math.abs(mean) < 0.015, `mean ${mean}`); // 4.7 standard errors
  assert.ok(Math.abs(variance - 1) < 0.02, `variance ${variance}`);
  assert.ok(Math.abs(inside / n - 0.95) < 0.004, `coverage ${inside / n}`);
  const arr = new Rng(1).normalArray(1000, 5, 0.1);
  assert.ok(arr.every((v) => Math.abs(v - 5) < 0.6));
});

Deno.test("permutation is a permutation, shuffles deterministically, and sign is ±1", () => {
  const p = new Rng(3).permutation(100);
  assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i));
  assert.deepEqual([...new Rng(3).permutation(100)], [...p]);
  assert.notDeepEqual([...p], Array.from({ length: 100 }, (_, i) => i));
  const r = new Rng(5);
  const signs = Array.from({ length: 1000 }, () => r.sign());
  assert.ok(signs.every((s) => s === 1 || s === -1));
  const plus = signs.filter((s) => s === 1).length;
  assert.ok(plus > 430 && plus < 570, `${plus} of 1000 positive`);
});
