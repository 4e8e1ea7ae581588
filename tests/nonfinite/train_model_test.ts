/**
 * Issue 12, case 1 (NaN flows through): a diverging training run fails at the step where its loss stops
 * being finite, and a model with a NaN weight can be neither saved nor loaded — so no NaN model reaches a
 * store entry or a downstream stage.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { existsSync } from "node:fs";
import "../training/helpers.ts";
import * as tf from "@tensorflow/tfjs-core";
import { plantedDataset } from "../../lib/datasets/planted.ts";
import { writeDataStage } from "../stages/helpers.ts";
import {
  buildModel,
  loadModel,
  NonFiniteWeightsError,
  saveModel,
  WEIGHTS_BIN,
} from "../../lib/models/mod.ts";
import { TrainingError } from "../../lib/training/mod.ts";
import type { TaskContext } from "../../pipeline/task.ts";
import trainTask, { type TrainParams } from "../../tasks/train.ts";

const silent = { start() {}, update() {}, finish() {} };

function tinyModel() {
  return buildModel({
    arch: "small_cnn",
    inputShape: [8, 8, 1],
    numClasses: 3,
    mean: [0],
    std: [1],
    seed: 1,
    channels: [2],
    hidden: 4,
  });
}

/** Runs the train task on a planted data stage; returns the error it throws and what it left in outDir. */
async function divergingRun(perClass: number, batch: number, seed: number) {
  const root = await Deno.makeTempDir({ prefix: "freqlens_diverge_" });
  try {
    const ds = plantedDataset({ size: 8, numClasses: 3, trainPerClass: perClass, testPerClass: 8, seed: 2 });
    const data = join(root, "data");
    await writeDataStage(data, { ...ds, name: "planted" });
    const out = join(root, "out");
    await Deno.mkdir(out);
    const ctx: TaskContext<TrainParams> = {
      instance: "train",
      params: trainTask.params.parse({
        channels: [4],
        hidden: 8,
        epochs: 3,
        batch_size: batch,
        lr: 1e12,
        optimizer: "sgd",
      }),
      inputs: { data: [{ instance: "data", stage: "data", dir: data, params: {}, coords: [] }] },
      outDir: out,
      seed,
      backend: "cpu",
      progress: silent,
      log: () => {},
    };
    const err = await trainTask.run(ctx).then(() => null, (e) => e);
    return { err, left: [...Deno.readDirSync(out)].map((e) => e.name) };
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("train with lr 1e12 (sgd) fails naming the epoch and step of the divergence, writes nothing", async () => {
  const { err, left } = await divergingRun(30, 30, 3);
  assert.ok(err instanceof TrainingError, String(err));
  assert.match(
    err.message,
    /^training diverged at epoch 1, step 3 of 3 \(global step 3\): batch loss NaN; learning rate [0-9.e+]+: lower it/,
  );
  assert.deepEqual(left, []);
});

Deno.test("saveModel refuses a NaN weight, naming layer and tensor, before writing anything", async () => {
  const root = await Deno.makeTempDir({ prefix: "freqlens_nanmodel_" });
  const model = tinyModel();
  try {
    const layer = model.layers.find((l) => l.weights.length > 0 && l.name.includes("conv"))!;
    const [kernel, ...rest] = layer.getWeights();
    const values = kernel.dataSync().slice();
    values[5] = NaN;
    values[7] = Infinity;
    layer.setWeights([tf.tensor(values, kernel.shape), ...rest]);
    const err = await saveModel(model, join(root, "model")).then(() => null, (e) => e);
    assert.ok(err instanceof NonFiniteWeightsError, String(err));
    assert.equal(err.where.layer, layer.name);
    assert.equal(err.where.weight, layer.weights[0].name);
    assert.equal(err.where.index, 5);
    assert.equal(err.where.count, 2);
    assert.match(
      err.message,
      new RegExp(`layer '${layer.name}' weight '${layer.weights[0].name}' holds 2 non-finite`),
    );
    assert.equal(existsSync(join(root, "model")), false);
  } finally {
    model.dispose();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("loadModel refuses a saved model whose weights.bin was changed to hold NaN", async () => {
  const root = await Deno.makeTempDir({ prefix: "freqlens_nanload_" });
  const model = tinyModel();
  try {
    const dir = join(root, "model");
    await saveModel(model, dir);
    const bytes = await Deno.readFile(join(dir, WEIGHTS_BIN));
    new DataView(bytes.buffer).setFloat32(4 * 3, NaN, true); // element 3 of the first weight
    await Deno.writeFile(join(dir, WEIGHTS_BIN), bytes);
    const err = await loadModel(dir).then(() => null, (e) => e);
    assert.ok(err instanceof NonFiniteWeightsError, String(err));
    assert.equal(err.where.index, 3);
    assert.match(
      err.message,
      /weights\.bin: layer '.*' weight '.*' holds 1 non-finite value\(s\) \(first: NaN/,
    );
  } finally {
    model.dispose();
    await Deno.remove(root, { recursive: true });
  }
});
