import assert from "node:assert/strict";
import {
  equalNormNoise,
  perturbationEnergyRows,
  rctAnalysis,
  shuffledPerturbation,
} from "../../lib/analysis/mod.ts";
import { bandMap, numBands } from "../../lib/dct/mod.ts";
import { Rng } from "../../lib/stats/mod.ts";
import { bruteDct } from "../attribution/dct_reference.ts";

/** n random clean images in [0.1, 0.9] and an adversarial copy moved by up to ±0.1 per value. */
function randomPairs(n: number, h: number, w: number, c: number, seed: number) {
  const rng = new Rng(seed);
  const clean = Float32Array.from({ length: n * h * w * c }, () => 0.1 + 0.8 * rng.uniform());
  const adversarial = clean.map((v) => v + 0.2 * (rng.uniform() - 0.5));
  return { clean, adversarial, shape: [n, h, w, c] as [number, number, number, number] };
}

const norm = (a: ArrayLike<number>, b: ArrayLike<number>, lo: number, hi: number) => {
  let s = 0;
  for (let i = lo; i < hi; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
};

Deno.test("shuffled perturbation: same l2, same value multiset, same per-channel sums per image; seeded", () => {
  const pairs = randomPairs(3, 6, 5, 3, 1);
  const per = 6 * 5 * 3;
  const s = shuffledPerturbation(pairs, 7);
  assert.deepEqual(s.adversarial, shuffledPerturbation(pairs, 7).adversarial);
  assert.notDeepEqual(s.adversarial, shuffledPerturbation(pairs, 8).adversarial);
  for (let img = 0; img < 3; img++) {
    const o = img * per;
    // Recover δ' exactly as float64 differences of the float32 values the shuffle wrote.
    const d0 = Array.from({ length: per }, (_, p) => pairs.adversarial[o + p] - pairs.clean[o + p]);
    const d1 = Array.from({ length: per }, (_, p) => s.adversarial[o + p] - pairs.clean[o + p]);
    assert.ok(
      Math.abs(norm(pairs.adversarial, pairs.clean, o, o + per) - norm(s.adversarial, s.clean, o, o + per)) <
        1e-5,
    );
    const sorted = (d: number[], ch: number) => d.filter((_, p) => p % 3 === ch).sort((a, b) => a - b);
    for (let ch = 0; ch < 3; ch++) {
      sorted(d0, ch).forEach((v, k) => assert.ok(Math.abs(v - sorted(d1, ch)[k]) < 1e-6));
    }
    assert.ok(d0.some((v, p) => Math.abs(v - d1[p]) > 1e-3), "the positions moved");
  }
});

Deno.test("equal-norm noise: the requested l2 per image without clipping; clipped, in [0, 1] and no larger", () => {
  const pairs = randomPairs(4, 8, 8, 3, 2);
  const per = 8 * 8 * 3;
  const free = equalNormNoise(pairs, 3, { clip: false });
  for (let img = 0; img < 4; img++) {
    const want = norm(pairs.adversarial, pairs.clean, img * per, (img + 1) * per);
    assert.ok(Math.abs(free.requested[img] - want) < 1e-9);
    assert.ok(Math.abs(norm(free.adversarial, pairs.clean, img * per, (img + 1) * per) - want) < 1e-5 * want);
  }
  // A large norm pushes values past the pixel range: clipping keeps them in [0, 1] and shrinks the norm.
  const big = { ...pairs, adversarial: pairs.clean.map((v, i) => v + (i % 2 ? 0.6 : -0.6)) };
  const clipped = equalNormNoise(big, 3);
  assert.ok(clipped.adversarial.every((v) => v >= 0 && v <= 1));
  clipped.realised.forEach((r, img) => assert.ok(r < clipped.requested[img]));
  assert.deepEqual(equalNormNoise(pairs, 3).adversarial, equalNormNoise(pairs, 3).adversarial);
  // White: on many images every diagonal third gets its share of coefficients (expected energy shares).
  const many = randomPairs(300, 8, 8, 1, 4);
  const rows = perturbationEnergyRows(equalNormNoise(many, 5, { clip: false }), "diagonal");
  const third = [0, 0, 0];
  let total = 0;
  for (let i = 0; i < rows.sums.length; i++) {
    const b = i % rows.bands;
    third[Math.floor((3 * b) / rows.bands)] += rows.sums[i];
    total += rows.sums[i];
  }
  // 15 diagonal bands of 8×8: thirds 0–4, 5–9, 10–14 hold 15, 34, 15 coefficients of 64.
  [15, 34, 15].forEach((cells, k) =>
    assert.ok(Math.abs(third[k] / total - cells / 64) < 0.02, `${third[k] / total}`)
  );
});

Deno.test("perturbation energy rows: each image's band energies sum to ‖x′ − x‖² (Parseval), per band by brute force", () => {
  const pairs = randomPairs(2, 5, 7, 2, 6);
  const rows = perturbationEnergyRows(pairs, "shell");
  assert.equal(rows.bands, numBands(5, 7, "shell"));
  const map = bandMap(5, 7, "shell");
  for (let img = 0; img < 2; img++) {
    const per = 5 * 7 * 2;
    const d = Array.from(
      { length: per },
      (_, p) => pairs.adversarial[img * per + p] - pairs.clean[img * per + p],
    );
    const coeffs = bruteDct(d, 5, 7, 2);
    const want = new Float64Array(rows.bands);
    coeffs.forEach((v, k) => (want[map[Math.floor(k / 2)]] += v * v));
    want.forEach((v, b) => assert.ok(Math.abs(rows.sums[img * rows.bands + b] - v) < 1e-9));
    const total = want.reduce((a, v) => a + v, 0);
    assert.ok(Math.abs(total - d.reduce((a, v) => a + v * v, 0)) < 1e-9);
  }
});

Deno.test("authors' RCT (channel-mean DCT, no floor) matches brute force; zero denominators are excluded and counted", () => {
  const [n, h, w, c] = [3, 4, 5, 3];
  const pairs = randomPairs(n, h, w, c, 9);
  // Image 1 is black: every channel-mean coefficient of it is exactly 0, so all of its H·W entries drop out.
  const per = h * w * c;
  pairs.clean.fill(0, per, 2 * per);
  const res = rctAnalysis(pairs, {
    variant: "channel_mean",
    floor: null,
    bandKind: "shell",
    bootstrap: { seed: 1, resamples: 50 },
  });
  assert.equal(res.excluded, h * w);
  assert.equal(res.map.length, h * w);
  const ratios: number[][] = [];
  for (const img of [0, 2]) {
    const x = bruteDct(pairs.clean.subarray(img * per, (img + 1) * per), h, w, c);
    const xa = bruteDct(pairs.adversarial.subarray(img * per, (img + 1) * per), h, w, c);
    ratios.push(Array.from({ length: h * w }, (_, p) => {
      let a = 0, b = 0;
      for (let ch = 0; ch < c; ch++) [a, b] = [a + x[p * c + ch] / c, b + xa[p * c + ch] / c];
      return Math.abs((a - b) / a);
    }));
  }
  for (let p = 0; p < h * w; p++) {
    const want = (ratios[0][p] + ratios[1][p]) / 2;
    assert.ok(Math.abs(res.map[p] - want) <= 1e-9 * Math.max(1, want), `coefficient ${p}`);
    assert.equal(res.mean[p], res.map[p]);
  }
  // Band profile: the pooled mean of the valid ratios in each shell max(i, j).
  for (let b = 0; b < numBands(h, w, "shell"); b++) {
    const vals = ratios.flatMap((r) => r.filter((_, p) => Math.max(Math.floor(p / w), p % w) === b));
    const want = vals.reduce((a, v) => a + v, 0) / vals.length;
    assert.ok(Math.abs(res.profile[b] - want) <= 1e-9 * Math.max(1, want), `band ${b}`);
  }
  // Per channel with the floor, nothing is excluded.
  assert.equal(rctAnalysis(pairs, { bootstrap: { seed: 1, resamples: 20 } }).excluded, 0);
});
