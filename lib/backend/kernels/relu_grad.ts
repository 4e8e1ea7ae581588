/**
 * `FreqlensReluGrad` `{dy, x}` → `dx = x > 0 ? dy : 0`: the ReLU gradient in one pass, in oneDNN, for the
 * wasm backend. tfjs-core's gradient is `dy · step(x)`, two full-size passes per ReLU (a fifth of a ResNet-20
 * input gradient on wasm). `../gradients.ts` uses it when {@link reluGradAvailable}; the values equal
 * `dy · step(x)` for every finite x (at x = 0 both give 0; at x = NaN this passes `dy` on, where
 * `dy · step(x)` gives NaN).
 */
import * as tf from "@tensorflow/tfjs-core";
import { nativeConv, nativeElementwise } from "./native_bridge.ts";

/** Name of the kernel. */
export const RELU_GRAD = "FreqlensReluGrad";

const reluGrad = (args: Parameters<tf.KernelFunc>[0]) =>
  nativeElementwise(args, ["x", "dy"], (size, ptrs) => nativeConv()!.reluGrad(size, ptrs));

/** Whether the active backend runs {@link RELU_GRAD} (wasm with oneDNN loaded and native kernels on). */
export function reluGradAvailable(): boolean {
  return tf.getKernel(RELU_GRAD, tf.getBackend()) !== undefined && nativeConv() !== undefined;
}

/** Registration record for `tf.registerKernel`. */
export const reluGradConfig: tf.KernelConfig = {
  kernelName: RELU_GRAD,
  backendName: "wasm",
  kernelFunc: reluGrad as unknown as tf.KernelFunc,
};
