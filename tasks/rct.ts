/**
 * `rct`: the RCT map of an attack (mean over images of |DCT(x′) − DCT(x)| / max(|DCT(x)|, floor)), its band
 * profile and its low / middle / high band shares with bootstrap intervals (lib/analysis/rct.ts).
 *
 * Inputs: `attack` (an `attack` stage: `adv_x.npy`, `indices.npy`, `success.npy`) and `data` (the `data`
 * stage the attack ran on: `test_x.npy`, indexed by the attack's `indices.npy`). Params: `floor` of |DCT(x)|
 * (default 0.01), `subset` (`successful`, the default: only pairs where the attack succeeded; `all`),
 * `resamples` (bootstrap, default 1000), `level` (default 0.95), `seed` (default: the stage's seed).
 *
 * Writes (B = H + W − 1 diagonal bands, low to high):
 * - `rct.npy` float64 [H,W,C]: the RCT map per channel; `rct_mean.npy` float64 [H,W]: channel-averaged;
 * - `band_profile.npy` float64 [B]: mean of `rct_mean` per band i + j;
 * - `image_band_profiles.npy` float64 [N,B]: per-image band profiles (their mean is `band_profile`);
 * - `summary.json`: `{floor, subset, pairs, attacked, bands, shares: {low, middle, high: {estimate, lo, hi}}
 *   | null (no change at all), bootstrap: {resamples, level, seed}, peak_band, thirds}`.
 */
import { z } from "zod";
import { join } from "node:path";
import { defineTask, oneInput } from "../pipeline/task.ts";
import { writeJsonAtomic, writeNpy } from "../lib/io/mod.ts";
import {
  DEFAULT_RCT_FLOOR,
  loadAttackPairs,
  PairsError,
  rctAnalysis,
  selectPairs,
} from "../lib/analysis/mod.ts";
import { thirdSizes } from "../lib/stats/mod.ts";

const params = z.strictObject({
  floor: z.number().positive().default(DEFAULT_RCT_FLOOR),
  subset: z.enum(["successful", "all"]).default("successful"),
  resamples: z.number().int().min(1).default(1000),
  level: z.number().gt(0).lt(1).default(0.95),
  seed: z.number().int().optional(),
});

export default defineTask({
  description: "RCT map of an attack: relative change of DCT coefficients, band profile and band shares",
  params,
  numeric: false,
  inputs: {
    attack: { doc: "an attack stage (adv_x.npy, indices.npy, success.npy)" },
    data: { doc: "the data stage (train/test .npy arrays, meta.json)" },
  },
  async run(ctx) {
    const p = ctx.params;
    const attackDir = oneInput(ctx.inputs, "attack").dir;
    const all = await loadAttackPairs(attackDir, oneInput(ctx.inputs, "data").dir);
    const pairs = p.subset === "all" ? all : selectPairs(all, (k) => all.success[k] === 1);
    const [n, h, w, c] = pairs.shape;
    if (n === 0) {
      throw new PairsError(`${attackDir}: none of its ${all.shape[0]} attacks succeeded; use subset: all`);
    }
    const seed = p.seed ?? ctx.seed;
    ctx.log(`RCT of ${n} pairs (${p.subset}) of ${all.shape[0]}, floor ${p.floor}`);
    const res = rctAnalysis(pairs, {
      floor: p.floor,
      bootstrap: { seed, resamples: p.resamples, level: p.level },
    });
    const bands = res.profile.length;
    const out = (f: string) => join(ctx.outDir, f);
    await writeNpy(out("rct.npy"), { data: res.map, shape: [h, w, c] });
    await writeNpy(out("rct_mean.npy"), { data: res.mean, shape: [h, w] });
    await writeNpy(out("band_profile.npy"), { data: res.profile, shape: [bands] });
    await writeNpy(out("image_band_profiles.npy"), { data: res.imageProfiles, shape: [n, bands] });
    await writeJsonAtomic(out("summary.json"), {
      floor: res.floor,
      subset: p.subset,
      pairs: n,
      attacked: all.shape[0],
      bands,
      thirds: thirdSizes(bands),
      shares: res.shares,
      bootstrap: { resamples: p.resamples, level: p.level, seed },
      peak_band: res.profile.indexOf(Math.max(...res.profile)),
    });
  },
});
