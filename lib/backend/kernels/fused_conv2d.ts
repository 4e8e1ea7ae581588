/**
 * `FusedConv2D` (conv2d + bias + activation, what tfjs-layers' Conv2D calls) for the wasm backend:
 * the convolution and bias in oneDNN when available, the activation by the stock wasm kernel; the stock
 * XNNPACK kernel otherwise (and for NCHW or PReLU).
 */
import * as tf from "@tensorflow/tfjs-core";
import { conv2dGeometry } from "./conv_geometry.ts";
import { heapPointer, nativeConv } from "./native_bridge.ts";
import { callWasm, release, type WasmBackendLike } from "./wasm_call.ts";

const ACTIVATION_KERNELS: Record<string, string | undefined> = {
  relu: "Relu",
  relu6: "Relu6",
  elu: "Elu",
  sigmoid: "Sigmoid",
};

/** Builds the kernel config around the stock wasm `FusedConv2D` (the fallback). */
export function fusedConv2dConfig(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }) => {
    const dnn = nativeConv();
    const attrs = args.attrs as unknown as tf.FusedConv2DAttrs;
    const activation = attrs.activation ?? "linear";
    const act = ACTIVATION_KERNELS[activation];
    const { x, filter, bias } = args.inputs as {
      x: tf.TensorInfo;
      filter: tf.TensorInfo;
      bias?: tf.TensorInfo;
    };
    const biasOk = !bias || (bias.shape.length === 1 && bias.shape[0] === filter.shape[3]);
    if (!dnn || attrs.dataFormat === "NCHW" || !biasOk || (activation !== "linear" && !act)) {
      return stock.kernelFunc(args as Parameters<tf.KernelFunc>[0]);
    }
    const backend = args.backend as WasmBackendLike;
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
    const ptrs = [heapPointer(backend, x), heapPointer(backend, filter), heapPointer(backend, out)];
    if (bias) ptrs.push(heapPointer(backend, bias));
    dnn.conv("forward", g, ptrs, filter.dataId);
    if (!act) return out;
    const activated = callWasm(backend, act, { x: out });
    release(backend, out);
    return activated;
  };
  return { ...stock, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
