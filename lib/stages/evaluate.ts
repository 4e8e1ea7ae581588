/**
 * The contract of an `evaluate` stage entry (tasks/evaluate.ts): one file, `summary.json` —
 * `{images, clean_accuracy, pgd_accuracy (null without PGD), pgd: {norm, eps, steps, step_size?, restarts}
 * | null, limit (null: the whole split), seed, seconds, backend: {name, tfjs}}`.
 */
import { z } from "zod";
import { finite, fraction, readJsonFile, writeJsonFile } from "./files.ts";

const summarySchema = z.object({
  images: z.number().int().positive(),
  clean_accuracy: fraction,
  pgd_accuracy: fraction.nullable(),
  pgd: z.object({
    norm: z.enum(["linf", "l2"]),
    eps: finite,
    steps: z.number().int().positive(),
    step_size: finite.optional(),
    restarts: z.number().int().positive(),
  }).nullable(),
  limit: z.number().int().positive().nullable(),
  seed: z.number().int(),
  seconds: finite,
  backend: z.object({ name: z.string(), tfjs: z.string() }),
});
/** `summary.json` of an `evaluate` entry. */
export type EvaluateSummary = z.infer<typeof summarySchema>;

/** Writes an `evaluate` entry into `dir`. */
export function writeEvaluate(dir: string, summary: EvaluateSummary): Promise<void> {
  return writeJsonFile(dir, "summary.json", summarySchema, summary);
}

/** The summary of the `evaluate` entry in `dir`. */
export function readEvaluate(dir: string): Promise<EvaluateSummary> {
  return readJsonFile(dir, "summary.json", summarySchema);
}
