/**
 * `rct`: the RCT map of an attack (mean over images of |DCT(x′) − DCT(x)| / max(|DCT(x)|, floor)), its band
 * profile and its low / middle / high band shares with bootstrap intervals (lib/analysis/rct.ts), beside
 * its null models on the same pairs and the verdicts against them (lib/analysis/rct_nulls.ts).
 *
 * Inputs: `attack` (an `attack` stage) and `data` (the `data` stage the attack ran on, whose test split
 * the attack's `indices.npy` index), read as pairs by lib/analysis' `loadAttackPairs` (lib/stages'
 * `readAttack`, `readDataSplit`). Params:
 * - `protocol`: `freqlens` (default: RCT per channel, `floor` 0.01, diagonal bands i + j, successful
 *   attacks only) or `authors` (their `attack_analysis.py`: channel-averaged DCT, then divided, no floor —
 *   zero denominators are excluded and counted —, square-shell bands max(i, j), every attacked image);
 *   `variant` (`per_channel` | `channel_mean`), `floor` (a number, or null for none), `band_kind` and
 *   `subset` (`successful` | `all`) override the protocol's choices;
 * - `noise_clip` (default true): clip the equal-norm noise null to [0, 1];
 * - `resamples` (bootstrap, default 1000), `level` (default 0.95), `seed` (default: the stage's seed).
 *
 * Writes (lib/stages/rct.ts: `writeRct`, read back by `readRct`; B bands, low to high):
 * - `rct.npy` float64 [H,W,C′]: the RCT map (C′ = C, or 1 for `channel_mean`); `rct_mean.npy` [H,W];
 * - `band_profile.npy` float64 [B]: the pooled mean of R per band;
 * - `image_band_profiles.npy` float64 [N,B]: per-image band profiles;
 * - `summary.json`: `{protocol, variant, floor, band_kind, subset, pairs, attacked, bands, thirds, shares:
 *   {low, middle, high: {estimate, lo, hi}} | null, excluded, bootstrap, peak_band, nulls: {noise:
 *   {shares, excluded, clip, mean_norm_ratio}, shuffled: {shares, excluded}, energy: {attack, noise}},
 *   verdicts: [Verdict]}` — `excluded` counts zero-denominator entries (only without a floor);
 *   `mean_norm_ratio` is the noise's mean realised / requested l2 (below 1 when clipping bites); the
 *   verdicts are the RCT high-third share against noise and against the shuffled perturbation, and the
 *   DCT-energy high-third share of x′ − x against noise (lib/stats/verdict.ts).
 */
import { z } from "zod";
import { defineTask, oneInput } from "../pipeline/task.ts";
import { writeRct } from "../lib/stages/mod.ts";
import {
  DEFAULT_RCT_FLOOR,
  loadAttackPairs,
  PairsError,
  rctAnalysis,
  rctNullComparison,
  selectPairs,
} from "../lib/analysis/mod.ts";
import { BAND_KINDS } from "../lib/dct/mod.ts";
import { thirdSizes } from "../lib/stats/mod.ts";

const params = z.strictObject({
  protocol: z.enum(["freqlens", "authors"]).default("freqlens"),
  variant: z.enum(["per_channel", "channel_mean"]).optional(),
  floor: z.number().positive().nullable().optional(),
  band_kind: z.enum(BAND_KINDS).optional(),
  subset: z.enum(["successful", "all"]).optional(),
  noise_clip: z.boolean().default(true),
  resamples: z.number().int().min(1).default(1000),
  level: z.number().gt(0).lt(1).default(0.95),
  seed: z.number().int().optional(),
});

/** Each protocol's choices, where the params leave them open. */
const PROTOCOLS = {
  freqlens: { variant: "per_channel", floor: DEFAULT_RCT_FLOOR, band_kind: "diagonal", subset: "successful" },
  authors: { variant: "channel_mean", floor: null, band_kind: "shell", subset: "all" },
} as const;

export default defineTask({
  description: "RCT map of an attack: relative change of DCT coefficients, band shares, nulls and verdicts",
  params,
  numeric: false,
  inputs: {
    attack: { doc: "an attack stage (adv_x.npy, indices.npy, success.npy)" },
    data: { doc: "the data stage (train/test .npy arrays, meta.json)" },
  },
  async run(ctx) {
    const p = ctx.params;
    const base = PROTOCOLS[p.protocol];
    const variant = p.variant ?? base.variant;
    const floor = p.floor === undefined ? base.floor : p.floor;
    const bandKind = p.band_kind ?? base.band_kind;
    const subset = p.subset ?? base.subset;
    const attackInput = oneInput(ctx.inputs, "attack");
    const attackDir = attackInput.dir;
    const all = await loadAttackPairs(attackDir, oneInput(ctx.inputs, "data").dir);
    const pairs = subset === "all" ? all : selectPairs(all, (k) => all.success[k] === 1);
    const [n, h, w] = pairs.shape;
    if (n === 0) {
      throw new PairsError(`${attackDir}: none of its ${all.shape[0]} attacks succeeded; use subset: all`);
    }
    const seed = p.seed ?? ctx.seed;
    ctx.log(`RCT (${p.protocol}: ${variant}, floor ${floor}, ${bandKind} bands) of ${n} pairs (${subset})`);
    const options = { floor, variant, bandKind };
    const bootstrap = { seed, resamples: p.resamples, level: p.level };
    const res = rctAnalysis(pairs, { ...options, bootstrap });
    const nulls = rctNullComparison(pairs, res, {
      ...options,
      seed,
      clipNoise: p.noise_clip,
      resamples: p.resamples,
      level: p.level,
      protocol: p.protocol,
      name: attackInput.instance,
    });
    for (const v of nulls.verdicts) {
      ctx.log(`${v.finding}: ${v.difference.estimate.toFixed(4)} → ${v.verdict}`);
    }
    const bands = res.profile.length;
    const summary = {
      protocol: p.protocol,
      variant,
      floor,
      band_kind: bandKind,
      subset,
      pairs: n,
      attacked: all.shape[0],
      bands,
      thirds: thirdSizes(bands),
      shares: res.shares,
      excluded: res.excluded,
      bootstrap,
      peak_band: res.profile.indexOf(Math.max(...res.profile)),
      nulls: {
        noise: {
          shares: nulls.noise.shares,
          excluded: nulls.noise.excluded,
          clip: p.noise_clip,
          mean_norm_ratio: nulls.noise.meanNormRatio,
        },
        shuffled: nulls.shuffled,
        energy: nulls.energy,
      },
      verdicts: nulls.verdicts,
    };
    await writeRct(ctx.outDir, {
      map: { data: res.map, shape: [h, w, res.map.length / (h * w)] },
      mean: { data: res.mean, shape: [h, w] },
      bandProfile: res.profile,
      imageProfiles: res.imageProfiles,
      summary,
    });
  },
});
