import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert";
import { initBackend } from "../../lib/backend/mod.ts";
import { centralDifferences, conv2d } from "./reference_grads.ts";

Deno.test("wasm clone and same-dtype cast share the buffer yet survive disposing the original", async () => {
  await initBackend("wasm");
  const before = tf.memory().numBytes;
  const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
  const clone = tf.clone(x);
  const cast = tf.cast(x, "float32");
  const toInt = tf.tidy(() => tf.cast(tf.tensor1d([1.7, -2.2]), "int32"));
  x.dispose();
  assert.deepStrictEqual(await clone.array(), [[1, 2, 3], [4, 5, 6]]);
  assert.deepStrictEqual(await cast.array(), [[1, 2, 3], [4, 5, 6]]);
  assert.deepStrictEqual(await toInt.array(), [1, -2]);
  clone.dispose();
  cast.dispose();
  toInt.dispose();
  assert.strictEqual(tf.memory().numBytes, before);
});

Deno.test("a tfjs-layers conv input gradient does not compute the filter gradient", async () => {
  await initBackend("wasm");
  const tfl = await import("@tensorflow/tfjs-layers");
  const layer = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: "same", activation: "relu" });
  const x = tf.randomUniform([2, 6, 6, 3], 0, 1, "float32", 3);
  const f = (input: tf.Tensor) => tf.sum(layer.apply(input) as tf.Tensor);
  tf.dispose(f(x));
  const profile = await tf.profile(() => {
    tf.dispose(tf.grad(f)(x));
  });
  const names = profile.kernels.map((k) => k.name);
  assert.ok(names.includes("Conv2DBackpropInput"), names.join(","));
  assert.ok(!names.includes("Conv2DBackpropFilter"), names.join(","));
  // and the value equals central finite differences of a float64 loop convolution with the layer's weights
  const [kernel, bias] = await Promise.all(
    layer.getWeights().map(async (w) => Float64Array.from(await w.data())),
  );
  const shape: Parameters<typeof conv2d>[1] = {
    xShape: [2, 6, 6, 3],
    filterShape: [3, 3, 3, 4],
    strides: 1,
    pad: "same",
    activation: "relu",
  };
  const loss = ([xs]: Float64Array[]) => conv2d(xs, shape, kernel, bias).reduce((a, v) => a + v, 0);
  const [want] = centralDifferences(loss, [Float64Array.from(await x.data())]);
  const got = await tf.grad(f)(x).data();
  for (let i = 0; i < want.length; i++) {
    assert.ok(
      Math.abs(got[i] - want[i]) < 1e-4 * (1 + Math.abs(want[i])),
      `element ${i}: ${got[i]} vs ${want[i]}`,
    );
  }
  layer.dispose();
  x.dispose();
});
