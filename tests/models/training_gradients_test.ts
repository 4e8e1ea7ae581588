import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import assert from "node:assert";
import { initBackend } from "../../lib/backend/mod.ts";
import { cifarResNet, smallCnn, trainingForward, trainingGradients } from "../../lib/models/mod.ts";
import { weightDecayPenalty } from "../../lib/training/optimizer.ts";
import { nativeTrainingKernels, seededValues } from "../backend/helpers.ts";

type Step = (model: tfl.LayersModel, x: tf.Tensor, lossOf: (logits: tf.Tensor) => tf.Scalar) => {
  value: tf.Scalar;
  grads: tf.NamedTensorMap;
};

/** The tape's step: `tf.variableGrads` over the fused training forward pass. */
const taped: Step = (model, x, lossOf) => {
  const forward = trainingForward(model);
  return tf.variableGrads(
    () => lossOf(forward(x)),
    model.trainableWeights.map((w) => w.read() as tf.Variable),
  );
};

const explicit: Step = (model, x, lossOf) => trainingGradients(model)(x, lossOf);

/** Loss (cross-entropy plus a weight-decay penalty `decay`), every trainable weight's gradient, every weight
 * after the step (the moving statistics updated), and the kernels run, for one step of `step` on a fresh
 * copy (same seed) of the model `build` makes. */
async function oneStep(build: () => tfl.LayersModel, step: Step, decay = 5e-3) {
  const model = build();
  const [h, w, c] = model.inputs[0].shape.slice(1) as number[];
  const x = tf.tensor4d(seededValues(4 * h * w * c, 3).map((v) => (v + 1) / 2), [4, h, w, c]);
  const labels = tf.oneHot(tf.tensor1d([1, 7, 3, 0], "int32"), 10);
  const vars = model.trainableWeights.map((v) => v.read() as tf.Variable);
  const decayed = vars.filter((v) => v.name.includes("kernel"));
  const lossOf = (logits: tf.Tensor) => {
    const ce = tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
    return decay > 0 ? tf.add(ce, weightDecayPenalty(decayed, decay)) as tf.Scalar : ce;
  };
  let result: { value: tf.Scalar; grads: tf.NamedTensorMap } | undefined;
  const kernels = (await tf.profile(() => {
    result = step(model, x, lossOf);
  })).kernels.map((k) => k.name);
  const { value, grads } = result!;
  const out = {
    loss: value.dataSync()[0],
    grads: vars.map((v) => (grads[v.name] ? Float32Array.from(grads[v.name].dataSync()) : undefined)),
    weights: model.getWeights().map((t) => Float32Array.from(t.dataSync())),
    kernels,
  };
  tf.dispose([value, ...Object.values(grads), x, labels]);
  model.dispose();
  return out;
}

const native = await nativeTrainingKernels();

const BUILDS: [string, () => tfl.LayersModel][] = [
  [
    "resnet8 A",
    () => cifarResNet({ inputShape: [16, 16, 3], numClasses: 10, depth: 8, shortcut: "A", seed: 5 }),
  ],
  [
    "resnet8 B",
    () => cifarResNet({ inputShape: [16, 16, 3], numClasses: 10, depth: 8, shortcut: "B", seed: 5 }),
  ],
  ["small_cnn+bn", () => smallCnn({ inputShape: [16, 16, 3], numClasses: 10, batchNorm: true, seed: 6 })],
  ["small_cnn", () => smallCnn({ inputShape: [16, 16, 3], numClasses: 10, seed: 7 })],
];

