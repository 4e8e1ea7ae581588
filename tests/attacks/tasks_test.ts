import assert from "node:assert/strict";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { readNpy } from "../../lib/io/mod.ts";
import { saveModel } from "../../lib/models/io.ts";
import { loadClassifier } from "../../lib/models/load.ts";
import { pgd, pgdParams } from "../../lib/attacks/mod.ts";
import { deriveSeed } from "../../lib/stats/mod.ts";
import { classifierFromLayersModel } from "../../lib/models/layers_classifier.ts";
import type { StageInput, TaskContext, TaskDefinition } from "../../pipeline/task.ts";
import attackTask from "../../tasks/attack.ts";
import rctTask from "../../tasks/rct.ts";
import prop1Task from "../../tasks/prop1.ts";
import { predict, uniform } from "./helpers.ts";
import { writeDataStage } from "../stages/helpers.ts";

const [H, W, C, N] = [6, 6, 3, 12];

/** A saved tiny LayersModel (`features` layer, logits output) and a data stage labelled by it. */
async function stages(root: string) {
  const model = tfl.sequential({
    layers: [
      tfl.layers.flatten({ inputShape: [H, W, C] }),
      tfl.layers.dense({ units: 8, activation: "tanh", name: "features", kernelInitializer: "glorotNormal" }),
      tfl.layers.dense({ units: 3 }),
    ],
  });
  const modelDir = join(root, "model_stage");
  await saveModel(model, join(modelDir, "model"));
  const xs = uniform(N * H * W * C, 0, 1, 1);
  const x = tf.tensor4d(xs, [N, H, W, C]);
  const labels = predict(classifierFromLayersModel(model), x);
  x.dispose();
  model.dispose();
  const dataDir = join(root, "data_stage");
  await writeDataStage(dataDir, {
    test: { images: xs, labels, shape: [N, H, W, C] },
    classNames: ["a", "b", "c"],
  });
  return { modelDir, dataDir, xs, labels };
}

function input(dir: string): StageInput[] {
  return [{ instance: dir, stage: dir, dir, params: {}, coords: [] }];
}

async function runTask<P>(
  task: TaskDefinition<P>,
  raw: unknown,
  inputs: Record<string, StageInput[]>,
  outDir: string,
): Promise<void> {
  await Deno.mkdir(outDir);
  const ctx: TaskContext<P> = {
    instance: outDir,
    params: task.params.parse(raw),
    inputs,
    outDir,
    seed: 17,
    backend: "cpu",
    progress: { start() {}, update() {}, finish() {} },
    log() {},
  };
  await task.run(ctx);
}

