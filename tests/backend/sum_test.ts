import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert";
import { onBackend, seededValues } from "./helpers.ts";
import { leadingAxes } from "../../lib/backend/kernels/sum.ts";

Deno.test("leadingAxes recognises exactly the leading-axes reductions, negative axes included", () => {
  assert.strictEqual(leadingAxes([0, 1, 2], 4), 3);
  assert.strictEqual(leadingAxes([-4, -3], 4), 2);
  assert.strictEqual(leadingAxes(0, 2), 1);
  assert.strictEqual(leadingAxes([1, 0, 1], 3), 2);
  assert.strictEqual(leadingAxes([0, 1, 2, 3], 4), 0); // a full reduction stays with the stock kernel
  assert.strictEqual(leadingAxes([1, 2], 4), 0);
  assert.strictEqual(leadingAxes([0, 2], 3), 0);
});

Deno.test("wasm Sum over leading axes equals the cpu backend's (same order, float64 accumulation)", async () => {
  const cases: [number[], number | number[], boolean][] = [
    [[7, 5, 3, 4], [0, 1, 2], false],
    [[7, 5, 3, 4], [0, 1, 2], true],
    [[6, 9], 0, false],
    [[3, 4, 5], [-3, -2], true],
    [[2, 3, 4, 5], [1, 2], false], // not leading: the stock kernel
    [[1000, 3], [0], false], // long accumulations
  ];
  for (const [i, [shape, axis, keepDims]] of cases.entries()) {
    const x = seededValues(tf.util.sizeFromShape(shape), 50 + i).map((v) => v * 1000);
    const run = (name: string) => onBackend(name, () => tf.sum(tf.tensor(x, shape), axis, keepDims));
    const want = await run("cpu");
    const got = await run("wasm");
    assert.deepStrictEqual(got.shape, want.shape);
    if (leadingAxes(axis, shape.length) > 0) {
      assert.deepStrictEqual(got.data, want.data, `${shape} ${axis}`);
    } else {
      for (let j = 0; j < want.data.length; j++) assert(Math.abs(got.data[j] - want.data[j]) < 1e-2);
    }
  }
});