Deno.test({
  name: "the tape-free training step gives the tape's loss, gradients and moving statistics bit for bit",
  ignore: !native,
  fn: async () => {
    await initBackend("wasm");
    for (const [name, build] of BUILDS) {
      const want = await oneStep(build, taped);
      const got = await oneStep(build, explicit);
      assert.ok(Object.is(got.loss, want.loss), `${name} loss ${got.loss} vs ${want.loss}`);
      assert.strictEqual(got.grads.length, want.grads.length);
      for (const [i, g] of got.grads.entries()) {
        assert.ok(g && want.grads[i], `${name} gradient ${i} present`);
        assert.deepStrictEqual(g, want.grads[i], `${name} gradient ${i}`);
      }
      if (name !== "small_cnn") {
        assert.ok(got.weights.length > got.grads.length, `${name} has moving statistics`);
      } else {
        // Each conv's bias and the ReLU layer after it, and the dense layer's, run as one kernel; max pooling
        // is not recomputed for its gradient.
        const count = (kernels: string[], k: string) => kernels.filter((n) => n === k).length;
        assert.strictEqual(count(got.kernels, "FreqlensAddRelu"), 3, `${got.kernels}`);
        assert.strictEqual(count(got.kernels, "MaxPool"), count(want.kernels, "MaxPool"));
        assert.strictEqual(count(got.kernels, "MaxPoolGrad"), 2);
      }
      for (const [i, w] of got.weights.entries()) {
        assert.deepStrictEqual(w, want.weights[i], `${name} weight ${i}`);
      }
      // No tape: without a weight-decay penalty, only the loss's few clones of saved tensors (`Identity`),
      // not one or two per layer.
      const clones = async (s: Step) =>
        (await oneStep(build, s, 0)).kernels.filter((n) => n === "Identity").length;
      const [without, withTape] = [await clones(explicit), await clones(taped)];
      assert.ok(
        without * 2 < withTape,
        `${name}: Identity kernels ${without} without the tape vs ${withTape} with`,
      );
    }
  },
});

Deno.test({
  name: "the training step takes the tape for unhandled layers and inside an outer tape",
  ignore: !native,
  fn: async () => {
    await initBackend("wasm");
    const withDropout = () => {
      const input = tfl.input({ shape: [8, 8, 3] });
      const conv = tfl.layers.conv2d({ filters: 4, kernelSize: 3, kernelInitializer: "glorotUniform" });
      let y = conv.apply(input) as tfl.SymbolicTensor;
      y = tfl.layers.dropout({ rate: 0.5, seed: 1 }).apply(y) as tfl.SymbolicTensor;
      y = tfl.layers.flatten().apply(y) as tfl.SymbolicTensor;
      return tfl.model({
        inputs: input,
        outputs: tfl.layers.dense({ units: 10 }).apply(y) as tfl.SymbolicTensor,
      });
    };
    const got = await oneStep(withDropout, explicit);
    assert.ok(got.grads.every((g) => g !== undefined), "every variable has a gradient");
    assert.ok(got.kernels.includes("Identity"), "the tape recorded");

    // Differentiating through the step (an outer tape): the loss must stay connected to the weights.
    const model = BUILDS[0][1]();
    const x = tf.randomUniform([2, 16, 16, 3], 0, 1, "float32", 1);
    const labels = tf.oneHot(tf.tensor1d([2, 5], "int32"), 10);
    const lossOf = (l: tf.Tensor) => tf.losses.softmaxCrossEntropy(labels, l) as tf.Scalar;
    const step = trainingGradients(model);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const outer = tf.variableGrads(() => {
      const { value, grads } = step(x, lossOf);
      tf.dispose(Object.values(grads));
      return value;
    }, vars);
    assert.strictEqual(Object.keys(outer.grads).length, vars.length);
    tf.dispose([outer.value, ...Object.values(outer.grads), x, labels]);
    model.dispose();
  },
});

Deno.test({
  name: "the training step rejects a non-scalar loss and a loss that no weight reaches, as the tape does",
  ignore: !native,
  fn: async () => {
    await initBackend("wasm");
    const model = BUILDS[0][1]();
    const x = tf.randomUniform([2, 16, 16, 3], 0, 1, "float32", 1);
    for (const step of [explicit, taped]) {
      assert.throws(() => step(model, x, (l) => tf.mul(l, 2) as unknown as tf.Scalar), /scalar/);
      assert.throws(() => step(model, x, () => tf.scalar(1)), /variable|connection/i);
    }
    x.dispose();
    model.dispose();
  },
});
