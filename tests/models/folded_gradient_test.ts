/**
 * The tape-free objective gradient of folded models (lib/models/folded_gradient.ts) against
 * `tf.valueAndGrad` over the same folded forward pass: the logits, the objective and its gradient in the
 * images, bit for bit, for a per-image cross-entropy and a scalar objective, on ResNets with both shortcut
 * kinds, a small CNN with batch-norm and a VGG (max pooling, flatten, dense layers).
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import assert from "node:assert/strict";
import { convPostOpsFused } from "../../lib/backend/conv_post_ops.ts";
import { crossEntropyPerRow } from "../../lib/backend/cross_entropy.ts";
import { initBackend } from "../../lib/backend/mod.ts";
import {
  cifarResNet,
  classifierFromLayersModel,
  objectiveGradient,
  type ObjectiveOfLogits,
  smallCnn,
  tapedObjectiveGradient,
  vggNet,
} from "../../lib/models/mod.ts";
import { randomizeBatchNorm, seededValues } from "../backend/helpers.ts";

await initBackend("wasm");
const fused = convPostOpsFused();

const BUILDS: [string, () => tfl.LayersModel][] = [
  [
    "resnet8 A",
    () => cifarResNet({ inputShape: [16, 16, 3], numClasses: 10, depth: 8, shortcut: "A", seed: 5 }),
  ],
  [
    "resnet8 B",
    () => cifarResNet({ inputShape: [16, 16, 3], numClasses: 10, depth: 8, shortcut: "B", seed: 6 }),
  ],
  ["small_cnn+bn", () => smallCnn({ inputShape: [16, 16, 3], numClasses: 10, batchNorm: true, seed: 7 })],
  [
    "vgg",
    () =>
      vggNet({
        inputShape: [16, 16, 3],
        numClasses: 10,
        widths: [8, 16],
        convsPerStage: 2,
        hidden: 32,
        seed: 8,
      }),
  ],
];

const labels = tf.tensor1d([1, 7, 3, 0, 9], "int32");
const OBJECTIVES: [string, ObjectiveOfLogits][] = [
  ["per-image cross-entropy", (logits) => crossEntropyPerRow(logits, labels)],
  ["weighted sum of the logits", (logits) => tf.sum(tf.mul(logits, tf.reshape(tf.range(0, 10), [1, 10])))],
];

for (const [name, build] of BUILDS) {
  Deno.test({
    name:
      `${name}: the tape-free objective gradient gives tf.valueAndGrad's logits, value and gradient bit for bit`,
    ignore: !fused,
    fn: async () => {
      const model = build();
      randomizeBatchNorm(model, 40);
      const classifier = classifierFromLayersModel(model);
      const [h, w, c] = classifier.inputShape;
      const x = tf.tensor4d(seededValues(5 * h * w * c, 21).map((v) => (v + 1) / 2), [5, h, w, c]);
      for (const [what, objective] of OBJECTIVES) {
        const read = (r: ReturnType<typeof objectiveGradient>) => {
          const out = [r.logits, r.value, r.grad].map((t) => Float32Array.from(t.dataSync()));
          tf.dispose([r.logits, r.value, r.grad]);
          return out;
        };
        // Both once first: the first call folds the weights (shared by both paths).
        read(objectiveGradient(classifier, x, objective));
        read(tapedObjectiveGradient(classifier, x, objective));
        // tf.profile returns one object that its next call overwrites: count at once.
        const clones = async (f: () => void) =>
          (await tf.profile(f)).kernels.filter((k) => k.name === "Identity").length;
        let got: Float32Array[] = [];
        const explicitClones = await clones(() => {
          got = read(objectiveGradient(classifier, x, objective));
        });
        let want: Float32Array[] = [];
        const tapedClones = await clones(() => {
          want = read(tapedObjectiveGradient(classifier, x, objective));
        });
        for (const [i, part] of ["logits", "value", "gradient"].entries()) {
          assert.deepEqual(got[i], want[i], `${name}, ${what}: ${part}`);
        }
        assert.ok(got[2].some((v) => v !== 0), `${name}, ${what}: a non-zero gradient`);
        // The tape clones every tensor a block's gradient needs; the explicit pass does not.
        assert.ok(
          explicitClones < tapedClones,
          `${name}, ${what}: ${explicitClones} vs ${tapedClones} clones`,
        );
      }
      x.dispose();
      model.dispose();
    },
  });
}

Deno.test({
  name: "under a recording tape the objective gradient takes the tape (its logits stay differentiable)",
  ignore: !fused,
  fn: () => {
    const model = cifarResNet({ inputShape: [16, 16, 3], numClasses: 10, depth: 8, seed: 9 });
    const base = classifierFromLayersModel(model);
    const classifier = {
      ...base,
      objectiveGradient: () => {
        throw new Error("the tape-free pass ran under a tape");
      },
    };
    const x = tf.tensor4d(seededValues(5 * 16 * 16 * 3, 22).map((v) => (v + 1) / 2), [5, 16, 16, 3]);
    const outer = tf.grad((xx: tf.Tensor) => {
      const r = objectiveGradient(classifier, xx as tf.Tensor4D, (l) => crossEntropyPerRow(l, labels));
      return tf.sum(r.logits);
    })(x);
    const direct = tf.grad((xx: tf.Tensor) => tf.sum(base.logits(xx as tf.Tensor4D)))(x);
    assert.deepEqual(outer.dataSync(), direct.dataSync());
    tf.dispose([outer, direct, x]);
    model.dispose();
  },
});
