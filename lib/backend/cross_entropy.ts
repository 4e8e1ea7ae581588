/**
 * Per-row cross-entropy of logits against integer labels, `logsumexp(z) − z[label]`, differentiable in the
 * logits (`softmax(z) − onehot(label)`, scaled by each row's incoming gradient): the objective of the
 * gradient attacks. On wasm one kernel each way (`./kernels/cross_entropy.ts`); elsewhere tfjs'
 * `logSoftmax` composite.
 */
import * as tf from "@tensorflow/tfjs-core";
import { CROSS_ENTROPY, CROSS_ENTROPY_GRAD } from "./kernels/cross_entropy.ts";
import { tapeOn } from "./gradients.ts";

/** tfjs' composite: `−Σ_k logSoftmax(z)[k] · onehot(label)[k]` per row. */
function composite(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() =>
    tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(labels, logits.shape[1])), 1)) as tf.Tensor1D
  );
}

/** Cross-entropy of each row of `logits` `[N, K]` (float32) against `labels` `[N]` (int32), `[N]`. */
export function crossEntropyPerRow(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  if (
    logits.dtype !== "float32" || labels.dtype !== "int32" ||
    tf.getKernel(CROSS_ENTROPY, tf.getBackend()) === undefined
  ) {
    return composite(logits, labels);
  }
  const run = (z: tf.Tensor) => tf.engine().runKernel(CROSS_ENTROPY, { logits: z, labels }) as tf.Tensor1D;
  if (!tapeOn()) return run(logits);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [z, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    save([z, labels]);
    return {
      value: run(z),
      gradFunc: (dy: tf.Tensor, [zs, ys]: tf.Tensor[]) =>
        tf.engine().runKernel(CROSS_ENTROPY_GRAD, { logits: zs, labels: ys, dy }) as tf.Tensor,
    };
  });
  return op(logits) as tf.Tensor1D;
}
