/**
 * The `import` stage kind: writes `model/` (TensorFlow.js LayersModel) and `model_info.json`; the entry
 * loads back with lib/models' `loadClassifierModel` (as every downstream stage loads a model) to the same
 * logits as PyTorch's; on a bad checkpoint it throws before writing anything.
 */
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { join } from "node:path";
import { initBackend } from "../../../lib/backend/mod.ts";
import { readNpy } from "../../../lib/io/npy.ts";
import { loadClassifierModel } from "../../../lib/models/mod.ts";
import task from "../../../tasks/import.ts";
import type { TaskContext } from "../../../pipeline/task.ts";

const DIR = new URL("../../fixtures/torch/", import.meta.url).pathname;

function context(params: unknown, outDir: string): TaskContext<ReturnType<typeof task.params.parse>> {
  return {
    instance: "model",
    params: task.params.parse(params),
    inputs: {},
    outDir,
    seed: 1,
    backend: "cpu",
    progress: { start() {}, update() {}, finish() {} },
    log() {},
  };
}

Deno.test("import task writes a LayersModel and model_info.json that reload to PyTorch's logits", async () => {
  await initBackend("cpu");
  const outDir = await Deno.makeTempDir();
  try {
    await task.run(context({
      import: DIR + "robustness_resnet50.pt",
      arch: "resnet50",
      source: "robustness",
      width_multiplier: 1 / 16,
    }, outDir));
    const names = [...Deno.readDirSync(outDir)].map((e) => e.name).sort();
    assert.deepEqual(names, ["model", "model_info.json"]);
    const info = JSON.parse(await Deno.readTextFile(join(outDir, "model_info.json")));
    assert.equal(info.arch, "resnet50");
    assert.equal(info.source, "robustness");
    assert.equal(info.checkpoint.format, "torch-zip");
    assert.deepEqual(info.inputShape, [32, 32, 3]);
    assert.equal(info.numClasses, 10);
    const { model, classifier } = await loadClassifierModel(outDir); // the stage entry, as downstream stages do
    const x = await readNpy(DIR + "inputs.npy", "float32");
    const ref = await readNpy(DIR + "robustness_resnet50.logits.npy", "float32");
    const images = tf.tensor4d(x.data, x.shape as [number, number, number, number]);
    const logits = classifier.logits(images);
    const got = await logits.data();
    tf.dispose([images, logits]);
    model.dispose();
    const scale = Math.max(...Array.from(ref.data, Math.abs));
    const err = Math.max(...Array.from(ref.data, (v, i) => Math.abs(v - got[i]))) / scale;
    assert.ok(err < 1e-4, `relative error ${err}`);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("import task on a bad checkpoint throws and writes nothing", async () => {
  await initBackend("cpu");
  for (
    const params of [
      { import: DIR + "bad_foreign_global.pt", arch: "resnet18", source: "robustness" },
      { import: DIR + "truncated.pt", arch: "resnet18", source: "robustness" },
      { import: DIR + "wrong_arch.pt", arch: "resnet18", source: "robustness", width_multiplier: 1 / 16 },
      {
        import: DIR + "robustness_resnet18.pt",
        arch: "resnet18",
        source: "robustness",
        sha256: "a".repeat(64),
      },
    ]
  ) {
    const outDir = await Deno.makeTempDir();
    try {
      await assert.rejects(task.run(context(params, outDir)));
      assert.deepEqual([...Deno.readDirSync(outDir)], [], params.import);
    } finally {
      await Deno.remove(outDir, { recursive: true });
    }
  }
});

Deno.test("import task params are strict", () => {
  assert.throws(() => task.params.parse({ import: "x.pt", arch: "resnet18", epochs: 3 }));
  assert.throws(() => task.params.parse({ import: "x.pt", arch: "vgg16" }));
  assert.throws(() => task.params.parse({ import: "x.pt", arch: "resnet18", sha256: "abc" }));
});
