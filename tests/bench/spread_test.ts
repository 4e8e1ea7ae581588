import assert from "node:assert/strict";
import { quantile, throughputSpread, timeReps } from "../../bench/spread.ts";

Deno.test("timeReps makes exactly `reps` calls when they reach minSeconds, and warms up untimed", async () => {
  let calls = 0;
  const secs = await timeReps(() => calls++, 3, 4);
  assert.equal(secs.length, 4);
  assert.equal(calls, 7);
  assert.ok(secs.every((s) => s >= 0));
});

Deno.test("timeReps keeps timing a short workload until minSeconds, and stops at 50 calls", async () => {
  const sleep = () => new Promise((r) => setTimeout(r, 5));
  const secs = await timeReps(sleep, 0, 2, 0.05);
  const total = secs.reduce((a, b) => a + b, 0);
  assert.ok(total >= 0.05, `total ${total}`);
  assert.ok(secs.length >= 2 && secs.length <= 11, `${secs.length} calls of ≥ 5 ms for 50 ms`);
  const capped = await timeReps(() => {}, 0, 2, 1000);
  assert.equal(capped.length, 50);
});

Deno.test("throughputSpread: items per second per call, median and quartiles as NumPy's linear quantile", () => {
  const s = throughputSpread(10, [1, 2, 4, 5]);
  assert.deepEqual([s.min, s.max, s.reps], [2, 10, 4]);
  assert.equal(s.median, (2.5 + 5) / 2);
  assert.equal(quantile([2, 2.5, 5, 10], 0.25), 2.375);
});
