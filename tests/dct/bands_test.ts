import assert from "node:assert/strict";
import fc from "fast-check";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import {
  bandMap,
  bandMask,
  bandMaskTensor,
  bandOf,
  bandProfile,
  bandReduce,
  bandSizes,
  DctShapeError,
  lowBandMask,
  lowBandProject,
  meanOverImages,
  numBands,
  shellBandOf,
} from "../../lib/dct/mod.ts";
import { maxAbsDiff, seededValues } from "./helpers.ts";

await tf.setBackend("cpu");

Deno.test("diagonal bands: i + j, 2H − 1 for square grids, H + W − 1 in general, anti-diagonal sizes", () => {
  assert.equal(bandOf(0, 0), 0);
  assert.equal(bandOf(3, 4), 7);
  assert.equal(numBands(32, 32), 63);
  assert.equal(numBands(28, 28), 55);
  assert.equal(numBands(5, 7), 11);
  // Square H×H: band k holds min(k + 1, 2H − 1 − k) coefficients.
  const sizes = bandSizes(32, 32);
  assert.deepEqual([...sizes], Array.from({ length: 63 }, (_, k) => Math.min(k + 1, 63 - k)));
  const map = bandMap(5, 7);
  assert.equal(map[0], 0);
  assert.equal(map[5 * 7 - 1], 10);
  assert.equal(map[2 * 7 + 3], 5);
});

Deno.test("radial bands: ⌊√(i² + j²)⌋, none empty for 32×32, sizes add up to H·W", () => {
  assert.equal(numBands(32, 32, "radial"), Math.floor(Math.sqrt(2 * 31 * 31)) + 1);
  const map = bandMap(32, 32, "radial");
  assert.equal(map[3 * 32 + 4], 5);
  assert.equal(map[1 * 32 + 1], 1);
  const sizes = bandSizes(32, 32, "radial");
  assert.ok(sizes.every((s) => s > 0));
  assert.equal(sizes.reduce((a, b) => a + b, 0), 1024);
});

Deno.test("shell bands: max(i, j), H bands for a square grid, band k holds 2k + 1 cells (brute force)", () => {
  for (const h of [1, 2, 5, 16, 32]) {
    assert.equal(numBands(h, h, "shell"), h);
    const sizes = bandSizes(h, h, "shell");
    assert.deepEqual([...sizes], Array.from({ length: h }, (_, k) => 2 * k + 1));
    const map = bandMap(h, h, "shell");
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < h; j++) assert.equal(map[i * h + j], i > j ? i : j);
    }
  }
  assert.equal(shellBandOf(3, 7), 7);
  assert.equal(numBands(5, 7, "shell"), 7);
  assert.equal(bandSizes(5, 7, "shell").reduce((a, b) => a + b, 0), 35);
  assert.throws(() => numBands(4, 4, "hexagonal" as "shell"), DctShapeError);
});

Deno.test("band masks partition the grid, and the lowest-K mask is the union of bands < K (property)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 12 }),
      fc.constantFrom("diagonal", "radial", "shell"),
      (h, w, kind) => {
        const nb = numBands(h, w, kind);
        const total = new Float32Array(h * w);
        for (let b = 0; b < nb; b++) bandMask(h, w, b, kind).forEach((v, i) => (total[i] += v));
        assert.ok(total.every((v) => v === 1));
        const k = Math.floor(nb / 2);
        const union = bandMask(h, w, Array.from({ length: k }, (_, b) => b), kind);
        assert.deepEqual(lowBandMask(h, w, k, kind), union);
      },
    ),
    { numRuns: 50 },
  );
});

Deno.test("bandMaskTensor broadcasts over NHWC and invalid bands are rejected", () => {
  const m = bandMaskTensor(4, 4, [0, 6]);
  assert.deepEqual(m.shape, [1, 4, 4, 1]);
  const data = Array.from(m.dataSync());
  assert.equal(data[0], 1);
  assert.equal(data[15], 1);
  assert.equal(data.reduce((a, b) => a + b, 0), 2);
  m.dispose();
  assert.throws(() => bandMask(4, 4, 7), DctShapeError);
  assert.throws(() => lowBandMask(4, 4, 8), /must be in 0..7/);
});

Deno.test("bandReduce sum/mean and bandProfile match a brute-force per-band reduction", () => {
  const shape = [2, 4, 5, 3];
  const v = seededValues(2 * 4 * 5 * 3, 13);
  const sum = bandReduce(v, shape, "sum");
  const mean = bandProfile(v, shape);
  for (let n = 0; n < 2; n++) {
    for (let b = 0; b < 8; b++) {
      let s = 0;
      let cnt = 0;
      for (let i = 0; i < 4; i++) {
        for (let j = 0; j < 5; j++) {
          if (i + j !== b) continue;
          for (let c = 0; c < 3; c++) {
            s += v[((n * 4 + i) * 5 + j) * 3 + c];
            cnt++;
          }
        }
      }
      assert.ok(Math.abs(sum[n * 8 + b] - s) < 1e-12);
      assert.ok(Math.abs(mean[n * 8 + b] - s / cnt) < 1e-12);
    }
  }
  const avg = meanOverImages(mean, 2);
  assert.ok(Math.abs(avg[3] - (mean[3] + mean[11]) / 2) < 1e-15);
});

Deno.test("lowBandProject: K = all bands is the identity, K = 0 gives zeros, and it is idempotent", () => {
  const shape = [1, 6, 6, 2];
  const x = seededValues(72, 17);
  assert.ok(maxAbsDiff(lowBandProject(x, shape, 11), x) < 1e-12);
  assert.ok(lowBandProject(x, shape, 0).every((v) => Math.abs(v) < 1e-12));
  const once = lowBandProject(x, shape, 4);
  assert.ok(maxAbsDiff(lowBandProject(once, shape, 4), once) < 1e-12);
});
