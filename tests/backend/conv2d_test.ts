import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert";
import { kernelPaths, maxRelErr, onBackend, seededValues } from "./helpers.ts";
import { convCases, label } from "./conv_cases.ts";

Deno.test("wasm Conv2D and FusedConv2D (bias, relu) match the cpu backend, dilated geometries included", async () => {
  for (const [i, c] of [...convCases(8, 31), ...convCases(6, 37, true)].entries()) {
    const x = seededValues(c.n * c.h * c.w * c.ci, 500 + i);
    const f = seededValues(c.kh * c.kw * c.ci * c.co, 600 + i);
    const b = seededValues(c.co, 700 + i);
    const run = (name: string) =>
      onBackend(name, () => {
        const xs = tf.tensor4d(x, [c.n, c.h, c.w, c.ci]), fs = tf.tensor4d(f, [c.kh, c.kw, c.ci, c.co]);
        const plain = tf.conv2d(xs, fs, c.stride, c.pad, "NHWC", c.dilation);
        const fused = tf.fused.conv2d({
          x: xs,
          filter: fs,
          strides: c.stride,
          pad: c.pad,
          dilations: c.dilation,
          bias: tf.tensor1d(b),
          activation: "relu",
        });
        return tf.concat([tf.reshape(plain, [-1]), tf.reshape(fused, [-1])]);
      });
    const want = await run("cpu");
    for (const path of kernelPaths()) {
      path.use();
      const got = await run("wasm");
      assert.strictEqual(got.data.length, 2 * c.outShape.reduce((a, v) => a * v), label(c));
      const err = maxRelErr(got.data, want.data);
      assert(err < 1e-4, `${path.name} ${label(c)}: max relative error ${err}`);
    }
  }
});
