import assert from "node:assert/strict";
import { join } from "node:path";
import fc from "fast-check";
import { decodeNpy, encodeNpy, NpyError, readNpy, writeNpy } from "../../lib/io/mod.ts";

const FIX = new URL("../fixtures/io/", import.meta.url).pathname;
const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));

/** The header NumPy writes for `dict` (hand-counted padding) in a v1.0 file of `total` header bytes. */
function v1Header(dict: string, spaces: number, total: number): number[] {
  const text = dict + " ".repeat(spaces) + "\n";
  assert.equal(10 + text.length, total, "hand-computed header length");
  return [0x93, ...ascii("NUMPY"), 1, 0, text.length & 0xff, text.length >> 8, ...ascii(text)];
}

Deno.test("encodeNpy: int32 [2] matches hand-written bytes", () => {
  // dict is 57 chars; NumPy adds 21-1=20 growth spaces and pads to 128 bytes: 118-1-57 = 60 spaces.
  const header = v1Header("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", 60, 128);
  const expected = new Uint8Array([...header, 1, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff]);
  assert.deepEqual(encodeNpy({ data: new Int32Array([1, -2]), shape: [2] }), expected);
});

Deno.test("encodeNpy: float64 scalar (shape ()) matches hand-written bytes", () => {
  // no growth spaces for a scalar: 10 + 55 + 1 = 66 header bytes, padded to 128 with 62 spaces.
  const dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (), }";
  assert.equal(dict.length, 55);
  const header = v1Header(dict, 128 - 10 - 1 - 55, 128);
  const value = new Uint8Array(new Float64Array([0.5]).buffer); // 0x3fe0000000000000 little-endian
  assert.deepEqual([...value], [0, 0, 0, 0, 0, 0, 0xe0, 0x3f]);
  assert.deepEqual(
    encodeNpy({ data: new Float64Array([0.5]), shape: [] }),
    new Uint8Array([...header, ...value]),
  );
});

Deno.test("decodeNpy: hand-written v1.0 header with 16-byte alignment (old NumPy) and uint8 data", () => {
  const dict = "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }";
  const pad = 16 - ((10 + dict.length + 1) % 16);
  const bytes = new Uint8Array([...v1Header(dict, pad, 10 + dict.length + pad + 1), 1, 2, 3, 250, 251, 252]);
  const a = decodeNpy(bytes);
  assert.equal(a.dtype, "uint8");
  assert.deepEqual(a.shape, [2, 3]);
  assert.deepEqual([...a.data], [1, 2, 3, 250, 251, 252]);
});

Deno.test("decodeNpy: hand-written v2.0 header with float32 data", () => {
  const text = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }\n";
  const len = text.length;
  const bytes = new Uint8Array([
    0x93,
    ...ascii("NUMPY"),
    2,
    0,
    len & 0xff,
    (len >> 8) & 0xff,
    0,
    0,
    ...ascii(text),
    ...new Uint8Array(new Float32Array([1, -0.25, 3e10]).buffer),
  ]);
  const a = decodeNpy(bytes);
  assert.equal(a.dtype, "float32");
  assert.deepEqual(a.shape, [3]);
  assert.deepEqual([...a.data], [1, -0.25, Math.fround(3e10)]);
});

Deno.test("decodeNpy: data at an unaligned byte offset is copied, not misread", () => {
  const file = encodeNpy({ data: new Float64Array([1.25, -7]), shape: [2] });
  const shifted = new Uint8Array(file.length + 3);
  shifted.set(file, 3);
  const a = decodeNpy(shifted.subarray(3));
  assert.deepEqual([...a.data], [1.25, -7]);
});

Deno.test("NumPy fixtures read back with the values NumPy wrote, and re-encode byte for byte", async () => {
  const k = Array.from({ length: 24 }, (_, i) => i);
  const cases: [string, string, number[], number[]][] = [
    ["f32_2x3x4.npy", "float32", [2, 3, 4], k.map((i) => i * 0.5 - 3)],
    ["f64_6x4.npy", "float64", [6, 4], k.map((i) => 1 / (i + 1))],
    ["u8_24.npy", "uint8", [24], k.map((i) => (i * 37) % 256)],
    ["i32_4x6.npy", "int32", [4, 6], k.map((i) => (i - 12) * 100003)],
    ["f32_scalar.npy", "float32", [], [2.5]],
    ["f32_empty_0x3.npy", "float32", [0, 3], []],
  ];
  for (const [name, dtype, shape, values] of cases) {
    const path = join(FIX, name);
    const a = await readNpy(path);
    assert.equal(a.dtype, dtype, name);
    assert.deepEqual(a.shape, shape, name);
    assert.deepEqual([...a.data], values, name);
    assert.deepEqual(encodeNpy(a), await Deno.readFile(path), `${name}: encodeNpy differs from numpy.save`);
  }
  const v2 = await readNpy(join(FIX, "f64_v2_3.npy"), "float64");
  assert.deepEqual([...v2.data], [1.5, -2.25, 1e300]);
});

