import assert from "node:assert/strict";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { initBackend } from "../../lib/backend/mod.ts";
import {
  cifarResNet,
  classifierFromLayersModel,
  loadClassifier,
  loadModel,
  ModelFormatError,
  saveModel,
  smallCnn,
} from "../../lib/models/mod.ts";

await initBackend("cpu");

async function withTempDir(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "freqlens_models_" });
  try {
    await f(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function bytesOf(t: tf.Tensor): Uint8Array {
  const d = t.dataSync() as Float32Array;
  return new Uint8Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength));
}

Deno.test("a saved ResNet (non-trivial batch-norm statistics) loads back with identical logits and features", async () => {
  await withTempDir(async (dir) => {
    const model = cifarResNet({ inputShape: [8, 8, 3], numClasses: 4, depth: 8, widths: [4, 8, 8], seed: 3 });
    // Give every weight (moving means/variances included) random values so nothing is at its default.
    model.setWeights(model.getWeights().map((w, i) => tf.randomUniform(w.shape, 0.5, 1.5, "float32", i)));
    await saveModel(model, join(dir, "model"));
    const names = [...Deno.readDirSync(join(dir, "model"))].map((e) => e.name).sort();
    assert.deepEqual(names, ["model.json", "weights.bin"]);
    const loaded = await loadClassifier(dir); // a stage entry holding model/
    const original = classifierFromLayersModel(model);
    const x = tf.randomUniform([3, 8, 8, 3], 0, 1, "float32", 11) as tf.Tensor4D;
    assert.deepEqual(bytesOf(loaded.logits(x)), bytesOf(original.logits(x)));
    assert.deepEqual(bytesOf(loaded.features(x)), bytesOf(original.features(x)));
    assert.deepEqual(loaded.inputShape, [8, 8, 3]);
    assert.equal(loaded.numClasses, 4);
  });
});

Deno.test("the normaliser's constants survive save/load (custom layer registered)", async () => {
  await withTempDir(async (dir) => {
    const model = smallCnn({
      inputShape: [6, 6, 2],
      numClasses: 3,
      channels: [2],
      hidden: 4,
      mean: [0.1, 0.7],
      std: [0.3, 0.2],
    });
    await saveModel(model, dir);
    const loaded = await loadModel(join(dir, "model.json"));
    assert.deepEqual(loaded.getLayer("normalize").getConfig().mean, [0.1, 0.7]);
    assert.deepEqual(loaded.getLayer("normalize").getConfig().std, [0.3, 0.2]);
  });
});

Deno.test("a user's own LayersModel (standard layers only) loads; one without `features` is refused", async () => {
  await withTempDir(async (dir) => {
    const own = tfl.sequential({
      layers: [
        tfl.layers.flatten({ inputShape: [4, 4, 1] }),
        tfl.layers.dense({ units: 5, activation: "relu", name: "features" }),
        tfl.layers.dense({ units: 3 }),
      ],
    });
    await saveModel(own, join(dir, "own"));
    const clf = await loadClassifier(join(dir, "own"));
    const x = tf.randomUniform([2, 4, 4, 1], 0, 1, "float32", 1) as tf.Tensor4D;
    assert.deepEqual(bytesOf(clf.logits(x)), bytesOf(own.predict(x) as tf.Tensor));
    assert.deepEqual(clf.features(x).shape, [2, 5]);

    const anon = tfl.sequential({
      layers: [tfl.layers.flatten({ inputShape: [4, 4, 1] }), tfl.layers.dense({ units: 3 })],
    });
    await saveModel(anon, join(dir, "anon"));
    await assert.rejects(
      loadClassifier(join(dir, "anon")),
      (e) => e instanceof ModelFormatError && /features/.test(e.message),
    );
  });
});

Deno.test("malformed model directories give a ModelFormatError naming the file", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(loadModel(join(dir, "nothing")), ModelFormatError);
    const model = smallCnn({ inputShape: [4, 4, 1], numClasses: 2, channels: [2], hidden: 2 });
    await saveModel(model, join(dir, "m"));
    // Truncated weights.
    const w = await Deno.readFile(join(dir, "m", "weights.bin"));
    await Deno.writeFile(join(dir, "m", "weights.bin"), w.subarray(0, w.length - 8));
    await assert.rejects(
      loadModel(join(dir, "m")),
      (e) => e instanceof ModelFormatError && e.file.endsWith("model.json") && /bytes/.test(e.message),
    );
    // A weights path leaving the directory.
    const json = JSON.parse(await Deno.readTextFile(join(dir, "m", "model.json")));
    json.weightsManifest[0].paths = ["../../etc/passwd"];
    await Deno.writeTextFile(join(dir, "m", "model.json"), JSON.stringify(json));
    await assert.rejects(
      loadModel(join(dir, "m")),
      (e) => e instanceof ModelFormatError && /leaves/.test(e.message),
    );
    // Not JSON.
    await Deno.writeTextFile(join(dir, "m", "model.json"), "{oops");
    await assert.rejects(
      loadModel(join(dir, "m")),
      (e) => e instanceof ModelFormatError && /JSON/.test(e.message),
    );
  });
});
