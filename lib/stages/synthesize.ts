/**
 * The contract of a `synthesize` stage entry (tasks/synthesize.ts), N synthesized images:
 *
 * - `images.npy` float32 [N, H, W, C] in [0, 1]: the synthesized images x_r;
 * - `labels.npy` int32 [N]: their labels (the targets' labels);
 * - `target_indices.npy`, `start_indices.npy` int32 [N]: split indices of the targets x and start images x₀;
 * - `initial_distance.npy`, `final_distance.npy` float32 [N]: each image's ‖g(x_r) − g(x)‖₂ / ‖g(x)‖₂ at
 *   its start image and after the last step;
 * - `loss_curve.csv`: `iteration, loss` — mean relative distance before each step, and after the last;
 * - `summary.json`: {@link SynthesisSummary} — dataset, split, images, step, iterations, mean initial /
 *   final distance and their ratio, the fraction of synthesized images the model gives their label.
 */
import { join } from "node:path";
import { z } from "zod";
import { writeCsvAtomic } from "../io/atomic.ts";
import { writeNpy } from "../io/npy.ts";
import type { ImageArray } from "../attribution/images.ts";
import {
  finite,
  fraction,
  readArrayFile,
  readCsvFile,
  readJsonFile,
  readVectors,
  StageFileError,
  writeJsonFile,
  writeVectors,
} from "./files.ts";

const summarySchema = z.object({
  dataset: z.string(),
  split: z.enum(["train", "test"]),
  images: z.number().int().positive(),
  step: finite,
  iterations: z.number().int().nonnegative(),
  initial_distance: finite,
  final_distance: finite,
  distance_ratio: finite,
  label_agreement: fraction,
});
/** `summary.json` of a `synthesize` entry. */
export type SynthesisSummary = z.infer<typeof summarySchema>;

/** What a `synthesize` entry holds. */
export interface SynthesisFiles {
  /** Synthesized images x_r, NHWC float32 in [0, 1]. */
  images: ImageArray;
  /** Label of each x_r (its target's), int32 `[N]`. */
  labels: Int32Array;
  /** Split indices of the targets x and of the start images x₀, int32 `[N]`. */
  targetIndices: Int32Array;
  startIndices: Int32Array;
  /** Per-image ‖g(x_r) − g(x)‖₂ / ‖g(x)‖₂ at the start and at the end, float32 `[N]`. */
  initialDistance: Float32Array;
  finalDistance: Float32Array;
  /** Mean relative distance before each step and after the last, `[iterations + 1]`. */
  lossCurve: Float32Array;
  summary: SynthesisSummary;
}

const VECTORS = {
  labels: ["labels.npy", "int32"],
  targetIndices: ["target_indices.npy", "int32"],
  startIndices: ["start_indices.npy", "int32"],
  initialDistance: ["initial_distance.npy", "float32"],
  finalDistance: ["final_distance.npy", "float32"],
} as const;

/** Writes a `synthesize` entry into `dir`. */
export async function writeSynthesis(dir: string, f: SynthesisFiles): Promise<void> {
  await writeNpy(join(dir, "images.npy"), f.images);
  await writeVectors(dir, VECTORS, f);
  await writeCsvAtomic(
    join(dir, "loss_curve.csv"),
    Array.from(f.lossCurve, (loss, iteration) => ({ iteration, loss })),
  );
  await writeJsonFile(dir, "summary.json", summarySchema, f.summary);
}

/** Reads the `synthesize` entry in `dir`; throws naming the file when one is missing or sized wrong. */
export async function readSynthesis(dir: string): Promise<SynthesisFiles> {
  const summary = await readJsonFile(dir, "summary.json", summarySchema);
  const n = summary.images;
  const images = await readArrayFile(dir, "images.npy", { dtype: "float32", shape: [n, null, null, null] });
  const vectors = await readVectors(dir, VECTORS, n);
  const curve = await readCsvFile(dir, "loss_curve.csv", ["iteration", "loss"]);
  if (curve.loss.length !== summary.iterations + 1) {
    throw new StageFileError(
      join(dir, "loss_curve.csv"),
      `${curve.loss.length} rows, expected ${summary.iterations + 1} (iterations + 1)`,
    );
  }
  return {
    images: { data: images.data, shape: images.shape as [number, number, number, number] },
    ...vectors,
    lossCurve: Float32Array.from(curve.loss),
    summary,
  };
}
