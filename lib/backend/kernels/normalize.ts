/**
 * `FreqlensNormalize` `{x}` → `(x − mean[c]) / std[c]` over the last axis, for the wasm backend, in one pass
 * over the wasm heap. The stock path is a broadcasting `Sub` and a broadcasting `RealDiv`, generic
 * per-element kernels that took a tenth of a ResNet-20 forward pass at batch 32. Each value is rounded to
 * float32 after the subtraction and after the division, so the result has the bits of those two float32
 * operations (an f32 operation computed in f64 and rounded once is correctly rounded).
 */
import * as tf from "@tensorflow/tfjs-core";
import { heapFloats, type WasmBackendLike } from "./wasm_call.ts";

/** Name of the kernel. */
export const NORMALIZE = "FreqlensNormalize";

/** Attributes of {@link NORMALIZE}: one mean and one standard deviation per channel. */
export interface NormalizeAttrs {
  mean: number[];
  std: number[];
}

function normalize(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { mean, std } = args.attrs as unknown as NormalizeAttrs;
  const out = backend.makeOutput(x.shape, "float32");
  const src = heapFloats(backend, x);
  const dst = heapFloats(backend, out);
  const m = Float32Array.from(mean);
  const s = Float32Array.from(std);
  const c = m.length;
  for (let i = 0; i < src.length; i += c) {
    for (let k = 0; k < c; k++) dst[i + k] = Math.fround(src[i + k] - m[k]) / s[k];
  }
  return out;
}

/** Registration record for `tf.registerKernel`. */
export const normalizeConfig: tf.KernelConfig = {
  kernelName: NORMALIZE,
  backendName: "wasm",
  kernelFunc: normalize as unknown as tf.KernelFunc,
};
