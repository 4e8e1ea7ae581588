import assert from "node:assert/strict";
import fc from "fast-check";
import { readNpy } from "../../lib/io/mod.ts";
import { dft2, dftDC, proposition1 } from "../../lib/dct/mod.ts";
import { maxAbsDiff, seededValues } from "./helpers.ts";

const FIX = new URL("../fixtures/dct/", import.meta.url).pathname;

Deno.test("dft2 matches numpy.fft.fft2 fixtures", async () => {
  for (const tag of ["2x5x7x3", "1x8x8x1"]) {
    const x = await readNpy(`${FIX}x_${tag}.npy`, "float64");
    const re = await readNpy(`${FIX}fft2_re_${tag}.npy`, "float64");
    const im = await readNpy(`${FIX}fft2_im_${tag}.npy`, "float64");
    const f = dft2(x.data, x.shape);
    assert.ok(maxAbsDiff(f.re, re.data) < 1e-10, tag);
    assert.ok(maxAbsDiff(f.im, im.data) < 1e-10, tag);
  }
});

Deno.test("dft2 equals the brute-force double sum, and its DC term is the pixel sum", () => {
  const [h, w] = [3, 4];
  const x = seededValues(h * w, 4);
  const f = dft2(x, [1, h, w, 1]);
  for (let k = 0; k < h; k++) {
    for (let l = 0; l < w; l++) {
      let re = 0;
      let im = 0;
      for (let m = 0; m < h; m++) {
        for (let n = 0; n < w; n++) {
          const a = -2 * Math.PI * (k * m / h + l * n / w);
          re += x[m * w + n] * Math.cos(a);
          im += x[m * w + n] * Math.sin(a);
        }
      }
      assert.ok(Math.abs(f.re[k * w + l] - re) < 1e-12 && Math.abs(f.im[k * w + l] - im) < 1e-12);
    }
  }
  const dc = dftDC(x, [1, h, w, 1]);
  assert.ok(Math.abs(dc[0] - x.reduce((a, b) => a + b, 0)) < 1e-12);
  assert.ok(Math.abs(dc[0] - f.re[0]) < 1e-12 && Math.abs(f.im[0]) < 1e-12);
});

Deno.test("Proposition 1: ‖x − x′‖₁ ≥ |X₀ − X′₀| per image and channel, with equality for same-sign changes", () => {
  fc.assert(
    fc.property(
      fc.integer(),
      fc.integer(),
      fc.double({ min: -0.3, max: 0.3, noNaN: true }),
      (s1, s2, scale) => {
        const shape = [2, 4, 4, 3];
        const x = seededValues(96, s1);
        const delta = seededValues(96, s2).map((v) => (v - 0.5) * scale);
        const xAdv = x.map((v, i) => v + delta[i]);
        const { l1, dcGap } = proposition1(x, xAdv, shape);
        const dcX = dftDC(x, shape);
        const dcA = dftDC(xAdv, shape);
        for (let i = 0; i < 6; i++) {
          assert.ok(l1[i] >= dcGap[i] - 1e-12);
          assert.ok(Math.abs(dcGap[i] - Math.abs(dcX[i] - dcA[i])) < 1e-12);
        }
      },
    ),
    { numRuns: 50 },
  );
  const x = seededValues(16, 1);
  const up = x.map((v) => v + 0.1);
  const { l1, dcGap } = proposition1(x, up, [1, 4, 4, 1]);
  assert.ok(Math.abs(l1[0] - 1.6) < 1e-12 && Math.abs(dcGap[0] - 1.6) < 1e-12);
});
