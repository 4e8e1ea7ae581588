import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import assert from "node:assert";
import { initBackend } from "../../lib/backend/mod.ts";
import { kernelPaths, maxRelErr, nativeAvailable, seededValues } from "./helpers.ts";

const SHAPES: [number, number, number, number][] = [[2, 5, 3, 4], [3, 4, 7, 16], [1, 6, 6, 3]];

async function flat(ts: tf.Tensor[]): Promise<Float32Array> {
  const parts = await Promise.all(ts.map((t) => t.data()));
  return Float32Array.from(parts.flatMap((p) => [...p]));
}

Deno.test("wasm FusedBatchNorm and its gradient (all five inputs) match the cpu backend", async () => {
  for (const [i, shape] of SHAPES.entries()) {
    const c = shape[3], n = shape.reduce((a, b) => a * b);
    const x = seededValues(n, 10 + i), dy = seededValues(n, 20 + i);
    const vec = (seed: number, lo: number) =>
      Float32Array.from(seededValues(c, seed), (v) => lo + Math.abs(v));
    const [mean, variance, scale, offset] = [
      seededValues(c, 30 + i),
      vec(40 + i, 0.2),
      vec(50 + i, 0.5),
      seededValues(c, 60 + i),
    ];
    const run = async (name: string) => {
      await initBackend(name);
      const out = tf.tidy(() => {
        const args = [
          tf.tensor4d(x, shape),
          tf.tensor1d(mean),
          tf.tensor1d(variance),
          tf.tensor1d(offset),
          tf.tensor1d(scale),
        ];
        const f = (xs: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, s: tf.Tensor) =>
          tf.sum(
            tf.mul(
              tf.batchNorm4d(
                xs as tf.Tensor4D,
                m as tf.Tensor1D,
                v as tf.Tensor1D,
                o as tf.Tensor1D,
                s as tf.Tensor1D,
                1e-3,
              ),
              tf.tensor4d(dy, shape),
            ),
          );
        const y = tf.batchNorm4d(
          args[0] as tf.Tensor4D,
          args[1] as tf.Tensor1D,
          args[2] as tf.Tensor1D,
          args[3] as tf.Tensor1D,
          args[4] as tf.Tensor1D,
          1e-3,
        );
        return [y, ...tf.grads(f)(args)];
      });
      const data = await flat(out);
      tf.dispose(out);
      return data;
    };
    const want = await run("cpu");
    for (const path of kernelPaths()) {
      path.use();
      const err = maxRelErr(await run("wasm"), want);
      assert(err < 1e-4, `${path.name} [${shape}]: max relative error ${err}`);
    }
  }
});

Deno.test("tfjs-layers BatchNormalization in training: outputs, moving statistics and gradients match the cpu backend", async () => {
  for (const [i, shape] of SHAPES.entries()) {
    const n = shape.reduce((a, b) => a * b);
    const x = Float32Array.from(seededValues(n, 70 + i), (v) => 3 * v + 1), dy = seededValues(n, 80 + i);
    const run = async (name: string) => {
      await initBackend(name);
      const layer = tfl.layers.batchNormalization({ axis: 3, momentum: 0.8, epsilon: 1e-3 });
      layer.build(shape);
      tf.tidy(() => {
        layer.setWeights(
          layer.getWeights().map((w, k) => tf.add(w, tf.mul(tf.range(0, w.size), 0.1 * (k + 1)))),
        );
      });
      const out = tf.tidy(() => {
        const xs = tf.tensor4d(x, shape);
        const f = (input: tf.Tensor) =>
          tf.sum(tf.mul(layer.apply(input, { training: true }) as tf.Tensor, tf.tensor4d(dy, shape)));
        const { value, grads } = tf.variableGrads(
          () => f(xs) as tf.Scalar,
          layer.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val),
        );
        const y = layer.apply(xs, { training: true }) as tf.Tensor;
        return [value, y, tf.grad(f)(xs), ...Object.values(grads), ...layer.getWeights()];
      });
      const data = await flat(out);
      tf.dispose(out);
      return data;
    };
    const want = await run("cpu");
    for (const path of kernelPaths()) {
      path.use();
      const err = maxRelErr(await run("wasm"), want);
      assert(err < 2e-4, `${path.name} [${shape}]: max relative error ${err}`);
    }
  }
});

Deno.test("the fused training batch-norm is what runs on wasm when oneDNN is present", async () => {
  await initBackend("wasm");
  const layer = tfl.layers.batchNormalization({ axis: 3 });
  const profile = await tf.profile(() => {
    tf.dispose(layer.apply(tf.ones([2, 3, 3, 4]), { training: true }) as tf.Tensor);
  });
  const names = profile.kernels.map((k) => k.name);
  assert.strictEqual(names.includes("FreqlensBatchNormTraining"), nativeAvailable(), names.join(","));
  layer.dispose();
});
