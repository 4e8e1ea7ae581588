/**
 * PGD against answers known without running it.
 *
 * On a binary linear model (logits `(0, v·x + c)`), the cross-entropy of either class only grows along
 * ±v, whatever the probabilities: so the maximiser over the l∞ ball is `x0 + ε·sign(±v)` and over the l2
 * ball `x0 ± ε·v/‖v‖₂` (images chosen so that [0, 1] never binds), and PGD reaches it. The "keep best"
 * rule is checked on every recorded iterate of a nonlinear model: the returned image is the iterate that
 * ranks first by (success, then objective), as lib/attacks/loop.ts documents.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { iterativeAttack, pgd, pgdParams, threatModel } from "../../lib/attacks/mod.ts";
import type { ImageClassifier } from "../../lib/models/classifier.ts";
import { linearClassifier, predict, randomMlp, uniform } from "./helpers.ts";

const SHAPE: [number, number, number] = [4, 4, 2];
const D = 32;

/** Binary linear model with logits (0, v·x + c) and images inside [ε + 0.05, 1 − ε − 0.05]. */
function binaryCase(eps: number, seed: number) {
  const v = uniform(D, -1, 1, seed);
  const weights = new Float32Array(D * 2);
  v.forEach((vi, i) => (weights[i * 2 + 1] = vi));
  const n = 4;
  const xs = uniform(n * D, eps + 0.05, 1 - eps - 0.05, seed + 1);
  // c puts the clean images on both sides of the boundary (labels 0 and 1 both occur).
  const score = (i: number) => v.reduce((a, vi, p) => a + vi * xs[i * D + p], 0);
  const c = -(score(0) + score(1)) / 2;
  const lin = linearClassifier(SHAPE, 2, weights, Float32Array.of(0, c));
  const images = tf.tensor4d(xs, [n, ...SHAPE]);
  const labels = predict(lin.model, images);
  assert.ok(labels.includes(0) && labels.includes(1), "both classes among the clean images");
  return { v, xs, n, images, labels, model: lin.model };
}

/** Ascent direction of the CE of label y (untargeted) on the binary model: +v for y = 0, −v for y = 1. */
const side = (y: number) => (y === 0 ? 1 : -1);

function assertImage(
  got: ArrayLike<number>,
  want: (p: number) => number,
  i: number,
  what: string,
  tol = 2e-6,
) {
  for (let p = 0; p < D; p++) {
    const w = want(p);
    assert.ok(
      Math.abs(got[i * D + p] - w) <= tol,
      `${what}: image ${i} pixel ${p}: ${got[i * D + p]} vs ${w}`,
    );
  }
}

Deno.test("PGD l∞ on a binary linear model ends at x0 + ε·sign(∇), untargeted and targeted", async () => {
  const eps = 0.1;
  const { v, xs, n, images, labels, model } = binaryCase(eps, 101);
  // 2ε/α = 4 steps cross the cube from any random start; 8 steps leave no doubt.
  const params = pgdParams.parse({ norm: "linf", eps, steps: 8, stepSize: eps / 2, randomStart: true });
  const res = await pgd.run({ model, images, labels, seed: 4 }, params);
  const adv = res.adversarial.dataSync();
  for (let i = 0; i < n; i++) {
    assertImage(adv, (p) => xs[i * D + p] + eps * side(labels[i]) * Math.sign(v[p]), i, "untargeted");
    assert.ok(Math.abs(res.linf[i] - eps) < 1e-6);
  }
  // Targeted at the other class: descending its CE is the same direction.
  const targets = labels.map((y) => 1 - y);
  const tRes = await pgd.run({ model, images, labels, targets, seed: 4 }, params);
  const tAdv = tRes.adversarial.dataSync();
  for (let i = 0; i < n; i++) {
    assertImage(tAdv, (p) => xs[i * D + p] + eps * side(labels[i]) * Math.sign(v[p]), i, "targeted");
  }
  tf.dispose([images, res.adversarial, tRes.adversarial]);
});

Deno.test("PGD l2 on a binary linear model ends at x0 + ε·∇/‖∇‖₂, from the clean image and a random start", async () => {
  const eps = 0.5;
  const { v, xs, n, images, labels, model } = binaryCase(0.15, 201); // l2 radius 0.5: |δᵢ| ≤ 0.5·max|vᵢ|/‖v‖
  const vNorm = Math.hypot(...v);
  const want = (i: number) => (p: number) => xs[i * D + p] + eps * side(labels[i]) * v[p] / vNorm;
  // From the clean image: steps of ε/2 along the constant direction reach the sphere and stay there.
  const plain = await pgd.run(
    { model, images, labels, seed: 1 },
    pgdParams.parse({ norm: "l2", eps, steps: 4, stepSize: eps / 2, randomStart: false }),
  );
  // From a random point of the sphere, a step of ε then the projection halve the angle to ∇: 24 steps. The
  // last iterate (the objective's float32 rounding would make "best" pick any of the last few).
  const random = await pgd.run(
    { model, images, labels, seed: 2 },
    pgdParams.parse({ norm: "l2", eps, steps: 24, stepSize: eps, randomStart: true, keepBest: false }),
  );
  for (const [what, res] of [["clean start", plain], ["random start", random]] as const) {
    const adv = res.adversarial.dataSync();
    for (let i = 0; i < n; i++) {
      assertImage(adv, want(i), i, what, res === plain ? 2e-6 : 1e-5); // float32 rounding of 24 rescalings
      assert.ok(Math.abs(res.l2[i] - eps) < 1e-5, `${what}: ‖δ‖₂ ${res.l2[i]}`);
    }
    res.adversarial.dispose();
  }
  images.dispose();
});

