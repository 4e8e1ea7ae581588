/**
 * `contrast`: the Occluded Frequency finding tested against a comparison model on the same images —
 * the low-third share of OF attribution of `effect` (e.g. an adversarially trained model) minus that of
 * `control` (the null: the natural model, or a natural model stopped at the robust models' clean
 * accuracy), with a paired bootstrap over images, with and without band 0 (lib/attribution/contrast.ts).
 *
 * Inputs: `effect` and `control`, two `occlusion` stages (read with lib/stages' `readOcclusion`) run on
 * the same images (same `select_seed`, `limit`, split), band kind, explained class and share mass (a
 * mismatch is an error naming both). Fan `effect`
 * out over a sweep to get one contrast per model. Params: `protocol` (`freqlens`: diagonal bands, true
 * class; `authors`: shell bands, predicted class — checked against the occlusion stages' summaries),
 * `resamples` (default 2000), `level` (default 0.95), `seed` (default: the stage's seed).
 *
 * Writes (lib/stages/contrast.ts: `writeContrast`, read back by `readContrast`) `summary.json`:
 * `{protocol, images, bands, band_kind, explain_class, effect: {instance, clean_accuracy}, control:
 * {instance, clean_accuracy}, verdicts: [Verdict, Verdict]}` (with band 0, then without it).
 */
import { z } from "zod";
import { defineTask, oneInput } from "../pipeline/task.ts";
import { AttributionError, ofContrastVerdicts } from "../lib/attribution/mod.ts";
import { type OcclusionFiles, readOcclusion, writeContrast } from "../lib/stages/mod.ts";
import { coordsLabel } from "../lib/report/labels.ts";

const params = z.strictObject({
  protocol: z.enum(["freqlens", "authors"]).default("freqlens"),
  resamples: z.number().int().positive().default(2000),
  level: z.number().gt(0).lt(1).default(0.95),
  seed: z.number().int().optional(),
});

/** What each protocol's occlusion stages must have used. */
const PROTOCOL_OCCLUSION = {
  freqlens: { band_kind: "diagonal", explain_class: "label" },
  authors: { band_kind: "shell", explain_class: "predicted" },
} as const;

export default defineTask({
  description: "OF low-third share of a model minus a comparison model's, paired over the same images",
  params,
  numeric: false,
  inputs: {
    effect: { doc: "the occlusion stage of the model tested (attributions.npy, indices.npy, summary.json)" },
    control: { doc: "the occlusion stage of the comparison model, on the same images" },
  },
  async run(ctx) {
    const p = ctx.params;
    const [effectIn, controlIn] = [oneInput(ctx.inputs, "effect"), oneInput(ctx.inputs, "control")];
    const [effect, control] = [await readOcclusion(effectIn.dir), await readOcclusion(controlIn.dir)];
    const want = PROTOCOL_OCCLUSION[p.protocol];
    for (const [name, o] of [[effectIn.instance, effect], [controlIn.instance, control]] as const) {
      for (const key of ["band_kind", "explain_class"] as const) {
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
      effect.indices.every((v, i) => v === control.indices[i]) &&
      effect.summary.bands === control.summary.bands &&
      effect.summary.shares?.mass === control.summary.shares?.mass;
    if (!same) {
      throw new AttributionError(
        `contrast: ${effectIn.instance} and ${controlIn.instance} did not attribute the same images, bands and ` +
          `share mass (give both occlusion stages the same select_seed, limit, split and share_mass)`,
      );
    }
    const { images: n, bands } = effect.summary;
    const accuracy = (o: OcclusionFiles) => o.summary.clean_accuracy;
    const name = (input: typeof effectIn, o: OcclusionFiles) =>
      `${coordsLabel(input.coords, input.instance)} (clean ${(100 * accuracy(o)).toFixed(1)} %)`;
    const verdicts = ofContrastVerdicts(effect.attributions, control.attributions, [n, bands], {
      protocol: p.protocol,
      effectName: name(effectIn, effect),
      nullName: name(controlIn, control),
      mass: effect.summary.shares?.mass ?? "positive",
      seed: p.seed ?? ctx.seed,
      resamples: p.resamples,
      level: p.level,
    });
    for (const v of verdicts) ctx.log(`${v.finding}: ${v.difference.estimate.toFixed(4)} → ${v.verdict}`);
    await writeContrast(ctx.outDir, {
      protocol: p.protocol,
      images: n,
      bands,
      band_kind: effect.summary.band_kind,
      explain_class: effect.summary.explain_class,
      effect: { instance: effectIn.instance, clean_accuracy: accuracy(effect) },
      control: { instance: controlIn.instance, clean_accuracy: accuracy(control) },
      verdicts,
    });
  },
});
