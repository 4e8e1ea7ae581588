import assert from "node:assert/strict";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import {
  CIFAR10_RECORD,
  DatasetFormatError,
  DatasetUnavailableError,
  decodeCifar10,
  extractCifar10Tarball,
  loadCifar10,
  md5Hex,
  walkTar,
} from "../../lib/datasets/mod.ts";

/** One CIFAR-10 record by hand: label, then R, G, B planes with value (plane·50 + pixel + seed) mod 256. */
function record(label: number, seed: number): Uint8Array {
  const r = new Uint8Array(CIFAR10_RECORD);
  r[0] = label;
  for (let plane = 0; plane < 3; plane++) {
    for (let p = 0; p < 1024; p++) r[1 + plane * 1024 + p] = (plane * 50 + p + seed) % 256;
  }
  return r;
}

function records(labels: number[], seed0 = 0): Uint8Array {
  const out = new Uint8Array(labels.length * CIFAR10_RECORD);
  labels.forEach((l, i) => out.set(record(l, seed0 + i), i * CIFAR10_RECORD));
  return out;
}

/** A ustar header + data, written by hand (name, octal size, checksum), padded to 512-byte blocks. */
function tarEntry(name: string, data: Uint8Array): Uint8Array {
  const h = new Uint8Array(512);
  const enc = new TextEncoder();
  h.set(enc.encode(name), 0);
  h.set(enc.encode("0000644\0"), 100);
  h.set(enc.encode(data.length.toString(8).padStart(11, "0") + "\0"), 124);
  h.set(enc.encode("        "), 148);
  h[156] = 0x30;
  h.set(enc.encode("ustar\u000000"), 257);
  const sum = h.reduce((a, b) => a + b, 0);
  h.set(enc.encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
  const body = new Uint8Array(Math.ceil(data.length / 512) * 512);
  body.set(data);
  return new Uint8Array([...h, ...body]);
}

Deno.test("decodeCifar10: planar RGB records become NHWC [0,1] pixels with labels", () => {
  const bytes = records([3, 9]);
  const s = decodeCifar10(bytes, "b.bin");
  assert.deepEqual(s.shape, [2, 32, 32, 3]);
  assert.deepEqual([...s.labels], [3, 9]);
  // Image 1, row 2, column 5, channel c comes from byte 1 + c·1024 + 2·32 + 5 of record 1.
  for (let c = 0; c < 3; c++) {
    const expected = (c * 50 + 69 + 1) % 256;
    assert.equal(s.images[((1 * 32 + 2) * 32 + 5) * 3 + c], Math.fround(expected / 255));
  }
  const picked = decodeCifar10(bytes, "b.bin", [1]);
  assert.deepEqual([...picked.labels], [9]);
  assert.deepEqual(picked.images, s.images.subarray(3072));
});

Deno.test("decodeCifar10: truncated records and bad labels name the file and byte offset", () => {
  const bytes = records([1, 2, 3]);
  assert.throws(() => decodeCifar10(bytes.subarray(0, 2 * CIFAR10_RECORD + 100), "t.bin"), (e: unknown) => {
    assert.ok(e instanceof DatasetFormatError);
    assert.equal(e.offset, 2 * CIFAR10_RECORD);
    assert.match(e.message, /^t\.bin: at byte offset 6146: truncated record 2: 100 of 3073 bytes/);
    return true;
  });
  const bad = bytes.slice();
  bad[CIFAR10_RECORD] = 17;
  assert.throws(
    () => decodeCifar10(bad, "l.bin"),
    /l\.bin: at byte offset 3073: label byte 17 of record 1 outside 0\.\.9/,
  );
  assert.throws(
    () => decodeCifar10(new Uint8Array(0), "e.bin"),
    /^DatasetFormatError: e\.bin: at byte offset 0: empty file/,
  );
});

Deno.test("loadCifar10 reads any whole number of records from whichever batches exist, with limits", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(join(dir, "data_batch_1.bin"), records([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0], 0));
    await Deno.writeFile(join(dir, "data_batch_3.bin"), records([9, 9, 1], 100));
    await Deno.writeFile(join(dir, "test_batch.bin"), records([5, 4], 200));
    await Deno.writeTextFile(join(dir, "batches.meta.txt"), "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n");
    const ds = await loadCifar10({ dir });
    assert.deepEqual(ds.train.shape, [14, 32, 32, 3]);
    assert.deepEqual([...ds.train.labels], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 9, 9, 1]);
    assert.deepEqual([...ds.test.labels], [5, 4]);
    assert.deepEqual(ds.classNames, ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]);
    assert.equal(ds.train.images[11 * 3072], Math.fround(100 / 255)); // first pixel of batch 3's record 0
    const lim = await loadCifar10({ dir, trainLimit: 10, seed: 1 });
    assert.deepEqual([...lim.train.labels].sort(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const again = await loadCifar10({ dir, trainLimit: 10, seed: 1 });
    assert.deepEqual(again.train.images, lim.train.images);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadCifar10 offline without files: a clear error saying where to put them", async () => {
  const cacheDir = await Deno.makeTempDir();
  try {
    await assert.rejects(loadCifar10({ dir: join(cacheDir, "none"), cacheDir }), (e: unknown) => {
      assert.ok(e instanceof DatasetUnavailableError);
      assert.match(
        e.message,
        /none holds no test_batch\.bin .*put data_batch_1\.bin … data_batch_5\.bin and test_batch\.bin there/,
      );
      return true;
    });
    await assert.rejects(loadCifar10({ cacheDir, download: false }), (e: unknown) => {
      assert.ok(e instanceof DatasetUnavailableError);
      assert.match(
        e.message,
        /put data_batch_1\.bin … data_batch_5\.bin and test_batch\.bin into .*cifar-10-batches-bin/,
      );
      assert.match(e.message, /cifar-10-binary\.tar\.gz \(MD5 c32a1d4ab5d03f1284b67883e8d87530\)/);
      return true;
    });
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("a CIFAR-10 tarball is MD5-checked, walked and extracted into the cache, then loaded", async () => {
  const cacheDir = await Deno.makeTempDir();
  try {
    const tar = new Uint8Array([
      ...tarEntry("cifar-10-batches-bin/data_batch_1.bin", records([1, 2])),
      ...tarEntry("cifar-10-batches-bin/test_batch.bin", records([7])),
      ...tarEntry("cifar-10-batches-bin/readme.html", new TextEncoder().encode("<p>")),
      ...new Uint8Array(1024),
    ]);
    assert.deepEqual([...walkTar(tar, "x.tar")].map((e) => [e.path, e.data.length]), [
      ["cifar-10-batches-bin/data_batch_1.bin", 2 * 3073],
      ["cifar-10-batches-bin/test_batch.bin", 3073],
      ["cifar-10-batches-bin/readme.html", 3],
    ]);
    const gz = new Uint8Array(gzipSync(tar));
    await assert.rejects(
      extractCifar10Tarball(gz, "c.tar.gz", cacheDir),
      /c\.tar\.gz: at byte offset 0: MD5 [0-9a-f]{32} does not match the official c32a1d4ab5d03f1284b67883e8d87530/,
    );
    const dir = await extractCifar10Tarball(gz, "c.tar.gz", cacheDir, md5Hex(gz));
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
      "data_batch_1.bin",
      "test_batch.bin",
    ]);
    const ds = await loadCifar10({ cacheDir, download: false });
    assert.deepEqual([...ds.train.labels], [1, 2]);
    assert.deepEqual([...ds.test.labels], [7]);
    const broken = tar.slice();
    broken[148] = 0x37; // corrupt the first header's checksum field
    assert.throws(() => [...walkTar(broken, "b.tar")], /b\.tar: at byte offset 0: tar header checksum/);
    assert.throws(
      () => [...walkTar(tar.subarray(0, 1000), "s.tar")],
      /s\.tar: at byte offset 1000: tar entry 'cifar-10-batches-bin\/data_batch_1\.bin' needs 6146 bytes from offset 512/,
    );
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});
