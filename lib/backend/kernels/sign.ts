/**
 * `Sign` for the wasm backend with the values of the cpu backend (and of `torch.sign` on numbers): 1 for
 * x > 0, −1 for x < 0, a zero for ±0 and NaN. The stock wasm kernel returns 0 for every |x| < 2⁻²³
 * (≈ 1.19e-7, float32's machine epsilon): an l∞ attack step `x + α·sign(∇)` then leaves every pixel whose
 * gradient is that small unmoved — most of an image confidently classified by a trained model, whose
 * cross-entropy gradients are tiny — where PyTorch (and the cpu backend) move it by α.
 *
 * Computed from vectorised stock kernels, 4× faster than the stock `Sign` (a scalar loop): x scaled by
 * 2¹⁰⁰ twice (exact for every float32; any nonzero x, the smallest subnormal 2⁻¹⁴⁹ included, reaches
 * |x| ≥ 2⁵¹ or ±∞) and clipped to [−1, 1]. NaN, which the stock clip sends to −1, is set to 0 afterwards
 * when the input's sum says it may hold one. A −0 input gives −0 (the cpu backend +0; equal as numbers).
 */
import * as tf from "@tensorflow/tfjs-core";
import { callWasm, heapFloats, mayHoldNaN, release, type WasmBackendLike } from "./wasm_call.ts";

const TWO_POW_100 = 2 ** 100;

/** Builds the kernel config around the stock wasm `Sign` (non-float32 input) and `ClipByValue`. */
export function signConfig(stockSign: tf.KernelConfig, stockClip: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: Parameters<tf.KernelFunc>[0]) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype !== "float32") return stockSign.kernelFunc(args);
    const backend = args.backend as WasmBackendLike;
    const scale = backend.makeOutput([], "float32");
    heapFloats(backend, scale)[0] = TWO_POW_100;
    const once = callWasm(backend, "Multiply", { a: x, b: scale });
    const twice = callWasm(backend, "Multiply", { a: once, b: scale });
    const out = stockClip.kernelFunc({
      inputs: { x: twice },
      backend,
      attrs: { clipValueMin: -1, clipValueMax: 1 },
    }) as tf.TensorInfo;
    release(backend, scale, once, twice);
    if (mayHoldNaN(backend, x)) {
      const xv = heapFloats(backend, x);
      const ov = heapFloats(backend, out);
      for (let i = 0; i < xv.length; i++) if (xv[i] !== xv[i]) ov[i] = 0;
    }
    return out;
  };
  return { ...stockSign, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
