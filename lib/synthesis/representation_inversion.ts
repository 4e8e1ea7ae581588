/**
 * Robust / non-robust dataset synthesis by representation inversion (Ilyas et al. 2019; the paper's Eq. 9).
 *
 * For each target image x (label y), start from another image x₀ and minimise
 * `||g(x_r) − g(x)||₂ / ||g(x)||₂` over x_r, where g is the model's penultimate representation
 * (`model.features`), with l2-normalised gradient steps `x_r ← clip₀¹(x_r − α·∇/||∇||₂)` (per image).
 * The result x_r is labelled y: under a robust model it carries x's robust features, under a natural model
 * its non-robust ones. Batched; batch-norm runs in inference mode, so images in a batch are independent.
 */
import * as tf from "@tensorflow/tfjs-core";
// tfjs-core registers no gradient functions itself; the tfjs-layers bundle registers all of them.
import "@tensorflow/tfjs-layers";
import type { ImageClassifier } from "../models/classifier.ts";
import {
  batchTensor,
  checkImageShape,
  gatherImages,
  type ImageArray,
  type Images,
  ImageShapeError,
  imageSize,
  toImageArray,
} from "../attribution/images.ts";

/** Options of {@link synthesizeFromRepresentation}. */
export interface SynthesisOptions {
  /** Start image index of each target, int `[N]` (e.g. from `randomOtherPairing`). */
  startIndices: ArrayLike<number>;
  /** l2 length of each normalised gradient step, in pixel units; default 0.1. */
  step?: number;
  /** Gradient steps per image; default 1000. */
  iterations?: number;
  /** Images optimised together; default 64. */
  batchSize?: number;
  /** Called after every iteration of every batch with the batch's mean loss (for progress bars). */
  onIteration?: (info: { batch: number; batches: number; iteration: number; loss: number }) => void;
}

/** What {@link synthesizeFromRepresentation} returns. */
export interface SynthesisResult {
  /** Synthesized images, NHWC float32 in [0, 1], one per target. */
  images: ImageArray;
  /** Label of each synthesized image: its target's label, int32 `[N]`. */
  labels: Int32Array;
  /** Start image index of each target, int32 `[N]`. */
  startIndices: Int32Array;
  /** Mean relative representation distance over all images before each step and after the last,
   * float32 `[iterations + 1]` (entry 0 is the distance at the start images). */
  lossCurve: Float32Array;
  /** Per-image relative distance at the start image, float32 `[N]`. */
  initialLoss: Float32Array;
  /** Per-image relative distance of the synthesized image, float32 `[N]`. */
  finalLoss: Float32Array;
}

/** Per-image `||g(xr) − gx||₂ / ||gx||₂`, `[B]`. */
function relativeDistance(model: ImageClassifier, xr: tf.Tensor4D, gx: tf.Tensor2D, gNorm: tf.Tensor1D) {
  const diff = tf.sub(model.features(xr), gx);
  return tf.div(tf.sqrt(tf.sum(tf.square(diff), 1)), gNorm) as tf.Tensor1D;
}

/**
 * Synthesizes one image per target in `targets` (labels `labels`), each starting from
 * `targets[startIndices[i]]`, by minimising the relative distance of its representation to the target's.
 */
export function synthesizeFromRepresentation(
  model: ImageClassifier,
  targets: Images,
  labels: ArrayLike<number>,
  options: SynthesisOptions,
): SynthesisResult {
  const x = toImageArray(targets);
  checkImageShape(x, model.inputShape);
  const n = x.shape[0];
  if (labels.length !== n) throw new ImageShapeError(`labels: ${labels.length} labels for ${n} images`);
  if (options.startIndices.length !== n) {
    throw new ImageShapeError(`startIndices: ${options.startIndices.length} indices for ${n} images`);
  }
  const step = options.step ?? 0.1;
  const iterations = options.iterations ?? 1000;
  const batchSize = options.batchSize ?? 64;
  if (!(step > 0) || !Number.isInteger(iterations) || iterations < 0 || !(batchSize >= 1)) {
    throw new RangeError(
      `synthesis: invalid step ${step}, iterations ${iterations} or batchSize ${batchSize}`,
    );
  }
  const startIndices = Int32Array.from(options.startIndices);
  const start = gatherImages(x, startIndices);
  const per = imageSize(x);
  const out = new Float32Array(n * per);
  const lossSum = new Float64Array(iterations + 1);
  const initialLoss = new Float32Array(n);
  const finalLoss = new Float32Array(n);
  const batches = Math.ceil(n / batchSize);

  for (let b = 0; b < batches; b++) {
    const lo = b * batchSize;
    const hi = Math.min(n, lo + batchSize);
    const [gx, gNorm] = tf.tidy(() => {
      const xt = batchTensor(x, lo, hi);
      const g = model.features(xt);
      return [g, tf.sqrt(tf.sum(tf.square(g), 1))] as [tf.Tensor2D, tf.Tensor1D];
    });
    let xr = batchTensor(start, lo, hi);
    const lossOf = (v: tf.Tensor4D) => tf.sum(relativeDistance(model, v, gx, gNorm)) as tf.Scalar;
    const gradOf = tf.valueAndGrad(lossOf);
    initialLoss.set(relativeDistanceSync(model, xr, gx, gNorm), lo);
    for (let it = 0; it < iterations; it++) {
      const { value, grad } = gradOf(xr);
      const batchLoss = value.dataSync()[0];
      lossSum[it] += batchLoss;
      const next = tf.tidy(() => {
        const norm = tf.sqrt(tf.sum(tf.square(grad), [1, 2, 3], true));
        const dir = tf.div(grad, tf.maximum(norm, 1e-12));
        return tf.clipByValue(tf.sub(xr, tf.mul(dir, step)), 0, 1) as tf.Tensor4D;
      });
      value.dispose();
      grad.dispose();
      xr.dispose();
      xr = next;
      options.onIteration?.({ batch: b, batches, iteration: it, loss: batchLoss / (hi - lo) });
    }
    const last = relativeDistanceSync(model, xr, gx, gNorm);
    finalLoss.set(last, lo);
    lossSum[iterations] += last.reduce((a, v) => a + v, 0);
    out.set(xr.dataSync() as Float32Array, lo * per);
    tf.dispose([xr, gx, gNorm]);
  }
  return {
    images: { data: out, shape: x.shape },
    labels: Int32Array.from(labels),
    startIndices,
    lossCurve: Float32Array.from(lossSum, (s) => s / n),
    initialLoss,
    finalLoss,
  };
}

function relativeDistanceSync(model: ImageClassifier, xr: tf.Tensor4D, gx: tf.Tensor2D, gNorm: tf.Tensor1D) {
  return tf.tidy(() => relativeDistance(model, xr, gx, gNorm).dataSync() as Float32Array);
}
