/**
 * `fourier`: Fourier heat map (Yin et al. 2019) — the model's error rate on images plus a basis image of
 * one frequency (i, j), l2 norm `epsilon` per channel, random sign per channel, clipped to [0, 1], for every
 * frequency. Costs N·H·W forward passes.
 *
 * Inputs: `model`, `data`. Writes:
 * - `heatmap.npy` float32 [H, W]: error rate per frequency ((0, 0) top-left; DCT basis, or the real
 *   Fourier basis in unshifted FFT order);
 * - `summary.json`: images, epsilon, basis, clean error rate, mean / max error over frequencies and the
 *   frequency of the max.
 */
import { join } from "node:path";
import { z } from "zod";
import { defineTask, oneInput } from "../pipeline/task.ts";
import { writeJsonAtomic, writeNpy } from "../lib/io/mod.ts";
import { deriveSeed } from "../lib/stats/mod.ts";
import {
  fourierHeatMap,
  gatherImages,
  loadStageClassifier,
  predictedClasses,
  readDataSplit,
  selectIndices,
} from "../lib/attribution/mod.ts";

const params = z.strictObject({
  split: z.enum(["train", "test"]).default("test"),
  limit: z.number().int().positive().nullable().default(100),
  select_seed: z.number().int().default(0),
  /** l2 norm of the perturbation per channel (Yin et al. use 4 on CIFAR-10). */
  epsilon: z.number().nonnegative().default(4),
  basis: z.enum(["dct", "fourier"]).default("dct"),
  sign: z.enum(["random", "positive", "negative"]).default("random"),
  clip: z.boolean().default(true),
  max_batch: z.number().int().positive().default(256),
});

export default defineTask({
  description: "Fourier heat map: error rate under a basis perturbation of each frequency (Yin et al. 2019)",
  params,
  numeric: true,
  inputs: {
    model: { doc: "the model: a train or import stage (model/)" },
    data: { doc: "the data stage (train/test .npy arrays, meta.json)" },
  },
  resources: { cpus: 4, time: "4:00:00" }, // defaults for a SLURM job (pipeline/resources.ts)
  async run(ctx) {
    const p = ctx.params;
    const model = await loadStageClassifier(oneInput(ctx.inputs, "model").dir);
    const data = await readDataSplit(oneInput(ctx.inputs, "data").dir, p.split);
    const indices = selectIndices(data.labels, model.numClasses, p.limit, p.select_seed);
    const images = gatherImages(data.images, indices);
    const labels = Int32Array.from(indices, (i) => data.labels[i]);
    const [n, h, w] = images.shape;
    ctx.progress.start("fourier heat map", h * w);
    const map = await fourierHeatMap(model, images, labels, {
      epsilon: p.epsilon,
      basis: p.basis,
      sign: p.sign,
      seed: deriveSeed(ctx.seed, "signs"),
      clip: p.clip,
      maxBatch: p.max_batch,
      onProgress: (done) => ctx.progress.update(Math.floor(done / n)),
    });
    ctx.progress.finish();
    const clean = await predictedClasses(model, images, p.max_batch);
    const cleanError = clean.reduce((a, y, i) => a + (y !== labels[i] ? 1 : 0), 0) / n;
    let argmax = 0;
    map.scores.forEach((v, f) => (v > map.scores[argmax] ? (argmax = f) : 0));
    await writeNpy(join(ctx.outDir, "heatmap.npy"), { data: map.scores, shape: [h, w] });
    await writeJsonAtomic(join(ctx.outDir, "summary.json"), {
      images: n,
      epsilon: p.epsilon,
      basis: p.basis,
      sign: p.sign,
      clip: p.clip,
      clean_error: cleanError,
      mean_error: map.scores.reduce((a, b) => a + b, 0) / (h * w),
      max_error: map.scores[argmax],
      max_frequency: [Math.floor(argmax / w), argmax % w],
    });
  },
});
