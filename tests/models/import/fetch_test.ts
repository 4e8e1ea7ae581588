/**
 * Checkpoints by URL: downloaded once into the cache (a local HTTP server stands in for the internet),
 * checked against SHA-256, nothing cached on a mismatch, and offline a clear error naming the cache path.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  cachePathFor,
  CheckpointUnavailableError,
  ChecksumMismatchError,
  readCheckpointBytes,
} from "../../../lib/models/import/mod.ts";

const FIXTURE = new URL("../../fixtures/torch/robustness_resnet18.pt", import.meta.url).pathname;

async function withServer(fn: (base: string, hits: () => number) => Promise<void>): Promise<void> {
  const body = await Deno.readFile(FIXTURE);
  let count = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    count++;
    return new URL(req.url).pathname === "/r18.pt" ? new Response(body) : new Response("no", { status: 404 });
  });
  try {
    await fn(`http://127.0.0.1:${server.addr.port}`, () => count);
  } finally {
    await server.shutdown();
  }
}

Deno.test("a URL is downloaded once into the cache, with its SHA-256 recorded", async () => {
  const cacheDir = await Deno.makeTempDir();
  const expected = createHash("sha256").update(await Deno.readFile(FIXTURE)).digest("hex");
  try {
    await withServer(async (base, hits) => {
      const first = await readCheckpointBytes(`${base}/r18.pt`, { cacheDir, sha256: expected.toUpperCase() });
      assert.equal(first.sha256, expected);
      assert.equal(first.cached, false);
      assert.equal(first.file, await cachePathFor(`${base}/r18.pt`, cacheDir));
      assert.equal((await Deno.readTextFile(`${first.file}.sha256`)).trim(), expected);
      const second = await readCheckpointBytes(`${base}/r18.pt`, { cacheDir });
      assert.equal(second.cached, true);
      assert.deepEqual(second.bytes, first.bytes);
      assert.equal(hits(), 1);
    });
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("a download with the wrong SHA-256 is refused and not cached", async () => {
  const cacheDir = await Deno.makeTempDir();
  try {
    await withServer(async (base) => {
      const err = await readCheckpointBytes(`${base}/r18.pt`, { cacheDir, sha256: "0".repeat(64) })
        .then(() => null, (e) => e);
      assert.ok(err instanceof ChecksumMismatchError, String(err));
      assert.deepEqual([...Deno.readDirSync(cacheDir)], []);
      const missing = await readCheckpointBytes(`${base}/nothing.pt`, { cacheDir }).then(
        () => null,
        (e) => e,
      );
      assert.ok(missing instanceof CheckpointUnavailableError);
      assert.match(missing.message, /HTTP 404/);
      assert.deepEqual([...Deno.readDirSync(cacheDir)], []);
    });
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("offline, the error says where to put the file, and a file put there is used", async () => {
  const cacheDir = await Deno.makeTempDir();
  try {
    let port = 0;
    await withServer((base) => { // a port that was just closed: connection refused
      port = Number(new URL(base).port);
      return Promise.resolve();
    });
    const url = `http://127.0.0.1:${port}/models/cifar_l2_0_5.pt`;
    const err = await readCheckpointBytes(url, { cacheDir }).then(() => null, (e) => e);
    assert.ok(err instanceof CheckpointUnavailableError, String(err));
    const path = await cachePathFor(url, cacheDir);
    assert.ok(path.startsWith(join(cacheDir, "")) && path.endsWith("-cifar_l2_0_5.pt"));
    assert.ok(err.message.includes(`put it at ${path}`), err.message);
    await Deno.copyFile(FIXTURE, path);
    const got = await readCheckpointBytes(url, { cacheDir });
    assert.equal(got.cached, true);
    assert.equal(got.file, path);
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});
