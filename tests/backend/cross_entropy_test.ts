import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { crossEntropyPerRow } from "../../lib/backend/cross_entropy.ts";
import { onBackend, seededValues } from "./helpers.ts";

/** float64 reference: per row logsumexp(z) − z[y], and dy·(softmax − onehot). */
function reference(z: Float32Array, y: Int32Array, k: number, dy: Float32Array) {
  const n = y.length;
  const loss = new Float64Array(n);
  const grad = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const row = Array.from(z.subarray(i * k, (i + 1) * k));
    const m = Math.max(...row);
    const s = row.reduce((a, v) => a + Math.exp(v - m), 0);
    loss[i] = m + Math.log(s) - row[y[i]];
    row.forEach((v, j) => grad[i * k + j] = dy[i] * (Math.exp(v - m) / s - (j === y[i] ? 1 : 0)));
  }
  return { loss, grad };
}

const n = 37, k = 10;
// Logits up to ±90: exp would overflow float32 without the max shift.
const z = seededValues(n * k, 5).map((v) => v * 90);
const y = Int32Array.from({ length: n }, (_, i) => (i * 7 + 3) % k);
const dy = seededValues(n, 6).map((v) => v + 1.5);
const want = reference(z, y, k, dy);
const value = () => crossEntropyPerRow(tf.tensor2d(z, [n, k]), tf.tensor1d(y, "int32"));
const gradient = () =>
  tf.grad((t: tf.Tensor) =>
    tf.sum(tf.mul(crossEntropyPerRow(t as tf.Tensor2D, tf.tensor1d(y, "int32")), tf.tensor1d(dy)))
  )(tf.tensor2d(z, [n, k]));

for (const backend of ["wasm", "cpu"]) {
  Deno.test(`${backend}: crossEntropyPerRow and its gradient match the float64 closed form, without overflow`, async () => {
    const v = await onBackend(backend, value);
    assert.deepEqual(v.shape, [n]);
    v.data.forEach((x, i) =>
      assert.ok(Math.abs(x - want.loss[i]) <= 2e-6 * (1 + want.loss[i]), `row ${i}: ${x}`)
    );
    const g = await onBackend(backend, gradient);
    assert.deepEqual(g.shape, [n, k]);
    g.data.forEach((x, i) =>
      assert.ok(Math.abs(x - want.grad[i]) <= 1e-6, `gradient ${i}: ${x} vs ${want.grad[i]}`)
    );
  });
}

Deno.test("wasm: crossEntropyPerRow gives the same values with and without a gradient tape", async () => {
  const plain = await onBackend("wasm", value);
  const taped = await onBackend("wasm", () => {
    let kept: tf.Tensor | undefined;
    tf.grad((t: tf.Tensor) => {
      const ce = crossEntropyPerRow(t as tf.Tensor2D, tf.tensor1d(y, "int32"));
      kept = tf.keep(tf.clone(ce));
      return tf.sum(ce);
    })(tf.tensor2d(z, [n, k]));
    return kept!;
  });
  assert.deepEqual(taped.data, plain.data);
});

Deno.test("wasm: a NaN logit makes only its row NaN; a label outside the classes is refused by name", async () => {
  const bad = Float32Array.from(z);
  bad[3 * k + 4] = NaN;
  const v = await onBackend(
    "wasm",
    () => crossEntropyPerRow(tf.tensor2d(bad, [n, k]), tf.tensor1d(y, "int32")),
  );
  v.data.forEach((x, i) => assert.equal(Number.isNaN(x), i === 3, `row ${i}: ${x}`));
  const wrong = Int32Array.from(y);
  wrong[5] = k;
  await assert.rejects(
    onBackend("wasm", () => crossEntropyPerRow(tf.tensor2d(z, [n, k]), tf.tensor1d(wrong, "int32"))),
    /label 10 of row 5 is not in \[0, 10\)/,
  );
});
