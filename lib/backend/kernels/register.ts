/**
 * The kernels freqlens adds to or replaces in tfjs-backend-wasm, registered with `tf.registerKernel`
 * (one file per kernel in this folder). Replacements keep the stock kernel as their fallback.
 */
import * as tf from "@tensorflow/tfjs-core";
import { conv2dConfig } from "./conv2d.ts";
import { conv2dBackpropFilterConfig } from "./conv2d_backprop_filter.ts";
import { conv2dBackpropInputConfig } from "./conv2d_backprop_input.ts";
import { batchNormTrainingConfigs } from "./batch_norm_training.ts";
import { fusedBatchNormConfig } from "./fused_batch_norm.ts";
import { fusedConv2dConfig } from "./fused_conv2d.ts";
import { castConfig, identityConfig } from "./identity.ts";
import { matMulConfig } from "./mat_mul.ts";
import { maxPoolConfig } from "./max_pool.ts";
import { momentumUpdateConfig } from "./momentum_update.ts";
import { maxPoolGradConfig } from "./max_pool_grad.ts";
import { reluGradConfig } from "./relu_grad.ts";
import { sumConfig } from "./sum.ts";
import { meanConfig } from "./mean.ts";
import { addConfig } from "./add.ts";
import { addReluConfig } from "./add_relu.ts";
import { signConfig } from "./sign.ts";
import { clipConfig } from "./clip.ts";
import { nativeConv } from "./native_bridge.ts";
import { loadOneDnn } from "../native/onednn.ts";
import { loadOneDnnMatmul } from "../native/onednn_matmul.ts";
import { dct2dConfig } from "./dct2d.ts";
import { loadOneDnnPostOps } from "../native/onednn_postops.ts";
import { convPostOpsConfig } from "./conv_post_ops.ts";
import { normalizeConfig } from "./normalize.ts";
import { crossEntropyConfigs } from "./cross_entropy.ts";
import { selectImagesConfig } from "./select_images.ts";

let registered = false;

function replace(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName)) {
    tf.unregisterKernel(config.kernelName, config.backendName);
  }
  tf.registerKernel(config);
}

function stock(name: string): tf.KernelConfig {
  const config = tf.getKernel(name, "wasm");
  if (!config) throw new Error(`tfjs-backend-wasm has no '${name}' kernel to wrap (tfjs upgrade?)`);
  return config;
}

/** Registers (replacing stock ones) every freqlens wasm kernel; idempotent. Needs tfjs-backend-wasm to
 * be imported (its kernels registered) first. */
export function registerWasmKernels(): void {
  if (registered) return;
  replace(conv2dConfig(stock(tf.Conv2D)));
  replace(fusedConv2dConfig(stock(tf.FusedConv2D)));
  replace(conv2dBackpropFilterConfig);
  replace(conv2dBackpropInputConfig);
  replace(fusedBatchNormConfig(stock(tf.FusedBatchNorm)));
  replace(identityConfig(stock(tf.Identity)));
  replace(castConfig(stock(tf.Cast)));
  replace(matMulConfig(stock(tf.BatchMatMul)));
  replace(matMulConfig(stock(tf._FusedMatMul)));
  replace(maxPoolConfig(stock(tf.MaxPool)));
  replace(maxPoolGradConfig);
  replace(sumConfig(stock(tf.Sum)));
  replace(meanConfig(stock(tf.Mean)));
  replace(addConfig(stock(tf.Add)));
  replace(signConfig(stock(tf.Sign), stock(tf.ClipByValue)));
  replace(clipConfig(stock(tf.ClipByValue)));
  replace(normalizeConfig);
  replace(momentumUpdateConfig);
  crossEntropyConfigs.forEach(replace);
  replace(selectImagesConfig);
  if (loadOneDnn()) [...batchNormTrainingConfigs, reluGradConfig, addReluConfig].forEach(replace);
  if (loadOneDnnMatmul()) replace(dct2dConfig);
  if (loadOneDnnPostOps()) replace(convPostOpsConfig);
  registered = true;
}

/** Tag naming the kernel set and the native library behind it with the instruction set its kernels use
 * (`onednn@2.6.3:avx2`: each ISA accumulates in its own order), for cache keys. */
export function wasmKernelsVersion(): string {
  const dnn = nativeConv();
  return `freqlens-kernels@9${dnn ? `+${dnn.version}:${dnn.isa}` : ""}`;
}
