import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { convPostOps } from "../../lib/backend/conv_post_ops.ts";
import { initBackend } from "../../lib/backend/mod.ts";
import { forgetReordered, reorderedFilter } from "../../lib/backend/native/reordered_weights.ts";
import { maxRelErr, nativeAvailable, onBackend, seededValues } from "./helpers.ts";

Deno.test("reorderedFilter: scratch on the first use, a kept copy filled on the second, reused after", () => {
  const owner = {};
  const scratch = new Uint8Array(8);
  const fills: Uint8Array[] = [];
  const fill = (b: Uint8Array) => void fills.push(b.fill(fills.length + 1));
  assert.equal(reorderedFilter(owner, "L", scratch, fill), scratch);
  const copy = reorderedFilter(owner, "L", scratch, fill);
  assert.notEqual(copy, scratch);
  assert.equal(copy.length, scratch.length);
  assert.deepEqual(fills, [scratch, copy]);
  assert.equal(reorderedFilter(owner, "L", scratch, fill), copy);
  assert.equal(fills.length, 2, "kept copy is not refilled");
  assert.ok(copy.every((v) => v === 2), "kept copy holds what its fill wrote");
  // Another layout of the same owner, and another owner, start over; no owner always refills.
  assert.equal(reorderedFilter(owner, "M", scratch, fill), scratch);
  assert.equal(reorderedFilter({}, "L", scratch, fill), scratch);
  assert.equal(reorderedFilter(undefined, "L", scratch, fill), scratch);
  assert.equal(reorderedFilter(undefined, "L", scratch, fill), scratch);
  assert.equal(fills.length, 6);
  forgetReordered(owner);
  assert.equal(reorderedFilter(owner, "L", scratch, fill), scratch, "forgotten owner starts over");
  assert.equal(fills.length, 7);
});

Deno.test({
  name:
    "kept reorders: shared across batch sizes, following new values (Variable.assign); forward, post-ops, input gradient",
  ignore: !nativeAvailable(),
  fn: async () => {
    await initBackend("wasm");
    const xs: [number, number, number, number] = [3, 9, 9, 16];
    const fs: [number, number, number, number] = [3, 3, 16, 32];
    const x = seededValues(3 * 9 * 9 * 16, 1);
    const bias = seededValues(32, 2);
    for (const [round, seed] of [3, 4, 5].entries()) {
      const f = seededValues(3 * 3 * 16 * 32, seed);
      const run = (backend: string) =>
        onBackend(backend, () => {
          const filter = tf.variable(tf.tensor4d(f, fs)) as tf.Variable<tf.Rank.R4>;
          const outputs: tf.Tensor[] = [];
          // Each filter value used at batch sizes 1, 2 and 3 (primitives that may share a kept copy), twice
          // each, so copies are made and read; then new values assigned and everything again.
          for (let pass = 0; pass < 2; pass++) {
            for (const n of [1, 2, 3, 1, 2, 3]) {
              const input = tf.slice(tf.tensor4d(x, xs), 0, n) as tf.Tensor4D;
              outputs.push(
                tf.conv2d(input, filter, 1, "same"),
                convPostOps(input, filter, tf.tensor1d(bias), undefined, {
                  strides: [1, 1],
                  pad: "same",
                  relu: true,
                }),
                tf.grad((t) => tf.sum(tf.square(tf.conv2d(t as tf.Tensor4D, filter, 1, "same"))))(input),
              );
            }
            filter.assign(tf.mul(filter, -2));
          }
          const all = tf.concat(outputs.map((t) => tf.reshape(t, [-1])));
          filter.dispose();
          return all;
        });
      const [wasm, cpu] = [await run("wasm"), await run("cpu")];
      assert.ok(maxRelErr(wasm.data, cpu.data) < 1e-3, `round ${round}: ${maxRelErr(wasm.data, cpu.data)}`);
    }
  },
});
