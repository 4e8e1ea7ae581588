/**
 * `spectra`: the spectrum of a synthesized set against its targets (the paper's Fig. 3): the mean
 * |DCT(x_r) − DCT(x)| map, its band profile, and the low / middle / high shares of the profile with
 * bootstrap intervals over pairs.
 *
 * Inputs: `synthesize` (a `synthesize` stage), `data` (the `data` stage it read). Sweep the synthesize
 * stage (or its model) to compare robust and non-robust sets. Param `against` picks the pair partner:
 * the target image x (default) or the start image x₀.
 *
 * Writes (H×W×C the image shape, K bands):
 * - `diff_map.npy` float32 [H, W, C]: mean |ΔDCT| per coefficient and channel;
 * - `diff_map_mean.npy` float32 [H, W]: the same, averaged over channels;
 * - `band_profile.npy` float32 [K]: mean of the map per band;
 * - `summary.json`: pairs, bands, the shares with intervals (null when the sets are identical).
 */
import { join } from "node:path";
import { z } from "zod";
import { BAND_KINDS } from "../lib/dct/mod.ts";
import { defineTask, oneInput } from "../pipeline/task.ts";
import { readNpy, writeJsonAtomic, writeNpy } from "../lib/io/mod.ts";
import { deriveSeed } from "../lib/stats/mod.ts";
import { gatherImages, readDataSplit } from "../lib/attribution/mod.ts";
import { differenceSpectrum } from "../lib/spectra/mod.ts";

const params = z.strictObject({
  against: z.enum(["target", "start"]).default("target"),
  band_kind: z.enum(BAND_KINDS).default("diagonal"),
  bootstrap: z.number().int().positive().default(1000),
  level: z.number().gt(0).lt(1).default(0.95),
});

export default defineTask({
  description: "Mean |ΔDCT| spectrum of a synthesized set against its targets, band profile and shares",
  params,
  numeric: false,
  inputs: {
    synthesize: { doc: "a synthesize stage (its robust / non-robust images)" },
    data: { doc: "the data stage (train/test .npy arrays, meta.json)" },
  },
  async run(ctx) {
    const p = ctx.params;
    const synthDir = oneInput(ctx.inputs, "synthesize").dir;
    const summary = JSON.parse(await Deno.readTextFile(join(synthDir, "summary.json")));
    const synth = await readNpy(join(synthDir, "images.npy"));
    const partners = await readNpy(
      join(synthDir, p.against === "target" ? "target_indices.npy" : "start_indices.npy"),
    );
    const data = await readDataSplit(oneInput(ctx.inputs, "data").dir, summary.split);
    const pairs = gatherImages(data.images, partners.data as Int32Array);
    const spectrum = differenceSpectrum({ data: synth.data as Float32Array, shape: synth.shape }, pairs, {
      seed: deriveSeed(ctx.seed, "bootstrap"),
      resamples: p.bootstrap,
      level: p.level,
      bandKind: p.band_kind,
    });
    const [h, w, c] = spectrum.shape;
    await writeNpy(join(ctx.outDir, "diff_map.npy"), {
      data: Float32Array.from(spectrum.map),
      shape: [h, w, c],
    });
    await writeNpy(join(ctx.outDir, "diff_map_mean.npy"), {
      data: Float32Array.from(spectrum.channelMean),
      shape: [h, w],
    });
    await writeNpy(join(ctx.outDir, "band_profile.npy"), {
      data: Float32Array.from(spectrum.bandProfile),
      shape: [spectrum.bandProfile.length],
    });
    await writeJsonAtomic(join(ctx.outDir, "summary.json"), {
      pairs: pairs.shape[0],
      against: p.against,
      bands: spectrum.bandProfile.length,
      band_kind: p.band_kind,
      shares: spectrum.shares && { level: p.level, ...spectrum.shares },
      band_profile: Array.from(spectrum.bandProfile),
    });
  },
});
