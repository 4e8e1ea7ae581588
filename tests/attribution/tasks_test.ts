/**
 * The six analysis tasks run end to end on a planted-dataset `data` entry and a trained model entry, with
 * a minimal task context: files, shapes and the invariants that tie them to the library calls.
 */
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { join } from "node:path";
import type { StageInput, TaskContext, TaskDefinition } from "../../pipeline/task.ts";
import { readNpy, writeJsonAtomic, writeNpy } from "../../lib/io/mod.ts";
import { saveModel } from "../../lib/models/mod.ts";
import { occludedFrequency } from "../../lib/attribution/mod.ts";
import occlusion from "../../tasks/occlusion.ts";
import synthesize from "../../tasks/synthesize.ts";
import spectra from "../../tasks/spectra.ts";
import fourier from "../../tasks/fourier.ts";
import filtered from "../../tasks/filtered.ts";
import saliency from "../../tasks/saliency.ts";
import { trainedPlantedModel } from "./planted_model.ts";

await tf.setBackend("cpu");
const { data, model, classifier } = await trainedPlantedModel();
const root = await Deno.makeTempDir({ prefix: "freqlens-attribution-tasks-" });
const dataDir = join(root, "data");
const modelDir = join(root, "model_stage");
await Deno.mkdir(dataDir, { recursive: true });
for (const split of ["train", "test"] as const) {
  await writeNpy(join(dataDir, `${split}_x.npy`), { data: data[split].images, shape: data[split].shape });
  await writeNpy(join(dataDir, `${split}_y.npy`), {
    data: data[split].labels,
    shape: [data[split].labels.length],
  });
}
await writeJsonAtomic(join(dataDir, "meta.json"), {
  dataset: "planted",
  classNames: data.classNames,
  shape: [12, 12, 1],
});
await saveModel(model, join(modelDir, "model"));

const input = (stage: string, dir: string): StageInput[] => [{ instance: stage, stage, dir, params: {} }];

async function runTask<P>(
  task: TaskDefinition<P>,
  params: Record<string, unknown>,
  inputs: Record<string, StageInput[]>,
): Promise<string> {
  const outDir = await Deno.makeTempDir({ dir: root });
  const ctx: TaskContext<P> = {
    instance: "test",
    params: task.params.parse(params),
    inputs,
    outDir,
    seed: 7,
    backend: "cpu",
    progress: { start() {}, update() {}, finish() {} },
    log() {},
  };
  await task.run(ctx);
  return outDir;
}

const both = { model: input("model", modelDir), data: input("data", dataDir) };
const json = async (dir: string, file: string) => JSON.parse(await Deno.readTextFile(join(dir, file)));
const csv = async (dir: string, file: string) =>
  (await Deno.readTextFile(join(dir, file))).trim().split("\n");

Deno.test("occlusion task writes attributions equal to the library call, profiles, top bands, curves, views", async () => {
  const out = await runTask(occlusion, { limit: 20, bootstrap: 50, single_k: [1, 2] }, both);
  const attr = await readNpy(join(out, "attributions.npy"));
  assert.deepEqual(attr.shape, [20, 23]);
  const idx = (await readNpy(join(out, "indices.npy"))).data as Int32Array;
  const per = 144;
  const images = new Float32Array(20 * per);
  idx.forEach((s, i) => images.set(data.test.images.subarray(s * per, (s + 1) * per), i * per));
  const labels = Int32Array.from(idx, (s) => data.test.labels[s]);
  const lib = await occludedFrequency(classifier, { data: images, shape: [20, 12, 12, 1] }, labels);
  lib.scores.forEach((v, i) => assert.ok(Math.abs(attr.data[i] - v) < 1e-5));
  assert.deepEqual((await readNpy(join(out, "class_profiles.npy"))).shape, [4, 23]);
  assert.deepEqual((await readNpy(join(out, "top_bands.npy"))).shape, [20, 3]);
  assert.deepEqual((await readNpy(join(out, "single_image.npy"))).shape, [5, 12, 12, 1]);
  const cum = await csv(out, "cumulative.csv");
  assert.equal(cum[0], "k,mean_drop,drop_lo,drop_hi,accuracy");
  assert.equal(cum.length, 1 + 24);
  assert.ok(Math.abs(Number(cum[1].split(",")[1])) < 1e-6, "no band ablated, no drop");
  const summary = await json(out, "summary.json");
  const s = summary.shares;
  assert.ok(Math.abs(s.low.estimate + s.middle.estimate + s.high.estimate - 1) < 1e-9);
  assert.deepEqual(summary.single_image.layout, ["original", "lowest_1", "lowest_2", "top_1", "top_2"]);
  // The noise baseline runs too (reference statistics from the train split).
  const noisy = await runTask(
    occlusion,
    { limit: 8, baseline: "noise", cumulative: false, bootstrap: 20 },
    both,
  );
  assert.deepEqual((await readNpy(join(noisy, "attributions.npy"))).shape, [8, 23]);
});

Deno.test("synthesize and spectra tasks: pairs never start from their target; spectrum files line up", async () => {
  const synth = await runTask(synthesize, { limit: 8, iterations: 30, step: 0.05 }, both);
  const images = await readNpy(join(synth, "images.npy"));
  assert.deepEqual(images.shape, [8, 12, 12, 1]);
  const targets = (await readNpy(join(synth, "target_indices.npy"))).data;
  const starts = (await readNpy(join(synth, "start_indices.npy"))).data;
  targets.forEach((t, i) => assert.notEqual(starts[i], t));
  const curve = await csv(synth, "loss_curve.csv");
  assert.equal(curve.length, 1 + 31);
  const summary = await json(synth, "summary.json");
  assert.ok(summary.final_distance < summary.initial_distance);
  const spec = await runTask(spectra, { bootstrap: 50 }, {
    synthesize: input("synthesize", synth),
    data: input("data", dataDir),
  });
  assert.deepEqual((await readNpy(join(spec, "diff_map_start.npy"))).shape, [12, 12, 1]);
  assert.deepEqual((await readNpy(join(spec, "diff_map_mean.npy"))).shape, [12, 12]);
  assert.deepEqual((await readNpy(join(spec, "band_profile.npy"))).shape, [23]);
  assert.ok((await json(spec, "summary.json")).shares.low.estimate > 0);
});

Deno.test("fourier, filtered and saliency tasks write their arrays and curves", async () => {
  const f = await runTask(fourier, { limit: 4, epsilon: 2 }, both);
  const heat = await readNpy(join(f, "heatmap.npy"));
  assert.deepEqual(heat.shape, [12, 12]);
  for (const v of heat.data) assert.ok(v >= 0 && v <= 1);
  const fl = await runTask(filtered, { limit: null }, both);
  assert.equal(
    (await json(fl, "summary.json")).images,
    data.test.labels.length,
    "limit null takes the whole split",
  );
  const rows = await csv(fl, "curves.csv");
  assert.equal(rows[0], "cutoff,low_pass_accuracy,high_pass_accuracy");
  assert.equal(rows.length, 1 + 24);
  assert.equal(rows[24].split(",")[1], rows[1].split(",")[2], "low-pass at all bands = high-pass at 0");
  const sal = await runTask(saliency, { limit: 8, bootstrap: 20 }, both);
  assert.deepEqual((await readNpy(join(sal, "saliency.npy"))).shape, [8, 23]);
  assert.equal((await json(sal, "summary.json")).mean_profile.length, 23);
});

Deno.test({
  name: "clean up the task test directory",
  fn: async () => await Deno.remove(root, { recursive: true }),
});
