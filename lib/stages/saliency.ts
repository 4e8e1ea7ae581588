/**
 * The contract of a `saliency` stage entry (tasks/saliency.ts), N images, K bands:
 *
 * - `saliency.npy` float32 [N, K]; `indices.npy` int32 [N] (split indices); `labels.npy` int32 [N];
 * - `summary.json`: {@link SaliencySummary} — images, bands, band kind, reduce, input × gradient, the
 *   explained class, the mean profile and its low / middle / high shares with intervals.
 */
import { join } from "node:path";
import { z } from "zod";
import { writeNpy } from "../io/npy.ts";
import {
  finite,
  readArrayFile,
  readJsonFile,
  readVectors,
  sharesSchema,
  writeJsonFile,
  writeVectors,
} from "./files.ts";

const summarySchema = z.object({
  images: z.number().int().positive(),
  bands: z.number().int().positive(),
  band_kind: z.string(),
  reduce: z.enum(["sum", "mean"]),
  input_times_gradient: z.boolean(),
  explain_class: z.enum(["label", "predicted"]),
  mean_profile: z.array(finite),
  shares: sharesSchema.extend({ mass: z.enum(["positive", "absolute"]), level: finite }).nullable(),
});
/** `summary.json` of a `saliency` entry. */
export type SaliencySummary = z.infer<typeof summarySchema>;

const VECTORS = { indices: ["indices.npy", "int32"], labels: ["labels.npy", "int32"] } as const;

/** Everything a `saliency` entry holds; `saliency` is [N, K] in C order. */
export interface SaliencyFiles {
  saliency: Float32Array;
  indices: Int32Array;
  labels: Int32Array;
  summary: SaliencySummary;
}

/** Writes a `saliency` entry into `dir`. */
export async function writeSaliency(dir: string, f: SaliencyFiles): Promise<void> {
  const { images: n, bands: k } = f.summary;
  await writeNpy(join(dir, "saliency.npy"), { data: f.saliency, shape: [n, k] });
  await writeVectors(dir, VECTORS, f);
  await writeJsonFile(dir, "summary.json", summarySchema, f.summary);
}

/** The summary of the `saliency` entry in `dir`. */
export function readSaliencySummary(dir: string): Promise<SaliencySummary> {
  return readJsonFile(dir, "summary.json", summarySchema);
}

/** The `saliency` entry in `dir`, its arrays checked against the summary's counts. */
export async function readSaliency(dir: string): Promise<SaliencyFiles> {
  const summary = await readSaliencySummary(dir);
  const { images: n, bands: k } = summary;
  return {
    saliency: (await readArrayFile(dir, "saliency.npy", { dtype: "float32", shape: [n, k] })).data,
    ...await readVectors(dir, VECTORS, n),
    summary,
  };
}
