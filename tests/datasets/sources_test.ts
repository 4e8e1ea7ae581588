/**
 * Issue 12, case 2 (broken or substituted data): an empty split is an error naming the file, an explicit
 * `dir:` is the only place looked in (never the cache's copy), and the files actually read — default
 * locations included — enter the data stage's key; a `dir:` that does not exist is a config error (exit 2)
 * before anything runs.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  CIFAR10_RECORD,
  DatasetFormatError,
  datasetSourceFiles,
  DatasetUnavailableError,
  decodeIdx,
  loadCifar10,
  loadMnistLike,
} from "../../lib/datasets/mod.ts";
import { planPipeline } from "../../pipeline/plan.ts";
import { planStatus } from "../../pipeline/status.ts";
import { cli } from "../pipeline/helpers.ts";

/** `n` CIFAR-10 records with labels 0, 1, …, 9, 0, … and arbitrary pixels. */
function records(n: number): Uint8Array {
  const out = new Uint8Array(n * CIFAR10_RECORD);
  for (let i = 0; i < n; i++) {
    out[i * CIFAR10_RECORD] = i % 10;
    for (let p = 1; p < CIFAR10_RECORD; p++) out[i * CIFAR10_RECORD + p] = (i * 31 + p) % 256;
  }
  return out;
}

async function cifarDir(root: string, name: string, train: number, test: number): Promise<string> {
  const dir = join(root, name);
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeFile(join(dir, "data_batch_1.bin"), records(train));
  await Deno.writeFile(join(dir, "test_batch.bin"), records(test));
  return dir;
}

async function withRoot(fn: (root: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "freqlens-sources-" });
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("a 0-byte test_batch.bin is an error naming the file, not 'test: 0 images'", () =>
  withRoot(async (root) => {
    const dir = await cifarDir(root, "c", 20, 0);
    const err = await loadCifar10({ dir }).then(() => null, (e) => e);
    assert.ok(err instanceof DatasetFormatError, String(err));
    assert.equal(err.file, join(dir, "test_batch.bin"));
    assert.equal(
      err.message,
      `${join(dir, "test_batch.bin")}: at byte offset 0: empty file: no records (0 bytes)`,
    );
    // A truncated record is one too (the other way a split comes up short).
    await Deno.writeFile(join(dir, "test_batch.bin"), records(3).subarray(0, 2 * CIFAR10_RECORD + 100));
    const short = await loadCifar10({ dir }).then(() => null, (e) => e);
    assert.ok(short instanceof DatasetFormatError, String(short));
    assert.match(
      short.message,
      /test_batch\.bin: at byte offset 6146: truncated record 2: 100 of 3073 bytes/,
    );
  }));

Deno.test("an IDX file declaring 0 images is an error naming it", () =>
  withRoot(async (root) => {
    const idx = (shape: number[]) =>
      new Uint8Array([
        0,
        0,
        8,
        shape.length,
        ...shape.flatMap((d) => [0, 0, 0, d]),
        ...new Array(shape.reduce((a, b) => a * b, 1)).fill(1),
      ]);
    assert.deepEqual(decodeIdx(idx([0, 2, 2])).shape, [0, 2, 2]);
    await Deno.writeFile(join(root, "train-images-idx3-ubyte"), idx([2, 2, 2]));
    await Deno.writeFile(join(root, "train-labels-idx1-ubyte"), idx([2]));
    await Deno.writeFile(join(root, "t10k-images-idx3-ubyte"), idx([0, 2, 2]));
    await Deno.writeFile(join(root, "t10k-labels-idx1-ubyte"), idx([0]));
    const err = await loadMnistLike("mnist", { dir: root }).then(() => null, (e) => e);
    assert.ok(err instanceof DatasetFormatError, String(err));
    assert.equal(
      err.message,
      `${join(root, "t10k-images-idx3-ubyte")}: at byte offset 4: empty: the IDX header declares 0 images`,
    );
  }));

Deno.test("an explicit dir without the files never falls back to the cache's copy", () =>
  withRoot(async (root) => {
    const cacheDir = join(root, "cache");
    await cifarDir(cacheDir, "cifar-10-batches-bin", 20, 10);
    const empty = join(root, "empty");
    await Deno.mkdir(empty);
    assert.equal((await loadCifar10({ cacheDir })).test.shape[0], 10); // the cache copy is fine by default
    const err = await loadCifar10({ dir: empty, cacheDir, download: true }).then(() => null, (e) => e);
    assert.ok(err instanceof DatasetUnavailableError, String(err));
    assert.match(
      err.message,
      /^cifar10: .*empty holds no test_batch\.bin .*put data_batch_1.bin … data_batch_5.bin and test_batch.bin there \(an explicit dir is not replaced by the cache\)$/,
    );
    assert.deepEqual(datasetSourceFiles("cifar10", { dir: empty, cacheDir }), []);
    assert.deepEqual(
      datasetSourceFiles("cifar10", { cacheDir }),
      ["data_batch_1.bin", "test_batch.bin"].map((f) => join(cacheDir, "cifar-10-batches-bin", f)),
    );
  }));

Deno.test("the data stage's key covers the files read from the default cache; a missing dir: is exit 2", () =>
  withRoot(async (root) => {
    const cacheDir = join(root, "cache");
    const bin = await cifarDir(cacheDir, "cifar-10-batches-bin", 20, 10);
    const config = join(root, "c.yaml");
    const outputs = join(root, "outputs");
    await Deno.writeTextFile(
      config,
      `name: src\nstages:\n  data:\n    task: data\n    params: {dataset: cifar10, cache_dir: ${
        JSON.stringify(cacheDir)
      }}\n`,
    );
    const ran = await cli(["run", config, "--outputs", outputs]);
    assert.equal(ran.code, 0, ran.stderr);
    const before = (await planPipeline(config, { outputs })).instances[0].key;
    // Substitute the cached test split (same name, other content and size): the key changes, status says why.
    await Deno.writeFile(join(bin, "test_batch.bin"), records(12));
    const plan = await planPipeline(config, { outputs });
    assert.notEqual(plan.instances[0].key, before);
    const [st] = await planStatus(plan);
    assert.equal(st.state, "stale");
    assert.deepEqual(st.reasons, ["files read (cifar10 files) changed (paths, sizes or modification times)"]);

    // An explicit dir: that does not exist: a located config error before anything runs.
    await Deno.writeTextFile(
      config,
      `name: src\nstages:\n  data:\n    task: data\n    params:\n      dataset: cifar10\n      dir: ${
        join(root, "nowhere")
      }\n      cache_dir: ${JSON.stringify(cacheDir)}\n`,
    );
    const bad = await cli(["run", config, "--outputs", outputs, "--dry-run"]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.equal(
      bad.stderr.trim(),
      `error: ${config}:7:12: stages.data.params.dir: ${join(root, "nowhere")} does not exist`,
    );
  }));
