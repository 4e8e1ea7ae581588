import assert from "node:assert/strict";
import { bandContributions, bandLayout } from "../../lib/attribution/mod.ts";
import { bandMask, idct2 } from "../../lib/dct/mod.ts";
import { hashFloat } from "./linear_model.ts";

Deno.test("bandContributions: each band equals IDCT of its masked coefficients (diagonal and radial, odd and even sizes)", () => {
  for (const [h, w, c] of [[8, 8, 3], [7, 5, 2], [1, 4, 1], [6, 3, 1]] as const) {
    for (const kind of ["diagonal", "radial"] as const) {
      const layout = bandLayout([h, w, c], kind);
      const d = Float64Array.from({ length: h * w * c }, (_, i) => hashFloat(i, h * 10 + w));
      const parts = bandContributions(d, layout);
      const per = h * w * c;
      for (let k = 0; k < layout.bands; k++) {
        const m = bandMask(h, w, k, kind);
        const masked = Float64Array.from(d, (v, i) => (m[Math.floor(i / c)] ? v : 0));
        const expected = idct2(masked, [1, h, w, c]);
        for (let p = 0; p < per; p++) {
          assert.ok(
            Math.abs(parts[k * per + p] - expected[p]) < 1e-5,
            `${h}×${w}×${c} ${kind} band ${k} value ${p}: ${parts[k * per + p]} vs ${expected[p]}`,
          );
        }
      }
    }
  }
});
