/**
 * Zero-copy `Identity` and same-dtype `Cast` for the wasm backend.
 *
 * tfjs clones every tensor it saves for the backward pass (`Identity`), and casts gradients to float32
 * (`Cast`) even when they already are; the stock wasm kernels copy the whole buffer each time (hundreds of
 * full-size copies per ResNet step). Like the cpu backend, these share the buffer and count a reference —
 * safe because no wasm kernel writes into its inputs.
 */
import type * as tf from "@tensorflow/tfjs-core";

interface RefCounting {
  incRef(dataId: tf.DataId): void;
}

function share(backend: RefCounting, x: tf.TensorInfo): tf.TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** Builds the zero-copy `Identity` around the stock kernel (kept for strings). */
export function identityConfig(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: Parameters<tf.KernelFunc>[0]) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype === "string") return stock.kernelFunc(args);
    return share(args.backend as unknown as RefCounting, x);
  };
  return { ...stock, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/** Builds `Cast` that shares the buffer when the dtype does not change, else runs the stock kernel. */
export function castConfig(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: Parameters<tf.KernelFunc>[0]) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { dtype } = args.attrs as unknown as tf.CastAttrs;
    if (x.dtype !== dtype || dtype === "string") return stock.kernelFunc(args);
    return share(args.backend as unknown as RefCounting, x);
  };
  return { ...stock, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
