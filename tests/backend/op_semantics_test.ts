/**
 * Every elementwise op and reduction the science code (attacks, threat models, CW, synthesis, metrics) runs
 * on tfjs, on the wasm backend (stock kernels and freqlens' replacements) against the cpu reference, on
 * edge inputs: ±0, subnormals, values around float32's epsilon, large magnitudes, ±∞ and NaN. This is how the
 * stock wasm `Sign` (0 for |x| < 1.19e-7) and `ClipByValue` (NaN → lower bound) were found; a tfjs upgrade
 * that brings another such difference fails here.
 */
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert";
import { onBackend } from "./helpers.ts";

const EDGES = [
  0,
  -0,
  1e-45,
  -1e-45,
  1e-40,
  1e-30,
  1e-10,
  1e-8,
  -1e-8,
  1e-7,
  1.2e-7,
  -1.2e-7,
  1e-6,
  0.5,
  -0.5,
  0.999999,
  -0.999999,
  1,
  -1,
  2,
  10,
  20,
  50,
  88,
  89,
  100,
  -100,
  1e10,
  -1e10,
  3.4e38,
  Infinity,
  -Infinity,
  NaN,
];
// 35 values: padded to a multiple of 5 rows of 7 for the row-wise ops.
const VALUES = Float32Array.from([...EDGES, 0.25, -3]);
const ROWS: [number, number] = [5, 7];

const OPS: [string, (t: tf.Tensor) => tf.Tensor][] = [
  ["abs", tf.abs],
  ["sign", tf.sign],
  ["relu", tf.relu],
  ["neg", tf.neg],
  ["square", tf.square],
  ["sigmoid", tf.sigmoid],
  ["exp", tf.exp],
  ["log |x|", (t) => tf.log(tf.abs(t))],
  ["sqrt |x|", (t) => tf.sqrt(tf.abs(t))],
  ["atanh", (t) => tf.atanh(tf.mul(t, 1e-3))],
  ["clip [-1, 1]", (t) => tf.clipByValue(t, -1, 1)],
  ["clip [0, 1]", (t) => tf.clipByValue(t, 0, 1)],
  ["isFinite", (t) => tf.cast(tf.isFinite(t), "float32")],
  ["maximum 0", (t) => tf.maximum(t, 0)],
  ["minimum 0", (t) => tf.minimum(t, 0)],
  ["greater 0", (t) => tf.cast(tf.greater(t, 0), "float32")],
  ["less 0", (t) => tf.cast(tf.less(t, 0), "float32")],
  ["equal 0", (t) => tf.cast(tf.equal(t, 0), "float32")],
  ["add self", (t) => tf.add(t, t)],
  ["sub 0.5", (t) => tf.sub(t, 0.5)],
  ["mul 3", (t) => tf.mul(t, 3)],
  ["div 3", (t) => tf.div(t, 3)],
  ["logSoftmax rows", (t) => tf.logSoftmax(tf.reshape(t, ROWS))],
  ["argMax rows", (t) => tf.cast(tf.argMax(tf.reshape(t, ROWS), 1), "float32")],
  ["max rows", (t) => tf.max(tf.reshape(t, ROWS), 1)],
];

/** Equal within float32 rounding of a transcendental (relative 1e-5, or 1e-30 absolute), NaN = NaN. */
function close(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  return Math.abs(a - b) <= 1e-5 * Math.max(Math.abs(a), Math.abs(b)) || Math.abs(a - b) < 1e-30;
}

Deno.test("wasm ops the science uses give the cpu backend's values on edge inputs", async () => {
  const problems: string[] = [];
  for (const [name, op] of OPS) {
    const want = await onBackend("cpu", () => op(tf.tensor1d(VALUES)));
    const got = await onBackend("wasm", () => op(tf.tensor1d(VALUES)));
    for (let i = 0; i < want.data.length; i++) {
      if (!close(got.data[i], want.data[i])) {
        problems.push(`${name}[${i}]: wasm ${got.data[i]}, cpu ${want.data[i]}`);
      }
    }
  }
  assert.deepStrictEqual(problems, []);
});
