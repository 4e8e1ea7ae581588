import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { plantedDataset } from "../../lib/datasets/planted.ts";
import { cifarResNet, classifierFromLayersModel, smallCnn, vggNet } from "../../lib/models/mod.ts";
import {
  accuracy,
  isDecayed,
  TrainingError,
  trainModel,
  type TrainOptions,
  weightDecayPenalty,
} from "../../lib/training/mod.ts";
import { randomImages } from "./helpers.ts";

const BASE: Omit<TrainOptions, "epochs"> = {
  batchSize: 50,
  optimizer: { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
  lr: 3e-3,
  schedule: { kind: "cosine" },
  weightDecay: 0,
  augment: { pad: 0, flip: false },
  adversarial: { method: "none", norm: "linf", eps: 0.1, steps: 1 },
  seed: 1,
};

Deno.test("a tiny CNN learns the planted-frequency dataset to > 95 % test accuracy in a few epochs", () => {
  const ds = plantedDataset({ size: 12, numClasses: 4, trainPerClass: 100, testPerClass: 50, seed: 3 });
  const model = smallCnn({ inputShape: [12, 12, 1], numClasses: 4, channels: [8], hidden: 16, seed: 2 });
  const rows: number[] = [];
  const result = trainModel(model, ds.train, {
    ...BASE,
    epochs: 5,
    test: ds.test,
    onEpoch: (r) => rows.push(r.test_acc),
  });
  const acc = accuracy(classifierFromLayersModel(model), ds.test);
  assert.ok(acc > 0.95, `test accuracy ${acc} (per epoch ${rows.join(", ")})`);
  assert.equal(result.history.length, 5);
  assert.equal(result.history[4].test_acc, acc);
  assert.ok(result.history[4].loss < result.history[0].loss);
  model.dispose();
});

Deno.test("stopAtAccuracy stops after the first epoch whose test accuracy reaches it, with the same weights", () => {
  const ds = plantedDataset({ size: 12, numClasses: 4, trainPerClass: 100, testPerClass: 50, seed: 3 });
  const make = () => smallCnn({ inputShape: [12, 12, 1], numClasses: 4, channels: [8], hidden: 16, seed: 2 });
  const full = trainModel(make(), ds.train, { ...BASE, epochs: 5, test: ds.test });
  const accs = full.history.map((r) => r.test_acc);
  // A target between the first and the last epoch's accuracy: the run stops at the first epoch reaching it.
  const target = (accs[0] + accs[4]) / 2;
  const first = accs.findIndex((a) => a >= target) + 1;
  assert.ok(first > 1 && first < 5, `accuracies ${accs.join(", ")}`);
  const model = make();
  const stopped = trainModel(model, ds.train, { ...BASE, epochs: 5, test: ds.test, stopAtAccuracy: target });
  assert.deepEqual([stopped.history.length, stopped.keptEpoch, stopped.stoppedEarly], [first, first, true]);
  // Same seed and schedule, so the epochs run are those of the full run.
  assert.deepEqual(stopped.history.map((r) => r.test_acc), accs.slice(0, first));
  assert.equal(accuracy(classifierFromLayersModel(model), ds.test), accs[first - 1]);
  assert.throws(
    () => trainModel(make(), ds.train, { ...BASE, epochs: 1, stopAtAccuracy: 0.5 }),
    /needs a test split/,
  );
});

Deno.test("training is seeded: same seed → same weight bytes (with augmentation and PGD); other seed differs", () => {
  const data = randomImages(40, 6, 6, 2, 3, 5);
  const run = (seed: number) => {
    const model = smallCnn({ inputShape: [6, 6, 2], numClasses: 3, channels: [2], hidden: 4, seed: 1 });
    trainModel(model, data, {
      ...BASE,
      seed,
      epochs: 2,
      batchSize: 16,
      optimizer: { kind: "sgd", momentum: 0.9, nesterov: true },
      schedule: { kind: "one-cycle" },
      weightDecay: 5e-4,
      augment: { pad: 1, flip: true },
      adversarial: { method: "pgd", norm: "linf", eps: 0.05, steps: 2 },
    });
    const bytes = model.getWeights().map((w) => Array.from(w.dataSync()));
    model.dispose();
    return bytes;
  };
  const before = tf.memory().numTensors;
  const a = run(4);
  assert.equal(tf.memory().numTensors, before, "training leaks tensors");
  assert.deepEqual(run(4), a);
  assert.notDeepEqual(run(5), a);
});

Deno.test("FGSM-RS with the held-out PGD check keeps the epoch with the best held-out PGD accuracy", () => {
  const data = randomImages(120, 6, 6, 1, 2, 8);
  const model = smallCnn({ inputShape: [6, 6, 1], numClasses: 2, channels: [2], hidden: 4, seed: 3 });
  const result = trainModel(model, data, {
    ...BASE,
    epochs: 4,
    batchSize: 20,
    adversarial: { method: "fgsm-rs", norm: "linf", eps: 0.1, steps: 1 },
    heldOut: 40,
    heldOutSteps: 3,
    overfitDrop: -1, // any epoch that does not improve counts as a collapse: exercises the early stop
  });
  assert.equal(result.trainImages, 80);
  const accs = result.history.map((r) => r.heldout_pgd_acc);
  assert.ok(accs.every((a) => a >= 0 && a <= 1));
  const bestEpoch = accs.indexOf(Math.max(...accs)) + 1;
  assert.equal(result.keptEpoch, bestEpoch);
  // With overfitDrop −1, training stops at the first epoch that does not beat the best so far.
  const firstNoGain = accs.findIndex((a, i) => i > 0 && a <= Math.max(...accs.slice(0, i)));
  assert.equal(result.stoppedEarly, firstNoGain >= 0);
  assert.equal(result.history.length, firstNoGain >= 0 ? firstNoGain + 1 : 4);
  model.dispose();
});

Deno.test("weight decay: only kernels, penalty wd/2·Σw² with gradient wd·w", () => {
  assert.ok(isDecayed("conv1/kernel") && isDecayed("features/kernel_3"));
  assert.ok(!isDecayed("conv1/bias") && !isDecayed("bn1/gamma") && !isDecayed("bn1/beta"));
  const v = tf.variable(tf.tensor1d([1, -2, 3]));
  const { value, grads } = tf.variableGrads(() => weightDecayPenalty([v], 0.1), [v]);
  assert.ok(Math.abs(value.dataSync()[0] - 0.05 * 14) < 1e-6);
  assert.deepEqual(Array.from(grads[v.name].dataSync()).map((g) => Math.round(g * 1e6) / 1e6), [
    0.1,
    -0.2,
    0.3,
  ]);
  tf.dispose([v, value, grads[v.name]]);
});

Deno.test("bad training options are refused with the value named", () => {
  const data = randomImages(10, 4, 4, 1, 2, 1);
  const model = smallCnn({ inputShape: [4, 4, 1], numClasses: 2, channels: [2], hidden: 2 });
  assert.throws(
    () => trainModel(model, data, { ...BASE, epochs: 0 }),
    (e) => e instanceof TrainingError && /epochs 0/.test(e.message),
  );
  assert.throws(() => trainModel(model, data, { ...BASE, epochs: 1, heldOut: 5 }), TrainingError);
  assert.throws(
    () => trainModel(model, { ...data, labels: new Int32Array(3) }, { ...BASE, epochs: 1 }),
    (e) => e instanceof TrainingError && /3 labels/.test(e.message),
  );
  model.dispose();
});

Deno.test("training updates batch-norm moving statistics (ResNet option A, VGG) and stays finite", () => {
  const data = randomImages(32, 8, 8, 3, 3, 12);
  for (
    const model of [
      cifarResNet({ inputShape: [8, 8, 3], numClasses: 3, depth: 8, widths: [4, 8, 8], seed: 1 }),
      vggNet({ inputShape: [8, 8, 3], numClasses: 3, widths: [4, 8], hidden: 8, seed: 1 }),
    ]
  ) {
    const movingMean = () =>
      model.weights.find((w) => /moving_mean/.test(w.originalName))!.read().dataSync().slice();
    const before = movingMean();
    const result = trainModel(model, data, {
      ...BASE,
      epochs: 1,
      batchSize: 16,
      optimizer: { kind: "sgd", momentum: 0.9, nesterov: false },
      schedule: { kind: "step", milestones: [1], gamma: 0.1 },
      weightDecay: 5e-4,
      augment: { pad: 1, flip: true },
    });
    assert.ok(before.every((v) => v === 0));
    assert.ok(movingMean().some((v) => v !== 0), `${model.name}: moving mean unchanged`);
    assert.ok(Number.isFinite(result.history[0].loss));
    model.dispose();
  }
});
