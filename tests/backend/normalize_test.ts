import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { normalizeChannels } from "../../lib/backend/normalize.ts";
import { kernelPaths, onBackend, seededValues } from "./helpers.ts";

const mean = [0.4914, 0.4822, 0.4465];
const std = [0.2470, 0.2435, 0.2616];

/** The plain tfjs ops the kernel replaces, and their gradient by tfjs' autograd. */
const plain = (x: tf.Tensor) => tf.div(tf.sub(x, tf.tensor1d(mean)), tf.tensor1d(std));

const runs = [
  { name: "cpu", backend: "cpu", use: () => {} },
  ...kernelPaths().map((p) => ({ name: `wasm ${p.name}`, backend: "wasm", use: p.use })),
];
for (const { name, backend, use } of runs) {
  for (const shape of [[4, 5, 6, 3], [9, 32, 32, 3], [7, 3]]) {
    Deno.test(`${name} ${shape}: normalizeChannels has the bits of (x − mean) / std and of its gradient dy / std`, async () => {
      use();
      const x = seededValues(tf.util.sizeFromShape(shape), 11).map((v) => v * 3 - 1);
      x[7] = 0;
      x[8] = -0;
      x[9] = 1e-30;
      const dy = seededValues(x.length, 12);
      const grad = (f: (t: tf.Tensor) => tf.Tensor) => () =>
        tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), tf.tensor(dy, shape))))(tf.tensor(x, shape));
      const mine = await onBackend(backend, () => normalizeChannels(tf.tensor(x, shape), mean, std));
      const want = await onBackend("cpu", () => plain(tf.tensor(x, shape)));
      assert.deepEqual(mine.shape, shape);
      mine.data.forEach((v, i) =>
        assert.ok(Object.is(v, want.data[i]), `value ${i}: ${v} != ${want.data[i]}`)
      );
      const g = await onBackend(backend, grad((t) => normalizeChannels(t, mean, std)));
      const gWant = await onBackend("cpu", grad(plain));
      g.data.forEach((v, i) =>
        assert.ok(Object.is(v, gWant.data[i]), `gradient ${i}: ${v} != ${gWant.data[i]}`)
      );
    });
  }
}
