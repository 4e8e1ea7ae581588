/** The `data` stage writes the arrays and meta.json of common.md's stage file formats. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { TaskContext } from "../../pipeline/task.ts";
import { readNpy } from "../../lib/io/mod.ts";
import { defaultPlantedBands, plantedDataset } from "../../lib/datasets/mod.ts";
import data, { dataParams } from "../../tasks/data.ts";

async function runData(params: Record<string, unknown>): Promise<{ dir: string; logs: string[] }> {
  const dir = await Deno.makeTempDir({ prefix: "freqlens-data-task-" });
  const logs: string[] = [];
  const ctx: TaskContext<ReturnType<typeof dataParams.parse>> = {
    instance: "data",
    params: dataParams.parse(params),
    inputs: {},
    outDir: dir,
    seed: 11,
    backend: "cpu",
    progress: { start() {}, update() {}, finish() {} },
    log: (m) => logs.push(m),
  };
  await data.run(ctx);
  return { dir, logs };
}

Deno.test("data stage (planted): .npy arrays and meta.json as the stage file format says, seeded by the stage", async () => {
  const { dir, logs } = await runData({
    dataset: "planted",
    size: 8,
    channels: 3,
    num_classes: 3,
    train_per_class: 10,
    test_per_class: 4,
    test_limit: 6,
  });
  try {
    const x = await readNpy(join(dir, "train_x.npy"), "float32");
    const y = await readNpy(join(dir, "train_y.npy"), "int32");
    const tx = await readNpy(join(dir, "test_x.npy"), "float32");
    const ty = await readNpy(join(dir, "test_y.npy"), "int32");
    assert.deepEqual(x.shape, [30, 8, 8, 3]);
    assert.deepEqual(y.shape, [30]);
    assert.deepEqual(tx.shape, [6, 8, 8, 3]);
    assert.deepEqual(ty.shape, [6]);
    const meta = JSON.parse(await Deno.readTextFile(join(dir, "meta.json")));
    assert.equal(meta.dataset, "planted");
    assert.deepEqual(meta.shape, [8, 8, 3]);
    assert.equal(meta.classNames.length, 3);
    assert.deepEqual(meta.source.planted.bands, defaultPlantedBands(8, 3, 3));
    assert.equal(meta.source.planted.seed, 11); // the stage's seed
    const direct = plantedDataset({
      seed: 11,
      size: 8,
      channels: 3,
      numClasses: 3,
      trainPerClass: 10,
      testPerClass: 4,
    });
    assert.deepEqual(x.data, direct.train.images);
    assert.deepEqual(y.data, direct.train.labels);
    assert.match(logs.join("\n"), /train: 30 images of 8×8×3, per class \[10, 10, 10\]/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("data stage (fashion-mnist from a dir of gzipped IDX files) with a stratified train limit", async () => {
  const src = await Deno.makeTempDir();
  const idx = (shape: number[], d: number[]) =>
    gzipSync(new Uint8Array([0, 0, 8, shape.length, ...shape.flatMap((v) => [0, 0, v >> 8, v & 255]), ...d]));
  await Deno.writeFile(
    join(src, "train-images-idx3-ubyte.gz"),
    idx([20, 2, 2], Array.from({ length: 80 }, (_, i) => i)),
  );
  await Deno.writeFile(
    join(src, "train-labels-idx1-ubyte.gz"),
    idx([20], Array.from({ length: 20 }, (_, i) => i % 10)),
  );
  await Deno.writeFile(
    join(src, "t10k-images-idx3-ubyte.gz"),
    idx([10, 2, 2], Array.from({ length: 40 }, (_, i) => 255 - i)),
  );
  await Deno.writeFile(
    join(src, "t10k-labels-idx1-ubyte.gz"),
    idx([10], Array.from({ length: 10 }, (_, i) => i)),
  );
  const { dir } = await runData({ dataset: "fashion-mnist", dir: src, train_limit: 10, test_limit: null });
  try {
    const y = await readNpy(join(dir, "train_y.npy"), "int32");
    assert.deepEqual([...y.data].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const tx = await readNpy(join(dir, "test_x.npy"), "float32");
    assert.deepEqual(tx.shape, [10, 2, 2, 1]);
    assert.equal(tx.data[0], 1);
    const meta = JSON.parse(await Deno.readTextFile(join(dir, "meta.json")));
    assert.equal(meta.classNames[9], "Ankle boot");
    assert.equal(meta.source.dir, src);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(src, { recursive: true });
  }
});

Deno.test("data stage params: unknown keys, planted-only keys on real datasets and dir on planted are rejected", () => {
  assert.throws(() => dataParams.parse({ dataset: "cifar10", sizee: 3 }));
  assert.throws(
    () => dataParams.parse({ dataset: "cifar10", size: 16 }),
    /'size' applies only to dataset: planted/,
  );
  assert.throws(() => dataParams.parse({ dataset: "planted", dir: "/x" }), /takes no dir/);
  assert.throws(() => dataParams.parse({ dataset: "svhn" }));
  assert.equal(dataParams.parse({ dataset: "mnist", train_limit: null }).train_limit, null);
});
