/**
 * Training-mode batch-norm as two freqlens kernels on the wasm backend, both in oneDNN:
 * `FreqlensBatchNormTraining` `{x: [N,H,W,C], scale: [C], offset: [C]}` → `[y, mean, variance]` (batch
 * statistics, biased variance) and `FreqlensBatchNormTrainingGrad` `{x, mean, variance, dy, scale, offset}` →
 * `[dx, dScale, dOffset]` (the full gradient through the batch statistics). They replace tfjs-layers'
 * moments + batchNorm composition (two transposing reductions forward, ~20 full-size elementwise ops
 * backward) — see `../batch_norm_layer.ts`. With attr `relu` the forward kernel returns `max(y, 0)` and a
 * fourth output, oneDNN's workspace (which outputs were positive, as int32 words), and the gradient kernel
 * takes that `workspace` and the gradient of the ReLU's output as `dy`: batch-norm and the ReLU after it in
 * one pass each way. Registered only when oneDNN loaded.
 */
import * as tf from "@tensorflow/tfjs-core";
import { heapPointer, nativeConv } from "./native_bridge.ts";
import type { WasmBackendLike } from "./wasm_call.ts";

/** Name of the forward kernel. */
export const BATCH_NORM_TRAINING = "FreqlensBatchNormTraining";
/** Name of the gradient kernel. */
export const BATCH_NORM_TRAINING_GRAD = "FreqlensBatchNormTrainingGrad";

/** Attributes of both kernels. */
interface Attrs {
  epsilon: number;
  relu?: boolean;
}

function forward(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo[] {
  const backend = args.backend as WasmBackendLike;
  const { x, scale, offset } = args.inputs as Record<string, tf.TensorInfo>;
  const { epsilon, relu = false } = args.attrs as unknown as Attrs;
  const c = x.shape[3];
  const dnn = nativeConv()!;
  const y = backend.makeOutput(x.shape, "float32");
  const mean = backend.makeOutput([c], "float32");
  const variance = backend.makeOutput([c], "float32");
  const workspace = relu
    ? [backend.makeOutput([Math.ceil(dnn.batchNormWorkspaceBytes(x.shape, epsilon) / 4)], "int32")]
    : [];
  const p = (t: tf.TensorInfo) => heapPointer(backend, t);
  dnn.batchNorm("training", x.shape, epsilon, [
    p(x),
    p(scale),
    p(offset),
    p(y),
    p(mean),
    p(variance),
    ...workspace.map(p),
  ], relu);
  return [y, mean, variance, ...workspace];
}

function backward(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo[] {
  const backend = args.backend as WasmBackendLike;
  const { x, mean, variance, dy, scale, offset, workspace } = args.inputs as Record<
    string,
    tf.TensorInfo | undefined
  >;
  const { epsilon, relu = false } = args.attrs as unknown as Attrs;
  const c = x!.shape[3];
  const dx = backend.makeOutput(x!.shape, "float32");
  const dScale = backend.makeOutput([c], "float32");
  const dOffset = backend.makeOutput([c], "float32");
  const p = (t: tf.TensorInfo) => heapPointer(backend, t);
  nativeConv()!.batchNorm("backward", x!.shape, epsilon, [
    p(x!),
    p(mean!),
    p(variance!),
    p(dy!),
    p(scale!),
    p(offset!),
    p(dx),
    p(dScale),
    p(dOffset),
    ...(relu ? [p(workspace!)] : []),
  ], relu);
  return [dx, dScale, dOffset];
}

/** Whether the active backend can run these kernels now (wasm, oneDNN loaded and enabled). */
export function batchNormTrainingAvailable(): boolean {
  return nativeConv() !== undefined && tf.getKernel(BATCH_NORM_TRAINING, tf.getBackend()) !== undefined;
}

/** Registration records for `tf.registerKernel`. */
export const batchNormTrainingConfigs: tf.KernelConfig[] = [
  { kernelName: BATCH_NORM_TRAINING, backendName: "wasm", kernelFunc: forward as unknown as tf.KernelFunc },
  {
    kernelName: BATCH_NORM_TRAINING_GRAD,
    backendName: "wasm",
    kernelFunc: backward as unknown as tf.KernelFunc,
  },
];
