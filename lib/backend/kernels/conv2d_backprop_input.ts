/**
 * `Conv2DBackpropInput` for the wasm backend, replacing the stock one (a naive loop, 84 % of an
 * input-gradient step): native oneDNN when available, else re-expressed through the stock forward conv2d
 * (`./conv_reexpress.ts`).
 */
import * as tf from "@tensorflow/tfjs-core";
import { conv2dGeometry } from "./conv_geometry.ts";
import { conv2dBackpropInputViaForward } from "./conv_reexpress.ts";
import { heapPointer, nativeConv } from "./native_bridge.ts";
import type { WasmBackendLike } from "./wasm_call.ts";

/** The kernel: inputs `{dy: [N,OH,OW,Co], filter: [kh,kw,Ci,Co]}`, attrs with `inputShape`. */
export function conv2dBackpropInput(
  args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap },
): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  if (attrs.dataFormat === "NCHW") {
    throw new Error("wasm Conv2DBackpropInput: dataFormat NCHW is unsupported");
  }
  const g = conv2dGeometry(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const dnn = nativeConv();
  if (!dnn) return conv2dBackpropInputViaForward(backend, dy, filter, g);
  const out = backend.makeOutput(attrs.inputShape, "float32");
  if (tf.util.sizeFromShape(attrs.inputShape) === 0) return out;
  dnn.conv("backwardData", g, [
    heapPointer(backend, out),
    heapPointer(backend, filter),
    heapPointer(backend, dy),
  ], filter.dataId);
  return out;
}

/** Registration record for `tf.registerKernel`. */
export const conv2dBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: "wasm",
  kernelFunc: conv2dBackpropInput as unknown as tf.KernelFunc,
};
