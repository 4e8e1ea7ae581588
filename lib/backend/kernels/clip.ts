/**
 * `ClipByValue` for the wasm backend with the cpu backend's (and `torch.clamp`'s) NaN semantics: NaN stays
 * NaN. The stock wasm kernel returns the lower bound for NaN, so an attack's projection `clip(x0 + δ)`
 * would turn a NaN perturbation (a model that returns NaN somewhere) into a finite, plausible-looking
 * image instead of letting the NaN reach the finiteness checks. One pass over the wasm heap; same values
 * as the stock kernel everywhere else.
 */
import * as tf from "@tensorflow/tfjs-core";
import { heapFloats, type WasmBackendLike } from "./wasm_call.ts";

/** Builds the kernel config around the stock wasm `ClipByValue` (the fallback for non-float32 input). */
export function clipConfig(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: Parameters<tf.KernelFunc>[0]) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { clipValueMin, clipValueMax } = args.attrs as unknown as tf.ClipByValueAttrs;
    if (x.dtype !== "float32") return stock.kernelFunc(args);
    const backend = args.backend as WasmBackendLike;
    const out = backend.makeOutput(x.shape, "float32");
    const xv = heapFloats(backend, x);
    const ov = heapFloats(backend, out);
    const lo = Math.fround(clipValueMin), hi = Math.fround(clipValueMax);
    for (let i = 0; i < xv.length; i++) {
      const v = xv[i];
      ov[i] = v < lo ? lo : v > hi ? hi : v;
    }
    return out;
  };
  return { ...stock, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
