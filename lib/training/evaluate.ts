/**
 * Evaluation of an {@link ImageClassifier} on a split (NHWC float32 images in [0, 1], int32 labels), in
 * batches: clean accuracy, and accuracy under PGD (lib/attacks' PGD: random start, each image's best
 * iterate kept) — the robust accuracy of Madry et al.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { ImageClassifier } from "../models/classifier.ts";
import { pgd, pgdParams } from "../attacks/mod.ts";
import { deriveSeed } from "../stats/mod.ts";
import type { LabelledImages } from "../datasets/types.ts";
import { predictedClasses } from "../models/predict.ts";

function batchTensor(data: LabelledImages, start: number, end: number): tf.Tensor4D {
  const [, h, w, c] = data.shape;
  const size = h * w * c;
  return tf.tensor4d(data.images.subarray(start * size, end * size), [end - start, h, w, c]);
}

/** Fraction of images whose predicted class equals the label (0 for an empty set). */
export function accuracy(classifier: ImageClassifier, data: LabelledImages, batchSize = 256): number {
  const pred = predictedClasses(classifier, { data: data.images, shape: data.shape }, batchSize);
  let correct = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === data.labels[i]) correct++;
  return pred.length === 0 ? 0 : correct / pred.length;
}

/** PGD settings for {@link pgdAccuracy}. */
export interface PgdEvalOptions {
  norm: "linf" | "l2";
  eps: number;
  steps: number;
  /** Default 2.5·ε/steps. */
  stepSize?: number;
  restarts?: number;
  seed: number;
  batchSize?: number;
  /** Called after each batch with the number of images done. */
  onBatch?: (done: number, total: number) => void;
}

/** Clean and PGD accuracy over the same images. */
export interface RobustAccuracy {
  n: number;
  clean: number;
  robust: number;
}

/**
 * Clean accuracy and accuracy under untargeted PGD (`robust`: the fraction of images whose adversarial
 * version is still classified correctly). Batch b's attack is seeded with `deriveSeed(seed, "pgd-eval", b)`.
 */
export async function pgdAccuracy(
  classifier: ImageClassifier,
  data: LabelledImages,
  options: PgdEvalOptions,
): Promise<RobustAccuracy> {
  const n = data.shape[0];
  const batchSize = options.batchSize ?? 256;
  const params = pgdParams.parse({
    norm: options.norm,
    eps: options.eps,
    steps: options.steps,
    stepSize: options.stepSize,
    restarts: options.restarts ?? 1,
  });
  let clean = 0;
  let robust = 0;
  for (let s = 0, b = 0; s < n; s += batchSize, b++) {
    const e = Math.min(n, s + batchSize);
    const x = batchTensor(data, s, e);
    const labels = data.labels.subarray(s, e);
    try {
      const result = await pgd.run(
        { model: classifier, images: x, labels, seed: deriveSeed(options.seed, "pgd-eval", b) },
        params,
      );
      const [predClean, predAdv] = tf.tidy(() => [
        tf.argMax(classifier.logits(x), 1),
        tf.argMax(classifier.logits(result.adversarial), 1),
      ]);
      const pc = predClean.dataSync();
      const pa = predAdv.dataSync();
      for (let i = 0; i < labels.length; i++) {
        if (pc[i] === labels[i]) clean++;
        if (pa[i] === labels[i]) robust++;
      }
      tf.dispose([predClean, predAdv, result.adversarial]);
    } finally {
      x.dispose();
    }
    options.onBatch?.(e, n);
  }
  return { n, clean: n ? clean / n : 0, robust: n ? robust / n : 0 };
}
