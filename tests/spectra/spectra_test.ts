import assert from "node:assert/strict";
import { differenceSpectrum } from "../../lib/spectra/mod.ts";
import { bruteDct } from "../attribution/dct_reference.ts";
import { hashFloat } from "../attribution/linear_model.ts";

const rand = (len: number, salt: number) =>
  Float32Array.from({ length: len }, (_, i) => (hashFloat(i, salt) + 1) / 2);

Deno.test("difference spectrum equals the brute-force mean |DCT(a) − DCT(b)|; profile is its band mean", () => {
  const [n, h, w, c] = [3, 4, 5, 2];
  const per = h * w * c;
  const a = rand(n * per, 1), b = rand(n * per, 2);
  const s = differenceSpectrum({ data: a, shape: [n, h, w, c] }, { data: b, shape: [n, h, w, c] }, {
    seed: 1,
    resamples: 50,
  });
  const expected = new Float64Array(per);
  for (let m = 0; m < n; m++) {
    const da = bruteDct(a.subarray(m * per, (m + 1) * per), h, w, c);
    const db = bruteDct(b.subarray(m * per, (m + 1) * per), h, w, c);
    for (let p = 0; p < per; p++) expected[p] += Math.abs(da[p] - db[p]) / n;
  }
  expected.forEach((v, p) => assert.ok(Math.abs(s.map[p] - v) < 1e-9, `coefficient ${p}`));
  for (let k = 0; k < h + w - 1; k++) {
    let sum = 0, count = 0;
    for (let p = 0; p < per; p++) {
      const q = Math.floor(p / c);
      if (Math.floor(q / w) + (q % w) === k) {
        sum += expected[p];
        count++;
      }
    }
    assert.ok(Math.abs(s.bandProfile[k] - sum / count) < 1e-9, `band ${k}`);
  }
  assert.ok(Math.abs(s.channelMean[0] - (expected[0] + expected[1]) / 2) < 1e-9);
  const sh = s.shares!;
  assert.ok(Math.abs(sh.low.estimate + sh.middle.estimate + sh.high.estimate - 1) < 1e-9);
});

Deno.test("a difference planted in one high band puts all spectrum mass there; identical sets have none", () => {
  const [n, h, w] = [4, 6, 6];
  const base = rand(n * h * w, 3);
  // Add a multiple of the DCT basis image (5, 4), band 9 of 11 (high third).
  const a = (k: number, m: number) => Math.sqrt((k === 0 ? 1 : 2) / m);
  const planted = Float32Array.from(base, (v, t) => {
    const p = Math.floor(t / w) % h, q = t % w, img = Math.floor(t / (h * w));
    return v + (img + 1) * 0.1 * a(5, h) * a(4, w) * Math.cos((Math.PI * (2 * p + 1) * 5) / (2 * h)) *
        Math.cos((Math.PI * (2 * q + 1) * 4) / (2 * w));
  });
  const s = differenceSpectrum({ data: planted, shape: [n, h, w, 1] }, { data: base, shape: [n, h, w, 1] }, {
    seed: 2,
    resamples: 100,
  });
  assert.ok(Math.abs(s.map[5 * w + 4] - 0.25) < 1e-6, `planted coefficient ${s.map[5 * w + 4]}`);
  s.bandProfile.forEach((v, k) => (k === 9 ? assert.ok(v > 0.1) : assert.ok(v < 1e-6, `band ${k}: ${v}`)));
  assert.ok(s.shares!.high.estimate > 1 - 1e-5 && s.shares!.high.lo > 1 - 1e-5);
  const same = differenceSpectrum({ data: base, shape: [n, h, w, 1] }, { data: base, shape: [n, h, w, 1] }, {
    seed: 2,
  });
  assert.equal(same.shares, null);
  assert.ok(same.map.every((v) => v === 0));
});
