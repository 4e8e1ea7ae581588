import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert";
import { onBackend, seededValues } from "./helpers.ts";
import { spatialAxes } from "../../lib/backend/kernels/mean.ts";

Deno.test("spatialAxes recognises exactly the H, W reduction of a rank-4 tensor", () => {
  assert(spatialAxes([1, 2], 4));
  assert(spatialAxes([2, 1], 4));
  assert(spatialAxes([-3, -2], 4));
  assert(!spatialAxes([1, 2], 3));
  assert(!spatialAxes([1], 4));
  assert(!spatialAxes([0, 1, 2], 4));
  assert(!spatialAxes([2, 3], 4));
});

Deno.test("wasm Mean over H, W: the stock kernel's bits (float32 sums in pixel order), near the float64 mean", async () => {
  const cases: [number[], boolean][] = [[[5, 8, 8, 64], false], [[3, 7, 5, 3], true], [
    [2, 33, 31, 2],
    false,
  ]];
  for (const [i, [shape, keepDims]] of cases.entries()) {
    const [n, h, w, c] = shape;
    // Values far from zero and of mixed sign, so the order of the float32 additions shows in the bits.
    const x = seededValues(n * h * w * c, 70 + i).map((v) => v * 1000 + 3);
    const got = await onBackend(
      "wasm",
      () => tf.mean(tf.tensor4d(x, shape as [number, number, number, number]), [1, 2], keepDims),
    );
    // The stock kernel, reached through a reduction it handles itself (the innermost axis, rank 3), on the
    // same values laid out [N, C, H·W]: it sums each row in pixel order.
    const stock = await onBackend("wasm", () => {
      const t = tf.transpose(
        tf.reshape(tf.tensor4d(x, shape as [number, number, number, number]), [n, h * w, c]),
        [0, 2, 1],
      );
      return tf.mean(t, 2);
    });
    assert.deepStrictEqual(got.shape, keepDims ? [n, 1, 1, c] : [n, c]);
    assert.deepStrictEqual(got.data, stock.data, `${shape}`);
    for (let b = 0; b < n; b++) {
      for (let j = 0; j < c; j++) {
        let s = 0;
        for (let p = 0; p < h * w; p++) s += x[(b * h * w + p) * c + j];
        const want = s / (h * w);
        assert(Math.abs(got.data[b * c + j] - want) <= 1e-4 * (1 + Math.abs(want)), `${shape} ${b} ${j}`);
      }
    }
  }
});

Deno.test("wasm Mean: other reductions and dtypes still give the cpu backend's values", async () => {
  const x = seededValues(4 * 5 * 6 * 3, 91);
  for (const axis of [[1, 2, 3], [0], 3, [2]]) {
    const run = (b: string) => onBackend(b, () => tf.mean(tf.tensor4d(x, [4, 5, 6, 3]), axis));
    const [got, want] = [await run("wasm"), await run("cpu")];
    assert.deepStrictEqual(got.shape, want.shape);
    for (let j = 0; j < want.data.length; j++) assert(Math.abs(got.data[j] - want.data[j]) < 1e-5);
  }
  const ints = Int32Array.from({ length: 2 * 3 * 3 * 2 }, (_, i) => i);
  const run = (b: string) => onBackend(b, () => tf.mean(tf.tensor4d(ints, [2, 3, 3, 2], "int32"), [1, 2]));
  assert.deepStrictEqual((await run("wasm")).data, (await run("cpu")).data);
});
