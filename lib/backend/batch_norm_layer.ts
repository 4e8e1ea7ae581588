/**
 * Fast training-mode batch-norm for tfjs-layers' `BatchNormalization` layer.
 *
 * In training, the stock layer computes `tf.moments` (two transposing reductions) and `tf.batchNorm`, and
 * its gradient is ~20 full-size elementwise ops plus a `Tile` per layer — most of a ResNet training step
 * on wasm. When the active backend has the `FreqlensBatchNormTraining` kernels (wasm with oneDNN), this
 * patch of `BatchNormalization.prototype.call` runs one fused forward kernel and one fused backward kernel
 * (through `tf.customGrad`) and updates the moving statistics exactly as the stock layer does
 * (`moving ← moving − (moving − batch)·(1 − momentum)`). Every other case (inference, other backends,
 * other axes or ranks, no scale/center) runs the stock code. `batchNormTrainingOf` is the same pass for a
 * caller that walks the graph itself; with `relu` it fuses the ReLU that follows (lib/models
 * `trainingForward`).
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import {
  BATCH_NORM_TRAINING,
  BATCH_NORM_TRAINING_GRAD,
  batchNormTrainingAvailable,
} from "./kernels/batch_norm_training.ts";
import { movingAverage } from "./kernels/moving_average.ts";
import type { WasmBackendLike } from "./kernels/wasm_call.ts";

/** What the gradient of one training-mode batch-norm needs: the forward kernel's inputs, its batch
 * statistics (and ReLU workspace), and its attributes. */
export interface BatchNormTrainingSaved {
  x: tf.Tensor;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
  scale: tf.Tensor;
  offset: tf.Tensor;
  workspace?: tf.Tensor;
  attrs: { epsilon: number; relu: boolean };
}

/** The forward kernel on NHWC `x` (ReLU'd when `relu`): the output and what
 * {@link batchNormTrainingBackward} needs. Not differentiable by itself (see {@link batchNormTraining}). */
export function batchNormTrainingForward(
  x: tf.Tensor,
  scale: tf.Tensor,
  offset: tf.Tensor,
  epsilon: number,
  relu: boolean,
): { y: tf.Tensor4D; saved: BatchNormTrainingSaved } {
  const attrs = { epsilon, relu };
  const [y, mean, variance, workspace] = tf.engine().runKernel(
    BATCH_NORM_TRAINING,
    { x, scale, offset },
    attrs,
  ) as tf.Tensor[];
  return {
    y: y as tf.Tensor4D,
    saved: {
      x,
      mean: mean as tf.Tensor1D,
      variance: variance as tf.Tensor1D,
      scale,
      offset,
      workspace,
      attrs,
    },
  };
}

/** `[dx, dScale, dOffset]` of the batch-norm `saved` describes, for the gradient `dy` of its output. */
export function batchNormTrainingBackward(dy: tf.Tensor, saved: BatchNormTrainingSaved): tf.Tensor[] {
  const { x, mean, variance, scale, offset, workspace, attrs } = saved;
  const inputs: tf.NamedTensorMap = { x, mean, variance, dy, scale, offset };
  if (workspace) inputs.workspace = workspace;
  return tf.engine().runKernel(BATCH_NORM_TRAINING_GRAD, inputs, attrs) as tf.Tensor[];
}

/** Batch-norm of NHWC `x` with batch statistics, followed by a ReLU when `relu`; returns `[y, mean,
 * variance]`, differentiable in `x`, `scale` and `offset` through `y` (the statistics are for the moving
 * averages only, and are kept: the caller disposes them). Needs {@link batchNormTrainingAvailable}. */
