/**
 * `filtered`: low-pass and high-pass filtered accuracy curves over the cut-off band (after Wang et al.
 * 2020): accuracy on images keeping only the DCT bands below the cut-off k, and only the bands from k on,
 * for k = 0..bands.
 *
 * Inputs: `model`, `data`. Writes:
 * - `curves.csv`: `cutoff, low_pass_accuracy, high_pass_accuracy` (low-pass at k = bands and high-pass
 *   at k = 0 are the unfiltered images);
 * - `summary.json`: images, bands, clean accuracy, and the smallest cut-off whose low-pass accuracy reaches
 *   90 % of the clean accuracy.
 */
import { join } from "node:path";
import { z } from "zod";
import { BAND_KINDS } from "../lib/dct/mod.ts";
import { defineTask, oneInput } from "../pipeline/task.ts";
import { writeCsvAtomic, writeJsonAtomic } from "../lib/io/mod.ts";
import {
  filteredAccuracy,
  gatherImages,
  loadStageClassifier,
  readDataSplit,
  selectIndices,
} from "../lib/attribution/mod.ts";

const params = z.strictObject({
  split: z.enum(["train", "test"]).default("test"),
  limit: z.number().int().positive().nullable().default(500),
  select_seed: z.number().int().default(0),
  band_kind: z.enum(BAND_KINDS).default("diagonal"),
  clip: z.boolean().default(false),
  max_batch: z.number().int().positive().default(256),
});

export default defineTask({
  description: "Low-pass / high-pass filtered accuracy over the cut-off DCT band (Wang et al. 2020)",
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
    ctx.progress.start("filtered accuracy", 100);
    const curves = await filteredAccuracy(model, images, labels, {
      bandKind: p.band_kind,
      clip: p.clip,
      maxBatch: p.max_batch,
      onProgress: (done, total) => ctx.progress.update(Math.floor((100 * done) / total)),
    });
    ctx.progress.finish();
    const bands = curves.cutoffs.length - 1;
    const clean = curves.lowPass[bands];
    const reach = curves.cutoffs.find((_, k) => curves.lowPass[k] >= 0.9 * clean) ?? bands;
    await writeCsvAtomic(
      join(ctx.outDir, "curves.csv"),
      Array.from(curves.cutoffs, (cutoff, k) => ({
        cutoff,
        low_pass_accuracy: curves.lowPass[k],
        high_pass_accuracy: curves.highPass[k],
      })),
    );
    await writeJsonAtomic(join(ctx.outDir, "summary.json"), {
      images: indices.length,
      bands,
      band_kind: p.band_kind,
      clean_accuracy: clean,
      low_pass_cutoff_90: reach,
    });
  },
});
