/**
 * Gradients freqlens registers in place of tfjs-core's (same values, less work).
 *
 * `FusedBatchNorm` (inference-mode batch-norm, what every attack differentiates through): the stock
 * gradient tiles `rsqrt(var + ε)` to the full input size before multiplying (a `Tile` per layer, more than
 * half of a ResNet input gradient on wasm); here the per-channel factor broadcasts instead, and the
 * parameter gradients share their reductions.
 *
 * `Relu`: on wasm with oneDNN, one fused kernel (`./kernels/relu_grad.ts`) instead of `dy · step(x)`. That
 * kernel has no gradient of its own, so second derivatives through ReLU need another backend.
 *
 * `FreqlensAddRelu` (`./kernels/add_relu.ts`, a residual sum and its ReLU in one kernel): its gradient.
 *
 * `Mean` (a global average pooling): the stock gradient multiplies the reshaped `dy` by a full-size
 * `ones` tensor made in JavaScript and uploaded, then divides at full size (~5 ms for a ResNet-20 batch of
 * 128 on wasm); here `dy / count` is divided at its own size and broadcast by a product with a `fill`ed
 * ones tensor (0.2 ms; wasm's `Tile` takes 37 ms): the same float32 division of the same values
 * (`v · 1` is `v` exactly).
 */
import * as tf from "@tensorflow/tfjs-core";
import { addReluGradConfig } from "./kernels/add_relu.ts";
import { RELU_GRAD, reluGradAvailable } from "./kernels/relu_grad.ts";

function reductionAxes(stat: tf.Tensor, x: tf.Tensor): number[] {
  return tf.backend_util.getReductionAxes(stat.shape, x.shape);
}

const fusedBatchNormGrad: tf.GradConfig = {
  kernelName: tf.FusedBatchNorm,
  inputsToSave: ["x", "mean", "variance", "scale"],
  gradFunc: (dy, saved, attrs) => {
    const { varianceEpsilon } = attrs as unknown as tf.FusedBatchNormAttrs;
    const [x, mean, variance, scale] = saved;
    const g = dy as tf.Tensor;
    const axes = reductionAxes(mean, x);
    const rs = () => tf.rsqrt(tf.add(variance, varianceEpsilon));
    const factor = () => (scale == null ? rs() : tf.mul(rs(), scale));
    const sumDyCentered = () => tf.sum(tf.mul(g, tf.sub(x, mean)), axes);
    return {
      x: () => tf.mul(g, factor()),
      mean: () => tf.reshape(tf.mul(tf.neg(tf.sum(g, axes)), factor()), mean.shape),
      variance: () =>
        tf.reshape(tf.mul(tf.mul(sumDyCentered(), tf.mul(tf.pow(rs(), 3), -0.5)), scale ?? 1), mean.shape),
      scale: () => tf.reshape(tf.mul(sumDyCentered(), rs()), (scale ?? mean).shape),
      offset: () => tf.reshape(tf.sum(g, axes), mean.shape),
    };
  },
};

const reluGrad: tf.GradConfig = {
  kernelName: tf.Relu,
  inputsToSave: ["x"],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    const g = dy as tf.Tensor;
    return {
      x: () =>
        reluGradAvailable()
          ? tf.engine().runKernel(RELU_GRAD, { dy: g, x }) as tf.Tensor
          : tf.mul(g, tf.cast(tf.step(x), "float32")),
    };
  },
};

/** The gradient of `mean(x, axes)` for its output gradient `dy`: `dy / count` broadcast over the reduced
 * axes (see the module doc). */
export function meanGradient(dy: tf.Tensor, xShape: number[], axes: number[]): tf.Tensor {
  const expanded = xShape.map((d, i) => (axes.includes(i) ? 1 : d));
  const count = axes.reduce((n, a) => n * xShape[a], 1);
  return tf.mul(tf.div(tf.reshape(dy, expanded), count), tf.fill(xShape, 1));
}

const meanGrad: tf.GradConfig = {
  kernelName: tf.Mean,
  inputsToSave: ["x"],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const axes = tf.util.parseAxisParam((attrs as unknown as tf.MeanAttrs).axis, x.shape);
    return { x: () => meanGradient(dy as tf.Tensor, x.shape, axes) };
  },
};

/** Whether tfjs is recording a gradient tape (then a backward pass may need any intermediate). */
export const tapeOn = () => (tf.engine() as unknown as { isTapeOn(): boolean }).isTapeOn();

let installed = false;

/** Registers the gradients above (idempotent). */
export function installGradients(): void {
  if (installed) return;
  tf.registerGradient(fusedBatchNormGrad);
  tf.registerGradient(reluGrad);
  tf.registerGradient(addReluGradConfig);
  tf.registerGradient(meanGrad);
  installed = true;
}
