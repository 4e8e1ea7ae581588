import assert from "node:assert/strict";
import { DEFAULT_RCT_FLOOR, rctAnalysis, rctPerImage } from "../../lib/analysis/mod.ts";
import { rng, uniform } from "../attacks/helpers.ts";

const boot = { bootstrap: { seed: 1, resamples: 200 } };

/** Orthonormal DCT-II basis value α_k cos(π(2n+1)k / 2N), written out here independently of lib/dct. */
const basis = (k: number, n: number, len: number) =>
  Math.sqrt((k === 0 ? 1 : 2) / len) * Math.cos((Math.PI * (2 * n + 1) * k) / (2 * len));

/** Brute-force 2-D DCT coefficient (i, j) of channel ch of image img, straight from the definition. */
function dctCoeff(x: ArrayLike<number>, shape: number[], img: number, i: number, j: number, ch: number) {
  const [, h, w, c] = shape;
  let s = 0;
  for (let y = 0; y < h; y++) {
    for (let z = 0; z < w; z++) s += x[((img * h + y) * w + z) * c + ch] * basis(i, y, h) * basis(j, z, w);
  }
  return s;
}

Deno.test("RCT of x′ = x is zero everywhere and has no band shares", () => {
  const shape = [3, 6, 6, 3] as const;
  const x = uniform(3 * 108, 0, 1, 1);
  const res = rctAnalysis({ clean: x, adversarial: x, shape }, boot);
  assert.ok(res.map.every((v) => v === 0));
  assert.ok(res.mean.every((v) => v === 0));
  assert.equal(res.profile.length, 11);
  assert.ok(res.profile.every((v) => v === 0));
  assert.equal(res.shares, null);
  assert.equal(res.floor, DEFAULT_RCT_FLOOR);
});

Deno.test("RCT map, channel mean and band profile match the definition computed by brute force", () => {
  const shape = [3, 4, 3, 2];
  const [n, h, w, c] = shape;
  const x = uniform(n * h * w * c, 0, 1, 2);
  const xa = uniform(n * h * w * c, 0, 1, 3);
  const floor = 0.05;
  const res = rctAnalysis({ clean: x, adversarial: xa, shape: [n, h, w, c] }, { floor, ...boot });
  const bandSum = new Float64Array(h + w - 1);
  const bandCount = new Float64Array(h + w - 1);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      let chanMean = 0;
      for (let ch = 0; ch < c; ch++) {
        let want = 0;
        for (let img = 0; img < n; img++) {
          const cx = dctCoeff(x, shape, img, i, j, ch);
          const ca = dctCoeff(xa, shape, img, i, j, ch);
          want += Math.abs(ca - cx) / Math.max(Math.abs(cx), floor) / n;
        }
        const got = res.map[(i * w + j) * c + ch];
        assert.ok(Math.abs(got - want) <= 1e-9 * Math.max(1, want), `(${i},${j},${ch}): ${got} vs ${want}`);
        chanMean += want / c;
      }
      assert.ok(Math.abs(res.mean[i * w + j] - chanMean) <= 1e-9 * Math.max(1, chanMean));
      bandSum[i + j] += chanMean;
      bandCount[i + j] += 1;
    }
  }
  for (let b = 0; b < h + w - 1; b++) {
    const want = bandSum[b] / bandCount[b];
    assert.ok(Math.abs(res.profile[b] - want) <= 1e-9 * Math.max(1, want), `band ${b}`);
  }
  // Shares: the profile's sums over thirds of its 6 bands (0–1, 2–3, 4–5), normalised.
  const tot = bandSum.reduce((a, v, b) => a + v / bandCount[b], 0);
  const third = (lo: number) => (bandSum[lo] / bandCount[lo] + bandSum[lo + 1] / bandCount[lo + 1]) / tot;
  assert.ok(Math.abs(res.shares!.low.estimate - third(0)) < 1e-12);
  assert.ok(Math.abs(res.shares!.middle.estimate - third(2)) < 1e-12);
  assert.ok(Math.abs(res.shares!.high.estimate - third(4)) < 1e-12);
  for (const s of [res.shares!.low, res.shares!.middle, res.shares!.high]) {
    assert.ok(s.lo <= s.estimate && s.estimate <= s.hi);
  }
});

Deno.test("a perturbation planted in one band puts all RCT mass in that band", () => {
  const [n, h, w, c] = [4, 8, 8, 3];
  const band = 6; // of 15 bands: the middle third (5–9)
  const r = rng(4);
  const x = uniform(n * h * w * c, 0.3, 0.7, 5);
  const xa = Float32Array.from(x);
  for (let img = 0; img < n; img++) {
    for (let ch = 0; ch < c; ch++) {
      // δ = Σ_{i+j=band} a_ij · basis image (i, j), built from the explicit cosines.
      for (let i = 0; i <= band; i++) {
        const j = band - i;
        if (i >= h || j >= w) continue;
        const a = 0.05 * (r() - 0.5);
        for (let y = 0; y < h; y++) {
          for (let z = 0; z < w; z++) {
            xa[((img * h + y) * w + z) * c + ch] += a * basis(i, y, h) * basis(j, z, w);
          }
        }
      }
    }
  }
  const res = rctAnalysis({ clean: x, adversarial: xa, shape: [n, h, w, c] }, boot);
  const total = res.profile.reduce((a, v) => a + v, 0);
  assert.ok(
    res.profile[band] / total > 0.999,
    `band ${band} holds ${res.profile[band] / total} of the profile`,
  );
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      if (i + j !== band) assert.ok(res.mean[i * w + j] < 1e-3 * res.profile[band], `(${i},${j}) changed`);
      else assert.ok(res.mean[i * w + j] > 0);
    }
  }
  assert.ok(res.shares!.middle.estimate > 0.999 && res.shares!.middle.lo > 0.99);
  assert.ok(res.shares!.low.estimate < 1e-3 && res.shares!.high.estimate < 1e-3);
});

Deno.test("RCT divides by the floor where the clean coefficient is smaller", () => {
  // A constant image has only a DC coefficient; a change a in coefficient (1, 2) gives R = |a| / floor.
  const [h, w] = [4, 4];
  const x = new Float32Array(h * w).fill(0.5);
  const a = 0.02;
  const xa = Float32Array.from(x, (v, p) => v + a * basis(1, Math.floor(p / w), h) * basis(2, p % w, w));
  const floor = 0.1;
  const r = rctPerImage({ clean: x, adversarial: xa, shape: [1, h, w, 1] }, floor);
  assert.ok(Math.abs(r[1 * w + 2] - a / floor) < 1e-6, `R = ${r[1 * w + 2]}`);
  assert.throws(() => rctPerImage({ clean: x, adversarial: xa, shape: [1, h, w, 1] }, 0), /floor 0/);
  assert.throws(
    () => rctPerImage({ clean: x, adversarial: xa.subarray(1), shape: [1, h, w, 1] }),
    /must both hold/,
  );
});
