/**
 * The contract of a `fourier` stage entry (tasks/fourier.ts):
 *
 * - `heatmap.npy` float32 [H, W]: error rate per frequency ((0, 0) top-left; DCT basis, or the real
 *   Fourier basis in unshifted FFT order);
 * - `summary.json`: {@link FourierSummary} — images, eps, basis, sign, clip, clean error rate, mean / max
 *   error over frequencies and the frequency of the max.
 */
import { join } from "node:path";
import { z } from "zod";
import { writeNpy } from "../io/npy.ts";
import { finite, fraction, readArrayFile, readJsonFile, writeJsonFile } from "./files.ts";

const summarySchema = z.object({
  images: z.number().int().positive(),
  eps: finite,
  basis: z.enum(["dct", "fourier"]),
  sign: z.enum(["random", "positive", "negative"]),
  clip: z.boolean(),
  clean_error: fraction,
  mean_error: fraction,
  max_error: fraction,
  max_frequency: z.array(z.number().int().nonnegative()).length(2),
});
/** `summary.json` of a `fourier` entry. */
export type FourierSummary = z.infer<typeof summarySchema>;

/** Everything a `fourier` entry holds. */
export interface FourierFiles {
  heatmap: { data: Float32Array; shape: [number, number] };
  summary: FourierSummary;
}

/** Writes a `fourier` entry into `dir`. */
export async function writeFourier(dir: string, f: FourierFiles): Promise<void> {
  await writeNpy(join(dir, "heatmap.npy"), f.heatmap);
  await writeJsonFile(dir, "summary.json", summarySchema, f.summary);
}

/** The `fourier` entry in `dir`. */
export async function readFourier(dir: string): Promise<FourierFiles> {
  const summary = await readJsonFile(dir, "summary.json", summarySchema);
  const map = await readArrayFile(dir, "heatmap.npy", { dtype: "float32", shape: [null, null] });
  return { heatmap: { data: map.data, shape: [map.shape[0], map.shape[1]] }, summary };
}
