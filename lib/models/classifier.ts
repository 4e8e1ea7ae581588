/**
 * The one interface every analysis in freqlens sees a model through.
 *
 * Attacks, synthesis and attribution take an {@link ImageClassifier}, never a concrete tfjs model, so a
 * trained ResNet, an imported PyTorch checkpoint and a hand-built linear model in a test are
 * interchangeable. Images are NHWC float32 in [0, 1]; any input normalisation lives inside the model.
 */
import type * as tf from "@tensorflow/tfjs-core";

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
}
