import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert";
import { onBackend, seededValues } from "./helpers.ts";

Deno.test("wasm ClipByValue: the cpu backend's values, NaN kept NaN, bounds exact", async () => {
  const special = [NaN, -NaN, 0, -0, Infinity, -Infinity, 1e-45, -0.25, 0.25, 0.2500001, -0.2500001];
  const values = Float32Array.from([...special, ...seededValues(3000, 8)]);
  // Equal as numbers, NaN where NaN: the sign of a zero clipped at a bound of 0 is the stock kernel's.
  const same = (a: Float32Array, b: Float32Array) =>
    a.length === b.length && a.every((v, i) => v === b[i] || (Number.isNaN(v) && Number.isNaN(b[i])));
  for (const [lo, hi] of [[-0.25, 0.25], [0, 1], [0.1, 0.3]]) {
    const clip = () => tf.clipByValue(tf.tensor1d(values), lo, hi);
    const want = await onBackend("cpu", clip);
    const got = await onBackend("wasm", clip);
    assert(same(got.data, want.data), `[${lo}, ${hi}]`);
    // Independent expectation (torch.clamp's): NaN stays NaN, everything else is min(max(v, lo), hi).
    const f = (v: number) => Math.fround(v < lo ? lo : v > hi ? hi : v);
    assert(same(got.data, Float32Array.from(values, f)), `[${lo}, ${hi}] expected`);
    assert(got.data.slice(0, 2).every(Number.isNaN));
  }
});

Deno.test("the l∞ projection on wasm lets a NaN perturbation through as NaN", async () => {
  const x0 = Float32Array.from([0.2, 0.5, 0.9]);
  const x = Float32Array.from([NaN, 0.6, 0.95]);
  const project = () => {
    const a = tf.tensor1d(x0);
    const delta = tf.clipByValue(tf.sub(tf.tensor1d(x), a), -0.03, 0.03);
    return tf.clipByValue(tf.add(a, delta), 0, 1);
  };
  const got = await onBackend("wasm", project);
  assert(Number.isNaN(got.data[0]), `got ${got.data[0]}`);
  assert(Math.abs(got.data[1] - 0.53) < 1e-6 && Math.abs(got.data[2] - 0.93) < 1e-6);
});