Deno.test("attack, rct and prop1 tasks write consistent stage files", async () => {
  const root = await Deno.makeTempDir();
  try {
    const { modelDir, dataDir, xs, labels } = await stages(root);
    const attackDir = join(root, "attack");
    await runTask(
      attackTask,
      { method: "pgd", eps: 0.2, steps: 5, limit: 10, batch_size: 4 },
      { model: input(modelDir), data: input(dataDir) },
      attackDir,
    );
    const adv = await readNpy(join(attackDir, "adv_x.npy"), "float32");
    assert.deepEqual(adv.shape, [10, H, W, C]);
    const indices = (await readNpy(join(attackDir, "indices.npy"), "int32")).data;
    assert.deepEqual(Array.from(indices), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const success = (await readNpy(join(attackDir, "success.npy"), "uint8")).data;
    const advPred = (await readNpy(join(attackDir, "adv_pred.npy"), "int32")).data;
    const cleanPred = (await readNpy(join(attackDir, "clean_pred.npy"), "int32")).data;
    const linf = (await readNpy(join(attackDir, "linf.npy"), "float32")).data;
    const queries = (await readNpy(join(attackDir, "queries.npy"), "int32")).data;
    const per = H * W * C;
    for (let i = 0; i < 10; i++) {
      assert.equal(cleanPred[i], labels[i]);
      assert.equal(success[i], advPred[i] !== labels[i] ? 1 : 0);
      assert.equal(queries[i], 0);
      let m = 0;
      for (let p = 0; p < per; p++) {
        m = Math.max(m, Math.abs(adv.data[i * per + p] - xs[indices[i] * per + p]));
      }
      assert.ok(Math.abs(m - linf[i]) < 1e-6 && m <= 0.2 + 1e-6);
    }
    const summary = JSON.parse(await Deno.readTextFile(join(attackDir, "summary.json")));
    assert.equal(summary.images, 10);
    assert.equal(summary.success_rate, success.reduce((a, v) => a + v, 0) / 10);
    assert.equal(summary.clean_accuracy, 1);
    assert.equal(summary.params.steps, 5);
    assert.ok(summary.images_per_s > 0);
    // adv_x holds, batch by batch (4, 4, 2 images), the library attack of those images with that batch's seed.
    const model = await loadClassifier(join(modelDir, "model"));
    for (const start of [0, 4, 8]) {
      const end = Math.min(10, start + 4);
      const images = tf.tensor4d(xs.subarray(start * per, end * per), [end - start, H, W, C]);
      const res = await pgd.run(
        { model, images, labels: labels.subarray(start, end), seed: deriveSeed(17, "batch", start) },
        pgdParams.parse({ eps: 0.2, steps: 5 }),
      );
      assert.deepEqual(
        adv.data.subarray(start * per, end * per),
        res.adversarial.dataSync(),
        `batch at ${start}`,
      );
      tf.dispose([images, res.adversarial]);
    }

    const rctDir = join(root, "rct");
    await runTask(rctTask, { subset: "all", resamples: 50 }, {
      attack: input(attackDir),
      data: input(dataDir),
    }, rctDir);
    assert.deepEqual((await readNpy(join(rctDir, "rct.npy"), "float64")).shape, [H, W, C]);
    assert.deepEqual((await readNpy(join(rctDir, "rct_mean.npy"), "float64")).shape, [H, W]);
    assert.deepEqual((await readNpy(join(rctDir, "band_profile.npy"), "float64")).shape, [H + W - 1]);
    const rs = JSON.parse(await Deno.readTextFile(join(rctDir, "summary.json")));
    assert.equal(rs.pairs, 10);
    assert.equal(rs.floor, 0.01);
    const sum = rs.shares.low.estimate + rs.shares.middle.estimate + rs.shares.high.estimate;
    assert.ok(Math.abs(sum - 1) < 1e-9);
    assert.deepEqual(rs.verdicts.map((v: { protocol: string }) => v.protocol), [
      "freqlens",
      "freqlens",
      "freqlens",
    ]);
    assert.ok(rs.nulls.noise.shares && rs.nulls.shuffled.shares && rs.nulls.energy.attack);
    assert.ok(rs.nulls.noise.mean_norm_ratio > 0 && rs.nulls.noise.mean_norm_ratio <= 1 + 1e-6);

    // The authors' protocol: channel-averaged DCT, no floor, shell bands (H of them), every attacked image.
    const authorsDir = join(root, "rct_authors");
    await runTask(rctTask, { protocol: "authors", resamples: 50 }, {
      attack: input(attackDir),
      data: input(dataDir),
    }, authorsDir);
    assert.deepEqual((await readNpy(join(authorsDir, "rct.npy"), "float64")).shape, [H, W, 1]);
    const ra = JSON.parse(await Deno.readTextFile(join(authorsDir, "summary.json")));
    assert.deepEqual([ra.variant, ra.floor, ra.band_kind, ra.subset, ra.bands], [
      "channel_mean",
      null,
      "shell",
      "all",
      H,
    ]);
    assert.equal(typeof ra.excluded, "number");
    assert.ok(ra.verdicts.every((v: { protocol: string }) => v.protocol === "authors"));

    const p1Dir = join(root, "prop1");
    await runTask(prop1Task, {}, { attack: input(attackDir), data: input(dataDir) }, p1Dir);
    assert.deepEqual((await readNpy(join(p1Dir, "l1.npy"), "float64")).shape, [10, C]);
    assert.deepEqual((await readNpy(join(p1Dir, "dc_diff.npy"), "float64")).shape, [10, C]);
    const ps = JSON.parse(await Deno.readTextFile(join(p1Dir, "summary.json")));
    assert.equal(ps.holdsAll, true);
    assert.equal(ps.pairs, 10);
    assert.equal(ps.perturbed + ps.unperturbed, 10 * C);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("attack task: SimBA counts queries; a param of another method is rejected by name", async () => {
  const root = await Deno.makeTempDir();
  try {
    const { modelDir, dataDir } = await stages(root);
    const inputs = { model: input(modelDir), data: input(dataDir) };
    const dir = join(root, "simba");
    await runTask(attackTask, { method: "simba", max_queries: 30, limit: 5 }, inputs, dir);
    const queries = (await readNpy(join(dir, "queries.npy"), "int32")).data;
    assert.ok(queries.every((q) => q >= 1 && q <= 30));
    const summary = JSON.parse(await Deno.readTextFile(join(dir, "summary.json")));
    assert.equal(summary.params.basis, "dct");
    assert.equal(summary.params.eps, 0.2);
    // The schema has one entry per method (from lib/attacks' registry): fgsm's has no `steps`.
    const bad = attackTask.params.safeParse({ method: "fgsm", steps: 3 });
    assert.equal(bad.success, false);
    assert.deepEqual(
      bad.error!.issues.map((i) => [i.code, (i as { keys?: string[] }).keys]),
      [["unrecognized_keys", ["steps"]]],
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
