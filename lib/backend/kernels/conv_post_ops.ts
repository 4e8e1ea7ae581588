/**
 * `FreqlensConvPostOps` `{x, filter, bias, residual?}` → `relu?(conv2d(x, filter) + bias [+ residual])`
 * for the wasm backend, one oneDNN primitive (`../native/onednn_postops.ts`): the residual is copied into
 * the output first (a oneDNN copy on every thread; or, with `consumeResidual`, the output is written over
 * it) and added by the `sum` post-op, ReLU is an `eltwise` post-op. NHWC, HWIO filters; attrs `strides`,
 * `pad`, `relu`. Registered only when oneDNN loads (`../conv_post_ops.ts` has the op and
 * its gradient, and the plain-ops path for other backends).
 */
import * as tf from "@tensorflow/tfjs-core";
import { conv2dGeometry } from "./conv_geometry.ts";
import { loadOneDnnPostOps } from "../native/onednn_postops.ts";
import { forgetReordered } from "../native/reordered_weights.ts";
import { heapPointer, nativeConv } from "./native_bridge.ts";
import { heapFloats, type WasmBackendLike } from "./wasm_call.ts";

/** Name of the kernel. */
export const CONV_POST_OPS = "FreqlensConvPostOps";

/** Attributes of {@link CONV_POST_OPS}. */
export interface ConvPostOpsAttrs {
  strides: [number, number];
  pad: "same" | "valid";
  relu: boolean;
  /** The caller will not read `residual` again: when no other tensor shares its buffer (and it is not
   * `x`), the result is written over it in place (the returned tensor shares that buffer) instead of
   * into a new buffer that the residual is first copied to. */
  consumeResidual?: boolean;
}

function convPostOps(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x, filter, bias, residual } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const attrs = args.attrs as unknown as ConvPostOpsAttrs;
  const g = conv2dGeometry(
    x!.shape as [number, number, number, number],
    filter!.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
  );
  const inPlace = residual !== undefined && attrs.consumeResidual === true && residual.dataId !== x!.dataId &&
    backend.refCount(residual.dataId) === 1;
  if (inPlace) {
    backend.incRef(residual.dataId);
    forgetReordered(residual.dataId);
  }
  const out = inPlace
    ? { dataId: residual.dataId, shape: g.outShape, dtype: "float32" as const }
    : backend.makeOutput(g.outShape, "float32");
  if (tf.util.sizeFromShape(g.outShape) === 0) return out;
  const p = (t: tf.TensorInfo) => heapPointer(backend, t);
  if (residual && !inPlace) {
    // On every thread where oneDNN is loaded (a single-threaded `set` of ~8 MB per residual block took ~3 %
    // of a ResNet-20 input gradient).
    const dnn = nativeConv();
    if (dnn) dnn.copy(tf.util.sizeFromShape(g.outShape), [p(residual), p(out)]);
    else heapFloats(backend, out).set(heapFloats(backend, residual));
  }
  loadOneDnnPostOps()!.conv(g, { sum: residual !== undefined, relu: attrs.relu }, [
    p(x!),
    p(filter!),
    p(bias!),
    p(out),
  ], filter!.dataId);
  return out;
}

/** Registration record for `tf.registerKernel`. */
export const convPostOpsConfig: tf.KernelConfig = {
  kernelName: CONV_POST_OPS,
  backendName: "wasm",
  kernelFunc: convPostOps as unknown as tf.KernelFunc,
};