async function rejectsWith(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof NpyError, `expected NpyError, got ${e}`);
    assert.match(e.message, pattern);
    return true;
  });
}

Deno.test("unsupported NumPy files are rejected naming the file and the reason", async () => {
  await rejectsWith(readNpy(join(FIX, "f32_fortran_2x3.npy")), /f32_fortran_2x3\.npy: Fortran-order/);
  await rejectsWith(
    readNpy(join(FIX, "f32_bigendian_3.npy")),
    /f32_bigendian_3\.npy: unsupported dtype '>f4' \(big-endian/,
  );
  await rejectsWith(readNpy(join(FIX, "i16_3.npy")), /i16_3\.npy: unsupported dtype '<i2'/);
  await rejectsWith(
    readNpy(join(FIX, "u8_24.npy"), "float32"),
    /u8_24\.npy: expected dtype float32, found uint8/,
  );
  await rejectsWith(readNpy(join(FIX, "missing.npy")), /missing\.npy: cannot read/);
});

Deno.test("malformed bytes: bad magic, truncated data (expected vs actual), trailing bytes, bad version", () => {
  const good = encodeNpy({ data: new Float32Array([1, 2, 3]), shape: [3] });
  assert.throws(
    () => decodeNpy(new Uint8Array([0x50, 0x4b, 3, 4, 0, 0, 0, 0, 0, 0, 0]), "x.npy"),
    /x\.npy: not a \.npy file: bad magic at offset 0 \(got 50 4b 03 04 00 00/,
  );
  assert.throws(
    () => decodeNpy(good.subarray(0, good.length - 2), "t.npy"),
    /t\.npy: truncated data: shape \[3\] of float32 needs 12 bytes from offset 128, found 10/,
  );
  assert.throws(
    () => decodeNpy(good.subarray(0, 60), "h.npy"),
    /h\.npy: truncated header: header ends at byte 128 but the file has 60 bytes/,
  );
  const long = new Uint8Array(good.length + 1);
  long.set(good);
  assert.throws(
    () => decodeNpy(long, "l.npy"),
    /trailing bytes after data: .* needs 12 bytes from offset 128, found 13/,
  );
  const v9 = good.slice();
  v9[6] = 9;
  assert.throws(() => decodeNpy(v9, "v.npy"), /v\.npy: unsupported \.npy format version 9\.0/);
  const badDict = good.slice();
  badDict.set(ascii("{'descX'"), 10);
  assert.throws(() => decodeNpy(badDict, "d.npy"), /d\.npy: malformed header dict/);
});

Deno.test("encodeNpy rejects a shape that does not match the data", () => {
  assert.throws(
    () => encodeNpy({ data: new Float32Array(5), shape: [2, 3] }),
    /shape \[2,3\] holds 6 elements but data has 5/,
  );
  assert.throws(() => encodeNpy({ data: new Float32Array(2), shape: [-1, -2] }), /invalid shape/);
});

Deno.test("writeNpy/readNpy round-trip every dtype atomically (no temp files left)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 4 }),
        fc.constantFrom("float32", "float64", "uint8", "int32"),
        fc.integer(),
        async (shape, dtype, seed) => {
          const n = shape.reduce((a, b) => a * b, 1);
          const vals = Array.from({ length: n }, (_, i) => ((seed + i * 7919) % 1000) / 7);
          const data = dtype === "float32"
            ? Float32Array.from(vals)
            : dtype === "float64"
            ? Float64Array.from(vals)
            : dtype === "uint8"
            ? Uint8Array.from(vals)
            : Int32Array.from(vals);
          const path = join(dir, "a.npy");
          await writeNpy(path, { data, shape });
          const back = await readNpy(path);
          assert.equal(back.dtype, dtype);
          assert.deepEqual(back.shape, shape);
          assert.deepEqual([...back.data], [...data]);
        },
      ),
      { numRuns: 60 },
    );
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["a.npy"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a header longer than 65535 bytes is written as version 2.0 (4-byte length), 64-byte aligned", () => {
  const shape = new Array(22000).fill(1); // "1, " × 22000 ≈ 66000 header characters
  const bytes = encodeNpy({ data: new Float32Array([4.5]), shape });
  assert.equal(bytes[6], 2);
  const headerLen = new DataView(bytes.buffer).getUint32(8, true);
  assert.ok(headerLen > 0xffff);
  assert.equal((12 + headerLen) % 64, 0);
  const back = decodeNpy(bytes);
  assert.equal(back.shape.length, 22000);
  assert.deepEqual([...back.data], [4.5]);
  // Small headers stay version 1.0.
  assert.equal(encodeNpy({ data: new Float32Array(6), shape: [2, 3] })[6], 1);
});
