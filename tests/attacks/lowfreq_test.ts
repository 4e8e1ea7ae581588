import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { ATTACK_NAMES, attackByName, lowFrequencyPgd, lowFrequencyPgdParams } from "../../lib/attacks/mod.ts";
import { dct2 } from "../../lib/dct/mod.ts";
import { predict, randomMlp, uniform } from "./helpers.ts";

const SHAPE: [number, number, number] = [8, 8, 1];
const D = 64;

Deno.test("low-frequency PGD's perturbation lives in the K lowest DCT bands when no clip binds", async () => {
  const model = randomMlp(SHAPE, 3, 6, 101);
  const n = 3;
  const xs = uniform(n * D, 0.4, 0.6, 102);
  const images = tf.tensor4d(xs, [n, ...SHAPE]);
  const labels = predict(model, images);
  const k = 4;
  const params = lowFrequencyPgdParams.parse({
    eps: 1,
    bands: k,
    steps: 3,
    stepSize: 0.01,
    randomStart: false,
  });
  const res = await lowFrequencyPgd.run({ model, images, labels, seed: 2 }, params);
  const adv = res.adversarial.dataSync();
  const delta = Float64Array.from(adv, (v, i) => v - xs[i]);
  const coeffs = dct2(delta, [n, ...SHAPE]);
  let inBand = 0;
  for (let img = 0; img < n; img++) {
    for (let i = 0; i < 8; i++) {
      for (let j = 0; j < 8; j++) {
        const v = coeffs[img * D + i * 8 + j];
        if (i + j >= k) assert.ok(Math.abs(v) < 1e-5, `image ${img} coefficient (${i},${j}) = ${v}`);
        else inBand += v * v;
      }
    }
  }
  assert.ok(inBand > 1e-4, "the attack moved the images");
  tf.dispose([images, res.adversarial]);
});

Deno.test("low-frequency PGD stays inside the l∞ ball and [0, 1]", async () => {
  const model = randomMlp(SHAPE, 3, 6, 111);
  const n = 4;
  const xs = uniform(n * D, 0, 1, 112);
  const images = tf.tensor4d(xs, [n, ...SHAPE]);
  const params = lowFrequencyPgdParams.parse({ eps: 0.05, bands: 3, steps: 5 });
  const res = await lowFrequencyPgd.run({ model, images, labels: predict(model, images), seed: 3 }, params);
  const adv = res.adversarial.dataSync();
  adv.forEach((v, i) => assert.ok(v >= 0 && v <= 1 && Math.abs(v - xs[i]) <= 0.05 + 1e-6));
  tf.dispose([images, res.adversarial]);
});

Deno.test("the attack table finds every method by name and rejects unknown names", () => {
  assert.deepEqual(ATTACK_NAMES, ["fgsm", "pgd", "cw", "simba", "lfpgd"]);
  for (const name of ATTACK_NAMES) assert.equal(attackByName(name).name, name);
  assert.throws(() => attackByName("deepfool"), /unknown attack 'deepfool'; known: fgsm, pgd/);
  // Each method's params reject keys of another method.
  assert.throws(() => attackByName("fgsm").params.parse({ steps: 3 }));
});

Deno.test("no attack leaks tensors: only the returned adversarial batch stays allocated", async () => {
  const model = randomMlp(SHAPE, 3, 6, 121);
  const images = tf.tensor4d(uniform(2 * D, 0, 1, 122), [2, ...SHAPE]);
  const labels = predict(model, images);
  const small: Record<string, Record<string, unknown>> = {
    fgsm: {},
    pgd: { steps: 3, restarts: 2 },
    cw: { binarySteps: 2, maxIterations: 20 },
    simba: { maxQueries: 20 },
    lfpgd: { steps: 3, bands: 3 },
  };
  for (const name of ATTACK_NAMES) {
    const attack = attackByName(name);
    const before = tf.memory().numTensors;
    const res = await attack.run({ model, images, labels, seed: 1 }, attack.params.parse(small[name]));
    assert.equal(tf.memory().numTensors, before + 1, `${name} leaked ${tf.memory().numTensors - before - 1}`);
    res.adversarial.dispose();
  }
  images.dispose();
});
