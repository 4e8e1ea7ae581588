/**
 * The contract of a `data` stage entry (tasks/data.ts writes it, every stage that reads images reads it
 * through {@link readDataSplit}):
 *
 * - `train_x.npy`, `test_x.npy`: float32 [N,H,W,C], pixels in [0, 1];
 * - `train_y.npy`, `test_y.npy`: int32 [N], class indices < `classNames.length`;
 * - `meta.json`: `{dataset, classNames, shape: [H,W,C], train: N, test: M, source}` (`source`: where the
 *   data came from — the directory, or the planted dataset's resolved params).
 */
import { join } from "node:path";
import { z } from "zod";
import { writeNpy } from "../io/npy.ts";
import type { Dataset, LabelledImages } from "../datasets/types.ts";
import { readArrayFile, readJsonFile, StageFileError, writeJsonFile } from "./files.ts";

/** The split names of a data stage. */
export type SplitName = "train" | "test";

const metaSchema = z.object({
  dataset: z.string().min(1),
  classNames: z.array(z.string()).min(1),
  shape: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]),
  train: z.number().int().positive(),
  test: z.number().int().positive(),
  source: z.record(z.string(), z.unknown()),
});
/** `meta.json` of a data stage. */
export type DataMeta = z.infer<typeof metaSchema>;

/** One split of a data stage's entry, with the dataset's name and class names. */
export interface DataSplit extends LabelledImages {
  classNames: string[];
  dataset: string;
}

/** Writes `ds` as a data stage entry into `dir` (both splits and `meta.json`). */
export async function writeData(dir: string, ds: Dataset): Promise<void> {
  for (const split of ["train", "test"] as const) {
    const s = ds[split];
    await writeNpy(join(dir, `${split}_x.npy`), { data: s.images, shape: s.shape });
    await writeNpy(join(dir, `${split}_y.npy`), { data: s.labels, shape: [s.labels.length] });
  }
  await writeJsonFile(dir, "meta.json", metaSchema, {
    dataset: ds.name,
    classNames: ds.classNames,
    shape: [ds.train.shape[1], ds.train.shape[2], ds.train.shape[3]],
    train: ds.train.shape[0],
    test: ds.test.shape[0],
    source: ds.info ?? {},
  });
}

/** The `meta.json` of the data stage entry in `dir`. */
export function readDataMeta(dir: string): Promise<DataMeta> {
  return readJsonFile(dir, "meta.json", metaSchema);
}

/** Split `split` of the data stage entry in `dir`, checked against `meta.json` (shape, count, labels). */
export async function readDataSplit(dir: string, split: SplitName): Promise<DataSplit> {
  const meta = await readDataMeta(dir);
  const [h, w, c] = meta.shape;
  const x = await readArrayFile(dir, `${split}_x.npy`, { dtype: "float32", shape: [meta[split], h, w, c] });
  const y = await readArrayFile(dir, `${split}_y.npy`, { dtype: "int32", shape: [meta[split]] });
  const k = meta.classNames.length;
  const bad = y.data.findIndex((l) => l < 0 || l >= k);
  if (bad >= 0) {
    throw new StageFileError(
      join(dir, `${split}_y.npy`),
      `label ${y.data[bad]} of image ${bad} is outside 0..${k - 1}`,
    );
  }
  return {
    images: x.data,
    labels: y.data,
    shape: [meta[split], h, w, c],
    classNames: meta.classNames,
    dataset: meta.dataset,
  };
}
