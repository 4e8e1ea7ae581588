/**
 * The one interface every analysis in freqlens sees a model through.
 *
 * Attacks, synthesis and attribution take an {@link ImageClassifier}, never a concrete tfjs model, so a
 * trained ResNet, an imported PyTorch checkpoint and a hand-built linear model in a test are
 * interchangeable. Images are NHWC float32 in [0, 1]; any input normalisation lives inside the model.
 */
import * as tf from "@tensorflow/tfjs-core";
import { tapeOn } from "../backend/gradients.ts";

/** A differentiable image classifier over NHWC images in [0, 1]. */
export interface ImageClassifier {
  /** Image shape `[height, width, channels]` the model takes. */
  readonly inputShape: readonly [number, number, number];
  /** Number of classes (length of a logit vector). */
  readonly numClasses: number;
  /** Logits `[N, numClasses]` for images `[N, H, W, C]`; differentiable under `tf.grad`. */
  logits(images: tf.Tensor4D): tf.Tensor2D;
  /** Penultimate representation `[N, D]` (input of the last linear layer); differentiable. */
  features(images: tf.Tensor4D): tf.Tensor2D;
  /** Optional: the logits, `objective(logits)` and its gradient in the images in one forward and backward
   * pass, as {@link objectiveGradient} computes them for any classifier — for a model that has a faster
   * way (freqlens' layers models on wasm: no gradient tape over the network). */
  objectiveGradient?(images: tf.Tensor4D, objective: ObjectiveOfLogits): ObjectiveGradient;
}

/** A function of the logits `[N, K]` whose gradient in the images is wanted (per image, or a scalar). */
export type ObjectiveOfLogits = (logits: tf.Tensor2D) => tf.Tensor;

/** The logits, the objective's value and its gradient in the images: the gradient of the sum of the value's
 * elements, as `tf.valueAndGrad` gives it (per image, the gradient of that image's own objective in
 * eval-mode models, where images do not interact). */
export interface ObjectiveGradient {
  logits: tf.Tensor2D;
  value: tf.Tensor;
  grad: tf.Tensor4D;
}

/** `model`'s {@link ImageClassifier.objectiveGradient} where it has one and no tape is recording (a caller
 * differentiating through this gets the tape), else {@link tapedObjectiveGradient}. */
export function objectiveGradient(
  model: ImageClassifier,
  images: tf.Tensor4D,
  objective: ObjectiveOfLogits,
): ObjectiveGradient {
  if (model.objectiveGradient && !tapeOn()) return model.objectiveGradient(images, objective);
  return tapedObjectiveGradient(model, images, objective);
}

/** {@link objectiveGradient} through `tf.valueAndGrad` of `objective(model.logits(x))`, for any model. */
export function tapedObjectiveGradient(
  model: ImageClassifier,
  images: tf.Tensor4D,
  objective: ObjectiveOfLogits,
): ObjectiveGradient {
  let logits: tf.Tensor2D | undefined;
  const { value, grad } = tf.valueAndGrad((x: tf.Tensor4D) => {
    const l = model.logits(x);
    logits = tf.keep(l);
    return objective(l);
  })(images);
  return { logits: logits!, value, grad: grad as tf.Tensor4D };
}
