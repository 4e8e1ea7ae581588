/**
 * The Wilson interval against its definition: its ends are the proportions p₀ at which the score
 * statistic |p̂ − p₀| / √(p₀(1 − p₀)/n) equals z, found here by bisection (not by the closed form).
 */
import assert from "node:assert/strict";
import { wilsonInterval } from "../../lib/stats/binomial.ts";

const Z95 = 1.959963984540054;
const near = (a: number, b: number, tol: number) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

/** The p₀ in (a, b) where the score statistic crosses z (it is monotone on each side of p̂). */
function scoreRoot(k: number, n: number, a: number, b: number): number {
  const p = k / n;
  const excess = (p0: number) => Math.abs(p - p0) / Math.sqrt((p0 * (1 - p0)) / n) - Z95;
  for (let i = 0; i < 200; i++) {
    const m = (a + b) / 2;
    if ((excess(a) > 0) === (excess(m) > 0)) a = m;
    else b = m;
  }
  return (a + b) / 2;
}

Deno.test("wilsonInterval: ends solve the score equation; 0 and n stay inside [0, 1]", () => {
  for (const [k, n] of [[8, 10], [3, 32], [50, 200], [1, 4], [199, 200]]) {
    const ci = wilsonInterval(k, n);
    const p = k / n;
    assert.equal(ci.estimate, p);
    near(ci.lo, scoreRoot(k, n, 1e-12, p), 1e-9);
    near(ci.hi, scoreRoot(k, n, p, 1 - 1e-12), 1e-9);
  }
  const none = wilsonInterval(0, 10);
  assert.equal(none.lo, 0);
  near(none.hi, scoreRoot(0, 10, 1e-12, 1 - 1e-12), 1e-9);
  const all = wilsonInterval(10, 10);
  assert.equal(all.hi, 1);
  assert.ok(all.lo > 0.7 && all.lo < 0.75);
  assert.ok(
    wilsonInterval(8, 10, 0.99).lo < wilsonInterval(8, 10).lo,
    "a higher level gives a wider interval",
  );
  assert.throws(() => wilsonInterval(11, 10), /0 ≤ k ≤ n/);
  assert.throws(() => wilsonInterval(1, 10, 0.8), /level 0.8/);
});
