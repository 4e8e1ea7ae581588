import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import fc from "fast-check";
import { fgsm, fgsmParams, iterativeAttack, pgd, pgdParams, threatModel } from "../../lib/attacks/mod.ts";
import { predict, randomLinear, randomMlp, uniform } from "./helpers.ts";

const SHAPE: [number, number, number] = [4, 4, 2];
const D = 32;

/** FGSM of a linear model in float64: ∇ₓCE = W(softmax(Wᵀx + b) − e_y), x′ = clip(x + ε·sign ∇). */
function fgsmClosedForm(
  x: Float32Array,
  y: number,
  w: Float32Array,
  b: Float32Array,
  k: number,
  eps: number,
) {
  const z = Array.from(b, Number);
  for (let i = 0; i < D; i++) for (let j = 0; j < k; j++) z[j] += x[i] * w[i * k + j];
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, v) => a + v, 0);
  const g = e.map((v, j) => v / s - (j === y ? 1 : 0));
  return Array.from(x, (xi, i) => {
    let grad = 0;
    for (let j = 0; j < k; j++) grad += w[i * k + j] * g[j];
    return Math.min(1, Math.max(0, xi + eps * Math.sign(grad)));
  });
}

Deno.test("FGSM on a linear model equals its closed form", async () => {
  const k = 5;
  const lin = randomLinear(SHAPE, k, 11);
  const n = 6;
  const xs = uniform(n * D, 0, 1, 12);
  const images = tf.tensor4d(xs, [n, ...SHAPE]);
  const labels = Int32Array.from({ length: n }, (_, i) => i % k);
  const eps = 0.1;
  const res = await fgsm.run({ model: lin.model, images, labels, seed: 0 }, fgsmParams.parse({ eps }));
  const adv = res.adversarial.dataSync();
  for (let i = 0; i < n; i++) {
    const want = fgsmClosedForm(xs.subarray(i * D, (i + 1) * D), labels[i], lin.weights, lin.bias, k, eps);
    for (let p = 0; p < D; p++) {
      assert.ok(Math.abs(adv[i * D + p] - want[p]) <= 1e-6, `image ${i} pixel ${p}`);
    }
  }
  // Norms and success reported for the returned images.
  const pred = predict(lin.model, res.adversarial);
  for (let i = 0; i < n; i++) {
    assert.deepEqual(res.success[i], pred[i] !== labels[i] ? 1 : 0);
    assert.ok(res.linf[i] <= eps + 1e-6);
    assert.deepEqual(res.queries[i], 0);
  }
  tf.dispose([images, res.adversarial]);
});

Deno.test("targeted FGSM steps against the gradient of the target's cross-entropy", async () => {
  const k = 4;
  const lin = randomLinear(SHAPE, k, 21);
  const xs = uniform(D, 0.2, 0.8, 22);
  const images = tf.tensor4d(xs, [1, ...SHAPE]);
  const res = await fgsm.run(
    { model: lin.model, images, labels: Int32Array.of(0), targets: Int32Array.of(2), seed: 0 },
    fgsmParams.parse({ eps: 0.05 }),
  );
  // Descending CE of target 2 is ascending in pixel space along −sign(∇CE_t): the closed form with ε → −ε.
  const want = fgsmClosedForm(xs, 2, lin.weights, lin.bias, k, -0.05);
  const adv = res.adversarial.dataSync();
  for (let p = 0; p < D; p++) assert.ok(Math.abs(adv[p] - want[p]) <= 1e-6);
  tf.dispose([images, res.adversarial]);
});

Deno.test("PGD iterates never leave the ε-ball or [0, 1] (property)", () => {
  const model = randomMlp(SHAPE, 3, 8, 31);
  fc.assert(
    fc.property(
      fc.constantFrom<"linf" | "l2">("linf", "l2"),
      fc.double({ min: 0.01, max: 0.5, noNaN: true }),
      fc.integer({ min: 1, max: 4 }),
      fc.double({ min: 0.01, max: 1, noNaN: true }),
      fc.integer({ min: 0, max: 1e6 }),
      fc.boolean(),
      (norm, eps, steps, stepSize, seed, randomStart) => {
        const n = 3;
        // Pixels at the box edges too, so the [0, 1] clip matters.
        const xs = uniform(n * D, -0.3, 1.3, seed).map((v) => Math.min(1, Math.max(0, v)));
        const x0 = tf.tensor4d(xs, [n, ...SHAPE]);
        let checked = 0;
        const { adversarial } = iterativeAttack(model, x0, Int32Array.of(0, 1, 2), undefined, {
          threat: threatModel(norm, eps),
          steps,
          stepSize,
          restarts: 2,
          randomStart,
          keepBest: true,
          seed,
          onIterate: (x) => {
            const v = x.dataSync();
            for (let i = 0; i < n; i++) {
              let l2 = 0;
              for (let p = 0; p < D; p++) {
                const a = v[i * D + p];
                const d = a - xs[i * D + p];
                assert.ok(a >= 0 && a <= 1, `pixel ${a} outside [0,1]`);
                if (norm === "linf") assert.ok(Math.abs(d) <= eps + 1e-6, `|δ| ${Math.abs(d)} > ε ${eps}`);
                l2 += d * d;
              }
              if (norm === "l2") {
                assert.ok(Math.sqrt(l2) <= eps * (1 + 1e-5), `‖δ‖₂ ${Math.sqrt(l2)} > ε ${eps}`);
              }
            }
            checked++;
          },
        });
        assert.deepEqual(checked, 2 * (steps + 1));
        const out = adversarial.dataSync();
        for (let p = 0; p < out.length; p++) assert.ok(out[p] >= 0 && out[p] <= 1);
        tf.dispose([x0, adversarial]);
      },
    ),
    { numRuns: 40, seed: 5 },
  );
});

// PGD's step, projection and best-iterate rule against closed forms and every recorded iterate:
// ./pgd_closed_form_test.ts.

Deno.test("PGD with the same seed gives the same bytes", async () => {
  const model = randomMlp(SHAPE, 3, 8, 51);
  const images = tf.tensor4d(uniform(2 * D, 0, 1, 52), [2, ...SHAPE]);
  const params = pgdParams.parse({ norm: "l2", eps: 0.5, steps: 3 });
  const a = await pgd.run({ model, images, labels: Int32Array.of(0, 1), seed: 9 }, params);
  const b = await pgd.run({ model, images, labels: Int32Array.of(0, 1), seed: 9 }, params);
  assert.deepEqual(a.adversarial.dataSync(), b.adversarial.dataSync());
  assert.ok(a.l2.every((v) => v <= 0.5 * (1 + 1e-5)));
  tf.dispose([images, a.adversarial, b.adversarial]);
});

Deno.test("targeted PGD reports success exactly where the model predicts the target", async () => {
  const model = randomMlp(SHAPE, 3, 8, 61);
  const n = 6;
  const images = tf.tensor4d(uniform(n * D, 0, 1, 62), [n, ...SHAPE]);
  const labels = predict(model, images);
  const targets = labels.map((y) => (y + 2) % 3);
  const res = await pgd.run(
    { model, images, labels, targets, seed: 1 },
    pgdParams.parse({ eps: 0.5, steps: 8 }),
  );
  const pred = predict(model, res.adversarial);
  for (let i = 0; i < n; i++) assert.equal(res.success[i], pred[i] === targets[i] ? 1 : 0);
  assert.ok(res.success.some((s) => s === 1));
  tf.dispose([images, res.adversarial]);
});
