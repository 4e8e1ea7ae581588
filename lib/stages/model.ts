/**
 * The contract of a model stage entry (`train` and `import` write it; every stage with a `model` input
 * reads it through {@link loadStageClassifier} / {@link readModelInfo}):
 *
 * - `model/model.json` + `model/weights.bin`: a TensorFlow.js LayersModel over NHWC float32 images in
 *   [0, 1] (the normaliser inside), single output the logits, penultimate layer `features`;
 * - `model_info.json`: `kind` `train` — `{arch, name, params, seed, parameters, inputShape, numClasses,
 *   classNames, dataset, normalization: {mean, std}, test_accuracy, train_images, epochs_run, kept_epoch,
 *   stopped_early, seconds, backend}` — or `import` — `{arch, name, source, params, checkpoint: {location,
 *   file, sha256, format}, normalization | null, parameters, inputShape, numClasses, ignoredTensors}`;
 * - `train` only: `history.csv`, one row per epoch: `epoch, lr, loss, acc, test_acc, heldout_pgd_acc,
 *   img_per_s, seconds` (`heldout_pgd_acc` empty where no held-out PGD check ran).
 */
import { join } from "node:path";
import { z } from "zod";
import type * as tfl from "@tensorflow/tfjs-layers";
import { writeCsvAtomic } from "../io/atomic.ts";
import { type ImageClassifier, loadClassifier, saveModel } from "../models/mod.ts";
import { finite, fraction, readCsvFile, readJsonFile, writeJsonFile } from "./files.ts";

const normalization = z.object({ mean: z.array(finite), std: z.array(finite) });
const common = {
  arch: z.string().min(1),
  name: z.string(),
  params: z.record(z.string(), z.unknown()),
  parameters: z.number().int().nonnegative(),
  inputShape: z.array(z.number().int().positive()).length(3),
  numClasses: z.number().int().positive(),
};

const trainInfo = z.object({
  kind: z.literal("train"),
  ...common,
  seed: z.number().int(),
  classNames: z.array(z.string()),
  dataset: z.string(),
  normalization,
  test_accuracy: fraction,
  train_images: z.number().int().positive(),
  epochs_run: z.number().int().nonnegative(),
  kept_epoch: z.number().int().nonnegative(),
  stopped_early: z.boolean(),
  seconds: finite,
  backend: z.object({ name: z.string(), tfjs: z.string() }),
});

const importInfo = z.object({
  kind: z.literal("import"),
  ...common,
  source: z.string(),
  checkpoint: z.object({ location: z.string(), file: z.string(), sha256: z.string(), format: z.string() }),
  normalization: normalization.nullable(),
  ignoredTensors: z.array(z.string()),
});

const modelInfo = z.discriminatedUnion("kind", [trainInfo, importInfo]);
/** `model_info.json` of a `train` or `import` entry. */
export type ModelInfo = z.infer<typeof modelInfo>;
/** `model_info.json` of a `train` entry. */
export type TrainInfo = z.infer<typeof trainInfo>;

/** The columns of a `train` entry's `history.csv`, in order. */
export const HISTORY_COLUMNS = [
  "epoch",
  "lr",
  "loss",
  "acc",
  "test_acc",
  "heldout_pgd_acc",
  "img_per_s",
  "seconds",
] as const;
/** One epoch of `history.csv` (`heldout_pgd_acc` NaN where not measured). */
export type HistoryRow = Record<(typeof HISTORY_COLUMNS)[number], number>;

/** Writes a model entry into `dir`: the LayersModel under `model/`, `model_info.json`, and a train history. */
export async function writeModel(
  dir: string,
  model: tfl.LayersModel,
  info: ModelInfo,
  history?: readonly HistoryRow[],
): Promise<void> {
  await saveModel(model, join(dir, "model"));
  if (history) {
    const rows = history.map((r) => ({
      ...r,
      heldout_pgd_acc: Number.isNaN(r.heldout_pgd_acc) ? "" : r.heldout_pgd_acc,
    }));
    await writeCsvAtomic(join(dir, "history.csv"), rows, HISTORY_COLUMNS);
  }
  await writeJsonFile(dir, "model_info.json", modelInfo, info);
}

/** The `model_info.json` of the model entry in `dir`. */
export function readModelInfo(dir: string): Promise<ModelInfo> {
  return readJsonFile(dir, "model_info.json", modelInfo);
}

/** The classifier saved under `model/` in the model entry `dir` (`train` or `import`). */
export function loadStageClassifier(dir: string): Promise<ImageClassifier> {
  return loadClassifier(join(dir, "model"));
}

/** The per-epoch history of the `train` entry in `dir`, one row per epoch. */
export async function readTrainHistory(dir: string): Promise<HistoryRow[]> {
  const cols = await readCsvFile(dir, "history.csv", HISTORY_COLUMNS, ["heldout_pgd_acc"]);
  return Array.from(
    cols.epoch,
    (_, r) => Object.fromEntries(HISTORY_COLUMNS.map((c) => [c, cols[c][r]])) as HistoryRow,
  );
}
