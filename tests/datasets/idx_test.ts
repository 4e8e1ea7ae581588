import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { DatasetFormatError, decodeIdx } from "../../lib/datasets/mod.ts";

/** IDX bytes written by hand: magic 00 00 08 <ndim>, big-endian uint32 sizes, then data. */
function idx(shape: number[], data: number[]): Uint8Array {
  const dims = shape.flatMap((d) => [(d >>> 24) & 255, (d >>> 16) & 255, (d >>> 8) & 255, d & 255]);
  return new Uint8Array([0, 0, 0x08, shape.length, ...dims, ...data]);
}

function throwsAt(fn: () => unknown, file: string, offset: number, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DatasetFormatError, `expected DatasetFormatError, got ${e}`);
    assert.equal(e.file, file);
    assert.equal(e.offset, offset);
    assert.match(e.message, pattern);
    assert.ok(e.message.startsWith(`${file}: at byte offset ${offset}: `));
    return true;
  });
}

Deno.test("decodeIdx reads hand-made raw and gzipped IDX bytes (big-endian sizes, row-major data)", () => {
  const bytes = idx([2, 2, 3], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
  assert.deepEqual([...bytes.subarray(0, 8)], [0, 0, 8, 3, 0, 0, 0, 2]);
  for (const input of [bytes, new Uint8Array(gzipSync(bytes))]) {
    const a = decodeIdx(input, "f");
    assert.deepEqual(a.shape, [2, 2, 3]);
    assert.deepEqual([...a.data], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
  }
  const big = decodeIdx(idx([258], Array.from({ length: 258 }, (_, i) => i & 255)));
  assert.deepEqual(big.shape, [258]); // 0x00000102: big-endian, not 0x02010000
});

Deno.test("decodeIdx: truncated, malformed and unsupported files name the file and byte offset", () => {
  const good = idx([3, 2], [1, 2, 3, 4, 5, 6]);
  throwsAt(
    () => decodeIdx(good.subarray(0, good.length - 2), "t.idx"),
    "t.idx",
    16,
    /truncated: shape \[3,2\] needs 6 data bytes from offset 12, found 4/,
  );
  throwsAt(
    () => decodeIdx(good.subarray(0, 9), "h.idx"),
    "h.idx",
    9,
    /ends inside the dimension sizes \(needs 12 header bytes\)/,
  );
  throwsAt(() => decodeIdx(good.subarray(0, 3), "m.idx"), "m.idx", 3, /inside the 4-byte IDX magic/);
  throwsAt(
    () => decodeIdx(new Uint8Array([0x50, 0x4b, 3, 4, 0, 0]), "z.idx"),
    "z.idx",
    0,
    /bad IDX magic 50 4b 03 04/,
  );
  const f32 = good.slice();
  f32[2] = 0x0d;
  throwsAt(() => decodeIdx(f32, "f.idx"), "f.idx", 2, /unsupported IDX element type 0x0d \(float32\)/);
  const extra = new Uint8Array([...good, 9, 9]);
  throwsAt(() => decodeIdx(extra, "x.idx"), "x.idx", 18, /2 unexpected bytes after the data/);
  const gz = new Uint8Array(gzipSync(good));
  throwsAt(() => decodeIdx(gz.subarray(0, gz.length - 6), "c.gz"), "c.gz", 0, /corrupt gzip stream/);
  // A gzipped file that inflates to truncated IDX reports the offset in the inflated bytes.
  throwsAt(() => decodeIdx(new Uint8Array(gzipSync(good.subarray(0, 14))), "g.gz"), "g.gz", 14, /found 2/);
});
