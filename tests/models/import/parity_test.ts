/**
 * Issue 8, "Must show": for every architecture the imported model's logits (and penultimate features) on
 * the fixture inputs equal the ones PyTorch computed (scripts/torch_fixtures.py, eval mode) within 1e-4,
 * relative: max |freqlens − PyTorch| / max |PyTorch| over the batch. Runs without PyTorch.
 */
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { initBackend } from "../../../lib/backend/mod.ts";
import { readNpy } from "../../../lib/io/npy.ts";
import { classifierFromLayersModel } from "../../../lib/models/layers_classifier.ts";
import { type ArchName, type CheckpointSource, importCheckpoint } from "../../../lib/models/import/mod.ts";

const DIR = new URL("../../fixtures/torch/", import.meta.url).pathname;

interface FixtureEntry {
  name: string;
  file: string;
  arch: ArchName;
  source: CheckpointSource;
  options: Record<string, unknown>;
  logits: string;
  features: string;
}

const manifest = JSON.parse(Deno.readTextFileSync(DIR + "manifest.json")) as {
  inputs: string;
  fixtures: FixtureEntry[];
};

/** max |a − b| / max |b|. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.deepEqual(a.length, b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

Deno.test("fixtures cover every architecture and checkpoint format", () => {
  const archs = new Set(manifest.fixtures.map((f) => f.arch));
  for (const a of ["resnet18", "resnet50", "preact_resnet18", "wide_resnet"]) {
    assert(archs.has(a as ArchName), a);
  }
  const files = manifest.fixtures.map((f) => f.file);
  assert(files.some((f) => f.endsWith(".safetensors")));
  assert(files.some((f) => f.includes("legacy")));
});

for (const fx of manifest.fixtures) {
  Deno.test(`${fx.name}: ${fx.arch} (${fx.source}) logits and features equal PyTorch's within 1e-4`, async () => {
    await initBackend("cpu");
    const { model, info } = await importCheckpoint(DIR + fx.file, {
      arch: fx.arch,
      source: fx.source,
      ...fx.options,
    });
    try {
      const x = await readNpy(DIR + manifest.inputs, "float32");
      const refLogits = await readNpy(DIR + fx.logits, "float32");
      const refFeatures = await readNpy(DIR + fx.features, "float32");
      const classifier = classifierFromLayersModel(model);
      assert.deepEqual(classifier.inputShape, [32, 32, 3]);
      assert.deepEqual(classifier.numClasses, refLogits.shape[1]);
      const images = tf.tensor4d(x.data, x.shape as [number, number, number, number]);
      const logits = classifier.logits(images);
      const features = classifier.features(images);
      assert.deepEqual(logits.shape, refLogits.shape);
      assert.deepEqual(features.shape, refFeatures.shape);
      const errLogits = relativeError(await logits.data(), refLogits.data);
      const errFeatures = relativeError(await features.data(), refFeatures.data);
      tf.dispose([images, logits, features]);
      assert(errLogits < 1e-4, `logits relative error ${errLogits}`);
      assert(errFeatures < 1e-4, `features relative error ${errFeatures}`);
      assert.deepEqual(info.arch, fx.arch);
      assert.deepEqual(info.sha256.length, 64);
    } finally {
      model.dispose();
    }
  });
}

Deno.test("robustness import takes the normaliser from normalizer.new_mean/new_std and ignores attacker.*", async () => {
  await initBackend("cpu");
  const { model, info } = await importCheckpoint(DIR + "robustness_resnet18.pt", {
    arch: "resnet18",
    source: "robustness",
    width_multiplier: 1 / 16,
  });
  model.dispose();
  assert.deepEqual(info.normalization!.mean.map((v) => v.toFixed(4)), ["0.4914", "0.4822", "0.4465"]);
  assert.deepEqual(info.normalization!.std.map((v) => v.toFixed(4)), ["0.2023", "0.1994", "0.2010"]);
  assert(info.ignoredTensors.some((k) => k.startsWith("attacker.model.")));
  assert(info.ignoredTensors.every((k) => k.startsWith("attacker.") || k.endsWith("num_batches_tracked")));
});
