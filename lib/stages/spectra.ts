/**
 * The contract of a `spectra` stage entry (tasks/spectra.ts), H×W×C the image shape, K bands, N pairs;
 * `<d>` is `start` (x_r − x₀, the paper's definition), `target` (x_r − x) or `contrast` (x − x₀):
 *
 * - `diff_map_<d>.npy` float32 [H, W, C]: mean |DCT(Δ)| per coefficient and channel;
 * - `diff_map_mean_<d>.npy` float32 [H, W]: the same, averaged over channels;
 * - `band_profile_<d>.npy` float32 [K]: mean of the map per band;
 * - `pair_profiles_<d>.npy` float32 [N, K]: the band profile of each pair;
 * - `diff_map_mean.npy`, `band_profile.npy`: copies of the `start` ones;
 * - `summary.json`: {@link SpectraSummary} — pairs, bands, band kind, `spectra` per definition (shares,
 *   profile), `shares` (the start one's), `convergence` of the synthesis, `contrast` against a reference
 *   set (null without one) and `verdicts`.
 */
import { join } from "node:path";
import { z } from "zod";
import { writeNpy } from "../io/npy.ts";
import {
  finite,
  fraction,
  readArrayFile,
  readJsonFile,
  sharesSchema,
  StageFileError,
  verdictSchema,
  writeJsonFile,
} from "./files.ts";

/** The spectra a `spectra` entry holds, by file suffix. */
export const SPECTRUM_DEFINITIONS = ["start", "target", "contrast"] as const;
/** One of {@link SPECTRUM_DEFINITIONS}. */
export type SpectrumDefinition = (typeof SPECTRUM_DEFINITIONS)[number];

const leveled = sharesSchema.extend({ level: finite });
const pairedContrast = z.object({
  effect: finite,
  null: finite,
  difference: z.object({ estimate: finite, lo: finite, hi: finite, level: finite }),
});
const summarySchema = z.object({
  pairs: z.number().int().positive(),
  bands: z.number().int().positive(),
  band_kind: z.string(),
  paper_definition: z.literal("start"),
  spectra: z.object({
    start: z.object({ definition: z.string(), shares: leveled.nullable(), band_profile: z.array(finite) }),
    target: z.object({ definition: z.string(), shares: leveled.nullable(), band_profile: z.array(finite) }),
    contrast: z.object({ definition: z.string(), shares: leveled.nullable(), band_profile: z.array(finite) }),
  }),
  shares: leveled.nullable(),
  band_profile: z.array(finite),
  convergence: z.object({
    step: finite,
    iterations: z.number().int().nonnegative(),
    initial_distance: finite,
    final_distance: finite,
    final_distance_quantiles: z.object({ q10: finite, median: finite, q90: finite }),
    label_agreement: fraction,
    loss_curve: z.array(z.tuple([z.number().int().nonnegative(), finite])).min(1),
  }),
  contrast: z.object({
    reference: z.string().min(1),
    pairs: z.number().int().positive(),
    start: pairedContrast,
    target: pairedContrast,
  }).nullable(),
  verdicts: z.array(verdictSchema),
});
/** `summary.json` of a `spectra` entry. */
export type SpectraSummary = z.infer<typeof summarySchema>;

/** One difference spectrum's arrays. */
export interface SpectrumArrays {
  /** [H, W, C]. */
  map: { data: Float32Array; shape: [number, number, number] };
  /** [H, W]. */
  channelMean: Float32Array;
  /** [K]. */
  bandProfile: Float32Array;
  /** [N, K]. */
  pairProfiles: Float32Array;
}

/** Everything a `spectra` entry holds. */
export interface SpectraFiles {
  spectra: Record<SpectrumDefinition, SpectrumArrays>;
  summary: SpectraSummary;
}

/** Writes a `spectra` entry into `dir` (with the `start` copies `diff_map_mean.npy`, `band_profile.npy`). */
export async function writeSpectra(dir: string, f: SpectraFiles): Promise<void> {
  const { pairs: n, bands: k } = f.summary;
  for (const d of SPECTRUM_DEFINITIONS) {
    const s = f.spectra[d];
    const [h, w] = s.map.shape;
    await writeNpy(join(dir, `diff_map_${d}.npy`), s.map);
    await writeNpy(join(dir, `diff_map_mean_${d}.npy`), { data: s.channelMean, shape: [h, w] });
    await writeNpy(join(dir, `band_profile_${d}.npy`), { data: s.bandProfile, shape: [k] });
    await writeNpy(join(dir, `pair_profiles_${d}.npy`), { data: s.pairProfiles, shape: [n, k] });
  }
  const start = f.spectra.start;
  await writeNpy(join(dir, "diff_map_mean.npy"), {
    data: start.channelMean,
    shape: start.map.shape.slice(0, 2),
  });
  await writeNpy(join(dir, "band_profile.npy"), { data: start.bandProfile, shape: [k] });
  await writeJsonFile(dir, "summary.json", summarySchema, f.summary);
}

/**
 * The `spectra` entry in `dir`, every array checked against the summary's pair and band counts (and the
 * `start` copies against the `start` arrays).
 */
export async function readSpectra(dir: string): Promise<SpectraFiles> {
  const summary = await readJsonFile(dir, "summary.json", summarySchema);
  const { pairs: n, bands: k } = summary;
  const spectra = {} as Record<SpectrumDefinition, SpectrumArrays>;
  for (const d of SPECTRUM_DEFINITIONS) {
    const map = await readArrayFile(dir, `diff_map_${d}.npy`, {
      dtype: "float32",
      shape: [null, null, null],
    });
    const [h, w, c] = map.shape;
    spectra[d] = {
      map: { data: map.data, shape: [h, w, c] },
      channelMean:
        (await readArrayFile(dir, `diff_map_mean_${d}.npy`, { dtype: "float32", shape: [h, w] })).data,
      bandProfile: (await readArrayFile(dir, `band_profile_${d}.npy`, { dtype: "float32", shape: [k] })).data,
      pairProfiles:
        (await readArrayFile(dir, `pair_profiles_${d}.npy`, { dtype: "float32", shape: [n, k] })).data,
    };
  }
  const copies = [
    ["diff_map_mean.npy", spectra.start.channelMean, spectra.start.map.shape.slice(0, 2)],
    ["band_profile.npy", spectra.start.bandProfile, [k]],
  ] as const;
  for (const [name, want, shape] of copies) {
    const got = (await readArrayFile(dir, name, { dtype: "float32", shape })).data;
    if (got.some((v, i) => v !== want[i])) {
      throw new StageFileError(join(dir, name), "differs from the `start` spectrum it copies");
    }
  }
  return { spectra, summary };
}
