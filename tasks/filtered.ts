/**
 * `filtered`: low-pass and high-pass filtered accuracy curves over the cut-off band (after Wang et al.
 * 2020): accuracy on images keeping only the DCT bands below the cut-off k, and only the bands from k on,
 * for k = 0..bands.
 *
 * Inputs: `model`, `data`, read with lib/stages' `readModelAndImages` (params `split`, `limit`,
 * `select_seed`). Params also: `band_kind`, `clip`, `batch_size` (images per forward pass).
 * Writes (lib/stages/filtered.ts: `writeFiltered`, read back by `readFiltered`):
 * - `curves.csv`: `cutoff, low_pass_accuracy, high_pass_accuracy` (low-pass at k = bands and high-pass
 *   at k = 0 are the unfiltered images);
 * - `summary.json`: images, bands, clean accuracy, and the smallest cut-off whose low-pass accuracy reaches
 *   90 % of the clean accuracy.
 */
import { z } from "zod";
import { BAND_KINDS } from "../lib/dct/mod.ts";
import { defineTask } from "../pipeline/task.ts";
import { filteredAccuracy } from "../lib/attribution/mod.ts";
import {
  imageSelectionParams,
  MODEL_AND_DATA_INPUTS,
  readModelAndImages,
  writeFiltered,
} from "../lib/stages/mod.ts";

const params = z.strictObject({
  ...imageSelectionParams({ split: "test", limit: 500 }),
  band_kind: z.enum(BAND_KINDS).default("diagonal"),
  clip: z.boolean().default(false),
  /** Images per forward pass (memory only). */
  batch_size: z.number().int().positive().default(256),
});

export default defineTask({
  description: "Low-pass / high-pass filtered accuracy over the cut-off DCT band (Wang et al. 2020)",
  params,
  numeric: true,
  renamed: { max_batch: "batch_size" },
  inputs: MODEL_AND_DATA_INPUTS,
  resources: { cpus: 4, time: "4:00:00" }, // defaults for a SLURM job (pipeline/resources.ts)
  async run(ctx) {
    const p = ctx.params;
    const { model, images, labels } = await readModelAndImages(ctx.inputs, p);
    ctx.progress.start("filtered accuracy", 100);
    const curves = await filteredAccuracy(model, images, labels, {
      bandKind: p.band_kind,
      clip: p.clip,
      batchSize: p.batch_size,
      onProgress: (done, total) => ctx.progress.update(Math.floor((100 * done) / total)),
    });
    ctx.progress.finish();
    const bands = curves.cutoffs.length - 1;
    const clean = curves.lowPass[bands];
    const reach = curves.cutoffs.find((_, k) => curves.lowPass[k] >= 0.9 * clean) ?? bands;
    await writeFiltered(ctx.outDir, {
      curves: {
        cutoffs: Float64Array.from(curves.cutoffs),
        lowPass: Float64Array.from(curves.lowPass),
        highPass: Float64Array.from(curves.highPass),
      },
      summary: {
        images: labels.length,
        bands,
        band_kind: p.band_kind,
        clean_accuracy: clean,
        low_pass_cutoff_90: reach,
      },
    });
  },
});
