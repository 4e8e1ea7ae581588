/**
 * `FreqlensMovingAverage` `{moving, batch}` → `moving − (moving − batch)·decay` for the wasm backend: a
 * batch-norm layer's moving-statistics update as one pass over the wasm heap instead of three tfjs ops,
 * with the same float32 operations in the same order (`decay` rounded to float32 as tfjs rounds a scalar),
 * so the same bits as tfjs-layers' update. Used by `../batch_norm_layer.ts`.
 */
import type * as tf from "@tensorflow/tfjs-core";
import { heapFloats, type WasmBackendLike } from "./wasm_call.ts";

/** Name of the kernel. */
export const MOVING_AVERAGE = "FreqlensMovingAverage";

function movingAverage(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { moving, batch } = args.inputs as Record<string, tf.TensorInfo>;
  const f = Math.fround;
  const decay = f((args.attrs as { decay: number }).decay);
  const out = backend.makeOutput(moving.shape, "float32");
  const [m, b, o] = [moving, batch, out].map((t) => heapFloats(backend, t));
  for (let i = 0; i < m.length; i++) o[i] = f(m[i] - f(f(m[i] - b[i]) * decay));
  return out;
}

/** Registration record for `tf.registerKernel`. */
export const movingAverageConfig: tf.KernelConfig = {
  kernelName: MOVING_AVERAGE,
  backendName: "wasm",
  kernelFunc: movingAverage as unknown as tf.KernelFunc,
};
