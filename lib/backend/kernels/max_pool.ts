/**
 * `MaxPool` for the wasm backend: float32 NHWC pooling in oneDNN on every core where it loaded (the stock
 * kernel runs on one thread: 1.5–2 ms of a small CNN's 15 ms forward pass at batch 128), the stock kernel
 * otherwise. A maximum is exact, so both give the same bits for finite values.
 */
import * as tf from "@tensorflow/tfjs-core";
import { heapPointer, nativeConv } from "./native_bridge.ts";
import type { WasmBackendLike } from "./wasm_call.ts";

/** The geometry of a 2-D pooling of NHWC `shape` with `MaxPool`/`MaxPoolGrad` attributes, in tfjs'
 * `Conv2DInfo` form (what `../native/onednn.ts` takes). */
export function poolGeometry(shape: number[], attrs: tf.MaxPoolAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo(
    shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
}

/** Builds the kernel config around the stock wasm `MaxPool` (the fallback). */
export function maxPoolConfig(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: Parameters<tf.KernelFunc>[0]) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const dnn = nativeConv();
    if (!dnn || x.dtype !== "float32" || tf.util.sizeFromShape(x.shape) === 0) return stock.kernelFunc(args);
    const g = poolGeometry(x.shape, args.attrs as unknown as tf.MaxPoolAttrs);
    const backend = args.backend as WasmBackendLike;
    const out = backend.makeOutput(g.outShape, "float32");
    if (tf.util.sizeFromShape(g.outShape) > 0) {
      dnn.maxPool(g, [heapPointer(backend, x), heapPointer(backend, out)]);
    }
    return out;
  };
  return { ...stock, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
