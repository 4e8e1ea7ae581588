/**
 * The contract of a `contrast` stage entry (tasks/contrast.ts): one file, `summary.json` —
 * {@link ContrastSummary}: `{protocol, images, bands, band_kind, explain_class, effect: {instance,
 * clean_accuracy}, control: {instance, clean_accuracy}, verdicts}` (with band 0, then without it).
 */
import { z } from "zod";
import { fraction, readJsonFile, verdictSchema, writeJsonFile } from "./files.ts";

const side = z.object({ instance: z.string().min(1), clean_accuracy: fraction });
const summarySchema = z.object({
  protocol: z.enum(["freqlens", "authors"]),
  images: z.number().int().positive(),
  bands: z.number().int().positive(),
  band_kind: z.string(),
  explain_class: z.enum(["label", "predicted"]),
  effect: side,
  control: side,
  verdicts: z.array(verdictSchema),
});
/** `summary.json` of a `contrast` entry. */
export type ContrastSummary = z.infer<typeof summarySchema>;

/** Writes a `contrast` entry into `dir`. */
export function writeContrast(dir: string, summary: ContrastSummary): Promise<void> {
  return writeJsonFile(dir, "summary.json", summarySchema, summary);
}

/** The `contrast` entry in `dir`. */
export function readContrast(dir: string): Promise<ContrastSummary> {
  return readJsonFile(dir, "summary.json", summarySchema);
}
