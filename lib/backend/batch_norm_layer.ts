/**
 * Fast training-mode batch-norm for tfjs-layers' `BatchNormalization` layer.
 *
 * In training, the stock layer computes `tf.moments` (two transposing reductions) and `tf.batchNorm`, and
 * its gradient is ~20 full-size elementwise ops plus a `Tile` per layer — most of a ResNet training step
 * on wasm. When the active backend has the `FreqlensBatchNormTraining` kernels (wasm with oneDNN), this
 * patch of `BatchNormalization.prototype.call` runs one fused forward kernel and one fused backward kernel
 * (through `tf.customGrad`) and updates the moving statistics exactly as the stock layer does
 * (`moving ← moving − (moving − batch)·(1 − momentum)`). Every other case (inference, other backends,
 * other axes or ranks, no scale/center) runs the stock code.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import {
  BATCH_NORM_TRAINING,
  BATCH_NORM_TRAINING_GRAD,
  batchNormTrainingAvailable,
} from "./kernels/batch_norm_training.ts";

interface BnLayer {
  axis: number;
  epsilon: number;
  momentum: number;
  gamma: tfl.LayerVariable | null;
  beta: tfl.LayerVariable | null;
  movingMean: tfl.LayerVariable;
  movingVariance: tfl.LayerVariable;
}

/** Batch-norm of NHWC `x` with batch statistics; returns `[y, mean, variance]`, differentiable in
 * `x`, `scale` and `offset` through `y` (the statistics are for the moving averages only, and are kept:
 * the caller disposes them). */
export function batchNormTraining(
  x: tf.Tensor4D,
  scale: tf.Tensor1D,
  offset: tf.Tensor1D,
  epsilon: number,
): [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D] {
  let stats: tf.Tensor[] = [];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, s, o, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAINING, { x: xi, scale: s, offset: o }, {
      epsilon,
    }) as tf.Tensor[];
    stats = [tf.keep(mean), tf.keep(variance)]; // outlive the customGrad's tidy; disposed by the caller
    save([xi, mean, variance, s, o]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sm, sv, ss, so] = saved;
        return tf.engine().runKernel(BATCH_NORM_TRAINING_GRAD, {
          x: sx,
          mean: sm,
          variance: sv,
          dy,
          scale: ss,
          offset: so,
        }, {
          epsilon,
        }) as tf.Tensor[];
      },
    };
  });
  const y = op(x, scale, offset) as tf.Tensor4D;
  return [y, stats[0] as tf.Tensor1D, stats[1] as tf.Tensor1D];
}

let installed = false;

/** Patches `BatchNormalization.prototype.call` (idempotent). */
export function installFastBatchNorm(): void {
  if (installed) return;
  const proto = Object.getPrototypeOf(tfl.layers.batchNormalization({})) as {
    call: (this: BnLayer, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor;
  };
  const stockCall = proto.call;
  proto.call = function (this: BnLayer, inputs, kwargs) {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const fast = kwargs?.training === true && x.rank === 4 && (this.axis === -1 || this.axis === 3) &&
      this.gamma != null && this.beta != null && x.dtype === "float32" &&
      batchNormTrainingAvailable();
    if (!fast) return stockCall.call(this, inputs, kwargs);
    return tf.tidy(() => {
      const [y, mean, variance] = batchNormTraining(
        x as tf.Tensor4D,
        this.gamma!.read() as tf.Tensor1D,
        this.beta!.read() as tf.Tensor1D,
        this.epsilon,
      );
      const decay = 1 - this.momentum;
      for (const [variable, value] of [[this.movingMean, mean], [this.movingVariance, variance]] as const) {
        tf.tidy(() => {
          const orig = variable.read();
          variable.write(tf.sub(orig, tf.mul(tf.sub(orig, value), decay)));
        });
      }
      mean.dispose();
      variance.dispose();
      return y;
    });
  };
  installed = true;
}
