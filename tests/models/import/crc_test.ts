/**
 * Issue 12, case 5: a one-byte change inside a tensor of a `.pt` zip used to import silently (fflate does
 * not check CRC-32); now it is a format error naming the zip entry. CRC-32 checked against zlib's.
 */
import assert from "node:assert/strict";
import { crc32 as zlibCrc32 } from "node:zlib";
import { initBackend } from "../../../lib/backend/mod.ts";
import { CheckpointFormatError, importCheckpointBytes } from "../../../lib/models/import/mod.ts";
import { crc32 } from "../../../lib/models/import/zip_crc.ts";

const FILE = new URL("../../fixtures/torch/plain_resnet18.pt", import.meta.url).pathname;

/** Offset of the first data byte of stored entry `name`, found from its local file header. */
function dataOffset(bytes: Uint8Array, name: string): number {
  const enc = new TextEncoder().encode(name);
  for (let i = 30; i < bytes.length - enc.length; i++) {
    if (enc.every((b, j) => bytes[i + j] === b) && bytes[i - 30] === 0x50 && bytes[i - 29] === 0x4b) {
      const view = new DataView(bytes.buffer, bytes.byteOffset);
      return i + enc.length + view.getUint16(i - 30 + 28, true);
    }
  }
  throw new Error(`no local header for ${name}`);
}

Deno.test("crc32 agrees with zlib's", () => {
  for (
    const data of [
      new Uint8Array(0),
      new TextEncoder().encode("123456789"),
      Uint8Array.from({ length: 5000 }, (_, i) => i * 7),
    ]
  ) {
    assert.equal(crc32(data), zlibCrc32(data));
  }
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
});

Deno.test("a one-byte change inside a tensor of a .pt zip is refused, naming the entry", async () => {
  await initBackend("cpu");
  const bytes = await Deno.readFile(FILE);
  const spec = {
    arch: "resnet18" as const,
    source: "plain" as const,
    width: 4,
    mean: [0.5, 0.45, 0.4],
    std: [0.25, 0.2, 0.3],
  };
  importCheckpointBytes(bytes, FILE, spec).model.dispose(); // the untouched file imports
  const bad = bytes.slice();
  bad[dataOffset(bad, "plain_resnet18/data/0") + 100] ^= 0x01;
  let err: unknown;
  try {
    importCheckpointBytes(bad, FILE, spec).model.dispose();
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof CheckpointFormatError, String(err));
  assert.match(
    err.message,
    /plain_resnet18\.pt: zip entry 'plain_resnet18\/data\/0' fails its CRC-32 check \(recorded [0-9a-f]{8}, computed [0-9a-f]{8}\): the file is corrupt$/,
  );
});
