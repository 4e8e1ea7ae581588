import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert";
import { initBackend } from "../../lib/backend/mod.ts";
import { addRelu, addReluApplies, biasReluApplies } from "../../lib/backend/kernels/add_relu.ts";
import { nativeAvailable, onBackend, seededValues } from "./helpers.ts";

/** Operands on a quarter grid (exact zeros and exact cancellations), with ±0, ±∞, subnormals and
 * overflowing sums up front; every sum is a number (a NaN sum is the documented exception, tested below). */
function operands(n: number, seed: number): [Float32Array, Float32Array] {
  const a = seededValues(n, seed).map((v) => Math.round(v * 8) / 4);
  const b = seededValues(n, seed + 1).map((v) => Math.round(v * 8) / 4);
  const special: [number, number][] = [
    [0, -0],
    [-0, -0],
    [Infinity, 1],
    [-Infinity, 2],
    [-1e-45, 1e-45],
    [
      3e38,
      3e38,
    ],
    [-3e38, -3e38],
    [2.5, -2.5],
  ];
  for (let i = 0; i < Math.min(n, special.length); i++) [a[i], b[i]] = special[i];
  return [a, b];
}

/** `max(a + b, 0)` and its gradients in `a` and `b` under the weights `r`: with the fused kernel where
 * `fused`, else as tfjs composes them (`Add` then `Relu`). */
function valueAndGrads(a: Float32Array, b: Float32Array, r: Float32Array, shape: number[], fused: boolean) {
  return () => {
    const f = (x: tf.Tensor, y: tf.Tensor) => fused ? addRelu(x, y) : tf.relu(tf.add(x, y));
    const weights = tf.tensor(r, shape);
    const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(f(x, y), weights)))([
      tf.tensor(a, shape),
      tf.tensor(b, shape),
    ]);
    const flat = (t: tf.Tensor) => tf.reshape(t, [-1]);
    return tf.concat([flat(f(tf.tensor(a, shape), tf.tensor(b, shape))), flat(ga), flat(gb)]);
  };
}

Deno.test({
  name: "FreqlensAddRelu: max(a + b, 0) and both gradients are the bits of Add → Relu on the cpu backend",
  ignore: !nativeAvailable(),
  fn: async () => {
    await initBackend("wasm");
    for (const [i, shape] of [[8], [3, 17, 19, 16], [2, 5, 7, 3], [128, 8, 8, 64]].entries()) {
      const n = tf.util.sizeFromShape(shape);
      const [a, b] = operands(n, 40 + 3 * i);
      const r = seededValues(n, 42 + 3 * i);
      const want = await onBackend("cpu", valueAndGrads(a, b, r, shape, false));
      const got = await onBackend("wasm", valueAndGrads(a, b, r, shape, true));
      // deepStrictEqual compares with Object.is: the signs of zero and NaN positions are checked too.
      assert.deepStrictEqual(got.data, want.data, `${shape}`);
    }
  },
});

Deno.test({
  name: "FreqlensAddRelu with a per-channel bias: max(x + bias, 0) and both gradients are Add → Relu's bits",
  ignore: !nativeAvailable(),
  fn: async () => {
    await initBackend("wasm");
    for (
      const [i, [shape, biasShape]] of [[[6, 16], [16]], [[3, 17, 19, 16], [1, 1, 1, 16]], [
        [128, 28, 28, 8],
        [8],
      ]].entries()
    ) {
      const n = tf.util.sizeFromShape(shape);
      const c = shape[shape.length - 1];
      const [x] = operands(n, 60 + 3 * i);
      const bias = operands(Math.max(c, 8), 61 + 3 * i)[1].subarray(0, c);
      const r = seededValues(n, 62 + 3 * i);
      const run = (fused: boolean) => () => {
        const f = (a: tf.Tensor, b: tf.Tensor) => fused ? addRelu(a, b) : tf.relu(tf.add(a, b));
        const weights = tf.tensor(r, shape);
        const xs = [tf.tensor(x, shape), tf.tensor(bias, biasShape)];
        const [gx, gb] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, b), weights)))(xs);
        assert.deepStrictEqual(gb.shape, biasShape);
        return tf.concat([f(xs[0], xs[1]), gx, gb].map((t) => tf.reshape(t, [-1])));
      };
      const want = await onBackend("cpu", run(false));
      const got = await onBackend("wasm", run(true));
      assert.deepStrictEqual(got.data, want.data, `${shape} + ${biasShape}`);
    }
  },
});

Deno.test({
  name: "FreqlensAddRelu: a NaN sum gives 0 and a zero gradient (oneDNN's max(x, 0))",
  ignore: !nativeAvailable(),
  fn: async () => {
    await initBackend("wasm");
    const a = new Float32Array([NaN, Infinity, 1, -1]), b = new Float32Array([1, -Infinity, NaN, 0.5]);
    const r = new Float32Array([1, 1, 1, 1]);
    const got = await onBackend("wasm", valueAndGrads(a, b, r, [4], true));
    assert.deepStrictEqual(Array.from(got.data), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  },
});

Deno.test({
  name:
    "FreqlensAddRelu applies to same-shape float32 pairs, or a tensor and its per-channel vector, on wasm with oneDNN only",
  ignore: !nativeAvailable(),
  fn: async () => {
    await initBackend("wasm");
    const x = tf.zeros([2, 3]), y = tf.zeros([2, 3]);
    assert.ok(addReluApplies(x, y));
    assert.ok(!addReluApplies(x, tf.zeros([3])));
    assert.ok(biasReluApplies(x, tf.zeros([3])) && biasReluApplies(x, tf.zeros([1, 3])));
    assert.ok(!biasReluApplies(x, tf.zeros([2])) && !biasReluApplies(x, tf.zeros([2, 3])));
    assert.ok(!biasReluApplies(x, tf.zeros([3], "int32")));
    // Called without the checks, the kernel refuses what it cannot add rather than misreading it.
    assert.throws(() => addRelu(x, tf.zeros([2, 1])), /neither a's shape \[2,3\] nor a per-channel vector/);
    assert.ok(!addReluApplies(x, tf.zeros([2, 3], "int32")));
    await initBackend("cpu");
    assert.ok(!addReluApplies(x, y) && !biasReluApplies(x, tf.zeros([3])));
    await initBackend("wasm");
  },
});
