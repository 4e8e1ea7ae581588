/**
 * The kernels freqlens adds to or replaces in tfjs-backend-wasm, registered with `tf.registerKernel`
 * (one file per kernel in this folder).
 */
import * as tf from "@tensorflow/tfjs-core";
import { conv2dBackpropFilterConfig } from "./conv2d_backprop_filter.ts";
import { conv2dBackpropInputConfig } from "./conv2d_backprop_input.ts";

const KERNELS: tf.KernelConfig[] = [conv2dBackpropFilterConfig, conv2dBackpropInputConfig];

let registered = false;

/** Registers (replacing stock ones) every freqlens wasm kernel; idempotent. */
export function registerWasmKernels(): void {
  if (registered) return;
  for (const config of KERNELS) {
    if (tf.getKernel(config.kernelName, config.backendName)) {
      tf.unregisterKernel(config.kernelName, config.backendName);
    }
    tf.registerKernel(config);
  }
  registered = true;
}

/** Tag naming the kernel set (changes when a kernel's numbers may change), for cache keys. */
export function wasmKernelsVersion(): string {
  return "freqlens-kernels@1";
}
