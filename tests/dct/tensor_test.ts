import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-layers"; // registers tfjs gradients (mul, sum, square) used by the test loss
import { readNpy } from "../../lib/io/mod.ts";
import {
  dct2,
  dct2d,
  idct2,
  idct2d,
  lowBandMask,
  lowBandProject,
  lowBandProjectTensor,
  projectBandsTensor,
} from "../../lib/dct/mod.ts";
import { maxAbsDiff, seededValues } from "./helpers.ts";

const FIX = new URL("../fixtures/dct/", import.meta.url).pathname;
await tf.setBackend("cpu");

Deno.test("dct2d matches scipy dctn fixtures and idct2d inverts it (< 1e-5), without leaking tensors", async () => {
  const before = tf.memory().numTensors;
  for (const tag of ["2x5x7x3", "1x8x8x1"]) {
    const x = await readNpy(`${FIX}x_${tag}.npy`, "float64");
    const ref = await readNpy(`${FIX}dctn_${tag}.npy`, "float64");
    const xt = tf.tensor4d(Float32Array.from(x.data), x.shape as [number, number, number, number]);
    const yt = dct2d(xt);
    assert.deepEqual(yt.shape, x.shape);
    assert.ok(maxAbsDiff(yt.dataSync(), ref.data) < 1e-5, tag);
    const back = idct2d(yt);
    assert.ok(maxAbsDiff(back.dataSync(), x.data) < 1e-5, `${tag} round trip`);
    tf.dispose([xt, yt, back]);
  }
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("dct2d round-trips a 32×32×3 batch with max error < 1e-5 and agrees with the array dct2", () => {
  const shape: [number, number, number, number] = [4, 32, 32, 3];
  const x = Float32Array.from(seededValues(4 * 32 * 32 * 3, 11));
  const xt = tf.tensor4d(x, shape);
  const yt = dct2d(xt);
  assert.ok(maxAbsDiff(yt.dataSync(), dct2(x, shape)) < 1e-5);
  const back = idct2d(yt);
  assert.ok(maxAbsDiff(back.dataSync(), x) < 1e-5);
  // idct2d of arbitrary coefficients matches the array inverse too (non-square grid).
  const y = Float32Array.from(seededValues(2 * 3 * 5 * 2, 5));
  const it = idct2d(tf.tensor4d(y, [2, 3, 5, 2]));
  assert.ok(maxAbsDiff(it.dataSync(), idct2(y, [2, 3, 5, 2])) < 1e-6);
  tf.dispose([xt, yt, back, it]);
});

Deno.test("gradient of dct2d matches central finite differences and the adjoint idct2", () => {
  const shape: [number, number, number, number] = [1, 4, 6, 2];
  const size = 48;
  const x = Float32Array.from(seededValues(size, 21));
  const wts = Float32Array.from(seededValues(size, 22), (v) => v - 0.5);
  const w = tf.tensor4d(wts, shape);
  // A nonlinear scalar loss so the gradient depends on x: L(x) = Σ w · dct2d(x)² / 2.
  const loss = (t: tf.Tensor) =>
    tf.mul(tf.sum(tf.mul(w, tf.square(dct2d(t as tf.Tensor4D)))), 0.5) as tf.Scalar;
  const g = tf.grad(loss)(tf.tensor4d(x, shape)).dataSync();
  const eps = 1e-2;
  for (const idx of [0, 5, 17, 30, 47]) {
    const plus = x.slice();
    const minus = x.slice();
    plus[idx] += eps;
    minus[idx] -= eps;
    const lp = tf.tidy(() => loss(tf.tensor4d(plus, shape)).arraySync());
    const lm = tf.tidy(() => loss(tf.tensor4d(minus, shape)).arraySync());
    const fd = (lp - lm) / (2 * eps);
    assert.ok(Math.abs(fd - g[idx]) < 2e-3, `index ${idx}: finite difference ${fd} vs grad ${g[idx]}`);
  }
  // Closed form: dL/dx = idct2(w ∘ dct2(x)) since the DCT is orthonormal (its adjoint is its inverse).
  const expected = idct2(dct2(Float64Array.from(x), shape).map((v, i) => v * wts[i]), shape);
  assert.ok(maxAbsDiff(g, expected) < 1e-5);
  // And the gradient of idct2d is dct2d of the upstream gradient.
  const gi = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(w, idct2d(t as tf.Tensor4D))))(tf.tensor4d(x, shape));
  assert.ok(maxAbsDiff(gi.dataSync(), dct2(Float64Array.from(wts), shape)) < 1e-5);
  tf.dispose([w, gi]);
});

Deno.test("lowBandProjectTensor equals the array projector and keeps only bands < K", () => {
  const shape: [number, number, number, number] = [2, 8, 8, 3];
  const x = Float32Array.from(seededValues(2 * 8 * 8 * 3, 9));
  const t = tf.tensor4d(x, shape);
  const p = lowBandProjectTensor(t, 5);
  assert.ok(maxAbsDiff(p.dataSync(), lowBandProject(x, shape, 5)) < 1e-5);
  const coeffs = dct2(Float64Array.from(p.dataSync()), shape);
  for (let n = 0; n < 2; n++) {
    for (let i = 0; i < 8; i++) {
      for (let j = 0; j < 8; j++) {
        for (let c = 0; c < 3; c++) {
          const v = coeffs[((n * 8 + i) * 8 + j) * 3 + c];
          if (i + j >= 5) assert.ok(Math.abs(v) < 1e-5, `(${i},${j}) = ${v}`);
        }
      }
    }
  }
  const all = projectBandsTensor(t, lowBandMask(8, 8, 15));
  assert.ok(maxAbsDiff(all.dataSync(), x) < 1e-5, "all 15 bands = identity");
  tf.dispose([t, p, all]);
});
