/**
 * The batched evaluation loop shared by every perturbation-based method: a method describes `count` images
 * to score (it fills each into a buffer on demand), and this loop assembles them in chunks of at most
 * `batchSize`, runs the model once per chunk, and returns each image's target score and predicted class.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { ImageClassifier } from "../models/classifier.ts";
import { predictedClasses } from "../models/predict.ts";
import type { ImageArray } from "./images.ts";
import { AttributionError, type ScoreKind, type Target } from "./types.ts";

/** Default largest batch sent through the model. */
export const DEFAULT_BATCH_SIZE = 256;

/** Scores of generated images: target score and argmax class per image. */
export interface GeneratedScores {
  scores: Float64Array;
  predicted: Int32Array;
}

/** Options of {@link scoreGenerated}. */
export interface ScoreGeneratedOptions {
  score?: ScoreKind;
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Checks a max batch size option and returns it (default {@link DEFAULT_BATCH_SIZE}). */
export function batchSizeOf(batchSize: number | undefined): number {
  const b = batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(b) || b < 1) {
    throw new AttributionError(`batchSize must be a positive integer, got ${b}`);
  }
  return b;
}

/** Reads score `target` from a logit row (logit, or softmax probability computed in float64). */
function readScore(logits: Float32Array, row: number, classes: number, target: number, kind: ScoreKind) {
  const base = row * classes;
  if (kind === "logit") return logits[base + target];
  let max = -Infinity;
  for (let c = 0; c < classes; c++) max = Math.max(max, logits[base + c]);
  let sum = 0;
  for (let c = 0; c < classes; c++) sum += Math.exp(logits[base + c] - max);
  return Math.exp(logits[base + target] - max) / sum;
}

function argmaxRow(logits: Float32Array, row: number, classes: number): number {
  let best = 0;
  for (let c = 1; c < classes; c++) if (logits[row * classes + c] > logits[row * classes + best]) best = c;
  return best;
}

/**
 * Scores `count` generated images: `fill(item, out)` writes image `item` (NHWC, one image) into `out`;
 * `targetOf(item)` is the class to score. Images go through the model in chunks of at most `batchSize`.
 */
export async function scoreGenerated(
  model: ImageClassifier,
  count: number,
  fill: (item: number, out: Float32Array) => void,
  targetOf: (item: number) => number,
  options: ScoreGeneratedOptions = {},
): Promise<GeneratedScores> {
  const [h, w, c] = model.inputShape;
  const per = h * w * c;
  const batchSize = batchSizeOf(options.batchSize);
  const kind = options.score ?? "logit";
  const classes = model.numClasses;
  const scores = new Float64Array(count);
  const predicted = new Int32Array(count);
  const buffer = new Float32Array(Math.min(batchSize, Math.max(count, 1)) * per);
  for (let lo = 0; lo < count; lo += batchSize) {
    const hi = Math.min(count, lo + batchSize);
    for (let t = lo; t < hi; t++) fill(t, buffer.subarray((t - lo) * per, (t - lo + 1) * per));
    const logitsT = tf.tidy(() =>
      model.logits(tf.tensor4d(buffer.subarray(0, (hi - lo) * per), [hi - lo, h, w, c]))
    );
    const logits = (await logitsT.data()) as Float32Array;
    logitsT.dispose();
    for (let t = lo; t < hi; t++) {
      scores[t] = readScore(logits, t - lo, classes, targetOf(t), kind);
      predicted[t] = argmaxRow(logits, t - lo, classes);
    }
    options.onProgress?.(hi, count);
  }
  return { scores, predicted };
}

/** Resolves a {@link Target} to class indices `[N]`, checking range and length. */
export function resolveTargets(
  model: ImageClassifier,
  images: ImageArray,
  target: Target,
  batchSize?: number,
): Int32Array {
  const n = images.shape[0];
  if (target === "predicted") return predictedClasses(model, images, batchSizeOf(batchSize));
  if (target.length !== n) throw new AttributionError(`target: ${target.length} classes for ${n} images`);
  const out = Int32Array.from(target);
  for (let i = 0; i < n; i++) {
    if (out[i] !== target[i] || out[i] < 0 || out[i] >= model.numClasses) {
      throw new AttributionError(
        `target class ${target[i]} of image ${i} is not in [0, ${model.numClasses})`,
      );
    }
  }
  return out;
}
