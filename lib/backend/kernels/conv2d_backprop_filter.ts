/**
 * `Conv2DBackpropFilter` for the wasm backend, which tfjs-backend-wasm 4.22 lacks (training fails without
 * it): native oneDNN when available (`../native/onednn.ts`), else re-expressed through the stock forward
 * conv2d (`./conv_reexpress.ts`).
 */
import * as tf from "@tensorflow/tfjs-core";
import { conv2dGeometry } from "./conv_geometry.ts";
import { conv2dBackpropFilterViaForward } from "./conv_reexpress.ts";
import { heapPointer, nativeConv } from "./native_bridge.ts";
import type { WasmBackendLike } from "./wasm_call.ts";

/** The kernel: inputs `{x: [N,H,W,Ci], dy: [N,OH,OW,Co]}`, attrs as tfjs' conv2d gradient passes them. */
export function conv2dBackpropFilter(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (attrs.dataFormat === "NCHW") {
    throw new Error("wasm Conv2DBackpropFilter: dataFormat NCHW is unsupported");
  }
  const g = conv2dGeometry(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const dnn = nativeConv();
  if (!dnn) return conv2dBackpropFilterViaForward(backend, x, dy, g);
  const out = backend.makeOutput(attrs.filterShape, "float32");
  if (tf.util.sizeFromShape(attrs.filterShape) === 0) return out;
  if (tf.util.sizeFromShape(dy.shape) === 0) {
    const start = backend.dataIdMap.get(out.dataId).memoryOffset / 4;
    backend.wasm.HEAPF32.fill(0, start, start + tf.util.sizeFromShape(attrs.filterShape));
    return out;
  }
  dnn.conv("backwardWeights", g, [
    heapPointer(backend, x),
    heapPointer(backend, out),
    heapPointer(backend, dy),
  ]);
  return out;
}

/** Registration record for `tf.registerKernel`. */
export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: "wasm",
  kernelFunc: conv2dBackpropFilter as unknown as tf.KernelFunc,
};
