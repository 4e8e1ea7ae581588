import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert";
import { initBackend } from "../../lib/backend/mod.ts";
import { loadOneDnnMatmul } from "../../lib/backend/native/onednn_matmul.ts";
import { dctPath, dctScratchLength, separableDct } from "../../lib/backend/native/dct.ts";
import { dct2, dct2d, DCT2D_KERNEL, idct2, idct2d } from "../../lib/dct/mod.ts";
import { readNpy } from "../../lib/io/mod.ts";
import { maxRelErr, onBackend, seededInt, seededValues } from "./helpers.ts";

const native = loadOneDnnMatmul() !== undefined;
const FIX = new URL("../fixtures/dct/", import.meta.url).pathname;

Deno.test({
  name: "wasm FreqlensDct2d matches SciPy's dctn fixtures and inverts (< 1e-5)",
  ignore: !native,
  fn: async () => {
    await initBackend("wasm");
    assert.ok(tf.getKernel(DCT2D_KERNEL, "wasm"), "kernel registered with oneDNN");
    for (const tag of ["2x5x7x3", "1x8x8x1"]) {
      const x = await readNpy(`${FIX}x_${tag}.npy`, "float64");
      const ref = await readNpy(`${FIX}dctn_${tag}.npy`, "float64");
      const shape = x.shape as [number, number, number, number];
      const got = await onBackend("wasm", () => dct2d(tf.tensor4d(Float32Array.from(x.data), shape)));
      assert.ok(maxRelErr(got.data, Float32Array.from(ref.data)) < 1e-5, tag);
      const back = await onBackend("wasm", () => idct2d(tf.tensor4d(Float32Array.from(ref.data), shape)));
      assert.ok(maxRelErr(back.data, Float32Array.from(x.data)) < 1e-5, `${tag} inverse`);
    }
  },
});

Deno.test({
  name: "wasm FreqlensDct2d (both W paths) and its gradient match the cpu backend on random seeded shapes",
  ignore: !native,
  fn: async () => {
    // C = 1 takes the Kronecker path, 2 ≤ C ≤ 8 the Kronecker or transposed-source path (by ISA), C > 8 the
    // channels-last path (lib/backend/native/dct.ts); C = 3 and 9 run more than two chunks of 128 images
    // (the last one partial) through the kernel's chunk-sized scratch.
    for (const [i, c] of [1, 3, 8, 9, 16].entries()) {
      const shape: [number, number, number, number] = [
        c === 3 || c === 9 ? seededInt(100 + i, 257, 383) : seededInt(100 + i, 1, 5),
        seededInt(200 + i, 1, 12),
        seededInt(300 + i, 1, 12),
        c,
      ];
      const size = tf.util.sizeFromShape(shape);
      const x = seededValues(size, 400 + i);
      const w = seededValues(size, 500 + i);
      for (const inverse of [false, true]) {
        const op = inverse ? idct2d : dct2d;
        const f = () => op(tf.tensor4d(x, shape));
        const grad = () =>
          tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.square(op(t as tf.Tensor4D)), tf.tensor4d(w, shape))))(
            tf.tensor4d(x, shape),
          );
        const tag = `${shape} inverse=${inverse}`;
        assert.ok(maxRelErr((await onBackend("wasm", f)).data, (await onBackend("cpu", f)).data) < 1e-5, tag);
        assert.ok(
          maxRelErr((await onBackend("wasm", grad)).data, (await onBackend("cpu", grad)).data) < 1e-4,
          `${tag} gradient`,
        );
      }
    }
  },
});

Deno.test({
  name: "float32 dct2/idct2 on typed arrays (oneDNN) match the float64 path on random seeded shapes",
  ignore: !native,
  fn: () => {
    // Batches of a few images, and of more than two chunks of 128 (the last one partial).
    for (const [i, c] of [1, 3, 12, 3, 12].entries()) {
      const n = i < 3 ? seededInt(600 + i, 1, 6) : seededInt(600 + i, 257, 383);
      const shape = [n, seededInt(700 + i, 1, 33), seededInt(800 + i, 1, 33), c];
      const x = seededValues(tf.util.sizeFromShape(shape), 900 + i);
      const x64 = Float64Array.from(x);
      for (const [name, f] of [["dct2", dct2], ["idct2", idct2]] as const) {
        const got = f(x, shape);
        assert.ok(got instanceof Float32Array);
        assert.ok(maxRelErr(got, Float32Array.from(f(x64, shape))) < 1e-5, `${name} ${shape}`);
      }
    }
  },
});

Deno.test({
  name: "every oneDNN DCT path (Kronecker, transposed source, channels last) matches the float64 DCT",
  ignore: !native,
  fn: () => {
    const dnn = loadOneDnnMatmul()!;
    const p = Deno.UnsafePointer.of;
    for (const [i, c] of [1, 2, 3, 8, 9].entries()) {
      // More than two chunks of 128 images (the last one partial) for C = 3, a few images otherwise.
      const n = c === 3 ? seededInt(1000 + i, 257, 300) : seededInt(1000 + i, 1, 5);
      const shape: [number, number, number, number] = [
        n,
        seededInt(1100 + i, 1, 33),
        seededInt(1200 + i, 1, 33),
        c,
      ];
      const x = seededValues(tf.util.sizeFromShape(shape), 1300 + i);
      const chosen = dctPath(dnn, shape);
      assert.ok(
        c === 1 ? chosen === "kronecker" : c > 8 ? chosen === "channels-last" : chosen !== "channels-last",
      );
      for (const inverse of [false, true]) {
        const want = Float32Array.from((inverse ? idct2 : dct2)(Float64Array.from(x), shape));
        for (const path of ["kronecker", "transposed-source", "channels-last"] as const) {
          const y = new Float32Array(x.length).fill(Number.NaN);
          const tmp = new Float32Array(dctScratchLength(shape));
          separableDct(dnn, shape, inverse, p(x), p(tmp), p(y), path);
          assert.ok(maxRelErr(y, want) < 1e-5, `${path} ${shape} inverse=${inverse}`);
        }
      }
    }
  },
});
