/**
 * The op behind the models' input normaliser (lib/models/layers.ts `Normalize`): `(x − mean[c]) / std[c]`
 * over the last axis, differentiable in `x` (`dx = dy / std[c]`). On wasm it is one pass for float32
 * (`./kernels/normalize.ts`); elsewhere the same plain tfjs ops. Both give the same float32 values.
 */
import * as tf from "@tensorflow/tfjs-core";
import { NORMALIZE } from "./kernels/normalize.ts";

function affine(x: tf.Tensor, mean: number[], std: number[]): tf.Tensor {
  if (x.dtype === "float32" && tf.getKernel(NORMALIZE, tf.getBackend()) !== undefined) {
    return tf.engine().runKernel(NORMALIZE, { x }, { mean, std } as unknown as tf.NamedAttrMap) as tf.Tensor;
  }
  return tf.tidy(() => tf.div(tf.sub(x, tf.tensor1d(mean)), tf.tensor1d(std)));
}

/** `(x − mean[c]) / std[c]` per channel of the last axis (see the module doc). */
export function normalizeChannels(x: tf.Tensor, mean: number[], std: number[]): tf.Tensor {
  const zeros = mean.map(() => 0);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const xi = args[0] as tf.Tensor;
    return { value: affine(xi, mean, std), gradFunc: (dy: tf.Tensor) => affine(dy, zeros, std) };
  });
  return op(x);
}
