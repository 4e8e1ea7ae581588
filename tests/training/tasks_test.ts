import assert from "node:assert/strict";
import { join } from "node:path";
import "./helpers.ts";
import { plantedDataset } from "../../lib/datasets/planted.ts";
import { loadClassifier } from "../../lib/models/mod.ts";
import { accuracy } from "../../lib/training/mod.ts";
import type { StageInput, TaskContext, TaskDefinition } from "../../pipeline/task.ts";
import trainTask, { channelStats } from "../../tasks/train.ts";
import evaluateTask from "../../tasks/evaluate.ts";
import { writeDataStage } from "../stages/helpers.ts";

const silent = { start() {}, update() {}, finish() {} };

async function run<P>(
  task: TaskDefinition<P>,
  raw: unknown,
  inputs: Record<string, StageInput[]>,
  outDir: string,
) {
  await Deno.mkdir(outDir, { recursive: true });
  const logs: string[] = [];
  const ctx: TaskContext<P> = {
    instance: "t",
    params: task.params.parse(raw),
    inputs,
    outDir,
    seed: 3,
    backend: "cpu",
    progress: silent,
    log: (m) => logs.push(m),
  };
  await task.run(ctx);
  return logs;
}

const input = (dir: string): StageInput[] => [{ instance: "x", stage: "x", dir, params: {}, coords: [] }];

Deno.test("train then evaluate on a data stage: files, curves, and accuracies that agree", async () => {
  const root = await Deno.makeTempDir({ prefix: "freqlens_train_task_" });
  try {
    const ds = plantedDataset({ size: 8, numClasses: 3, trainPerClass: 30, testPerClass: 10, seed: 2 });
    const data = join(root, "data");
    await writeDataStage(data, { ...ds, name: "planted" });

    const trainDir = join(root, "train");
    await run(trainTask, { channels: [4], hidden: 8, epochs: 2, batch_size: 32, augment: { crop: 1 } }, {
      data: input(data),
    }, trainDir);
    const csv = (await Deno.readTextFile(join(trainDir, "history.csv"))).trim().split("\n");
    assert.equal(csv[0], "epoch,lr,loss,acc,test_acc,heldout_pgd_acc,img_per_s,seconds");
    assert.equal(csv.length, 3);
    const info = JSON.parse(await Deno.readTextFile(join(trainDir, "model_info.json")));
    assert.equal(info.kind, "train");
    assert.equal(info.numClasses, 3);
    assert.deepEqual(info.inputShape, [8, 8, 1]);
    assert.equal(info.epochs_run, 2);
    // The normaliser holds the training set's channel statistics.
    const stats = channelStats(ds.train.images, 1);
    assert.ok(Math.abs(info.normalization.mean[0] - stats.mean[0]) < 1e-12);
    const clf = await loadClassifier(trainDir);
    assert.equal(accuracy(clf, ds.test), info.test_accuracy);
    assert.equal(Number(csv[2].split(",")[4]), info.test_accuracy);

    const evalDir = join(root, "evaluate");
    await run(
      evaluateTask,
      { pgd: { eps: 0.05, steps: 2 } },
      { data: input(data), model: input(trainDir) },
      evalDir,
    );
    const summary = JSON.parse(await Deno.readTextFile(join(evalDir, "summary.json")));
    assert.equal(summary.images, 30);
    assert.equal(summary.clean_accuracy, info.test_accuracy);
    assert.ok(summary.pgd_accuracy <= summary.clean_accuracy);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("channelStats: per-channel mean and population std of NHWC pixels", () => {
  // Two pixels, two channels: channel 0 = {0, 1}, channel 1 = {0.5, 0.5}.
  const s = channelStats(new Float32Array([0, 0.5, 1, 0.5]), 2);
  assert.deepEqual(s.mean, [0.5, 0.5]);
  assert.ok(Math.abs(s.std[0] - 0.5) < 1e-12);
  assert.ok(s.std[1] < 1e-5);
});

Deno.test("the train schema rejects unknown keys and keeps the recipe's defaults", () => {
  assert.throws(() => trainTask.params.parse({ epoch: 3 }));
  const p = trainTask.params.parse({ adversarial: { method: "pgd" } });
  assert.deepEqual(p.adversarial, { method: "pgd", norm: "linf", eps: 0.1, steps: 3 });
  assert.equal(p.arch, "small_cnn");
});
