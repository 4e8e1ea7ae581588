/**
 * Issue 12, case 1, as it was met: on the wasm backend (oneDNN's ReLU maps NaN to 0) a run with lr 1e12
 * keeps a finite loss while the update turns a kernel into NaN, and used to end with "✓ train". The loop
 * now checks the weights after every update and names the first non-finite one.
 */
import assert from "node:assert/strict";
import { initBackend } from "../../lib/backend/mod.ts";
import { plantedDataset } from "../../lib/datasets/planted.ts";
import { buildModel } from "../../lib/models/mod.ts";
import { TrainingError, trainModel } from "../../lib/training/mod.ts";

Deno.test("lr 1e12 on wasm: a kernel turned NaN with a finite loss is a divergence naming the weight", async () => {
  await initBackend("wasm");
  const messages: string[] = [];
  for (const seed of [1, 2, 3]) {
    const ds = plantedDataset({ size: 8, numClasses: 3, trainPerClass: 20, testPerClass: 8, seed: 2 });
    const model = buildModel({
      arch: "small_cnn",
      inputShape: [8, 8, 1],
      numClasses: 3,
      mean: [0],
      std: [1],
      seed,
      channels: [4],
      hidden: 8,
    });
    try {
      trainModel(model, ds.train, {
        epochs: 2,
        batchSize: 20,
        optimizer: { kind: "sgd", momentum: 0.9, nesterov: false },
        lr: 1e12,
        schedule: { kind: "constant" },
        weightDecay: 0,
        augment: { pad: 0, flip: false },
        adversarial: { method: "none", norm: "linf", eps: 0.1, steps: 1 },
        seed,
      });
      assert.fail(`seed ${seed}: training with lr 1e12 did not fail`);
    } catch (e) {
      assert.ok(e instanceof TrainingError, String(e));
      messages.push(e.message);
    } finally {
      model.dispose();
    }
  }
  for (const m of messages) {
    assert.match(m, /^training diverged at epoch 1, step [1-3] of 3 \(global step [1-3]\): /);
  }
  assert.ok(
    messages.some((m) =>
      /weight 'conv1\/kernel' became non-finite after the update \(batch loss [0-9.e+]+\)/.test(m)
    ),
    messages.join("\n"),
  );
});
