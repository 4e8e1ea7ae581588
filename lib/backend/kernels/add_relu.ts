/**
 * `FreqlensAddRelu` `{a, b}` → `max(a + b, 0)` for two float32 tensors of one shape, in one oneDNN pass (its
 * binary add with a ReLU post-op, on every thread): the end of a ResNet block in training, where tfjs-layers
 * runs an `Add` and then a single-threaded wasm `Relu` over the same activations. Each sum is one IEEE
 * float32 addition and the ReLU is exact, so the values are the two kernels' own for every sum that is not
 * NaN; a NaN sum gives 0 (oneDNN's ReLU is `max(x, 0)`, as in the fused batch-norm → ReLU), where tfjs'
 * `Relu` keeps it — the training loop's divergence check reads the weights as well as the loss. Its gradient
 * ({@link addReluGradConfig}) is the ReLU gradient, taken from the output (`y > 0` exactly where
 * `a + b > 0`), handed to both inputs as `Add`'s is. `b` may also be a per-channel vector of `a` (a layer's
 * bias and the ReLU after it, as a training step's dense and biased conv layers run them), whose gradient
 * is then summed over the rows, as `Add`'s is. Registered only when oneDNN loaded.
 */
import * as tf from "@tensorflow/tfjs-core";
import { isChannelVector, nativeChannelAdd } from "./add.ts";
import { nativeConv, nativeElementwise } from "./native_bridge.ts";
import { RELU_GRAD } from "./relu_grad.ts";
import type { WasmBackendLike } from "./wasm_call.ts";

/** Name of the kernel. */
export const ADD_RELU = "FreqlensAddRelu";

function addReluKernel(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  if (!tf.util.arraysEqual(a.shape, b.shape)) {
    if (!isChannelVector(a.shape, b.shape)) {
      throw new Error(
        `${ADD_RELU}: b [${b.shape}] is neither a's shape [${a.shape}] nor a per-channel vector of it`,
      );
    }
    return nativeChannelAdd(args.backend as WasmBackendLike, a, b, true);
  }
  return nativeElementwise(args, ["a", "b"], (size, ptrs) => nativeConv()!.add(size, ptrs, true));
}

/** Whether {@link ADD_RELU} runs on the active backend now (wasm, oneDNN loaded, native kernels on) for two
 * float32 operands. */
const runsOn = (a: tf.Tensor, b: tf.Tensor) =>
  a.dtype === "float32" && b.dtype === "float32" && tf.getKernel(ADD_RELU, tf.getBackend()) !== undefined &&
  nativeConv() !== undefined;

/** Whether {@link ADD_RELU} can run on `a` and `b` now (wasm with oneDNN loaded and native kernels on,
 * float32 tensors of one shape). */
export function addReluApplies(a: tf.Tensor, b: tf.Tensor): boolean {
  return tf.util.arraysEqual(a.shape, b.shape) && runsOn(a, b);
}

/** Whether {@link ADD_RELU} can run on `x` and a per-channel vector `bias` of it now (as
 * {@link addReluApplies}, with `bias` of shape `[C]` or `[1, …, 1, C]` for x's last axis of length C). */
export function biasReluApplies(x: tf.Tensor, bias: tf.Tensor): boolean {
  return isChannelVector(x.shape, bias.shape) && runsOn(x, bias);
}

/** `max(a + b, 0)` through {@link ADD_RELU}, differentiable in both; needs {@link addReluApplies} or
 * {@link biasReluApplies}. */
export function addRelu(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.engine().runKernel(ADD_RELU, { a, b }) as tf.Tensor;
}

/** Registration record for `tf.registerKernel`. */
export const addReluConfig: tf.KernelConfig = {
  kernelName: ADD_RELU,
  backendName: "wasm",
  kernelFunc: addReluKernel as unknown as tf.KernelFunc,
};

/** Gradient of {@link ADD_RELU}: `dy` where the output is positive, else 0, for each input (a reshape
 * each, so that the two gradients are separate tensors, as `Add`'s are; summed over the rows for a
 * per-channel `b`). */
export const addReluGradConfig: tf.GradConfig = {
  kernelName: ADD_RELU,
  inputsToSave: ["b"],
  outputsToSave: [true],
  gradFunc: (dy, saved) => {
    const [b, y] = saved;
    const g = tf.engine().runKernel(RELU_GRAD, { dy: dy as tf.Tensor, x: y }) as tf.Tensor;
    const rows = tf.backend_util.getReductionAxes(b.shape, y.shape);
    return {
      a: () => tf.reshape(g, y.shape),
      b: () => tf.reshape(rows.length > 0 ? tf.sum(g, rows) : g, b.shape),
    };
  },
};
