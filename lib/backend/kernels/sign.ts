/**
 * `Sign` for the wasm backend with the exact semantics of the cpu backend (and of `torch.sign` on finite
 * values): 1 for x > 0, −1 for x < 0, 0 for ±0 and NaN. The stock wasm kernel returns 0 for every
 * |x| < 2⁻²³ (≈ 1.19e-7, float32's machine epsilon): an l∞ attack step `x + α·sign(∇)` then leaves every
 * pixel whose gradient is that small unmoved — most of an image confidently classified by a trained
 * model, whose cross-entropy gradients are tiny — where PyTorch (and the cpu backend) move it by α. One
 * pass over the wasm heap, also 4–5× faster than the stock kernel.
 */
import * as tf from "@tensorflow/tfjs-core";
import { heapFloats, type WasmBackendLike } from "./wasm_call.ts";

/** Builds the kernel config around the stock wasm `Sign` (the fallback for non-float32 input). */
export function signConfig(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: Parameters<tf.KernelFunc>[0]) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype !== "float32") return stock.kernelFunc(args);
    const backend = args.backend as WasmBackendLike;
    const out = backend.makeOutput(x.shape, "float32");
    const xv = heapFloats(backend, x);
    const ov = heapFloats(backend, out);
    for (let i = 0; i < xv.length; i++) {
      const v = xv[i];
      ov[i] = v > 0 ? 1 : v < 0 ? -1 : 0;
    }
    return out;
  };
  return { ...stock, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
