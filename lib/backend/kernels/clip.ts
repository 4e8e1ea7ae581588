/**
 * `ClipByValue` for the wasm backend with the cpu backend's (and `torch.clamp`'s) NaN semantics: NaN stays
 * NaN. The stock wasm kernel returns the lower bound for NaN, so an attack's projection `clip(x0 + δ)`
 * would turn a NaN perturbation (a model that returns NaN somewhere) into a finite, plausible-looking
 * image instead of letting the NaN reach the finiteness checks. The stock kernel clips (vectorised; its
 * values, the sign of a zero at a bound included, are kept); when the input's sum is NaN, one read pass
 * puts NaN back where the input had it.
 */
import * as tf from "@tensorflow/tfjs-core";
import { heapFloats, mayHoldNaN, type WasmBackendLike } from "./wasm_call.ts";

/** Builds the kernel config around the stock wasm `ClipByValue`. */
export function clipConfig(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: Parameters<tf.KernelFunc>[0]) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const backend = args.backend as WasmBackendLike;
    const out = stock.kernelFunc(args) as tf.TensorInfo;
    if (x.dtype !== "float32" || !mayHoldNaN(backend, x)) return out;
    const xv = heapFloats(backend, x);
    const ov = heapFloats(backend, out);
    for (let i = 0; i < xv.length; i++) {
      if (xv[i] !== xv[i]) ov[i] = NaN;
    }
    return out;
  };
  return { ...stock, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
