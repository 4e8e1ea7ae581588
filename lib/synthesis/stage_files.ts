/**
 * The files of a `synthesize` stage entry, written and read in one place (`tasks/synthesize.ts` documents
 * them): the synthesized images, their labels, the split indices of each target and start image, per-image
 * relative representation distances, the mean loss curve and the summary.
 */
import { join } from "node:path";
import { readNpy, writeCsvAtomic, writeJsonAtomic, writeNpy } from "../io/mod.ts";
import type { ImageArray } from "../attribution/images.ts";

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
  /** `summary.json` (split, step, iterations, mean distances, label agreement…). */
  summary: Record<string, unknown> & { split: "train" | "test" };
}

/** Writes a `synthesize` entry's arrays and curve into `dir` (the summary too). */
export async function writeSynthesis(dir: string, f: SynthesisFiles): Promise<void> {
  const n = f.labels.length;
  await writeNpy(join(dir, "images.npy"), f.images);
  await writeNpy(join(dir, "labels.npy"), { data: f.labels, shape: [n] });
  await writeNpy(join(dir, "target_indices.npy"), { data: f.targetIndices, shape: [n] });
  await writeNpy(join(dir, "start_indices.npy"), { data: f.startIndices, shape: [n] });
  await writeNpy(join(dir, "initial_distance.npy"), { data: f.initialDistance, shape: [n] });
  await writeNpy(join(dir, "final_distance.npy"), { data: f.finalDistance, shape: [n] });
  await writeCsvAtomic(
    join(dir, "loss_curve.csv"),
    Array.from(f.lossCurve, (loss, iteration) => ({ iteration, loss })),
  );
  await writeJsonAtomic(join(dir, "summary.json"), f.summary);
}

/** Reads a `synthesize` entry; throws naming the file when an array is missing or sized wrong. */
export async function readSynthesis(dir: string): Promise<SynthesisFiles> {
  const summary = JSON.parse(await Deno.readTextFile(join(dir, "summary.json")));
  const images = await readNpy(join(dir, "images.npy"), "float32");
  const n = images.shape[0];
  const vector = async <T extends "int32" | "float32">(name: string, dtype: T) => {
    const a = await readNpy(join(dir, name), dtype);
    if (a.shape.length !== 1 || a.shape[0] !== n) {
      throw new Error(`${join(dir, name)}: shape [${a.shape}], expected [${n}] (one per image)`);
    }
    return a.data;
  };
  const text = await Deno.readTextFile(join(dir, "loss_curve.csv"));
  const lossCurve = Float32Array.from(
    text.trim().split(/\r?\n/).slice(1),
    (line) => Number(line.split(",")[1]),
  );
  return {
    images: { data: images.data, shape: images.shape as unknown as ImageArray["shape"] },
    labels: await vector("labels.npy", "int32") as Int32Array,
    targetIndices: await vector("target_indices.npy", "int32") as Int32Array,
    startIndices: await vector("start_indices.npy", "int32") as Int32Array,
    initialDistance: await vector("initial_distance.npy", "float32") as Float32Array,
    finalDistance: await vector("final_distance.npy", "float32") as Float32Array,
    lossCurve,
    summary,
  };
}
