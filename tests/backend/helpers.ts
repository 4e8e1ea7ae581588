/**
 * Test helpers for backend kernels: run the same computation on the wasm backend (with freqlens kernels)
 * and on the reference cpu backend, and compare.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { initBackend } from "../../lib/backend/mod.ts";
import { setNativeKernels } from "../../lib/backend/kernels/native_bridge.ts";
import { loadOneDnn } from "../../lib/backend/native/onednn.ts";
import { batchNormTrainingAvailable } from "../../lib/backend/kernels/batch_norm_training.ts";
import type * as tfl from "@tensorflow/tfjs-layers";

/** Deterministic uniform [-1, 1) values from a seed (mulberry32). */
export function seededValues(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** Deterministic integer in [lo, hi] from a seed stream. */
export function seededInt(seed: number, lo: number, hi: number): number {
  return lo + Math.floor(((seededValues(1, seed)[0] + 1) / 2) * (hi - lo + 1));
}

/** Runs `f` on backend `name` with plain arrays in, plain arrays out. */
export async function onBackend(
  name: string,
  f: () => tf.Tensor,
): Promise<{ data: Float32Array; shape: number[] }> {
  await initBackend(name);
  const t = tf.tidy(f);
  const data = (await t.data()) as Float32Array;
  const shape = t.shape;
  t.dispose();
  return { data: Float32Array.from(data), shape };
}

/** Largest |a − b| / (1 + |b|) over two arrays of the same length. */
export function maxRelErr(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return m;
}

/** Whether oneDNN loaded here (native kernels are tested when it did; the wasm fallbacks always). */
export function nativeAvailable(): boolean {
  return loadOneDnn() !== undefined;
}

/** Whether the wasm backend (made active) has the fused training kernels here (oneDNN loaded): the
 * training-pass tests run only then. */
export async function nativeTrainingKernels(): Promise<boolean> {
  await initBackend("wasm");
  return batchNormTrainingAvailable();
}

/** The kernel paths to test: "fallback" (native off) always, "native" when oneDNN loaded. */
export function kernelPaths(): { name: string; use: () => void }[] {
  const paths = [{ name: "fallback", use: () => setNativeKernels(false) }];
  if (nativeAvailable()) paths.push({ name: "native", use: () => setNativeKernels(true) });
  return paths;
}

/** Random batch-norm statistics and affine parameters, so folding is not the identity. */
export function randomizeBatchNorm(model: tfl.LayersModel, seed: number): void {
  for (const [i, layer] of model.layers.entries()) {
    if (layer.getClassName() !== "BatchNormalization") continue;
    layer.setWeights(
      layer.getWeights().map((w, j) => {
        const v = seededValues(w.size, seed + 10 * i + j);
        return tf.tensor(
          j === 3 ? v.map((u) => 0.5 + u * u) : v.map((u) => (j === 0 ? 1 + 0.5 * u : 0.3 * u)),
          w.shape,
        );
      }),
    );
  }
}
