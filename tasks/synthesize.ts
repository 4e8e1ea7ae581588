/**
 * `synthesize`: robust / non-robust dataset synthesis (Ilyas et al. 2019; the paper's Eq. 9). For each
 * selected target image x, start from another selected image (seeded pairing) and minimise
 * ||g(x_r) − g(x)||₂ / ||g(x)||₂ (g = the model's penultimate representation) with l2-normalised gradient
 * steps, pixels kept in [0, 1]; x_r gets x's label. With a robust model the result is a "robust" image,
 * with a natural one a "non-robust" one.
 *
 * Inputs: `model` (a `train` / `import` stage), `data` (a `data` stage), read with lib/stages'
 * `readModelAndImages` (params `split`, `limit`, `select_seed`). The selection and the pairing
 * depend only on the split's labels, `limit`, `select_seed` and `pair_seed` — never on the model — so
 * models swept over (and separate stages with the same params) see the same (start, target) pairs, which
 * `spectra` checks before comparing two sets pair by pair.
 *
 * Writes (lib/stages/synthesize.ts: `writeSynthesis`, read back by `readSynthesis`; N = selected images):
 * - `images.npy` float32 [N, H, W, C] in [0, 1]: the synthesized images;
 * - `labels.npy` int32 [N]: their labels (the targets' labels);
 * - `target_indices.npy` int32 [N]: split indices of the targets x;
 * - `start_indices.npy` int32 [N]: split indices of the start images;
 * - `initial_distance.npy`, `final_distance.npy` float32 [N]: each image's relative representation distance
 *   ||g(x_r) − g(x)||₂ / ||g(x)||₂ at its start image and after the last step (convergence per image);
 * - `loss_curve.csv`: `iteration, loss` — mean relative distance before each step, and after the last;
 * - `summary.json`: split, sizes, step, iterations, mean initial / final distance and their ratio, the
 *   fraction of synthesized images the model classifies as their label.
 */
import { z } from "zod";
import { defineTask } from "../pipeline/task.ts";
import { predictedClasses } from "../lib/models/mod.ts";
import {
  imageSelectionParams,
  MODEL_AND_DATA_INPUTS,
  readModelAndImages,
  writeSynthesis,
} from "../lib/stages/mod.ts";
import { randomOtherPairing, synthesizeFromRepresentation } from "../lib/synthesis/mod.ts";

const params = z.strictObject({
  ...imageSelectionParams({ split: "train", limit: 100, minLimit: 2 }),
  /** Seed of the start-image pairing (keep it fixed across models). */
  pair_seed: z.number().int().default(0),
  /** l2 length of each normalised gradient step. */
  step: z.number().positive().default(0.1),
  iterations: z.number().int().nonnegative().default(1000),
  batch_size: z.number().int().positive().default(64),
});

export default defineTask({
  description: "Robust / non-robust dataset synthesis by representation inversion (Ilyas et al. 2019)",
  params,
  numeric: true,
  inputs: MODEL_AND_DATA_INPUTS,
  resources: { cpus: 4, mem: "8G", time: "12:00:00" }, // defaults for a SLURM job (pipeline/resources.ts)
  async run(ctx) {
    const p = ctx.params;
    const { model, data, indices, images: targets, labels } = await readModelAndImages(ctx.inputs, p);
    const n = indices.length;
    const starts = randomOtherPairing(n, p.pair_seed);
    const batches = Math.ceil(n / p.batch_size);
    ctx.progress.start("synthesis", batches * p.iterations);
    const result = synthesizeFromRepresentation(model, targets, labels, {
      startIndices: starts,
      step: p.step,
      iterations: p.iterations,
      batchSize: p.batch_size,
      onIteration: ({ batch, iteration, loss }) => {
        if (iteration % 10 === 9 || iteration === p.iterations - 1) {
          ctx.progress.update(batch * p.iterations + iteration + 1, { loss: loss.toFixed(4) });
        }
      },
    });
    ctx.progress.finish();
    const predicted = predictedClasses(model, result.images, p.batch_size);
    const agree = predicted.reduce((a, y, i) => a + (y === labels[i] ? 1 : 0), 0) / n;
    const mean = (v: Float32Array) => v.reduce((a, b) => a + b, 0) / v.length;
    const initial = mean(result.initialLoss);
    const final = mean(result.finalLoss);
    ctx.log(
      `relative distance ${initial.toFixed(4)} → ${final.toFixed(4)}; model agrees with labels on ${agree}`,
    );

    await writeSynthesis(ctx.outDir, {
      images: result.images,
      labels: result.labels,
      targetIndices: indices,
      startIndices: Int32Array.from(starts, (s) => indices[s]),
      initialDistance: result.initialLoss,
      finalDistance: result.finalLoss,
      lossCurve: result.lossCurve,
      summary: {
        dataset: data.dataset,
        split: p.split,
        images: n,
        step: p.step,
        iterations: p.iterations,
        initial_distance: initial,
        final_distance: final,
        distance_ratio: final / initial,
        label_agreement: agree,
      },
    });
  },
});
