/**
 * `Conv2D` for the wasm backend: oneDNN (`../native/onednn.ts`) when available, using both cores, else
 * the stock XNNPACK kernel. NHWC only (NCHW goes to the stock kernel).
 */
import * as tf from "@tensorflow/tfjs-core";
import { conv2dGeometry } from "./conv_geometry.ts";
import { heapPointer, nativeConv } from "./native_bridge.ts";
import type { WasmBackendLike } from "./wasm_call.ts";

/** Builds the kernel config around the stock wasm `Conv2D` (the fallback). */
export function conv2dConfig(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }) => {
    const dnn = nativeConv();
    const attrs = args.attrs as unknown as tf.Conv2DAttrs;
    if (!dnn || attrs.dataFormat === "NCHW") return stock.kernelFunc(args as Parameters<tf.KernelFunc>[0]);
    const backend = args.backend as WasmBackendLike;
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const g = conv2dGeometry(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      attrs.strides,
      attrs.dilations,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const out = backend.makeOutput(g.outShape, "float32");
    if (tf.util.sizeFromShape(g.outShape) === 0) return out;
    dnn.conv("forward", g, [
      heapPointer(backend, x),
      heapPointer(backend, filter),
      heapPointer(backend, out),
    ], filter.dataId);
    return out;
  };
  return { ...stock, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
