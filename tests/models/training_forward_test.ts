import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import assert from "node:assert";
import { initBackend } from "../../lib/backend/mod.ts";
import { cifarResNet, smallCnn, trainingForward } from "../../lib/models/mod.ts";
import { maxRelErr, nativeTrainingKernels, seededValues } from "../backend/helpers.ts";

/** Loss, its gradient for every trainable weight, the moving statistics after one training-mode forward
 * pass of `forward` on a fresh copy (same seed) of the model `build` makes, and the `Relu` and `Add`
 * kernels that pass ran (before that step, one more untaped pass: the moving statistics see two
 * updates). */
async function oneStep(
  build: () => tfl.LayersModel,
  forward: (m: tfl.LayersModel) => (x: tf.Tensor) => tf.Tensor,
) {
  const model = build();
  const x = tf.tensor4d(seededValues(4 * 16 * 16 * 3, 3).map((v) => (v + 1) / 2), [4, 16, 16, 3]);
  const labels = tf.oneHot(tf.tensor1d([1, 7, 3, 0], "int32"), 10);
  const f = forward(model);
  const kernels = (await tf.profile(() => tf.tidy(() => f(x)))).kernels.map((k) => k.name);
  const relus = kernels.filter((k) => k === "Relu").length;
  const adds = kernels.filter((k) => k === "Add").length;
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(
    () => tf.losses.softmaxCrossEntropy(labels, f(x)) as tf.Scalar,
    vars,
  );
  const out = {
    loss: value.dataSync()[0],
    grads: vars.map((v) => Float32Array.from(grads[v.name].dataSync())),
    relus,
    adds,
    moving: model.weights.filter((w) => w.name.includes("moving")).map((w) =>
      Float32Array.from(w.read().dataSync())
    ),
  };
  tf.dispose([value, ...Object.values(grads), x, labels]);
  model.dispose();
  return out;
}

const native = await nativeTrainingKernels();

Deno.test({
  name:
    "training forward with batch-norm → ReLU and add → ReLU fused gives the layers' loss, gradients and moving statistics",
  ignore: !native,
  fn: async () => {
    await initBackend("wasm");
    const builds: [string, () => tfl.LayersModel][] = [
      [
        "resnet8",
        () => cifarResNet({ inputShape: [16, 16, 3], numClasses: 10, depth: 8, shortcut: "A", seed: 5 }),
      ],
      ["small_cnn+bn", () => smallCnn({ inputShape: [16, 16, 3], numClasses: 10, batchNorm: true, seed: 6 })],
    ];
    for (const [name, build] of builds) {
      const want = await oneStep(build, (m) => (x) => m.apply(x, { training: true }) as tf.Tensor);
      const got = await oneStep(build, trainingForward);
      assert.ok(Math.abs(got.loss - want.loss) <= 1e-6 * (1 + Math.abs(want.loss)), `${name} loss`);
      assert.strictEqual(got.grads.length, want.grads.length);
      for (const [i, g] of got.grads.entries()) {
        assert.ok(
          maxRelErr(g, want.grads[i]) < 1e-5,
          `${name} gradient ${i}: ${maxRelErr(g, want.grads[i])}`,
        );
      }
      assert.ok(want.moving.length > 0, `${name} has moving statistics`);
      assert.ok(got.relus < want.relus, `${name}: ReLU kernels ${got.relus} fused vs ${want.relus}`);
      if (name === "resnet8") {
        // every ReLU of a ResNet follows a batch-norm or a residual sum: all fused
        assert.strictEqual(got.relus, 0, `${name}: ReLU kernels`);
        assert.ok(want.adds > 0 && got.adds === 0, `${name}: Add kernels ${got.adds} fused vs ${want.adds}`);
      }
      for (const [i, m] of got.moving.entries()) {
        assert.deepStrictEqual(Array.from(m), Array.from(want.moving[i]), `${name} moving statistic ${i}`);
      }
    }
  },
});
