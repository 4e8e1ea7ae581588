import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert";
import { kernelPaths, maxRelErr, onBackend, seededValues } from "./helpers.ts";
import { convCases, label } from "./conv_cases.ts";

/** Gradient of Σ maxPool(x)·r with respect to x: `MaxPoolGrad` with weights r. */
function poolGradient(x: Float32Array, r: Float32Array, c: ReturnType<typeof convCases>[number]) {
  const k: [number, number] = [c.kh, c.kw];
  const shape: [number, number, number, number] = [c.n, c.h, c.w, c.ci];
  return () => {
    const y = (t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, k, c.stride, c.pad);
    const out = y(tf.zeros(shape)).shape;
    return tf.grad((t: tf.Tensor) =>
      tf.sum(tf.mul(y(t), tf.tensor(r.subarray(0, tf.util.sizeFromShape(out)), out)))
    )(
      tf.tensor4d(x, shape),
    );
  };
}

Deno.test("wasm MaxPoolGrad matches the cpu backend on random geometries (overlapping windows, padding)", async () => {
  for (const [i, c] of convCases(14, 41).entries()) {
    const x = seededValues(c.n * c.h * c.w * c.ci, 500 + i);
    const r = seededValues(c.n * c.h * c.w * c.ci, 600 + i);
    const want = await onBackend("cpu", poolGradient(x, r, c));
    for (const path of kernelPaths()) {
      path.use();
      const got = await onBackend("wasm", poolGradient(x, r, c));
      assert.deepStrictEqual(got.shape, want.shape, label(c));
      const err = maxRelErr(got.data, want.data);
      assert(err < 1e-6, `${path.name} ${label(c)}: max relative error ${err}`);
    }
  }
});

Deno.test("wasm MaxPoolGrad sends a tied window's gradient to its first maximum, as the cpu backend", async () => {
  for (const [i, c] of convCases(10, 43).entries()) {
    // Values on a coarse grid, half of them clipped to 0 as after a ReLU: most windows hold ties.
    const x = seededValues(c.n * c.h * c.w * c.ci, 700 + i).map((v) => Math.max(0, Math.round(v * 2) / 2));
    const r = seededValues(c.n * c.h * c.w * c.ci, 800 + i);
    const want = await onBackend("cpu", poolGradient(x, r, c));
    for (const path of kernelPaths()) {
      path.use();
      const got = await onBackend("wasm", poolGradient(x, r, c));
      const err = maxRelErr(got.data, want.data);
      assert(err < 1e-6, `${path.name} ${label(c)}: max relative error ${err}`);
    }
  }
});
