/**
 * Gradient frequency saliency: `|∂f_c/∂X|` with X = DCT(x), aggregated per band (sum or mean over the
 * band's coefficients and channels). Because the DCT is orthonormal, `∂f/∂X = DCT(∂f/∂x)`, so one input
 * gradient per image suffices. With `inputTimesGradient`, the per-band sum of `X ⊙ ∂f/∂X` instead — the
 * first-order Taylor estimate of Occluded Frequency with the zero baseline (exact for a linear model), so
 * the two can be compared band by band to see where the model is nonlinear.
 */
import * as tf from "@tensorflow/tfjs-core";
// tfjs-core registers no gradient functions itself; the tfjs-layers bundle registers all of them.
import "@tensorflow/tfjs-layers";
import { bandReduce, dct2d } from "../dct/mod.ts";
import type { ImageClassifier } from "../models/classifier.ts";
import { batchTensor, checkImageShape, type Images, toImageArray } from "./images.ts";
import { batchSizeOf, resolveTargets } from "./scoring.ts";
import type { Attribution, AttributionOptions, Target } from "./types.ts";

/** Options of {@link frequencySaliency}. */
export interface SaliencyOptions extends AttributionOptions {
  /** Sum (default) or mean of the band's values. */
  reduce?: "sum" | "mean";
  /** Aggregate `X ⊙ ∂f/∂X` (signed) instead of `|∂f/∂X|`; default false. */
  inputTimesGradient?: boolean;
}

/** Frequency saliency of every band for every image: `scores` `[N, bands]`. */
export async function frequencySaliency(
  model: ImageClassifier,
  images: Images,
  target: Target,
  options: SaliencyOptions = {},
): Promise<Attribution> {
  const x = toImageArray(images);
  checkImageShape(x, model.inputShape);
  const targets = resolveTargets(model, x, target, options.batchSize);
  const [n, h, w, c] = x.shape;
  const batchSize = batchSizeOf(options.batchSize);
  const per = h * w * c;
  const values = new Float32Array(n * per);
  for (let lo = 0; lo < n; lo += batchSize) {
    const hi = Math.min(n, lo + batchSize);
    const oneHot = tf.oneHot(tf.tensor1d(targets.subarray(lo, hi), "int32"), model.numClasses);
    const objective = (v: tf.Tensor) => {
      const logits = model.logits(v as tf.Tensor4D);
      const s = options.score === "probability" ? tf.softmax(logits) : logits;
      return tf.sum(tf.mul(s, oneHot)) as tf.Scalar;
    };
    const xt = batchTensor(x, lo, hi);
    const out = tf.tidy(() => {
      const g = dct2d(tf.grad(objective)(xt) as tf.Tensor4D);
      return options.inputTimesGradient ? tf.mul(g, dct2d(xt)) : tf.abs(g);
    });
    values.set((await out.data()) as Float32Array, lo * per);
    tf.dispose([out, xt, oneHot]);
    options.onProgress?.(hi, n);
  }
  const scores = Float32Array.from(
    bandReduce(values, [n, h, w, c], options.reduce ?? "sum", { kind: options.bandKind }),
  );
  return { scores, shape: [n, scores.length / n], axis: "band", targets };
}
