import assert from "node:assert/strict";
import fc from "fast-check";
import { augmentBatch, cropShift, flipHorizontal } from "../../lib/training/mod.ts";
import { Rng } from "../../lib/stats/mod.ts";

const dims = fc.record({
  h: fc.integer({ min: 1, max: 7 }),
  w: fc.integer({ min: 1, max: 7 }),
  c: fc.integer({ min: 1, max: 3 }),
  pad: fc.integer({ min: 0, max: 4 }),
  seed: fc.integer({ min: 0, max: 1000 }),
});

Deno.test("crop keeps pixels: each output pixel is the source pixel shifted by (dy−pad, dx−pad), else 0", () => {
  fc.assert(fc.property(dims, fc.nat(), fc.nat(), ({ h, w, c, pad, seed }, ry, rx) => {
    const dy = ry % (2 * pad + 1);
    const dx = rx % (2 * pad + 1);
    // Strictly positive source values so a kept pixel can never be confused with padding.
    const src = new Rng(seed).uniformArray(h * w * c, 0.1, 1);
    const out = cropShift(src, h, w, c, pad, dy, dx);
    let kept = 0;
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const si = i + dy - pad;
        const sj = j + dx - pad;
        for (let k = 0; k < c; k++) {
          const v = out[(i * w + j) * c + k];
          if (si >= 0 && si < h && sj >= 0 && sj < w) {
            assert.equal(v, src[(si * w + sj) * c + k]);
            kept++;
          } else assert.equal(v, 0);
        }
      }
    }
    // The number of kept values is the overlap of the shifted window with the image.
    const overlap = Math.max(0, h - Math.abs(dy - pad)) * Math.max(0, w - Math.abs(dx - pad)) * c;
    assert.equal(kept, overlap);
  }));
});

Deno.test("crop at the centre offset (dy = dx = pad) is the identity", () => {
  const src = new Rng(4).uniformArray(5 * 6 * 3);
  assert.deepEqual(cropShift(src, 5, 6, 3, 4, 4, 4), src);
});

Deno.test("flip is an involution and mirrors columns", () => {
  fc.assert(fc.property(dims, ({ h, w, c, seed }) => {
    const src = new Rng(seed).uniformArray(h * w * c);
    const once = flipHorizontal(src, h, w, c);
    assert.deepEqual(flipHorizontal(once, h, w, c), src);
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        for (let k = 0; k < c; k++) assert.equal(once[(i * w + j) * c + k], src[(i * w + w - 1 - j) * c + k]);
      }
    }
  }));
});

Deno.test("augmentBatch is seeded (same seed → same bytes) and flip-only permutes each row's pixels", () => {
  const shape = [6, 4, 5, 2] as const;
  const base = new Rng(9).uniformArray(6 * 4 * 5 * 2);
  const a = augmentBatch(base.slice(), shape, { pad: 2, flip: true }, new Rng(1));
  const b = augmentBatch(base.slice(), shape, { pad: 2, flip: true }, new Rng(1));
  assert.deepEqual(a, b);
  const flipped = augmentBatch(base.slice(), shape, { pad: 0, flip: true }, new Rng(2));
  let changed = 0;
  for (let r = 0; r < 6 * 4; r++) {
    const row = (x: Float32Array) => Array.from(x.subarray(r * 10, r * 10 + 10));
    const sortPairs = (v: number[]) =>
      Array.from({ length: 5 }, (_, j) => `${v[2 * j]},${v[2 * j + 1]}`).sort();
    assert.deepEqual(sortPairs(row(flipped)), sortPairs(row(base)));
    if (row(flipped).join() !== row(base).join()) changed++;
  }
  assert.ok(changed > 0 && changed < 24, `some but not all images flipped (${changed / 4} images)`);
});
