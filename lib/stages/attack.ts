/**
 * The contract of an `attack` stage entry (tasks/attack.ts), N = number of attacked images, .npy in C order:
 *
 * - `adv_x.npy` float32 [N,H,W,C] in [0,1]: the adversarial images;
 * - `indices.npy` int32 [N]: their indices into the data stage's test split;
 * - `success.npy` uint8 [N]; `l2.npy`, `linf.npy` float32 [N]: perturbation norms;
 * - `queries.npy` int32 [N] (0 for white-box methods); `clean_pred.npy`, `adv_pred.npy` int32 [N];
 * - `targets.npy` int32 [N], only for a targeted attack;
 * - `summary.json`: {@link AttackSummary} — method, its resolved params (camelCase, lib/attacks), target
 *   mode, seed, counts, clean and adversarial accuracy, success rate (all images, and among correctly
 *   classified ones), median / mean l2 and l∞ (successful images, and all), queries (black-box methods),
 *   seconds and images/s.
 *
 * {@link readAttackSummary} reads the summary alone; {@link readAttack} everything.
 */
import { join } from "node:path";
import { z } from "zod";
import { writeNpy } from "../io/npy.ts";
import type { ImageArray } from "../attribution/images.ts";
import {
  finite,
  fraction,
  readArrayFile,
  readJsonFile,
  readVectors,
  StageFileError,
  writeJsonFile,
  writeVectors,
} from "./files.ts";

const stat = z.object({ median: finite.nullable(), mean: finite.nullable() });
const summarySchema = z.object({
  method: z.string().min(1),
  params: z.record(z.string(), z.unknown()),
  target: z.enum(["none", "next", "random"]),
  seed: z.number().int(),
  images: z.number().int().positive(),
  image_shape: z.array(z.number().int().positive()).length(3),
  clean_accuracy: fraction,
  adv_accuracy: fraction,
  success_rate: fraction,
  success_rate_correct: fraction.nullable(),
  successful: z.number().int().nonnegative(),
  l2: stat,
  linf: stat,
  l2_all: stat,
  linf_all: stat,
  queries: z.object({
    mean: finite.nullable(),
    mean_successful: finite.nullable(),
    median_successful: finite.nullable(),
  }).nullable(),
  seconds: finite,
  images_per_s: finite,
  backend: z.string(),
});
/** `summary.json` of an `attack` entry. */
export type AttackSummary = z.infer<typeof summarySchema>;

/** Everything an `attack` entry holds. */
export interface AttackFiles {
  adversarial: ImageArray;
  indices: Int32Array;
  success: Uint8Array;
  l2: Float32Array;
  linf: Float32Array;
  queries: Int32Array;
  cleanPred: Int32Array;
  advPred: Int32Array;
  targets?: Int32Array;
  summary: AttackSummary;
}

const VECTORS = {
  indices: ["indices.npy", "int32"],
  success: ["success.npy", "uint8"],
  l2: ["l2.npy", "float32"],
  linf: ["linf.npy", "float32"],
  queries: ["queries.npy", "int32"],
  cleanPred: ["clean_pred.npy", "int32"],
  advPred: ["adv_pred.npy", "int32"],
} as const;

/** Writes an `attack` entry into `dir`. */
export async function writeAttack(dir: string, f: AttackFiles): Promise<void> {
  const n = f.adversarial.shape[0];
  await writeNpy(join(dir, "adv_x.npy"), f.adversarial);
  await writeVectors(dir, VECTORS, f);
  if (f.targets) await writeNpy(join(dir, "targets.npy"), { data: f.targets, shape: [n] });
  await writeJsonFile(dir, "summary.json", summarySchema, f.summary);
}

/** The summary of the `attack` entry in `dir`. */
export function readAttackSummary(dir: string): Promise<AttackSummary> {
  return readJsonFile(dir, "summary.json", summarySchema);
}

/** The `attack` entry in `dir`: every array (checked against the summary's image count and shape). */
export async function readAttack(dir: string): Promise<AttackFiles> {
  const summary = await readAttackSummary(dir);
  const n = summary.images;
  const [h, w, c] = summary.image_shape;
  const adv = await readArrayFile(dir, "adv_x.npy", { dtype: "float32", shape: [n, h, w, c] });
  const vectors = await readVectors(dir, VECTORS, n);
  const success = vectors.success;
  const notFlag = success.findIndex((v) => v > 1);
  if (notFlag >= 0) {
    throw new StageFileError(join(dir, "success.npy"), `value ${notFlag} is ${success[notFlag]}, not 0 or 1`);
  }
  const targets = summary.target === "none"
    ? undefined
    : (await readArrayFile(dir, "targets.npy", { dtype: "int32", shape: [n] })).data;
  return {
    adversarial: { data: adv.data, shape: [n, h, w, c] },
    ...vectors,
    targets,
    summary,
  };
}
