import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert";
import { onBackend, seededValues } from "./helpers.ts";
import { attackByName } from "../../lib/attacks/mod.ts";
import type { ImageClassifier } from "../../lib/models/classifier.ts";
import { initBackend } from "../../lib/backend/mod.ts";

Deno.test("wasm Sign: the cpu backend's values, tiny, subnormal, huge and special inputs included", async () => {
  const special = [
    0,
    -0,
    NaN,
    Infinity,
    -Infinity,
    1e-45,
    -1e-45,
    1e-40,
    1e-8,
    -1e-8,
    1.1e-7,
    -1.19e-7,
    3,
    -2,
  ];
  const values = Float32Array.from([...special, ...seededValues(5000, 4).map((v, i) => v * 10 ** -(i % 12))]);
  const want = await onBackend("cpu", () => tf.sign(tf.tensor1d(values)));
  const got = await onBackend("wasm", () => tf.sign(tf.tensor1d(values)));
  // Equal as numbers (a −0 input gives −0 here, +0 on cpu).
  const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => v === b[i]);
  assert(same(got.data, want.data));
  // Independent expectation: ±1 for every nonzero number, 0 for ±0 and NaN.
  assert(same(got.data, Float32Array.from(values, (v) => (v > 0 ? 1 : v < 0 ? -1 : 0))));
});

Deno.test("FGSM on wasm moves every pixel with a nonzero gradient by ε, however small the gradient", async () => {
  await initBackend("wasm");
  // A linear two-class model whose logit difference has weights of 1e-9·(±1, ±2, …): every input-gradient
  // component is far below float32's epsilon, none is zero.
  const n = 4 * 4 * 1;
  const w = Float32Array.from({ length: n }, (_, i) => (i % 2 ? -1 : 1) * (1 + (i % 3)) * 1e-9);
  const model: ImageClassifier = {
    numClasses: 2,
    inputShape: [4, 4, 1],
    logits: (x: tf.Tensor4D) =>
      tf.tidy(() => {
        const z = tf.sum(tf.mul(tf.reshape(x, [x.shape[0], n]), tf.tensor1d(w)), 1, true);
        return tf.concat([z, tf.neg(z)], 1) as tf.Tensor2D;
      }),
  } as unknown as ImageClassifier;
  const images = tf.fill([1, 4, 4, 1], 0.5) as tf.Tensor4D;
  const eps = 0.03;
  const res = await attackByName("fgsm").run({ model, images, labels: new Int32Array([0]), seed: 0 }, {
    eps,
  });
  const moved = tf.tidy(() => tf.abs(tf.sub(res.adversarial, images)).dataSync());
  for (let i = 0; i < n; i++) assert(Math.abs(moved[i] - eps) < 1e-6, `pixel ${i} moved ${moved[i]}`);
  tf.dispose([images, res.adversarial]);
});
