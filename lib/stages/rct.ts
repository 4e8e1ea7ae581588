/**
 * The contract of an `rct` stage entry (tasks/rct.ts), B bands low to high:
 *
 * - `rct.npy` float64 [H,W,C′]: the RCT map (C′ = C, or 1 for `channel_mean`); `rct_mean.npy` float64 [H,W];
 * - `band_profile.npy` float64 [B]: the pooled mean of R per band;
 * - `image_band_profiles.npy` float64 [N,B]: per-image band profiles;
 * - `summary.json`: {@link RctSummary} — protocol, variant, floor, band kind, subset, pair counts, bands,
 *   thirds, `shares` (null when undefined), excluded zero denominators, bootstrap settings, peak band, the
 *   nulls (equal-norm noise, shuffled perturbation, DCT energy of attack and noise) and the verdicts.
 */
import { join } from "node:path";
import { z } from "zod";
import { writeNpy } from "../io/npy.ts";
import { finite, readArrayFile, readJsonFile, sharesSchema, verdictSchema, writeJsonFile } from "./files.ts";

const summarySchema = z.object({
  protocol: z.enum(["freqlens", "authors"]),
  variant: z.enum(["per_channel", "channel_mean"]),
  floor: finite.nullable(),
  band_kind: z.string(),
  subset: z.enum(["successful", "all"]),
  pairs: z.number().int().positive(),
  attacked: z.number().int().positive(),
  bands: z.number().int().positive(),
  thirds: z.array(z.number().int().nonnegative()).length(3),
  shares: sharesSchema.nullable(),
  excluded: z.number().int().nonnegative(),
  bootstrap: z.object({ seed: z.number().int(), resamples: z.number().int().positive(), level: finite }),
  peak_band: z.number().int().nonnegative(),
  nulls: z.object({
    noise: z.object({
      shares: sharesSchema.nullable(),
      excluded: z.number().int().nonnegative(),
      clip: z.boolean(),
      mean_norm_ratio: finite,
    }),
    shuffled: z.object({ shares: sharesSchema.nullable(), excluded: z.number().int().nonnegative() }),
    energy: z.object({ attack: sharesSchema.nullable(), noise: sharesSchema.nullable() }),
  }),
  verdicts: z.array(verdictSchema),
});
/** `summary.json` of an `rct` entry. */
export type RctSummary = z.infer<typeof summarySchema>;

/** Everything an `rct` entry holds (arrays in C order with their shapes). */
export interface RctFiles {
  map: { data: Float64Array; shape: [number, number, number] };
  mean: { data: Float64Array; shape: [number, number] };
  bandProfile: Float64Array;
  imageProfiles: Float64Array;
  summary: RctSummary;
}

/** Writes an `rct` entry into `dir`. */
export async function writeRct(dir: string, f: RctFiles): Promise<void> {
  const b = f.bandProfile.length;
  await writeNpy(join(dir, "rct.npy"), f.map);
  await writeNpy(join(dir, "rct_mean.npy"), f.mean);
  await writeNpy(join(dir, "band_profile.npy"), { data: f.bandProfile, shape: [b] });
  await writeNpy(join(dir, "image_band_profiles.npy"), {
    data: f.imageProfiles,
    shape: [f.summary.pairs, b],
  });
  await writeJsonFile(dir, "summary.json", summarySchema, f.summary);
}

/** The `rct` entry in `dir`, every array checked against the summary's pair and band counts. */
export async function readRct(dir: string): Promise<RctFiles> {
  const summary = await readJsonFile(dir, "summary.json", summarySchema);
  const b = summary.bands;
  const map = await readArrayFile(dir, "rct.npy", { dtype: "float64", shape: [null, null, null] });
  const [h, w, c] = map.shape;
  const mean = await readArrayFile(dir, "rct_mean.npy", { dtype: "float64", shape: [h, w] });
  const profile = await readArrayFile(dir, "band_profile.npy", { dtype: "float64", shape: [b] });
  const images = await readArrayFile(dir, "image_band_profiles.npy", {
    dtype: "float64",
    shape: [summary.pairs, b],
  });
  return {
    map: { data: map.data, shape: [h, w, c] },
    mean: { data: mean.data, shape: [h, w] },
    bandProfile: profile.data,
    imageProfiles: images.data,
    summary,
  };
}
