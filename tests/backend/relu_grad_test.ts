import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert";
import { initBackend } from "../../lib/backend/mod.ts";
import { setNativeKernels } from "../../lib/backend/kernels/native_bridge.ts";
import { kernelPaths, nativeAvailable, onBackend, seededValues } from "./helpers.ts";

/** Gradient of Σ relu(x)·r, with x on a grid that includes exact zeros. */
function reluGradient(x: Float32Array, r: Float32Array, shape: number[]) {
  return () =>
    tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), tf.tensor(r, shape))))(tf.tensor(x, shape));
}

Deno.test("wasm ReLU gradient matches the cpu backend's dy·step(x), zeros included", async () => {
  for (const [i, shape] of [[7], [3, 5, 4, 6], [2, 33, 17, 3], [1]].entries()) {
    const n = tf.util.sizeFromShape(shape);
    const x = seededValues(n, 10 + i).map((v) => Math.round(v * 4) / 4);
    const r = seededValues(n, 20 + i);
    const want = await onBackend("cpu", reluGradient(x, r, shape));
    for (const path of kernelPaths()) {
      path.use();
      const got = await onBackend("wasm", reluGradient(x, r, shape));
      assert.deepStrictEqual(got.data, want.data, `${path.name} ${shape}`);
    }
  }
});

Deno.test({
  name: "with oneDNN, a ReLU gradient on wasm is one fused kernel (no Step, no Multiply)",
  ignore: !nativeAvailable(),
  fn: async () => {
    setNativeKernels(true);
    await initBackend("wasm");
    const x = tf.tensor1d([-1, 0, 2, 3]);
    const profile = await tf.profile(() => {
      tf.dispose(tf.grad((t: tf.Tensor) => tf.relu(t))(x));
    });
    const names = profile.kernels.map((k) => k.name);
    assert.ok(names.includes("FreqlensReluGrad"), names.join(","));
    assert.ok(!names.includes("Step") && !names.includes("Multiply"), names.join(","));
    x.dispose();
  },
});
