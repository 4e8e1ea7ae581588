import assert from "node:assert/strict";
import fc from "fast-check";
import { checkSchedule, learningRateAt, ScheduleError } from "../../lib/training/mod.ts";

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

Deno.test("step schedule: lr·γ^(milestones passed), milestones in epochs", () => {
  const s = { kind: "step" as const, milestones: [2, 3], gamma: 0.1 };
  const spe = 10; // steps per epoch, 40 steps in all
  close(learningRateAt(s, 0.5, 0, 40, spe), 0.5);
  close(learningRateAt(s, 0.5, 19, 40, spe), 0.5); // epoch 1.9
  close(learningRateAt(s, 0.5, 20, 40, spe), 0.05); // epoch 2.0
  close(learningRateAt(s, 0.5, 29, 40, spe), 0.05);
  close(learningRateAt(s, 0.5, 30, 40, spe), 0.005);
  close(learningRateAt(s, 0.5, 39, 40, spe), 0.005);
});

Deno.test("cosine schedule: minLr + (lr − minLr)(1 + cos πt/T)/2 at 0, T/4, T/2, T", () => {
  const s = { kind: "cosine" as const, minLr: 0.01 };
  close(learningRateAt(s, 1, 0, 100, 10), 1);
  close(learningRateAt(s, 1, 25, 100, 10), 0.01 + 0.99 * (1 + Math.SQRT1_2) / 2);
  close(learningRateAt(s, 1, 50, 100, 10), 0.505);
  close(learningRateAt(s, 1, 100, 100, 10), 0.01);
  fc.assert(fc.property(fc.integer({ min: 0, max: 99 }), (t) => {
    assert.ok(learningRateAt(s, 1, t + 1, 100, 10) <= learningRateAt(s, 1, t, 100, 10));
  }));
});

Deno.test("one-cycle schedule: linear lr/startDiv → lr at peakAt·T, linear → 0 at T", () => {
  const s = { kind: "one-cycle" as const, peakAt: 0.4, startDiv: 25 };
  const T = 1000;
  close(learningRateAt(s, 0.2, 0, T, 100), 0.2 / 25);
  close(learningRateAt(s, 0.2, 200, T, 100), 0.008 + (0.2 - 0.008) * 0.5);
  close(learningRateAt(s, 0.2, 400, T, 100), 0.2);
  close(learningRateAt(s, 0.2, 700, T, 100), 0.1);
  close(learningRateAt(s, 0.2, T, T, 100), 0);
  const peak = Math.max(...Array.from({ length: T }, (_, t) => learningRateAt(s, 0.2, t, T, 100)));
  close(peak, 0.2);
});

Deno.test("constant schedule and parameter checks", () => {
  assert.equal(learningRateAt({ kind: "constant" }, 0.3, 57, 100, 10), 0.3);
  assert.throws(() => checkSchedule({ kind: "one-cycle", peakAt: 1 }), ScheduleError);
  assert.throws(() => checkSchedule({ kind: "step", milestones: [1], gamma: 0 }), ScheduleError);
  assert.throws(() => checkSchedule({ kind: "cosine", minLr: -1 }), ScheduleError);
});
