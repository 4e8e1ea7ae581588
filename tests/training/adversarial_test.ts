import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { AdversarialSpecError, adversarialStepSize, perturbBatch } from "../../lib/training/mod.ts";
import { linear, randomImages } from "./helpers.ts";

const SHAPE: [number, number, number] = [4, 4, 2];

function ceOf(clf: ReturnType<typeof linear>["classifier"], x: tf.Tensor4D, labels: Int32Array): number {
  return tf.tidy(() =>
    tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(labels, "int32"), clf.numClasses), clf.logits(x))
      .dataSync()[0]
  );
}

Deno.test("PGD and FGSM-RS training examples stay in the ε-ball and in [0, 1], and raise the loss", () => {
  const { classifier } = linear(SHAPE, 3, 1);
  const data = randomImages(16, ...SHAPE, 3, 2);
  const x0 = tf.tensor4d(data.images, data.shape as [number, number, number, number]);
  const clean = ceOf(classifier, x0, data.labels);
  for (
    const spec of [
      { method: "pgd", norm: "linf", eps: 0.05, steps: 5 },
      { method: "fgsm-rs", norm: "linf", eps: 0.05, steps: 1 },
      { method: "pgd", norm: "l2", eps: 0.3, steps: 5 },
    ] as const
  ) {
    const x = perturbBatch(classifier, x0, data.labels, spec, 7);
    const [lo, hi, linf] = tf.tidy(() =>
      [tf.min(x), tf.max(x), tf.max(tf.abs(tf.sub(x, x0)))].map((t) => t.dataSync()[0])
    );
    assert.ok(lo >= 0 && hi <= 1, `${spec.method}/${spec.norm} leaves [0, 1]`);
    if (spec.norm === "linf") assert.ok(linf <= spec.eps + 1e-6, `l∞ ${linf} > ε`);
    else {
      const l2 = tf.tidy(() => tf.sqrt(tf.sum(tf.square(tf.sub(x, x0)), [1, 2, 3])).dataSync());
      l2.forEach((v) => assert.ok(v <= spec.eps + 1e-5, `l2 ${v} > ε`));
    }
    assert.ok(
      ceOf(classifier, x, data.labels) > clean,
      `${spec.method}/${spec.norm} does not raise the loss`,
    );
    // Same seed, same bytes.
    const again = perturbBatch(classifier, x0, data.labels, spec, 7);
    assert.deepEqual(again.dataSync(), x.dataSync());
    tf.dispose([x, again]);
  }
  const none = perturbBatch(
    classifier,
    x0,
    data.labels,
    { method: "none", norm: "linf", eps: 0, steps: 1 },
    0,
  );
  assert.deepEqual(none.dataSync(), x0.dataSync());
  tf.dispose([none, x0]);
});

Deno.test("default step sizes: 2.5·ε/k for PGD-k, 1.25·ε for FGSM-RS; bad specs are refused", () => {
  assert.equal(adversarialStepSize({ method: "pgd", norm: "linf", eps: 0.1, steps: 5 }), 0.05);
  assert.equal(adversarialStepSize({ method: "fgsm-rs", norm: "linf", eps: 0.08, steps: 1 }), 0.1);
  assert.equal(
    adversarialStepSize({ method: "pgd", norm: "linf", eps: 0.1, steps: 5, stepSize: 0.01 }),
    0.01,
  );
  const { classifier } = linear(SHAPE, 3, 1);
  const x0 = tf.zeros([1, ...SHAPE]) as tf.Tensor4D;
  assert.throws(
    () =>
      perturbBatch(classifier, x0, new Int32Array([0]), { method: "pgd", norm: "linf", eps: 0, steps: 3 }, 0),
    AdversarialSpecError,
  );
  x0.dispose();
});
