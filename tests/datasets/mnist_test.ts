import assert from "node:assert/strict";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import {
  DatasetFormatError,
  DatasetUnavailableError,
  FASHION_MNIST_CLASSES,
  loadMnistLike,
} from "../../lib/datasets/mod.ts";

function idx(shape: number[], data: ArrayLike<number>): Uint8Array {
  const dims = shape.flatMap((d) => [(d >>> 24) & 255, (d >>> 16) & 255, (d >>> 8) & 255, d & 255]);
  return new Uint8Array([0, 0, 0x08, shape.length, ...dims, ...Array.from(data)]);
}

/** Writes a tiny MNIST-like dataset (n train, m test images of 3×2 pixels), train files gzipped. */
async function writeTiny(dir: string, n: number, m: number, labelFn = (i: number) => i % 10): Promise<void> {
  const px = (k: number) => Array.from({ length: k * 6 }, (_, i) => (i * 7) % 256);
  await Deno.writeFile(join(dir, "train-images-idx3-ubyte.gz"), gzipSync(idx([n, 3, 2], px(n))));
  await Deno.writeFile(
    join(dir, "train-labels-idx1-ubyte.gz"),
    gzipSync(idx([n], Array.from({ length: n }, (_, i) => labelFn(i)))),
  );
  await Deno.writeFile(join(dir, "t10k-images-idx3-ubyte"), idx([m, 3, 2], px(m)));
  await Deno.writeFile(
    join(dir, "t10k-labels-idx1-ubyte"),
    idx([m], Array.from({ length: m }, (_, i) => labelFn(i))),
  );
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("loadMnistLike reads gzipped and raw IDX files into NHWC [0,1] with labels", () =>
  withDir(async (dir) => {
    await writeTiny(dir, 40, 20);
    const ds = await loadMnistLike("fashion-mnist", { dir });
    assert.equal(ds.name, "fashion-mnist");
    assert.deepEqual(ds.classNames, FASHION_MNIST_CLASSES);
    assert.deepEqual(ds.train.shape, [40, 3, 2, 1]);
    assert.deepEqual(ds.test.shape, [20, 3, 2, 1]);
    assert.equal(ds.train.images[7], Math.fround(49 / 255));
    assert.equal(ds.test.images[6 * 19 + 5], Math.fround(((6 * 19 + 5) * 7 % 256) / 255));
    assert.deepEqual([...ds.train.labels.subarray(0, 12)], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
  }));

Deno.test("loadMnistLike applies a stratified, seeded limit per split", () =>
  withDir(async (dir) => {
    await writeTiny(dir, 100, 50);
    const a = await loadMnistLike("mnist", { dir, trainLimit: 30, testLimit: 10, seed: 4 });
    assert.deepEqual(a.train.shape, [30, 3, 2, 1]);
    const counts = new Array(10).fill(0);
    a.train.labels.forEach((l) => counts[l]++);
    assert.deepEqual(counts, new Array(10).fill(3));
    const b = await loadMnistLike("mnist", { dir, trainLimit: 30, testLimit: 10, seed: 4 });
    assert.deepEqual(b.train.images, a.train.images);
    const c = await loadMnistLike("mnist", { dir, trainLimit: 30, testLimit: 10, seed: 5 });
    assert.notDeepEqual(c.train.images, a.train.images);
  }));

Deno.test("loadMnistLike: missing files, count mismatch and bad labels are clear errors", () =>
  withDir(async (dir) => {
    await assert.rejects(
      loadMnistLike("mnist", { dir }),
      (e: unknown) =>
        e instanceof DatasetUnavailableError && e.message.includes(dir) &&
        e.message.includes("train-images-idx3-ubyte"),
    );
    await writeTiny(dir, 10, 5);
    await Deno.remove(join(dir, "t10k-labels-idx1-ubyte"));
    await assert.rejects(loadMnistLike("mnist", { dir }), /lacks t10k-labels-idx1-ubyte/);
    await Deno.writeFile(join(dir, "t10k-labels-idx1-ubyte"), idx([4], [1, 2, 3, 4]));
    await assert.rejects(
      loadMnistLike("mnist", { dir }),
      (e: unknown) =>
        e instanceof DatasetFormatError &&
        /t10k-labels-idx1-ubyte: at byte offset 4: 4 labels but .* holds 5 images/.test(e.message),
    );
    await Deno.writeFile(join(dir, "t10k-labels-idx1-ubyte"), idx([5], [1, 2, 13, 4, 5]));
    await assert.rejects(
      loadMnistLike("mnist", { dir }),
      /at byte offset 10: label 13 of item 2 outside 0\.\.9/,
    );
  }));
