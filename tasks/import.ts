/**
 * `import`: a model stage that takes a PyTorch checkpoint instead of training one.
 *
 * Config:
 * ```yaml
 * stages:
 *   model:
 *     task: import
 *     params: {import: checkpoints/cifar_l2_0_5.pt, arch: resnet50, source: robustness}
 * ```
 * `import:` is a local path (relative to the working directory), `file://` or http(s) URL. Optional:
 * `sha256`, `cache_dir` (downloads; default `$FREQLENS_CHECKPOINTS` or `~/.cache/freqlens/checkpoints`) and
 * architecture options (`num_classes`, `width`, `width_multiplier`, `depth`, `widen_factor`, `mean`/`std`
 * when the checkpoint holds no normaliser; PreActResNet: `bn_before_fc`, `preact_block`).
 * Architectures: resnet18, resnet34, resnet50 (robustness' CIFAR ResNets, RobustBench's ResNet),
 * preact_resnet18, wide_resnet (RobustBench). Sources: robustness, robustbench, plain (see
 * lib/models/import/state_dict.ts for the key layouts).
 *
 * Writes, like `train`, a model entry with lib/stages/model.ts' `writeModel` (read back by
 * `loadStageClassifier` and `readModelInfo`):
 * - `model/model.json` + `model/weights.bin`: TensorFlow.js LayersModel over NHWC float32 images in [0, 1]
 *   (the normaliser inside), single output the logits, penultimate layer named `features`;
 * - `model_info.json`: `{kind: "import", arch, name, source, params, checkpoint: {location, file, sha256,
 *   format}, normalization: {mean, std} | null, parameters, inputShape, numClasses, ignoredTensors}`.
 * Any error (unreadable or foreign-global checkpoint, checksum, wrong architecture) is thrown before a file
 * is written, so nothing reaches the store. The cache key holds the params and, for a local checkpoint, its
 * size and modification time (a file replaced at the same path is imported again); `sha256` also checks
 * the bytes.
 */
import * as tf from "@tensorflow/tfjs-core";
import { z } from "zod";
import { defineTask } from "../pipeline/task.ts";
import { initBackend } from "../lib/backend/mod.ts";
import { ARCHITECTURES, importCheckpoint } from "../lib/models/import/mod.ts";
import { writeModel } from "../lib/stages/mod.ts";

const rgb = z.array(z.number()).length(3);

const params = z.strictObject({
  /** Local path, `file://` or http(s) URL of the checkpoint. */
  import: z.string().min(1),
  arch: z.enum(ARCHITECTURES),
  source: z.enum(["robustness", "robustbench", "plain"]).default("plain"),
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, "sha256 must be 64 hex digits").optional(),
  cache_dir: z.string().min(1).optional(),
  num_classes: z.number().int().positive().optional(),
  width: z.number().int().positive().optional(),
  width_multiplier: z.number().positive().optional(),
  depth: z.number().int().positive().optional(),
  widen_factor: z.number().int().positive().optional(),
  preact_block: z.enum(["v1", "v2"]).optional(),
  bn_before_fc: z.boolean().optional(),
  mean: rgb.optional(),
  std: rgb.optional(),
});

export default defineTask({
  description: "Import a PyTorch checkpoint (robustness / RobustBench / plain) as a tfjs model",
  params,
  // The weights are copied, not computed: the files are the same on every backend.
  numeric: false,
  inputs: {},
  externalPaths: ["import"],
  async run(ctx) {
    if (!tf.engine().backendName) await initBackend("cpu");
    const { import: location, sha256, cache_dir, ...spec } = ctx.params;
    ctx.log(`importing ${location} as ${spec.arch} (${spec.source})`);
    const { model, info } = await importCheckpoint(location, spec, { sha256, cacheDir: cache_dir });
    try {
      ctx.log(`${info.format} checkpoint ${info.file} sha256 ${info.sha256}: ${info.parameters} weights`);
      await writeModel(ctx.outDir, model, {
        kind: "import",
        arch: info.arch,
        name: model.name,
        source: info.source,
        params: ctx.params,
        checkpoint: { location, file: info.file, sha256: info.sha256, format: info.format },
        normalization: info.normalization,
        parameters: info.parameters,
        inputShape: info.inputShape,
        numClasses: info.numClasses,
        ignoredTensors: info.ignoredTensors,
      });
    } finally {
      model.dispose();
    }
  },
});
