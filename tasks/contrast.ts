/**
 * `contrast`: the Occluded Frequency finding tested against a comparison model on the same images —
 * the low-third share of OF attribution of `effect` (e.g. an adversarially trained model) minus that of
 * `control` (the null: the natural model, or a natural model stopped at the robust models' clean
 * accuracy), with a paired bootstrap over images, with and without band 0 (lib/attribution/contrast.ts).
 *
 * Inputs: `effect` and `control`, two `occlusion` stages run on the same images (same `select_seed`,
 * `limit`, split), band kind, target and share mass (a mismatch is an error naming both). Fan `effect`
 * out over a sweep to get one contrast per model. Params: `protocol` (`freqlens`: diagonal bands, true
 * class; `authors`: shell bands, predicted class — checked against the occlusion stages' summaries),
 * `resamples` (default 2000), `level` (default 0.95), `seed` (default: the stage's seed).
 *
 * Writes `summary.json`: `{protocol, images, bands, band_kind, target, effect: {instance, clean_accuracy},
 * control: {instance, clean_accuracy}, verdicts: [Verdict, Verdict]}` (with band 0, then without it).
 */
import { join } from "node:path";
import { z } from "zod";
import { defineTask, oneInput } from "../pipeline/task.ts";
import { readNpy, writeJsonAtomic } from "../lib/io/mod.ts";
import { AttributionError, ofContrastVerdicts } from "../lib/attribution/mod.ts";
import { coordsLabel } from "../lib/report/labels.ts";

const params = z.strictObject({
  protocol: z.enum(["freqlens", "authors"]).default("freqlens"),
  resamples: z.number().int().positive().default(2000),
  level: z.number().gt(0).lt(1).default(0.95),
  seed: z.number().int().optional(),
});

/** What each protocol's occlusion stages must have used. */
const PROTOCOL_OCCLUSION = {
  freqlens: { band_kind: "diagonal", target: "true" },
  authors: { band_kind: "shell", target: "predicted" },
} as const;

async function readOcclusion(dir: string) {
  const summary = JSON.parse(await Deno.readTextFile(join(dir, "summary.json")));
  const scores = await readNpy(join(dir, "attributions.npy"), "float32");
  const indices = await readNpy(join(dir, "indices.npy"), "int32");
  return { summary, scores: scores.data, shape: scores.shape, indices: indices.data };
}

export default defineTask({
  description: "OF low-third share of a model minus a comparison model's, paired over the same images",
  params,
  numeric: false,
  async run(ctx) {
    const p = ctx.params;
    const [effectIn, controlIn] = [oneInput(ctx.inputs, "effect"), oneInput(ctx.inputs, "control")];
    const [effect, control] = [await readOcclusion(effectIn.dir), await readOcclusion(controlIn.dir)];
    const want = PROTOCOL_OCCLUSION[p.protocol];
    for (const [name, o] of [[effectIn.instance, effect], [controlIn.instance, control]] as const) {
      for (const key of ["band_kind", "target"] as const) {
        if (o.summary[key] !== want[key]) {
          throw new AttributionError(
            `contrast (protocol ${p.protocol}): ${name} used ${key} ${o.summary[key]}, the protocol needs ${
              want[key]
            }`,
          );
        }
      }
    }
    const same = effect.indices.length === control.indices.length &&
      effect.indices.every((v, i) => v === control.indices[i]) && effect.shape[1] === control.shape[1] &&
      effect.summary.shares?.mass === control.summary.shares?.mass;
    if (!same) {
      throw new AttributionError(
        `contrast: ${effectIn.instance} and ${controlIn.instance} did not attribute the same images, bands and ` +
          `share mass (give both occlusion stages the same select_seed, limit, split and share_mass)`,
      );
    }
    const [n, bands] = effect.shape as [number, number];
    const accuracy = (o: typeof effect) => Number(o.summary.clean_accuracy);
    const name = (input: typeof effectIn, o: typeof effect) =>
      `${coordsLabel(input.coords ?? [], input.instance)} (clean ${(100 * accuracy(o)).toFixed(1)} %)`;
    const verdicts = ofContrastVerdicts(effect.scores, control.scores, [n, bands], {
      protocol: p.protocol,
      effectName: name(effectIn, effect),
      nullName: name(controlIn, control),
      mass: effect.summary.shares?.mass ?? "positive",
      seed: p.seed ?? ctx.seed,
      resamples: p.resamples,
      level: p.level,
    });
    for (const v of verdicts) ctx.log(`${v.finding}: ${v.difference.estimate.toFixed(4)} → ${v.verdict}`);
    await writeJsonAtomic(join(ctx.outDir, "summary.json"), {
      protocol: p.protocol,
      images: n,
      bands,
      band_kind: effect.summary.band_kind,
      target: effect.summary.target,
      effect: { instance: effectIn.instance, clean_accuracy: accuracy(effect) },
      control: { instance: controlIn.instance, clean_accuracy: accuracy(control) },
      verdicts,
    });
  },
});
