import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert";
import { NATIVE_MATMUL_MIN_MACS } from "../../lib/backend/kernels/mat_mul.ts";
import { kernelPaths, maxRelErr, onBackend, seededInt, seededValues } from "./helpers.ts";

const cases = [...Array(12).keys()].map((i) => {
  const r = (k: number, lo: number, hi: number) => seededInt(9000 + i * 13 + k, lo, hi);
  const [m, k, n] = [r(1, 1, 9), r(2, 1, 11), r(3, 1, 8)];
  const transposeA = r(4, 0, 1) === 1, transposeB = r(5, 0, 1) === 1;
  // rank 2, batched rank 3, or rank 3 with a broadcast batch on one side
  const kind = r(6, 0, 2), batch = r(7, 2, 4);
  const [batchA, batchB] = kind === 0 ? [[], []] : kind === 1 ? [[batch], [batch]] : [[1], [batch]];
  const aShape = [...batchA, ...(transposeA ? [k, m] : [m, k])];
  const bShape = [...batchB, ...(transposeB ? [n, k] : [k, n])];
  return { aShape, bShape, transposeA, transposeB, n, i };
});

/** `relu(a·b + bias)` with case `c`'s shapes and transposes, as a tfjs fused matMul. */
function fusedProduct(
  a: Float32Array,
  b: Float32Array,
  bias: Float32Array,
  c: { aShape: number[]; bShape: number[]; transposeA: boolean; transposeB: boolean },
): () => tf.Tensor {
  return () =>
    tf.fused.matMul({
      a: tf.tensor(a, c.aShape),
      b: tf.tensor(b, c.bShape),
      transposeA: c.transposeA,
      transposeB: c.transposeB,
      bias: tf.tensor1d(bias),
      activation: "relu",
    });
}

Deno.test("wasm BatchMatMul with transposed operands matches the cpu backend", async () => {
  for (const c of cases) {
    const a = seededValues(tf.util.sizeFromShape(c.aShape), 100 + c.i);
    const b = seededValues(tf.util.sizeFromShape(c.bShape), 200 + c.i);
    const run = (name: string) =>
      onBackend(
        name,
        () => tf.matMul(tf.tensor(a, c.aShape), tf.tensor(b, c.bShape), c.transposeA, c.transposeB),
      );
    const want = await run("cpu");
    const got = await run("wasm");
    assert.deepStrictEqual(got.shape, want.shape, JSON.stringify(c));
    assert(maxRelErr(got.data, want.data) < 1e-5, JSON.stringify(c));
  }
});

Deno.test("wasm fused matMul (bias, relu) with transposed operands matches the cpu backend", async () => {
  for (const c of cases.filter((c) => c.aShape.length === 2)) {
    const a = seededValues(tf.util.sizeFromShape(c.aShape), 300 + c.i);
    const b = seededValues(tf.util.sizeFromShape(c.bShape), 400 + c.i);
    const bias = seededValues(c.n, 500 + c.i);
    const run = (name: string) => onBackend(name, fusedProduct(a, b, bias, c));
    const want = await run("cpu");
    const got = await run("wasm");
    assert.deepStrictEqual(got.shape, want.shape, JSON.stringify(c));
    assert(maxRelErr(got.data, want.data) < 1e-5, JSON.stringify(c));
  }
});

// Products above NATIVE_MATMUL_MIN_MACS (oneDNN's matmul where it loaded, the stock kernel otherwise):
// every transpose, rank 2 and rank 3 with equal or broadcast batches, plain and (rank 2) fused with bias and ReLU.
const large = [...Array(8).keys()].map((i) => {
  const r = (k: number, lo: number, hi: number) => seededInt(7000 + i * 17 + k, lo, hi);
  const [m, k, n] = [r(1, 60, 90), r(2, 200, 300), r(3, 40, 70)];
  const transposeA = (i & 1) === 1, transposeB = (i & 2) === 2;
  const kind = i >> 2 === 0 ? 0 : 1 + (i & 1);
  const batch = r(4, 2, 3);
  const [batchA, batchB] = kind === 0 ? [[], []] : kind === 1 ? [[batch], [batch]] : [[batch], [1]];
  return {
    aShape: [...batchA, ...(transposeA ? [k, m] : [m, k])],
    bShape: [...batchB, ...(transposeB ? [n, k] : [k, n])],
    transposeA,
    transposeB,
    n,
    i,
  };
});

Deno.test("large wasm matMul, plain and fused, matches the cpu backend on every kernel path", async () => {
  for (const c of large) {
    assert.ok(tf.util.sizeFromShape(c.aShape) * c.n >= NATIVE_MATMUL_MIN_MACS, JSON.stringify(c));
    const a = seededValues(tf.util.sizeFromShape(c.aShape), 600 + c.i);
    const b = seededValues(tf.util.sizeFromShape(c.bShape), 700 + c.i);
    const bias = seededValues(c.n, 800 + c.i);
    const plain = () => tf.matMul(tf.tensor(a, c.aShape), tf.tensor(b, c.bShape), c.transposeA, c.transposeB);
    const fused = fusedProduct(a, b, bias, c);
    // (the stock wasm fused kernel is checked at rank 2 only, as above)
    const variants = c.aShape.length === 2
      ? [["plain", plain], ["fused", fused]] as const
      : [["plain", plain]] as const;
    for (const [name, f] of variants) {
      const want = await onBackend("cpu", f);
      for (const path of kernelPaths()) {
        path.use();
        const got = await onBackend("wasm", f);
        assert.deepStrictEqual(got.shape, want.shape, `${name} ${path.name} ${JSON.stringify(c)}`);
        assert.ok(maxRelErr(got.data, want.data) < 1e-5, `${name} ${path.name} ${JSON.stringify(c)}`);
      }
      kernelPaths().at(-1)!.use();
    }
  }
});
