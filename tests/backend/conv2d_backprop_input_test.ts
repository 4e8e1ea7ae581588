import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert";
import { kernelPaths, maxRelErr, onBackend, seededValues } from "./helpers.ts";
import { convCases, label } from "./conv_cases.ts";

Deno.test("wasm Conv2DBackpropInput matches the cpu backend on random geometries", async () => {
  for (const [i, c] of convCases(12, 23).entries()) {
    const f = seededValues(c.kh * c.kw * c.ci * c.co, 300 + i);
    const dy = seededValues(c.outShape.reduce((a, b) => a * b), 400 + i);
    const run = (name: string) =>
      onBackend(name, () =>
        tf.conv2dTranspose(
          tf.tensor4d(dy, c.outShape),
          tf.tensor4d(f, [c.kh, c.kw, c.ci, c.co]),
          [c.n, c.h, c.w, c.ci],
          c.stride,
          c.pad,
        ));
    const want = await run("cpu");
    for (const path of kernelPaths()) {
      path.use();
      const got = await run("wasm");
      assert.deepStrictEqual(got.shape, [c.n, c.h, c.w, c.ci], label(c));
      const err = maxRelErr(got.data, want.data);
      assert(err < 1e-4, `${path.name} ${label(c)}: max relative error ${err}`);
    }
  }
});
