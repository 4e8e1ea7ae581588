/**
 * `data`: loads or generates a dataset and writes it as arrays every other stage reads.
 *
 * Params: `dataset` (`cifar10` | `mnist` | `fashion-mnist` | `planted`); `dir` (a local directory with
 * the dataset's files, which must exist and is the only place looked in; default: the standard places —
 * Debian's `/usr/share/datasets/<name>` for the IDX sets, the cache for CIFAR-10). The files read, wherever
 * they are, enter the cache key; an empty or truncated file is an error naming it; `cache_dir` (download cache, default `$FREQLENS_CACHE/datasets` or
 * `~/.cache/freqlens/datasets`); `download` (fetch CIFAR-10 from its official address with MD5 check when
 * absent; default true without `dir`); `train_limit`, `test_limit` (deterministic stratified subsets,
 * total images; null or absent = the whole split); `seed` (of the limits and of the planted generator;
 * default the stage's seed). Planted-frequency params (only with `dataset: planted`; see
 * lib/datasets/planted.ts for exactly what is planted): `size`, `channels`, `num_classes`, `bands`,
 * `train_per_class`, `test_per_class`, `amplitude`, `jitter`, `low_bands`, `low_noise`, `pixel_noise`,
 * `signs` (`class` | `image`).
 *
 * Writes (lib/stages/data.ts: `writeData`, read back by `readDataSplit`): `train_x.npy` float32 [N,H,W,C] in
 * [0,1], `train_y.npy` int32 [N], `test_x.npy`, `test_y.npy` (same layouts), and `meta.json` `{dataset,
 * classNames, shape: [H,W,C], train: N, test: M, source}` where `source` records where the data came from
 * (the directory, or the planted dataset's resolved params, including `bands`, the band that carries each
 * class).
 */
import { z } from "zod";
import { defineTask } from "../pipeline/task.ts";
import { writeData } from "../lib/stages/mod.ts";
import {
  DATASET_NAMES,
  datasetSourceFiles,
  DatasetUnavailableError,
  loadDataset,
  type PlantedOptions,
} from "../lib/datasets/mod.ts";

const planted = {
  size: z.number().int().min(2).optional(),
  channels: z.number().int().min(1).optional(),
  num_classes: z.number().int().min(1).optional(),
  bands: z.array(z.number().int().min(1)).optional(),
  train_per_class: z.number().int().min(1).optional(),
  test_per_class: z.number().int().min(1).optional(),
  amplitude: z.number().positive().optional(),
  jitter: z.number().min(0).lt(1).optional(),
  low_bands: z.number().int().min(1).optional(),
  low_noise: z.number().min(0).optional(),
  pixel_noise: z.number().min(0).optional(),
  signs: z.enum(["class", "image"]).optional(),
};

/** Params of the `data` stage. */
export const dataParams = z.strictObject({
  dataset: z.enum(DATASET_NAMES),
  dir: z.string().min(1).optional(),
  cache_dir: z.string().min(1).optional(),
  download: z.boolean().optional(),
  train_limit: z.number().int().positive().nullable().default(null),
  test_limit: z.number().int().positive().nullable().default(null),
  seed: z.number().int().optional(),
  ...planted,
}).superRefine((p, ctx) => {
  if (p.dataset === "planted") {
    if (p.dir !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["dir"],
        message: "the planted dataset is generated; it takes no dir",
      });
    }
    return;
  }
  for (const key of Object.keys(planted)) {
    if ((p as Record<string, unknown>)[key] !== undefined) {
      ctx.addIssue({ code: "custom", path: [key], message: `'${key}' applies only to dataset: planted` });
    }
  }
});

/** The planted options from the stage's snake_case params. */
function plantedOptions(p: z.infer<typeof dataParams>, seed: number): PlantedOptions {
  return {
    seed,
    size: p.size,
    channels: p.channels,
    numClasses: p.num_classes,
    bands: p.bands,
    trainPerClass: p.train_per_class,
    testPerClass: p.test_per_class,
    amplitude: p.amplitude,
    jitter: p.jitter,
    lowBands: p.low_bands,
    lowNoise: p.low_noise,
    pixelNoise: p.pixel_noise,
    signs: p.signs,
  };
}

export default defineTask({
  description: "Load or generate a dataset (cifar10, mnist, fashion-mnist, planted) as .npy arrays",
  params: dataParams,
  numeric: false,
  inputs: {},
  externalPaths: ["dir"],
  readsFiles: (p) => ({
    [`${p.dataset} files`]: datasetSourceFiles(p.dataset, { dir: p.dir, cacheDir: p.cache_dir }),
  }),
  async run(ctx) {
    const p = ctx.params;
    const seed = p.seed ?? ctx.seed;
    ctx.progress.start(`load ${p.dataset}`, 1);
    const ds = await loadDataset(p.dataset, {
      dir: p.dir,
      cacheDir: p.cache_dir,
      download: p.download,
      trainLimit: p.train_limit ?? undefined,
      testLimit: p.test_limit ?? undefined,
      seed,
      planted: p.dataset === "planted" ? plantedOptions(p, seed) : undefined,
    });
    ctx.progress.update(1);
    ctx.progress.finish();
    for (const split of ["train", "test"] as const) {
      const s = ds[split];
      if (s.shape[0] === 0) {
        throw new DatasetUnavailableError(
          `${p.dataset}: the ${split} split has no images (${JSON.stringify(ds.info)})`,
        );
      }
      const counts = new Array(ds.classNames.length).fill(0);
      s.labels.forEach((l) => counts[l]++);
      ctx.log(
        `${split}: ${s.shape[0]} images of ${s.shape.slice(1).join("×")}, per class [${counts.join(", ")}]`,
      );
    }
    await writeData(ctx.outDir, ds);
  },
});