Deno.test("one PGD step from the clean image is α·sign(∇) (l∞) and α·∇/‖∇‖₂ (l2), inside the ball", () => {
  const { v, xs, n, images, labels, model } = binaryCase(0.15, 301);
  const vNorm = Math.hypot(...v);
  const dir = { linf: (p: number) => Math.sign(v[p]), l2: (p: number) => v[p] / vNorm };
  for (const norm of ["linf", "l2"] as const) {
    const alpha = 0.05; // < ε: the projection does not act
    const seen: Float32Array[] = [];
    const { adversarial } = iterativeAttack(model, images, labels, undefined, {
      threat: threatModel(norm, 0.5),
      steps: 1,
      stepSize: alpha,
      restarts: 1,
      randomStart: false,
      keepBest: false,
      seed: 0,
      onIterate: (x) => seen.push(Float32Array.from(x.dataSync())),
    });
    adversarial.dispose();
    for (let i = 0; i < n; i++) {
      assertImage(seen[1], (p) => xs[i * D + p] + alpha * side(labels[i]) * dir[norm](p), i, `${norm} step`);
    }
  }
  images.dispose();
});

/** Per-image (success, objective) of `x` from the logits, in float64: CE of the label (untargeted). */
function rank(model: ImageClassifier, x: Float32Array, n: number, labels: Int32Array) {
  const t = tf.tensor4d(x, [n, ...SHAPE]);
  const logits = tf.tidy(() => model.logits(t));
  const z = logits.dataSync();
  const k = logits.shape[1];
  tf.dispose([t, logits]);
  return Array.from({ length: n }, (_, i) => {
    const row = Array.from(z.subarray(i * k, (i + 1) * k));
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((a, zj) => a + Math.exp(zj - m), 0));
    const argmax = row.indexOf(m);
    return { success: argmax !== labels[i] ? 1 : 0, objective: lse - row[labels[i]] };
  });
}

Deno.test("PGD keeps, per image, the iterate that ranks first by success, then loss (all iterates recorded)", () => {
  const model = randomMlp(SHAPE, 10, 8, 41);
  const n = 32;
  const xs = uniform(n * D, 0.2, 0.8, 42);
  const x0 = tf.tensor4d(xs, [n, ...SHAPE]);
  const labels = predict(model, x0);
  let successOverLoss = 0, notLast = 0, lastOfBestRestart = 0;
  for (const keepBest of [true, false]) {
    const iterates: Float32Array[][] = [];
    const { adversarial } = iterativeAttack(model, x0, labels, undefined, {
      threat: threatModel("linf", 0.05),
      steps: 6,
      stepSize: 0.04, // large steps: the iterates overshoot, so the objective is not monotone
      restarts: 3,
      randomStart: true,
      keepBest,
      seed: 8,
      onIterate: (x, r) => (iterates[r] ??= []).push(Float32Array.from(x.dataSync())),
    });
    const got = adversarial.dataSync();
    adversarial.dispose();
    const ranks = iterates.map((run) => run.map((x) => rank(model, x, n, labels)));
    for (let i = 0; i < n; i++) {
      // Candidates in the loop's order (restart, then step); the last iterate of each restart is s = 6.
      const cands = iterates.flatMap((run, r) =>
        run.map((x, s) => ({ r, s, x: x.subarray(i * D, (i + 1) * D), ...ranks[r][s][i] }))
      ).filter((c) => keepBest || c.s === 6);
      const better = (a: typeof cands[0], b: typeof cands[0]) =>
        a.success > b.success || (a.success === b.success && a.objective > b.objective + 1e-5);
      const best = cands.reduce((b, c) => (better(c, b) ? c : b));
      // Near-ties in float32 objective may go either way: accept any candidate within 1e-5 of the best.
      const ok = cands.filter((c) => !better(best, c));
      const mine = got.subarray(i * D, (i + 1) * D);
      assert.ok(
        ok.some((c) => c.x.every((v, p) => v === mine[p])),
        `keepBest ${keepBest}, image ${i}: returned image is not the best iterate (restart ${best.r}, step ${best.s})`,
      );
      const byLoss = cands.reduce((b, c) => (c.objective > b.objective ? c : b));
      if (keepBest && byLoss.success < best.success) successOverLoss++;
      if (keepBest && best.s !== 6) notLast++;
      if (!keepBest && best.r !== 0) lastOfBestRestart++;
    }
  }
  // The case is one where the rule matters: success outranks a higher loss, the best iterate is not the
  // last, and the best restart is not the first.
  assert.ok(
    successOverLoss > 0 && notLast > 0 && lastOfBestRestart > 0,
    `${successOverLoss} ${notLast} ${lastOfBestRestart}`,
  );
  x0.dispose();
});
