/**
 * `Add` of float32 tensors in oneDNN (its binary primitive, on every thread) for the wasm backend, from a
 * few thousand elements up: two tensors of one shape (the residual sums of a ResNet's training forward
 * pass, the gradient sums where a residual branch rejoins its shortcut: 1.5–3× faster than on the wasm
 * backend's one thread), and a tensor plus a per-channel vector along its last axis (a layer's bias, which
 * the stock kernel broadcasts on one thread). Each sum is one IEEE float32 addition either way, so the bits
 * are the stock kernel's. Other broadcasting, other dtypes, small tensors, or no oneDNN: the stock kernel.
 */
import * as tf from "@tensorflow/tfjs-core";
import { heapPointer, nativeConv, nativeElementwise } from "./native_bridge.ts";
import type { WasmBackendLike } from "./wasm_call.ts";

/** Elements from which oneDNN's call overhead (a few µs) pays off against the wasm loop. */
export const NATIVE_ADD_MIN_SIZE = 4096;

const sameShape = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** Whether `v` is a per-channel vector of `x`: `[C]` or `[1, …, 1, C]`, of rank at most x's, with C the
 * length of x's last axis (so `x + v` adds `v` along every row of x's last axis and has x's shape). */
export function isChannelVector(x: readonly number[], v: readonly number[]): boolean {
  return x.length > 1 && v.length >= 1 && v.length <= x.length && v[v.length - 1] === x[x.length - 1] &&
    v.slice(0, -1).every((d) => d === 1);
}

/** `x + v` (or `max(x + v, 0)`) for a per-channel vector `v` of `x` ({@link isChannelVector}), in oneDNN:
 * a new tensor of x's shape. */
export function nativeChannelAdd(
  backend: WasmBackendLike,
  x: tf.TensorInfo,
  v: tf.TensorInfo,
  relu: boolean,
): tf.TensorInfo {
  const out = backend.makeOutput(x.shape, "float32");
  const channels = x.shape[x.shape.length - 1];
  const rows = tf.util.sizeFromShape(x.shape) / channels;
  if (rows > 0) {
    nativeConv()!.channelAdd(rows, channels, [
      heapPointer(backend, x),
      heapPointer(backend, v),
      heapPointer(backend, out),
    ], relu);
  }
  return out;
}

/** Builds the kernel config around the stock wasm `Add` (the fallback). */
export function addConfig(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: Parameters<tf.KernelFunc>[0]) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const floats = a.dtype === "float32" && b.dtype === "float32";
    const large = Math.max(tf.util.sizeFromShape(a.shape), tf.util.sizeFromShape(b.shape)) >=
      NATIVE_ADD_MIN_SIZE;
    const dnn = floats && large ? nativeConv() : undefined;
    if (dnn && sameShape(a.shape, b.shape)) {
      return nativeElementwise(args, ["a", "b"], (n, ptrs) => dnn.add(n, ptrs));
    }
    // IEEE addition is commutative, so `v + x` is `x + v` bit for bit.
    const backend = args.backend as WasmBackendLike;
    if (dnn && isChannelVector(a.shape, b.shape)) return nativeChannelAdd(backend, a, b, false);
    if (dnn && isChannelVector(b.shape, a.shape)) return nativeChannelAdd(backend, b, a, false);
    return stock.kernelFunc(args);
  };
  return { ...stock, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
