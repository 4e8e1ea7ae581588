import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert";
import { NATIVE_ADD_MIN_SIZE } from "../../lib/backend/kernels/add.ts";
import { loadOneDnn } from "../../lib/backend/native/onednn.ts";
import { kernelPaths, nativeAvailable, onBackend, seededValues } from "./helpers.ts";

/** Values spanning signs and magnitudes, with ±0, subnormals, ±∞, NaN and exact cancellations. */
function operands(n: number, seed: number): [Float32Array, Float32Array] {
  const a = seededValues(n, seed).map((v, i) => v * 10 ** ((i % 9) - 4));
  const b = seededValues(n, seed + 1).map((v, i) => v * 10 ** ((i % 7) - 3));
  const special = [0, -0, 1e-45, -3e-42, Infinity, -Infinity, NaN, 2.5];
  for (let i = 0; i < special.length; i++) {
    a[i] = special[i];
    b[i] = special[(i + 3) % special.length];
  }
  b[special.length] = -a[special.length]; // x + (−x) = +0
  b[special.length + 1] = 1.5e-45; // subnormal + subnormal-sized sum
  a[special.length + 1] = 1.5e-45;
  return [a, b];
}

Deno.test("wasm Add of same-shape float32 tensors: the cpu backend's bits, native and fallback", async () => {
  for (
    const [i, shape] of [[NATIVE_ADD_MIN_SIZE], [3, 17, 19, 16], [2, 8, 8, 3], [NATIVE_ADD_MIN_SIZE - 1]]
      .entries()
  ) {
    const n = tf.util.sizeFromShape(shape);
    const [a, b] = operands(n, 30 + 2 * i);
    const add = () => tf.add(tf.tensor(a, shape), tf.tensor(b, shape));
    const want = await onBackend("cpu", add);
    for (const path of kernelPaths()) {
      path.use();
      const got = await onBackend("wasm", add);
      assert.deepStrictEqual(got.shape, want.shape);
      // deepStrictEqual compares with Object.is: −0 ≠ +0 and NaN = NaN, so signs of zero are checked too.
      assert.deepStrictEqual(got.data, want.data, `${path.name} ${shape}`);
    }
  }
});

Deno.test("wasm Add: a tensor added to itself, a per-channel bias either way round, other broadcasting and int32 keep the cpu backend's values", async () => {
  const n = 3 * NATIVE_ADD_MIN_SIZE;
  const [a] = operands(n, 77);
  const row = seededValues(16, 78);
  const ints = Int32Array.from({ length: n }, (_, i) => i - 5000);
  const cases: [string, () => tf.Tensor][] = [
    ["self", () => {
      const t = tf.tensor1d(a);
      return tf.add(t, t);
    }],
    ["broadcast", () => tf.add(tf.tensor2d(a, [n / 16, 16]), tf.tensor1d(row))],
    ["bias first", () => tf.add(tf.tensor1d(row), tf.tensor2d(a, [n / 16, 16]))],
    ["4-D bias", () => tf.add(tf.tensor4d(a, [3, 32, 8, 16]), tf.tensor4d(row, [1, 1, 1, 16]))],
    [
      "rows broadcast",
      () => tf.add(tf.tensor2d(a, [16, n / 16]), tf.tensor2d(a.subarray(0, n / 16), [1, n / 16])),
    ],
    ["column broadcast", () => tf.add(tf.tensor2d(a, [n / 16, 16]), tf.tensor2d(row.subarray(0, 1), [1, 1]))],
    ["int32", () => tf.add(tf.tensor1d(ints, "int32"), tf.tensor1d(ints, "int32"))],
  ];
  for (const [name, f] of cases) {
    const want = await onBackend("cpu", f);
    for (const path of kernelPaths()) {
      path.use();
      assert.deepStrictEqual((await onBackend("wasm", f)).data, want.data, `${path.name} ${name}`);
    }
  }
});

Deno.test({
  name: "oneDNN add on typed arrays: exact float32 sums at lengths around its vector widths",
  ignore: !nativeAvailable(),
  fn: () => {
    const dnn = loadOneDnn()!;
    for (const n of [1, 15, 16, 17, 1000, 65537]) {
      const [a, b] = operands(Math.max(n, 16), 90 + n).map((v) => v.subarray(0, n));
      const c = new Float32Array(n);
      const p = Deno.UnsafePointer.of;
      dnn.add(n, [p(a), p(b), p(c)]);
      assert.deepStrictEqual(c, Float32Array.from(a, (v, i) => Math.fround(v + b[i])), `n=${n}`);
    }
  },
});

Deno.test({
  name: "oneDNN per-channel add on typed arrays: exact float32 sums, and max(sum, 0) with relu",
  ignore: !nativeAvailable(),
  fn: () => {
    const dnn = loadOneDnn()!;
    for (const [rows, channels] of [[1, 1], [7, 3], [33, 16], [129, 64]]) {
      const n = rows * channels;
      const [x, bias] = operands(Math.max(n, 16), 200 + n);
      const v = bias.subarray(0, channels);
      const p = Deno.UnsafePointer.of;
      const sum = Float32Array.from(x.subarray(0, n), (e, i) => Math.fround(e + v[i % channels]));
      for (const relu of [false, true]) {
        const y = new Float32Array(n);
        dnn.channelAdd(rows, channels, [p(x), p(v), p(y)], relu);
        const want = relu ? sum.map((s) => (s > 0 ? s : 0)) : sum;
        // NaN sums: oneDNN's ReLU gives 0 for them (documented in add_relu.ts); compare the rest exactly.
        const keep = (a: Float32Array) => Array.from(a).map((e, i) => (relu && Number.isNaN(sum[i]) ? 0 : e));
        assert.deepStrictEqual(keep(y), keep(want), `${rows}×${channels} relu=${relu}`);
      }
    }
  },
});
