import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../lib/backend/mod.ts";
import {
  ArchitectureError,
  buildModel,
  cifarResNet,
  classifierFromLayersModel,
  countTrainableParams,
  smallCnn,
  vggNet,
} from "../../lib/models/mod.ts";

await initBackend("cpu");

/**
 * Trainable parameters of the CIFAR ResNet 6n+2 counted from the paper's description: 3×3 convs without
 * bias, BN γ and β per conv, option-B shortcuts a 1×1 conv + BN at each of the two width changes.
 */
function resnetParamsClosedForm(depth: number, widths: number[], shortcut: "A" | "B", k = 10): number {
  const n = (depth - 2) / 6;
  let p = 27 * widths[0] + 2 * widths[0]; // first conv 3×3×3 + BN
  let prev = widths[0];
  for (const w of widths) {
    for (let b = 0; b < n; b++) {
      const inC = b === 0 ? prev : w;
      p += 9 * inC * w + 2 * w + 9 * w * w + 2 * w;
      if (b === 0 && inC !== w && shortcut === "B") p += inC * w + 2 * w;
    }
    prev = w;
  }
  return p + widths[2] * k + k;
}

Deno.test("ResNet-20 (option A) has the textbook 269,722 ≈ 0.27M trainable parameters", () => {
  const model = cifarResNet({ inputShape: [32, 32, 3], numClasses: 10 });
  assert.equal(countTrainableParams(model), 269722);
  assert.equal(countTrainableParams(model), resnetParamsClosedForm(20, [16, 32, 64], "A"));
  assert.equal(model.name, "resnet20");
  model.dispose();
});

Deno.test("ResNet depth 6n+2 and option B match the closed-form parameter count", () => {
  for (const [depth, shortcut] of [[32, "A"], [20, "B"], [8, "B"]] as const) {
    const model = cifarResNet({ inputShape: [32, 32, 3], numClasses: 10, depth, shortcut });
    assert.equal(
      countTrainableParams(model),
      resnetParamsClosedForm(depth, [16, 32, 64], shortcut),
      `${depth}${shortcut}`,
    );
    model.dispose();
  }
  assert.throws(() => cifarResNet({ inputShape: [32, 32, 3], numClasses: 10, depth: 21 }), ArchitectureError);
});

Deno.test("every architecture: logits [N,K], features = input of the last linear layer", () => {
  const cases = [
    {
      spec: { arch: "small_cnn", inputShape: [28, 28, 1], numClasses: 10, channels: [4, 8], hidden: 16 },
      d: 16,
    },
    {
      spec: { arch: "small_cnn", inputShape: [32, 32, 3], numClasses: 10, channels: [4], batchNorm: true },
      d: 128,
    },
    { spec: { arch: "resnet", inputShape: [8, 8, 3], numClasses: 5, depth: 8, widths: [4, 8, 16] }, d: 16 },
    { spec: { arch: "vgg", inputShape: [8, 8, 3], numClasses: 4, widths: [4, 8], hidden: 12 }, d: 12 },
  ] as const;
  for (const { spec, d } of cases) {
    const model = buildModel(spec as Parameters<typeof buildModel>[0]);
    const clf = classifierFromLayersModel(model);
    const [h, w, c] = spec.inputShape;
    const x = tf.randomUniform([2, h, w, c], 0, 1, "float32", 5) as tf.Tensor4D;
    const logits = clf.logits(x);
    const feats = clf.features(x);
    assert.deepEqual(logits.shape, [2, spec.numClasses]);
    assert.deepEqual(feats.shape, [2, d]);
    // logits = features · W + b with the last layer's weights.
    const [kernel, bias] = model.getLayer("logits").getWeights();
    const manual = tf.add(tf.matMul(feats, kernel), bias);
    const diff = tf.max(tf.abs(tf.sub(manual, logits))).dataSync()[0];
    assert.ok(diff < 1e-5, `${spec.arch}: |features·W + b − logits| = ${diff}`);
    tf.dispose([x, logits, feats, manual]);
    model.dispose();
  }
});

Deno.test("seeded initialisation: same seed → same weight bytes, other seed → other weights", () => {
  const build = (seed: number) =>
    vggNet({ inputShape: [8, 8, 3], numClasses: 3, widths: [4, 8], hidden: 8, seed });
  const bytes = (seed: number) => {
    const m = build(seed);
    const out = m.getWeights().map((w) => new Uint8Array(w.dataSync().slice().buffer));
    m.dispose();
    return out;
  };
  const a = bytes(7);
  const b = bytes(7);
  const c = bytes(8);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  // Layers of equal shape get different streams within one model.
  const m = smallCnn({ inputShape: [8, 8, 4], numClasses: 4, channels: [4, 4], seed: 1 });
  const k1 = m.getLayer("conv1").getWeights()[0].dataSync();
  const k2 = m.getLayer("conv2").getWeights()[0].dataSync();
  assert.equal(k1.length, k2.length);
  assert.notDeepEqual(Array.from(k1), Array.from(k2));
  m.dispose();
});

Deno.test("ResNet with option-A shortcuts is differentiable: input gradient matches a finite difference", () => {
  const model = cifarResNet({ inputShape: [8, 8, 3], numClasses: 3, depth: 8, widths: [4, 8, 16], seed: 4 });
  const clf = classifierFromLayersModel(model);
  const x = tf.randomUniform([2, 8, 8, 3], 0.2, 0.8, "float32", 1) as tf.Tensor4D;
  const d = tf.randomUniform([2, 8, 8, 3], -1, 1, "float32", 2) as tf.Tensor4D;
  const f = (t: tf.Tensor) =>
    tf.sum(tf.mul(clf.logits(t as tf.Tensor4D), tf.tensor2d([[1, -2, 0.5], [0.3, 1, -1]])));
  const g = tf.grad(f)(x);
  const analytic = tf.sum(tf.mul(g, d)).dataSync()[0];
  const h = 1e-3;
  const numeric = (f(tf.add(x, tf.mul(d, h))).dataSync()[0] -
    f(tf.sub(x, tf.mul(d, h))).dataSync()[0]) / (2 * h);
  assert.ok(
    Math.abs(analytic - numeric) <= 2e-2 * Math.max(1, Math.abs(numeric)),
    `${analytic} vs ${numeric}`,
  );
  // The weights' gradients exist too (the shortcut passes gradient to the block input).
  const vars = model.trainableWeights.map((v) => v.read() as tf.Variable);
  const { grads } = tf.variableGrads(() => f(x) as tf.Scalar, vars);
  assert.equal(Object.keys(grads).length, vars.length);
  tf.dispose([x, d, g, ...Object.values(grads)]);
  model.dispose();
});
