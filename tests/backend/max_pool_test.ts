import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert";
import { kernelPaths, onBackend, seededValues } from "./helpers.ts";
import { convCases, label } from "./conv_cases.ts";

Deno.test("wasm MaxPool gives the cpu backend's bits on random geometries (overlapping windows, padding)", async () => {
  for (const [i, c] of convCases(16, 47).entries()) {
    // Half the values clipped to 0 as after a ReLU, so windows also hold ties and all-zero windows.
    const x = seededValues(c.n * c.h * c.w * c.ci, 900 + i).map((v) => i % 2 ? Math.max(0, v) : v);
    const f = () => tf.maxPool(tf.tensor4d(x, [c.n, c.h, c.w, c.ci]), [c.kh, c.kw], c.stride, c.pad);
    const want = await onBackend("cpu", f);
    for (const path of kernelPaths()) {
      path.use();
      const got = await onBackend("wasm", f);
      assert.deepStrictEqual(got.shape, want.shape, `${path.name} ${label(c)}`);
      assert.deepStrictEqual(Array.from(got.data), Array.from(want.data), `${path.name} ${label(c)}`);
    }
  }
});
