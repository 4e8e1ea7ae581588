/** Stage entries for tests, written through the stage contracts (lib/stages) so they hold every documented file. */
import { writeData } from "../../lib/stages/data.ts";
import { type AttackFiles, writeAttack } from "../../lib/stages/attack.ts";
import type { LabelledImages } from "../../lib/datasets/types.ts";

/** Writes a data stage entry into `dir` (the test split doubles as the train split when none is given). */
export async function writeDataStage(
  dir: string,
  d: { test: LabelledImages; train?: LabelledImages; classNames: string[]; name?: string },
): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await writeData(dir, {
    name: d.name ?? "synthetic",
    classNames: d.classNames,
    train: d.train ?? d.test,
    test: d.test,
    info: { made_by: "tests" },
  });
}

/**
 * Writes an attack entry into `dir` with the given adversarial images, indices and success flags; norms,
 * predictions and the summary follow from them (clean prediction = label 0, adversarial = 1 where successful).
 */
export async function writeAttackStage(
  dir: string,
  adversarial: { data: Float32Array; shape: readonly [number, number, number, number] },
  indices: Int32Array,
  success: Uint8Array,
): Promise<AttackFiles> {
  await Deno.mkdir(dir, { recursive: true });
  const n = indices.length;
  const [, h, w, c] = adversarial.shape;
  const successful = success.reduce((a, s) => a + s, 0);
  const files: AttackFiles = {
    adversarial,
    indices,
    success,
    l2: new Float32Array(n).fill(0.5),
    linf: new Float32Array(n).fill(0.1),
    queries: new Int32Array(n),
    cleanPred: new Int32Array(n),
    advPred: Int32Array.from(success),
    summary: {
      method: "pgd",
      params: { eps: 0.1, norm: "linf", steps: 3 },
      target: "none",
      seed: 0,
      images: n,
      image_shape: [h, w, c],
      clean_accuracy: 1,
      adv_accuracy: 1 - successful / n,
      success_rate: successful / n,
      success_rate_correct: successful / n,
      successful,
      l2: { median: 0.5, mean: 0.5 },
      linf: { median: 0.1, mean: 0.1 },
      l2_all: { median: 0.5, mean: 0.5 },
      linf_all: { median: 0.1, mean: 0.1 },
      queries: null,
      seconds: 1,
      images_per_s: n,
      backend: "cpu",
    },
  };
  await writeAttack(dir, files);
  return files;
}
