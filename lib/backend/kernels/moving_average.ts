/**
 * A batch-norm layer's moving-statistics update, `moving − (moving − batch)·decay`, for the wasm backend: one
 * pass over the wasm heap into a new buffer, with the same float32 operations in the same order as
 * tfjs-layers' three ops (`decay` rounded to float32 as tfjs rounds a scalar), so the same bits. A plain
 * function rather than a kernel: it runs twice per batch-norm layer in every training step, where tfjs'
 * kernel bookkeeping cost more than the pass over a few dozen values. Used by `../batch_norm_layer.ts`.
 */
import type * as tf from "@tensorflow/tfjs-core";
import { heapFloats, type WasmBackendLike } from "./wasm_call.ts";

/** `moving − (moving − batch)·decay` for float32 `moving` and `batch` of one shape, as a new tensor info. */
export function movingAverage(
  backend: WasmBackendLike,
  moving: tf.TensorInfo,
  batch: tf.TensorInfo,
  decay: number,
): tf.TensorInfo {
  const f = Math.fround;
  const d = f(decay);
  const out = backend.makeOutput(moving.shape, "float32");
  const [m, b, o] = [moving, batch, out].map((t) => heapFloats(backend, t));
  for (let i = 0; i < m.length; i++) o[i] = f(m[i] - f(f(m[i] - b[i]) * d));
  return out;
}