export function batchNormTraining(
  x: tf.Tensor4D,
  scale: tf.Tensor1D,
  offset: tf.Tensor1D,
  epsilon: number,
  relu = false,
): [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D] {
  let stats: tf.Tensor[] = [];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, s, o, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const { y, saved } = batchNormTrainingForward(xi, s, o, epsilon, relu);
    const { mean, variance, workspace } = saved;
    stats = [tf.keep(mean), tf.keep(variance)]; // outlive the customGrad's tidy; disposed by the caller
    save(workspace ? [xi, mean, variance, s, o, workspace] : [xi, mean, variance, s, o]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, kept: tf.Tensor[]) => {
        const [sx, sm, sv, ss, so, ws] = kept;
        return batchNormTrainingBackward(dy, {
          x: sx,
          mean: sm as tf.Tensor1D,
          variance: sv as tf.Tensor1D,
          scale: ss,
          offset: so,
          workspace: ws,
          attrs: saved.attrs,
        });
      },
    };
  });
  const y = op(x, scale, offset) as tf.Tensor4D;
  return [y, stats[0] as tf.Tensor1D, stats[1] as tf.Tensor1D];
}

/** What a training-mode batch-norm layer is: its options and variables. */
export interface BatchNormLayerLike {
  axis: number;
  epsilon: number;
  momentum: number;
  gamma: tfl.LayerVariable | null;
  beta: tfl.LayerVariable | null;
  movingMean: tfl.LayerVariable;
  movingVariance: tfl.LayerVariable;
}

/** Whether `layer` called in training mode on `x` can run {@link batchNormTrainingOf} (NHWC float32, the
 * channel axis last, scale and center on, the kernels present). */
export function fastBatchNormApplies(layer: BatchNormLayerLike, x: tf.Tensor): boolean {
  return x.rank === 4 && (layer.axis === -1 || layer.axis === 3) && layer.gamma != null &&
    layer.beta != null && x.dtype === "float32" && batchNormTrainingAvailable();
}

/** Updates `layer`'s moving statistics from one batch's exactly as tfjs-layers does
 * (`moving ← moving − (moving − batch)·(1 − momentum)`). */
export function updateMovingStatistics(
  layer: BatchNormLayerLike,
  mean: tf.Tensor,
  variance: tf.Tensor,
): void {
  const decay = 1 - layer.momentum;
  const backend = tf.backend() as WasmBackendLike;
  for (const [variable, batch] of [[layer.movingMean, mean], [layer.movingVariance, variance]] as const) {
    const next = tf.engine().makeTensorFromTensorInfo(movingAverage(backend, variable.read(), batch, decay));
    variable.write(next);
    next.dispose();
  }
}

/** `layer`'s training-mode output for `x` (ReLU'd when `relu`), updating its moving statistics
 * ({@link updateMovingStatistics}). */
export function batchNormTrainingOf(layer: BatchNormLayerLike, x: tf.Tensor4D, relu = false): tf.Tensor4D {
  return tf.tidy(() => {
    const [y, mean, variance] = batchNormTraining(
      x,
      layer.gamma!.read() as tf.Tensor1D,
      layer.beta!.read() as tf.Tensor1D,
      layer.epsilon,
      relu,
    );
    updateMovingStatistics(layer, mean, variance);
    mean.dispose();
    variance.dispose();
    return y;
  });
}

let installed = false;

/** Patches `BatchNormalization.prototype.call` (idempotent). */
export function installFastBatchNorm(): void {
  if (installed) return;
  const proto = Object.getPrototypeOf(tfl.layers.batchNormalization({})) as {
    call: (
      this: BatchNormLayerLike,
      inputs: tf.Tensor | tf.Tensor[],
      kwargs: Record<string, unknown>,
    ) => tf.Tensor;
  };
  const stockCall = proto.call;
  proto.call = function (this: BatchNormLayerLike, inputs, kwargs) {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (kwargs?.training !== true || !fastBatchNormApplies(this, x)) {
      return stockCall.call(this, inputs, kwargs);
    }
    return batchNormTrainingOf(this, x as tf.Tensor4D);
  };
  installed = true;
}
