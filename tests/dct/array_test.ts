import assert from "node:assert/strict";
import fc from "fast-check";
import { readNpy } from "../../lib/io/mod.ts";
import { bandEnergy, dct2, dct2Into, dctMatrix, DctShapeError, idct2, idct2Into } from "../../lib/dct/mod.ts";
import { bruteDct2, maxAbsDiff, seededValues } from "./helpers.ts";

const FIX = new URL("../fixtures/dct/", import.meta.url).pathname;

Deno.test("dctMatrix is orthonormal (C·Cᵀ = I) for several sizes", () => {
  for (const n of [1, 2, 3, 7, 8, 28, 32]) {
    const c = dctMatrix(n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += c[i * n + k] * c[j * n + k];
        assert.ok(Math.abs(s - (i === j ? 1 : 0)) < 1e-12, `n=${n} (${i},${j}): ${s}`);
      }
    }
  }
});

Deno.test("dct2 equals the textbook double sum on random NHWC shapes (property)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 2 }),
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer(),
      (n, h, w, c, seed) => {
        const shape = [n, h, w, c];
        const x = seededValues(n * h * w * c, seed);
        assert.ok(maxAbsDiff(dct2(x, shape), bruteDct2(x, shape)) < 1e-12);
      },
    ),
    { numRuns: 40 },
  );
});

Deno.test("dct2 matches scipy.fft.dctn(norm='ortho') fixtures; float32 input keeps float32", async () => {
  for (const tag of ["2x5x7x3", "1x8x8x1"]) {
    const x = await readNpy(`${FIX}x_${tag}.npy`, "float64");
    const ref = await readNpy(`${FIX}dctn_${tag}.npy`, "float64");
    assert.ok(maxAbsDiff(dct2(x.data, x.shape), ref.data) < 1e-12, tag);
    const y32 = dct2(Float32Array.from(x.data), x.shape);
    assert.ok(y32 instanceof Float32Array);
    assert.ok(maxAbsDiff(y32, ref.data) < 1e-6, tag);
    assert.ok(maxAbsDiff(idct2(ref.data, ref.shape), x.data) < 1e-12, `${tag} inverse`);
  }
});

Deno.test("idct2(dct2(x)) round-trips with error < 1e-5 in float32 and < 1e-12 in float64", () => {
  const shape = [3, 32, 32, 3];
  const x = seededValues(3 * 32 * 32 * 3, 7);
  assert.ok(maxAbsDiff(idct2(dct2(x, shape), shape), x) < 1e-12);
  const x32 = Float32Array.from(x);
  assert.ok(maxAbsDiff(idct2(dct2(x32, shape), shape), x32) < 1e-5);
});

Deno.test("Parseval: band energies of the DCT sum to the pixel energy of each image", () => {
  const shape = [2, 6, 9, 3];
  const x = seededValues(2 * 6 * 9 * 3, 3);
  const e = bandEnergy(dct2(x, shape), shape);
  assert.equal(e.length, 2 * (6 + 9 - 1));
  for (let img = 0; img < 2; img++) {
    let pix = 0;
    for (let i = 0; i < 6 * 9 * 3; i++) pix += x[img * 162 + i] ** 2;
    const sum = e.subarray(img * 14, (img + 1) * 14).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - pix) < 1e-10, `${sum} vs ${pix}`);
  }
});

Deno.test("dct2 rejects a shape that is not NHWC or does not match the data", () => {
  assert.throws(() => dct2(new Float32Array(12), [3, 4]), DctShapeError);
  assert.throws(() => dct2(new Float32Array(12), [1, 2, 2, 2]), /holds 8 elements but data has 12/);
});

Deno.test("dct2Into / idct2Into write the same values as dct2 / idct2 into the given array, float32 and float64", () => {
  const shape = [3, 8, 6, 3];
  for (
    const make of [(n: number) => Float32Array.from(seededValues(n, 4)), (n: number) => seededValues(n, 4)]
  ) {
    const x = make(3 * 8 * 6 * 3);
    const out = new (x.constructor as { new (n: number): Float32Array | Float64Array })(x.length).fill(7);
    const y = dct2Into(x, shape, out);
    assert.equal(y, out);
    assert.deepEqual(Array.from(out), Array.from(dct2(x, shape)));
    const back = new (x.constructor as { new (n: number): Float32Array | Float64Array })(x.length);
    assert.deepEqual(Array.from(idct2Into(out, shape, back)), Array.from(idct2(dct2(x, shape), shape)));
  }
});

Deno.test("dct2Into refuses an output of another length or type, or one overlapping the input", () => {
  const x = new Float32Array(2 * 4 * 4 * 1);
  assert.throws(() => dct2Into(x, [2, 4, 4, 1], new Float32Array(31)), DctShapeError);
  assert.throws(
    () => dct2Into(x, [2, 4, 4, 1], new Float64Array(32) as unknown as Float32Array),
    DctShapeError,
  );
  assert.throws(() => dct2Into(x, [2, 4, 4, 1], x), DctShapeError);
  const shared = new Float32Array(64);
  assert.throws(() => dct2Into(shared.subarray(0, 32), [2, 4, 4, 1], shared.subarray(16, 48)), DctShapeError);
  const y = dct2Into(shared.subarray(0, 32), [2, 4, 4, 1], shared.subarray(32, 64));
  assert.equal(y.length, 32);
});
