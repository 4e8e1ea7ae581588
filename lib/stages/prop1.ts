/**
 * The contract of a `prop1` stage entry (tasks/prop1.ts), N attack pairs × C channels:
 *
 * - `l1.npy`, `dc_diff.npy` float64 [N,C]: ‖x − x′‖₁ and |X₀ − X′₀| per pair and channel;
 * - `summary.json`: {@link Prop1Summary} — `{pairs, channels, perturbed, unperturbed, holdsAll, violations,
 *   minSlack, tightness: {count, mean, median, min, max, p90} | null, tolerance}` (only the perturbed
 *   entries, ‖x − x′‖₁ > 0, are checks).
 */
import { join } from "node:path";
import { z } from "zod";
import { writeNpy } from "../io/npy.ts";
import { finite, readArrayFile, readJsonFile, writeJsonFile } from "./files.ts";

const count = z.number().int().nonnegative();
const summarySchema = z.object({
  pairs: z.number().int().positive(),
  channels: z.number().int().positive(),
  perturbed: count,
  unperturbed: count,
  holdsAll: z.boolean(),
  violations: count,
  minSlack: finite,
  tightness: z.object({ count, mean: finite, median: finite, min: finite, max: finite, p90: finite })
    .nullable(),
  tolerance: finite,
});
/** `summary.json` of a `prop1` entry. */
export type Prop1Summary = z.infer<typeof summarySchema>;

/** Everything a `prop1` entry holds; `l1` and `dcDiff` are [pairs, channels] in C order. */
export interface Prop1Files {
  l1: Float64Array;
  dcDiff: Float64Array;
  summary: Prop1Summary;
}

/** Writes a `prop1` entry into `dir`. */
export async function writeProp1(dir: string, f: Prop1Files): Promise<void> {
  const shape = [f.summary.pairs, f.summary.channels];
  await writeNpy(join(dir, "l1.npy"), { data: f.l1, shape });
  await writeNpy(join(dir, "dc_diff.npy"), { data: f.dcDiff, shape });
  await writeJsonFile(dir, "summary.json", summarySchema, f.summary);
}

/** The `prop1` entry in `dir`, its arrays checked against the summary's counts. */
export async function readProp1(dir: string): Promise<Prop1Files> {
  const summary = await readJsonFile(dir, "summary.json", summarySchema);
  const shape = [summary.pairs, summary.channels];
  const l1 = await readArrayFile(dir, "l1.npy", { dtype: "float64", shape });
  const dcDiff = await readArrayFile(dir, "dc_diff.npy", { dtype: "float64", shape });
  return { l1: l1.data, dcDiff: dcDiff.data, summary };
}
