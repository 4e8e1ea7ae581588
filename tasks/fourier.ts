/**
 * `fourier`: Fourier heat map (Yin et al. 2019) — the model's error rate on images plus a basis image of
 * one frequency (i, j), l2 norm `eps` per channel, random sign per channel, clipped to [0, 1], for every
 * frequency. Costs N·H·W forward passes.
 *
 * Inputs: `model`, `data`, read with lib/stages' `readModelAndImages` (params `split`, `limit`,
 * `select_seed`). Params also: `eps`, `basis`, `sign`, `clip`, `batch_size` (images per forward pass).
 * Writes (lib/stages/fourier.ts: `writeFourier`, read back by `readFourier`):
 * - `heatmap.npy` float32 [H, W]: error rate per frequency ((0, 0) top-left; DCT basis, or the real
 *   Fourier basis in unshifted FFT order);
 * - `summary.json`: images, eps, basis, clean error rate, mean / max error over frequencies and the
 *   frequency of the max.
 */
import { z } from "zod";
import { defineTask } from "../pipeline/task.ts";
import { deriveSeed } from "../lib/stats/mod.ts";
import { fourierHeatMap } from "../lib/attribution/mod.ts";
import { predictedClasses } from "../lib/models/mod.ts";
import {
  imageSelectionParams,
  MODEL_AND_DATA_INPUTS,
  readModelAndImages,
  writeFourier,
} from "../lib/stages/mod.ts";

const params = z.strictObject({
  ...imageSelectionParams({ split: "test", limit: 100 }),
  /** l2 norm of the perturbation per channel (Yin et al. use 4 on CIFAR-10). */
  eps: z.number().nonnegative().default(4),
  basis: z.enum(["dct", "fourier"]).default("dct"),
  sign: z.enum(["random", "positive", "negative"]).default("random"),
  clip: z.boolean().default(true),
  /** Images per forward pass (memory only). */
  batch_size: z.number().int().positive().default(256),
});

export default defineTask({
  description: "Fourier heat map: error rate under a basis perturbation of each frequency (Yin et al. 2019)",
  params,
  numeric: true,
  renamed: { epsilon: "eps", max_batch: "batch_size" },
  inputs: MODEL_AND_DATA_INPUTS,
  resources: { cpus: 4, time: "4:00:00" }, // defaults for a SLURM job (pipeline/resources.ts)
  async run(ctx) {
    const p = ctx.params;
    const { model, images, labels } = await readModelAndImages(ctx.inputs, p);
    const [n, h, w] = images.shape;
    ctx.progress.start("fourier heat map", h * w);
    const map = await fourierHeatMap(model, images, labels, {
      eps: p.eps,
      basis: p.basis,
      sign: p.sign,
      seed: deriveSeed(ctx.seed, "signs"),
      clip: p.clip,
      batchSize: p.batch_size,
      onProgress: (done) => ctx.progress.update(Math.floor(done / n)),
    });
    ctx.progress.finish();
    const clean = predictedClasses(model, images, p.batch_size);
    const cleanError = clean.reduce((a, y, i) => a + (y !== labels[i] ? 1 : 0), 0) / n;
    let argmax = 0;
    map.scores.forEach((v, f) => (v > map.scores[argmax] ? (argmax = f) : 0));
    const summary = {
      images: n,
      eps: p.eps,
      basis: p.basis,
      sign: p.sign,
      clip: p.clip,
      clean_error: cleanError,
      mean_error: map.scores.reduce((a, b) => a + b, 0) / (h * w),
      max_error: map.scores[argmax],
      max_frequency: [Math.floor(argmax / w), argmax % w],
    };
    await writeFourier(ctx.outDir, { heatmap: { data: map.scores, shape: [h, w] }, summary });
  },
});
