import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert";
import { kernelPaths, maxRelErr, onBackend, seededValues } from "./helpers.ts";
import { convCases, label } from "./conv_cases.ts";

Deno.test("wasm Conv2DBackpropFilter matches the cpu backend on random geometries", async () => {
  for (const [i, c] of convCases(12, 11).entries()) {
    const x = seededValues(c.n * c.h * c.w * c.ci, 100 + i);
    const dy = seededValues(c.outShape.reduce((a, b) => a * b), 200 + i);
    const run = (name: string) =>
      onBackend(name, () =>
        tf.engine().runKernel(tf.Conv2DBackpropFilter, {
          x: tf.tensor4d(x, [c.n, c.h, c.w, c.ci]),
          dy: tf.tensor4d(dy, c.outShape),
        }, {
          filterShape: [c.kh, c.kw, c.ci, c.co],
          strides: c.stride,
          pad: c.pad,
          dataFormat: "NHWC",
        }) as tf.Tensor);
    const want = await run("cpu");
    for (const path of kernelPaths()) {
      path.use();
      const got = await run("wasm");
      assert.deepStrictEqual(got.shape, [c.kh, c.kw, c.ci, c.co], label(c));
      const err = maxRelErr(got.data, want.data);
      assert(err < 1e-4, `${path.name} ${label(c)}: max relative error ${err}`);
    }
  }
});

Deno.test("wasm conv2d filter gradient through tf.grad matches the cpu backend", async () => {
  const [n, h, w, ci, co] = [2, 9, 7, 3, 4];
  const x = seededValues(n * h * w * ci, 1), f = seededValues(3 * 3 * ci * co, 2);
  const run = (name: string) =>
    onBackend(name, () => {
      const xs = tf.tensor4d(x, [n, h, w, ci]);
      const weights = tf.reshape(tf.linspace(-1, 1, 5 * 4 * co), [1, 5, 4, co]);
      return tf.grad((fil: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(xs, fil as tf.Tensor4D, 2, "same"), weights))
      )(
        tf.tensor4d(f, [3, 3, ci, co]),
      );
    });
  const err = maxRelErr((await run("wasm")).data, (await run("cpu")).data);
  assert(err < 1e-4, `max relative error ${err}`);
});
