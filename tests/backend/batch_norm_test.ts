import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import assert from "node:assert";
import { initBackend } from "../../lib/backend/mod.ts";
import { nativeAvailable } from "./helpers.ts";

// The values of the inference and training batch-norm and of their gradients are checked against float64
// finite differences and tfjs' stock gradients in ./gradient_reference_test.ts.

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
