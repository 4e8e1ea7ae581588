/**
 * `FusedBatchNorm` (inference-mode batch-norm, `(x − mean)·rsqrt(var + ε)·scale + offset`) for the wasm
 * backend: oneDNN over NHWC when available and the statistics are per-channel vectors, else the stock
 * kernel.
 */
import * as tf from "@tensorflow/tfjs-core";
import { constantVector, heapPointer, nativeConv } from "./native_bridge.ts";
import type { WasmBackendLike } from "./wasm_call.ts";

/** Builds the kernel config around the stock wasm `FusedBatchNorm` (the fallback). */
export function fusedBatchNormConfig(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: Parameters<tf.KernelFunc>[0]) => {
    const dnn = nativeConv();
    const { x, mean, variance, scale, offset } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const c = x!.shape[x!.shape.length - 1];
    const perChannel = (t?: tf.TensorInfo) => !t || tf.util.sizeFromShape(t.shape) === c;
    if (
      !dnn || x!.shape.length !== 4 || ![mean, variance, scale, offset].every(perChannel) || !mean ||
      !variance
    ) {
      return stock.kernelFunc(args);
    }
    const backend = args.backend as WasmBackendLike;
    const { varianceEpsilon } = args.attrs as unknown as tf.FusedBatchNormAttrs;
    const out = backend.makeOutput(x!.shape, "float32");
    if (tf.util.sizeFromShape(x!.shape) === 0) return out;
    const p = (t: tf.TensorInfo) => heapPointer(backend, t);
    dnn.batchNorm("inference", x!.shape, varianceEpsilon, [
      p(x!),
      p(mean),
      p(variance),
      scale ? p(scale) : constantVector(c, 1),
      offset ? p(offset) : constantVector(c, 0),
      p(out),
    ]);
    return out;
  };
  return { ...stock, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
