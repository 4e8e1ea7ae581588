/**
 * `saliency`: gradient frequency saliency |∂f_c/∂DCT(x)| per band, beside Occluded Frequency (same
 * selection params, so the two compare image by image). With `input_times_gradient` the signed
 * `DCT(x) ⊙ ∂f_c/∂DCT(x)` per band instead — OF's first-order estimate with the zero baseline.
 *
 * Inputs: `model`, `data`. Writes (N images, K bands):
 * - `saliency.npy` float32 [N, K]; `indices.npy` int32 [N] (split indices); `labels.npy` int32 [N];
 * - `summary.json`: the mean profile and its low / middle / high shares with bootstrap intervals.
 */
import { join } from "node:path";
import { z } from "zod";
import { BAND_KINDS } from "../lib/dct/mod.ts";
import { defineTask, oneInput } from "../pipeline/task.ts";
import { writeJsonAtomic, writeNpy } from "../lib/io/mod.ts";
import { deriveSeed } from "../lib/stats/mod.ts";
import {
  attributionShares,
  frequencySaliency,
  gatherImages,
  loadStageClassifier,
  readDataSplit,
  selectIndices,
} from "../lib/attribution/mod.ts";

const params = z.strictObject({
  split: z.enum(["train", "test"]).default("test"),
  limit: z.number().int().positive().nullable().default(200),
  select_seed: z.number().int().default(0),
  target: z.enum(["true", "predicted"]).default("true"),
  score: z.enum(["logit", "probability"]).default("logit"),
  band_kind: z.enum(BAND_KINDS).default("diagonal"),
  /** Sum or mean of each band's values. */
  reduce: z.enum(["sum", "mean"]).default("sum"),
  input_times_gradient: z.boolean().default(false),
  max_batch: z.number().int().positive().default(128),
  share_mass: z.enum(["positive", "absolute"]).default("positive"),
  bootstrap: z.number().int().positive().default(1000),
  level: z.number().gt(0).lt(1).default(0.95),
});

export default defineTask({
  description: "Gradient frequency saliency |∂f_c/∂DCT(x)| per band, beside Occluded Frequency",
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
    const n = indices.length;
    ctx.progress.start("saliency", n);
    const sal = await frequencySaliency(model, images, p.target === "true" ? labels : "predicted", {
      score: p.score,
      bandKind: p.band_kind,
      reduce: p.reduce,
      inputTimesGradient: p.input_times_gradient,
      maxBatch: p.max_batch,
      onProgress: (done) => ctx.progress.update(done),
    });
    ctx.progress.finish();
    const bands = sal.shape[1];
    await writeNpy(join(ctx.outDir, "saliency.npy"), { data: sal.scores, shape: [n, bands] });
    await writeNpy(join(ctx.outDir, "indices.npy"), { data: indices, shape: [n] });
    await writeNpy(join(ctx.outDir, "labels.npy"), { data: labels, shape: [n] });
    const meanProfile = Array.from({ length: bands }, (_, k) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += sal.scores[i * bands + k];
      return s / n;
    });
    const shares = attributionShares(sal.scores, sal.shape, {
      seed: deriveSeed(ctx.seed, "shares"),
      resamples: p.bootstrap,
      level: p.level,
      mass: p.share_mass,
    });
    await writeJsonAtomic(join(ctx.outDir, "summary.json"), {
      images: n,
      bands,
      band_kind: p.band_kind,
      reduce: p.reduce,
      input_times_gradient: p.input_times_gradient,
      mean_profile: meanProfile,
      shares: shares && { mass: p.share_mass, level: p.level, ...shares },
    });
  },
});
