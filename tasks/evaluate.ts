/**
 * `evaluate`: clean accuracy and accuracy under PGD of a model on a data stage's test split.
 *
 * Inputs: `model` (a `train` or `import` stage), `data` (a `data` stage), read with lib/stages'
 * `readModelAndImages` (its test split).
 * Params: `limit` (number of test images, a deterministic stratified subset seeded by `seed`; null, the
 * default: all), `batch_size` (images per forward pass; memory only), `pgd: {norm, eps, steps, step_size,
 * restarts}` (default l∞, ε 0.1, 20 steps of 2.5·ε/steps, one random start, each image's best iterate
 * kept) or `pgd: null` for clean accuracy only; `seed`.
 * Writes (lib/stages/evaluate.ts: `writeEvaluate`, read back by `readEvaluate`) `summary.json`: `{images,
 * clean_accuracy, pgd_accuracy (null without pgd), pgd, limit, seed, seconds, backend}`.
 */
import * as tf from "@tensorflow/tfjs-core";
import { z } from "zod";
import { defineTask } from "../pipeline/task.ts";
import { accuracy, pgdAccuracy } from "../lib/training/mod.ts";
import { MODEL_AND_DATA_INPUTS, readModelAndImages, writeEvaluate } from "../lib/stages/mod.ts";

export const evaluateParams = z.strictObject({
  limit: z.number().int().positive().nullable().default(null),
  batch_size: z.number().int().positive().default(250),
  pgd: z.strictObject({
    norm: z.enum(["linf", "l2"]).default("linf"),
    eps: z.number().positive().default(0.1),
    steps: z.number().int().positive().default(20),
    step_size: z.number().positive().optional(),
    restarts: z.number().int().positive().default(1),
  }).nullable().default({ norm: "linf", eps: 0.1, steps: 20, restarts: 1 }),
  seed: z.number().int().optional(),
});

export default defineTask({
  description: "Clean and PGD accuracy of a model on the test split",
  params: evaluateParams,
  numeric: true,
  renamed: { batch: "batch_size" },
  inputs: MODEL_AND_DATA_INPUTS,
  resources: { cpus: 4, time: "4:00:00" }, // defaults for a SLURM job (pipeline/resources.ts)
  async run(ctx) {
    const p = ctx.params;
    const seed = p.seed ?? ctx.seed;
    const { model, images, labels } = await readModelAndImages(ctx.inputs, {
      split: "test",
      limit: p.limit,
      select_seed: seed,
    });
    const data = { images: images.data, labels, shape: images.shape };
    const n = data.shape[0];
    const t0 = performance.now();
    let clean: number;
    let robust: number | null = null;
    if (p.pgd) {
      ctx.log(`PGD ${p.pgd.norm} eps ${p.pgd.eps}, ${p.pgd.steps} steps on ${n} test images`);
      ctx.progress.start("pgd", n);
      const r = await pgdAccuracy(model, data, {
        norm: p.pgd.norm,
        eps: p.pgd.eps,
        steps: p.pgd.steps,
        stepSize: p.pgd.step_size,
        restarts: p.pgd.restarts,
        seed,
        batchSize: p.batch_size,
        onBatch: (done) => ctx.progress.update(done),
      });
      ctx.progress.finish();
      clean = r.clean;
      robust = r.robust;
    } else {
      clean = accuracy(model, data, p.batch_size);
    }
    const seconds = (performance.now() - t0) / 1000;
    ctx.log(
      `clean accuracy ${clean.toFixed(4)}, PGD accuracy ${robust?.toFixed(4) ?? "-"} (${
        seconds.toFixed(1)
      } s)`,
    );
    await writeEvaluate(ctx.outDir, {
      images: n,
      clean_accuracy: clean,
      pgd_accuracy: robust,
      pgd: p.pgd,
      limit: p.limit,
      seed,
      seconds,
      backend: { name: ctx.backend, tfjs: tf.version_core },
    });
  },
});
