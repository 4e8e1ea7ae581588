/**
 * `saliency`: gradient frequency saliency |∂f_c/∂DCT(x)| per band, beside Occluded Frequency (same
 * selection params, so the two compare image by image). With `input_times_gradient` the signed
 * `DCT(x) ⊙ ∂f_c/∂DCT(x)` per band instead — OF's first-order estimate with the zero baseline.
 *
 * Inputs: `model`, `data`, read with lib/stages' `readModelAndImages` (params `split`, `limit`,
 * `select_seed`). Params also: `explain_class` (`label` | `predicted`), `score`, `band_kind`, `reduce`,
 * `input_times_gradient`, `batch_size` (images per pass), `share_mass`, `resamples`, `level`.
 * Writes (lib/stages/saliency.ts: `writeSaliency`, read back by `readSaliency`; N images, K bands):
 * - `saliency.npy` float32 [N, K]; `indices.npy` int32 [N] (split indices); `labels.npy` int32 [N];
 * - `summary.json`: the mean profile and its low / middle / high shares with bootstrap intervals.
 */
import { z } from "zod";
import { BAND_KINDS } from "../lib/dct/mod.ts";
import { defineTask } from "../pipeline/task.ts";
import { deriveSeed } from "../lib/stats/mod.ts";
import { attributionShares, frequencySaliency } from "../lib/attribution/mod.ts";
import {
  imageSelectionParams,
  MODEL_AND_DATA_INPUTS,
  readModelAndImages,
  writeSaliency,
} from "../lib/stages/mod.ts";

const params = z.strictObject({
  ...imageSelectionParams({ split: "test", limit: 200 }),
  /** Class explained: the label or the model's prediction. */
  explain_class: z.enum(["label", "predicted"]).default("label"),
  score: z.enum(["logit", "probability"]).default("logit"),
  band_kind: z.enum(BAND_KINDS).default("diagonal"),
  /** Sum or mean of each band's values. */
  reduce: z.enum(["sum", "mean"]).default("sum"),
  input_times_gradient: z.boolean().default(false),
  /** Images per forward/backward pass (memory only). */
  batch_size: z.number().int().positive().default(128),
  share_mass: z.enum(["positive", "absolute"]).default("positive"),
  resamples: z.number().int().positive().default(1000),
  level: z.number().gt(0).lt(1).default(0.95),
});

export default defineTask({
  description: "Gradient frequency saliency |∂f_c/∂DCT(x)| per band, beside Occluded Frequency",
  params,
  numeric: true,
  renamed: { max_batch: "batch_size", bootstrap: "resamples", target: "explain_class" },
  inputs: MODEL_AND_DATA_INPUTS,
  resources: { cpus: 4, time: "4:00:00" }, // defaults for a SLURM job (pipeline/resources.ts)
  async run(ctx) {
    const p = ctx.params;
    const { model, indices, images, labels } = await readModelAndImages(ctx.inputs, p);
    const n = indices.length;
    ctx.progress.start("saliency", n);
    const sal = await frequencySaliency(model, images, p.explain_class === "label" ? labels : "predicted", {
      score: p.score,
      bandKind: p.band_kind,
      reduce: p.reduce,
      inputTimesGradient: p.input_times_gradient,
      batchSize: p.batch_size,
      onProgress: (done) => ctx.progress.update(done),
    });
    ctx.progress.finish();
    const bands = sal.shape[1];
    const meanProfile = Array.from({ length: bands }, (_, k) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += sal.scores[i * bands + k];
      return s / n;
    });
    const shares = attributionShares(sal.scores, sal.shape, {
      seed: deriveSeed(ctx.seed, "shares"),
      resamples: p.resamples,
      level: p.level,
      mass: p.share_mass,
    });
    await writeSaliency(ctx.outDir, {
      saliency: sal.scores,
      indices,
      labels,
      summary: {
        images: n,
        bands,
        band_kind: p.band_kind,
        reduce: p.reduce,
        input_times_gradient: p.input_times_gradient,
        explain_class: p.explain_class,
        mean_profile: meanProfile,
        shares: shares && { mass: p.share_mass, level: p.level, ...shares },
      },
    });
  },
});
