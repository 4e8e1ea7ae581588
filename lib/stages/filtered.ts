/**
 * The contract of a `filtered` stage entry (tasks/filtered.ts):
 *
 * - `curves.csv`: `cutoff, low_pass_accuracy, high_pass_accuracy` for cut-offs k = 0..bands (low-pass at
 *   k = bands and high-pass at k = 0 are the unfiltered images);
 * - `summary.json`: {@link FilteredSummary} — images, bands, band kind, clean accuracy, and the smallest
 *   cut-off whose low-pass accuracy reaches 90 % of the clean accuracy.
 */
import { join } from "node:path";
import { z } from "zod";
import { writeCsvAtomic } from "../io/atomic.ts";
import { fraction, readCsvFile, readJsonFile, StageFileError, writeJsonFile } from "./files.ts";

const summarySchema = z.object({
  images: z.number().int().positive(),
  bands: z.number().int().positive(),
  band_kind: z.string(),
  clean_accuracy: fraction,
  low_pass_cutoff_90: z.number().int().nonnegative(),
});
/** `summary.json` of a `filtered` entry. */
export type FilteredSummary = z.infer<typeof summarySchema>;

/** The accuracy curves over the cut-off band, one value per cut-off 0..bands. */
export interface FilteredCurves {
  cutoffs: Float64Array;
  lowPass: Float64Array;
  highPass: Float64Array;
}

/** Everything a `filtered` entry holds. */
export interface FilteredFiles {
  curves: FilteredCurves;
  summary: FilteredSummary;
}

/** Writes a `filtered` entry into `dir`. */
export async function writeFiltered(dir: string, f: FilteredFiles): Promise<void> {
  await writeCsvAtomic(
    join(dir, "curves.csv"),
    Array.from(f.curves.cutoffs, (cutoff, k) => ({
      cutoff,
      low_pass_accuracy: f.curves.lowPass[k],
      high_pass_accuracy: f.curves.highPass[k],
    })),
  );
  await writeJsonFile(dir, "summary.json", summarySchema, f.summary);
}

/** The `filtered` entry in `dir`; the curves must have one row per cut-off 0..bands. */
export async function readFiltered(dir: string): Promise<FilteredFiles> {
  const summary = await readJsonFile(dir, "summary.json", summarySchema);
  const cols = await readCsvFile(dir, "curves.csv", ["cutoff", "low_pass_accuracy", "high_pass_accuracy"]);
  if (cols.cutoff.length !== summary.bands + 1) {
    throw new StageFileError(
      join(dir, "curves.csv"),
      `${cols.cutoff.length} rows, expected ${summary.bands + 1} (cut-offs 0..${summary.bands})`,
    );
  }
  return {
    curves: { cutoffs: cols.cutoff, lowPass: cols.low_pass_accuracy, highPass: cols.high_pass_accuracy },
    summary,
  };
}
