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
import {
  ArchitectureMismatchError,
  CheckpointFormatError,
  ChecksumMismatchError,
  ForbiddenGlobalError,
} from "../../../lib/models/import/errors.ts";
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

Deno.test("import task on a bad checkpoint throws the typed error naming file and fault, and writes nothing", async () => {
  await initBackend("cpu");
  const cases: [Record<string, unknown>, new (...args: never[]) => Error, RegExp][] = [
    [
      { import: DIR + "bad_foreign_global.pt", arch: "resnet18", source: "robustness" },
      ForbiddenGlobalError,
      /bad_foreign_global\.pt: the pickle references the Python global 'posix\.system', which is not allowed/,
    ],
    [
      { import: DIR + "truncated.pt", arch: "resnet18", source: "robustness" },
      CheckpointFormatError,
      /truncated\.pt: truncated or corrupt zip archive/,
    ],
    [
      { import: DIR + "wrong_arch.pt", arch: "resnet18", source: "robustness", width_multiplier: 1 / 16 },
      ArchitectureMismatchError,
      /wrong_arch\.pt: checkpoint does not match architecture 'resnet18': missing 10: layer4\.1\.conv1\.weight.*unexpected 1: extra\.weight; mis-shaped 2: linear\.weight/,
    ],
    [
      {
        import: DIR + "robustness_resnet18.pt",
        arch: "resnet18",
        source: "robustness",
        sha256: "a".repeat(64),
      },
      ChecksumMismatchError,
      /robustness_resnet18\.pt: SHA-256 is [0-9a-f]{64}, expected a{64} \(corrupt or different file\)/,
    ],
  ];
  for (const [params, type, message] of cases) {
    const outDir = await Deno.makeTempDir();
    try {
      await assert.rejects(task.run(context(params, outDir)), (e: Error) => {
        assert.ok(e instanceof type, `${params.import}: ${e.name} is not a ${type.name}`);
        assert.match(e.message, message);
        return true;
      });
      assert.deepEqual([...Deno.readDirSync(outDir)], [], String(params.import));
    } finally {
      await Deno.remove(outDir, { recursive: true });
    }
  }
});

Deno.test("import task params are strict: unknown keys, unknown archs and bad digests are named", () => {
  const issue = (raw: unknown) => {
    const r = task.params.safeParse(raw);
    assert.ok(!r.success, JSON.stringify(raw));
    return r.error.issues[0];
  };
  const unknown = issue({ import: "x.pt", arch: "resnet18", epochs: 3 });
  assert.equal(unknown.code, "unrecognized_keys");
  assert.match(unknown.message, /Unrecognized key: "epochs"/);
  const arch = issue({ import: "x.pt", arch: "vgg16" });
  assert.deepEqual([arch.code, arch.path], ["invalid_value", ["arch"]]);
  const digest = issue({ import: "x.pt", arch: "resnet18", sha256: "abc" });
  assert.deepEqual([digest.path, digest.message], [["sha256"], "sha256 must be 64 hex digits"]);
});
