/**
 * The contract of an `occlusion` stage entry (tasks/occlusion.ts), N selected images, K bands, H×W×C:
 *
 * - `attributions.npy` float32 [N, K]: f_c(x) − f_c(x̃_k), band k replaced by the baseline;
 * - `indices.npy` int32 [N]: split indices of the images; `labels.npy` int32 [N]; `targets.npy` int32 [N]
 *   (the explained class: the label, or the prediction with `explain_class: predicted`);
 * - `class_profiles.npy` float32 [classes, K]: mean attribution per class (zeros for absent classes);
 * - `top_bands.npy` int32 [N, top_k]: each image's highest-attribution bands, best first;
 * - `cumulative.csv` (with `cumulative: true`): `k, mean_drop, drop_lo, drop_hi, accuracy`, k = 0..K;
 * - `single_image.npy` float32 [V, H, W, C]: the single-image views (`summary.single_image.layout`);
 * - `label_change.npy` float64 [K]: per band, the fraction of images whose prediction changes;
 * - `summary.json`: {@link OcclusionSummary}.
 */
import { join } from "node:path";
import { z } from "zod";
import { writeCsvAtomic } from "../io/atomic.ts";
import { writeNpy } from "../io/npy.ts";
import {
  finite,
  fraction,
  hasFile,
  readArrayFile,
  readCsvFile,
  readJsonFile,
  readVectors,
  sharesSchema,
  StageFileError,
  writeJsonFile,
  writeVectors,
} from "./files.ts";

const massShares = sharesSchema.extend({ mass: z.enum(["positive", "absolute"]), level: finite });
const summarySchema = z.object({
  dataset: z.string(),
  split: z.enum(["train", "test"]),
  images: z.number().int().positive(),
  bands: z.number().int().positive(),
  band_kind: z.string(),
  baseline: z.string(),
  explain_class: z.enum(["label", "predicted"]),
  score: z.enum(["logit", "probability"]),
  clean_accuracy: fraction,
  shares: massShares.nullable(),
  shares_without_dc: massShares.nullable(),
  label_change_rate: z.array(fraction),
  mean_profile: z.array(finite),
  class_counts: z.array(z.number().int().nonnegative()),
  class_names: z.array(z.string()),
  single_image: z.object({
    position: z.number().int().nonnegative(),
    split_index: z.number().int().nonnegative(),
    label: z.number().int().nonnegative(),
    k: z.array(z.number().int().positive()),
    top_bands: z.array(z.number().int().nonnegative()),
    attribution: z.array(finite),
    layout: z.array(z.string()),
  }),
});
/** `summary.json` of an `occlusion` entry. */
export type OcclusionSummary = z.infer<typeof summarySchema>;

/** One row of `cumulative.csv`: the k lowest bands ablated. */
const CUMULATIVE_COLUMNS = ["k", "mean_drop", "drop_lo", "drop_hi", "accuracy"] as const;
export type CumulativeRow = Record<(typeof CUMULATIVE_COLUMNS)[number], number>;

const VECTORS = {
  indices: ["indices.npy", "int32"],
  labels: ["labels.npy", "int32"],
  targets: ["targets.npy", "int32"],
} as const;

/** Everything an `occlusion` entry holds. */
export interface OcclusionFiles {
  /** [N, K] in C order. */
  attributions: Float32Array;
  indices: Int32Array;
  labels: Int32Array;
  targets: Int32Array;
  /** [classes, K]. */
  classProfiles: Float32Array;
  /** [N, topK]. */
  topBands: { data: Int32Array; topK: number };
  /** Null when the stage ran with `cumulative: false`. */
  cumulative: CumulativeRow[] | null;
  singleImage: { data: Float32Array; shape: [number, number, number, number] };
  labelChange: Float64Array;
  summary: OcclusionSummary;
}

/** Writes an `occlusion` entry into `dir`. */
export async function writeOcclusion(dir: string, f: OcclusionFiles): Promise<void> {
  const { images: n, bands: k } = f.summary;
  const out = (name: string) => join(dir, name);
  await writeNpy(out("attributions.npy"), { data: f.attributions, shape: [n, k] });
  await writeVectors(dir, VECTORS, f);
  await writeNpy(out("class_profiles.npy"), {
    data: f.classProfiles,
    shape: [f.classProfiles.length / k, k],
  });
  await writeNpy(out("top_bands.npy"), { data: f.topBands.data, shape: [n, f.topBands.topK] });
  if (f.cumulative) await writeCsvAtomic(out("cumulative.csv"), f.cumulative, CUMULATIVE_COLUMNS);
  await writeNpy(out("single_image.npy"), f.singleImage);
  await writeNpy(out("label_change.npy"), { data: f.labelChange, shape: [k] });
  await writeJsonFile(dir, "summary.json", summarySchema, f.summary);
}

/** The summary of the `occlusion` entry in `dir`. */
export function readOcclusionSummary(dir: string): Promise<OcclusionSummary> {
  return readJsonFile(dir, "summary.json", summarySchema);
}

/** The `occlusion` entry in `dir`, every array checked against the summary's image and band counts. */
export async function readOcclusion(dir: string): Promise<OcclusionFiles> {
  const summary = await readOcclusionSummary(dir);
  const { images: n, bands: k } = summary;
  const classes = summary.class_counts.length;
  const top = await readArrayFile(dir, "top_bands.npy", { dtype: "int32", shape: [n, null] });
  const single = await readArrayFile(dir, "single_image.npy", {
    dtype: "float32",
    shape: [summary.single_image.layout.length, null, null, null],
  });
  let cumulative: CumulativeRow[] | null = null;
  if (await hasFile(dir, "cumulative.csv")) {
    const cols = await readCsvFile(dir, "cumulative.csv", CUMULATIVE_COLUMNS);
    if (cols.k.length !== k + 1 || cols.k.some((v, r) => v !== r)) {
      throw new StageFileError(
        join(dir, "cumulative.csv"),
        `expected rows k = 0..${k}, found ${cols.k.length} rows`,
      );
    }
    cumulative = Array.from(
      cols.k,
      (_, r) => Object.fromEntries(CUMULATIVE_COLUMNS.map((c) => [c, cols[c][r]])) as CumulativeRow,
    );
  }
  return {
    attributions: (await readArrayFile(dir, "attributions.npy", { dtype: "float32", shape: [n, k] })).data,
    ...await readVectors(dir, VECTORS, n),
    classProfiles:
      (await readArrayFile(dir, "class_profiles.npy", { dtype: "float32", shape: [classes, k] })).data,
    topBands: { data: top.data, topK: top.shape[1] },
    cumulative,
    singleImage: { data: single.data, shape: single.shape as [number, number, number, number] },
    labelChange: (await readArrayFile(dir, "label_change.npy", { dtype: "float64", shape: [k] })).data,
    summary,
  };
}
