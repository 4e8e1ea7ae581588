/**
 * The training loop: mini-batch training of a tfjs LayersModel (logits output) on NHWC float32 images in
 * [0, 1] with int32 labels — seeded data order and augmentation, a per-step learning-rate schedule,
 * SGD-momentum or Adam with coupled weight decay, and optionally adversarial training (Madry PGD-k or
 * fast FGSM with random start). After each epoch it measures clean test accuracy and, for `fgsm-rs` (or when
 * `heldOut` is set), PGD accuracy on images held out of training; the weights of the epoch with the best
 * held-out PGD accuracy are kept, and training stops when that accuracy falls by more than
 * `overfitDrop` below the best — the guard of Wong et al. 2020 against catastrophic overfitting.
 *
 * Pure: it reports through callbacks and returns the training curves as rows; it writes no files.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { classifierFromLayersModel } from "../models/layers_classifier.ts";
import { trainingGradients } from "../models/training_gradients.ts";
import { deriveSeed, Rng } from "../stats/mod.ts";
import { augmentBatch, type AugmentOptions } from "./augment.ts";
import { type AdversarialSpec, checkAdversarialSpec, perturbBatch } from "./adversarial.ts";
import { accuracy } from "./evaluate.ts";
import type { LabelledImages } from "../datasets/types.ts";
import { createOptimizer, isDecayed, type OptimizerSpec, weightDecayPenalty } from "./optimizer.ts";
import { checkSchedule, learningRateAt, type Schedule } from "./schedule.ts";

/** Running statistics of the current epoch, passed to {@link TrainOptions.onBatch}. */
export interface BatchStats {
  /** Mean cross-entropy over the epoch's batches so far (on the trained, possibly adversarial, images). */
  loss: number;
  /** Training accuracy over the epoch so far (on the trained images). */
  acc: number;
  /** Images per second over the epoch so far (attack included). */
  imgPerSec: number;
  /** Batches in the epoch. */
  batches: number;
  /** Learning rate of the last step. */
  lr: number;
}

/** One row of the training curves (one epoch). */
export interface EpochRow {
  epoch: number;
  lr: number;
  loss: number;
  acc: number;
  /** Clean accuracy on the test images (NaN without a test set). */
  test_acc: number;
  /** PGD accuracy on the held-out images (NaN when there are none). */
  heldout_pgd_acc: number;
  img_per_s: number;
  seconds: number;
}

/** Everything {@link trainModel} needs besides the model and the data. */
export interface TrainOptions {
  epochs: number;
  batchSize: number;
  optimizer: OptimizerSpec;
  /** Base (peak) learning rate the schedule scales. */
  lr: number;
  schedule: Schedule;
  /** Coupled L2 weight decay on kernels (0 = off). */
  weightDecay: number;
  augment: AugmentOptions;
  adversarial: AdversarialSpec;
  seed: number;
  /** Evaluated (clean accuracy) after every epoch when given. */
  test?: LabelledImages;
  /**
   * Training images held out for the per-epoch PGD check and best-epoch selection; default 512 for
   * `fgsm-rs`, else 0 (off).
   */
  heldOut?: number;
  /** PGD steps of the held-out check (default 10; ε and norm from `adversarial`). */
  heldOutSteps?: number;
  /** Drop of held-out PGD accuracy below the best that stops training (default 0.2, Wong et al.). */
  overfitDrop?: number;
  /**
   * Stop after the first epoch whose clean `test` accuracy reaches this value (the schedule stays planned
   * for `epochs`): a model matched in accuracy to another, e.g. a natural model as weak as robust ones.
   */
  stopAtAccuracy?: number;
  onBatch?: (epoch: number, batch: number, stats: BatchStats) => void;
  onEpoch?: (row: EpochRow) => void;
}

/** What {@link trainModel} returns. */
export interface TrainResult {
  history: EpochRow[];
  /** Epoch whose weights the model holds at the end (the best held-out one when checking, else the last). */
  keptEpoch: number;
  /** True when catastrophic overfitting, or reaching `stopAtAccuracy`, stopped training early. */
  stoppedEarly: boolean;
  /** Images trained on (after holding out). */
  trainImages: number;
}

/** Invalid training options or data; names the value. */
export class TrainingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TrainingError";
  }
}

function checkData(data: LabelledImages, what: string): void {
  const [n, h, w, c] = data.shape;
  if (data.images.length !== n * h * w * c) {
    throw new TrainingError(`${what}: ${data.images.length} pixel values for shape [${data.shape}]`);
  }
  if (data.labels.length !== n) {
    throw new TrainingError(`${what}: ${data.labels.length} labels for ${n} images`);
  }
}

/** Copies the images and labels at `indices` into new arrays. */
export function gather(data: LabelledImages, indices: ArrayLike<number>): LabelledImages {
  const [, h, w, c] = data.shape;
  const size = h * w * c;
  const images = new Float32Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    images.set(data.images.subarray(j * size, (j + 1) * size), i * size);
    labels[i] = data.labels[j];
  }
  return { images, labels, shape: [indices.length, h, w, c] };
}

/** Snapshot of every weight of a model (trainable and batch-norm statistics), owned by the caller. */
/**
 * The name of the first trainable weight holding NaN or ±Infinity, else undefined. One scalar is read
 * back per call (Σ 0·w is 0 exactly when every w is finite); names are looked up only on failure.
 */
function nonFiniteVariable(model: tfl.LayersModel): string | undefined {
  const probe = tf.tidy(() => tf.addN(model.trainableWeights.map((w) => tf.sum(tf.mul(w.read(), 0)))));
  const ok = Number.isFinite(probe.dataSync()[0]);
  probe.dispose();
  if (ok) return undefined;
  return model.trainableWeights.find((w) => !(w.read().dataSync() as Float32Array).every(Number.isFinite))
    ?.originalName;
}

function snapshot(model: tfl.LayersModel): tf.Tensor[] {
  return model.getWeights().map((w) => w.clone());
}

/** Trains `model` in place on `train` (see the module doc) and returns the training curves. */
export function trainModel(
  model: tfl.LayersModel,
  train: LabelledImages,
  options: TrainOptions,
): TrainResult {
  checkData(train, "train");
  if (options.test) checkData(options.test, "test");
  checkSchedule(options.schedule);
  checkAdversarialSpec(options.adversarial);
  const { epochs, batchSize, seed } = options;
  if (!Number.isInteger(epochs) || epochs < 1) throw new TrainingError(`epochs ${epochs} must be ≥ 1`);
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new TrainingError(`batch size ${batchSize} must be ≥ 1`);
  }
  if (!(options.lr > 0)) throw new TrainingError(`learning rate ${options.lr} must be > 0`);
  if (!(options.weightDecay >= 0)) throw new TrainingError(`weight decay ${options.weightDecay} must be ≥ 0`);
  if (options.stopAtAccuracy !== undefined && !options.test) {
    throw new TrainingError(
      `stopAtAccuracy ${options.stopAtAccuracy} needs a test split to measure accuracy on`,
    );
  }
  const adv = options.adversarial;
  const heldOutN = options.heldOut ?? (adv.method === "fgsm-rs" ? 512 : 0);
  if (heldOutN > 0 && adv.method === "none") {
    throw new TrainingError(`heldOut ${heldOutN}: the held-out PGD check needs an adversarial method`);
  }
  if (heldOutN >= train.shape[0]) {
    throw new TrainingError(`heldOut ${heldOutN} leaves no training images out of ${train.shape[0]}`);
  }

  // Held-out images: the last heldOutN of a seeded permutation.
  let trainSet = train;
  let heldOut: LabelledImages | undefined;
  if (heldOutN > 0) {
    const perm = new Rng(deriveSeed(seed, "heldout")).permutation(train.shape[0]);
    trainSet = gather(train, perm.subarray(0, train.shape[0] - heldOutN));
    heldOut = gather(train, perm.subarray(train.shape[0] - heldOutN));
  }
  const [n, h, w, c] = trainSet.shape;
  const stepsPerEpoch = Math.ceil(n / batchSize);
  const totalSteps = stepsPerEpoch * epochs;
  const numClasses = model.outputs[0].shape[model.outputs[0].shape.length - 1] as number;
  const classifier = classifierFromLayersModel(model);
  const gradients = trainingGradients(model);
  const decayed = model.trainableWeights.filter((v) => isDecayed(v.originalName)).map((v) =>
    v.read() as tf.Variable
  );
  const { optimizer, setLearningRate, dispose } = createOptimizer(options.optimizer, options.lr);

  const history: EpochRow[] = [];
  let best: { acc: number; epoch: number; weights: tf.Tensor[] } | undefined;
  let stoppedEarly = false;
  let step = 0;
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const t0 = performance.now();
      const order = new Rng(deriveSeed(seed, "order", epoch)).permutation(n);
      const augRng = new Rng(deriveSeed(seed, "augment", epoch));
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      let lr = options.lr;
      for (let b = 0; b < stepsPerEpoch; b++, step++) {
        const idx = order.subarray(b * batchSize, Math.min(n, (b + 1) * batchSize));
        const batch = gather(trainSet, idx);
        if (options.augment.pad > 0 || options.augment.flip) {
          augmentBatch(batch.images, batch.shape, options.augment, augRng);
        }
        lr = learningRateAt(options.schedule, options.lr, step, totalSteps, stepsPerEpoch);
        setLearningRate(lr);
        const x0 = tf.tensor4d(batch.images, [idx.length, h, w, c]);
        const x = adv.method === "none"
          ? x0
          : perturbBatch(classifier, x0, batch.labels, adv, deriveSeed(seed, "adversarial", epoch, b));
        const y = tf.tensor1d(batch.labels, "int32");
        let ce: tf.Scalar | undefined;
        let hits: tf.Scalar | undefined;
        const { value: cost, grads } = gradients(x, (logits) => {
          hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), "int32")));
          ce = tf.keep(tf.losses.softmaxCrossEntropy(tf.oneHot(y, numClasses), logits) as tf.Scalar);
          return options.weightDecay > 0 ? tf.add(ce, weightDecayPenalty(decayed, options.weightDecay)) : ce;
        });
        optimizer.applyGradients(grads);
        tf.dispose(grads);
        const stepLoss = ce!.dataSync()[0];
        // A dead ReLU can keep the loss finite while the update made a weight NaN: check both.
        const badWeight = Number.isFinite(stepLoss) ? nonFiniteVariable(model) : undefined;
        if (!Number.isFinite(stepLoss) || badWeight !== undefined) {
          tf.dispose([cost, ce!, hits!, y, x0]);
          if (x !== x0) x.dispose();
          const what = badWeight === undefined
            ? `batch loss ${stepLoss}`
            : `weight '${badWeight}' became non-finite after the update (batch loss ${stepLoss})`;
          throw new TrainingError(
            `training diverged at epoch ${epoch}, step ${b + 1} of ${stepsPerEpoch} (global step ${
              step + 1
            }): ${what}; learning rate ${lr}: lower it or check the data`,
          );
        }
        lossSum += stepLoss * idx.length;
        correct += hits!.dataSync()[0];
        seen += idx.length;
        tf.dispose([cost, ce!, hits!, y, x0]);
        if (x !== x0) x.dispose();
        const elapsed = (performance.now() - t0) / 1000;
        options.onBatch?.(epoch, b + 1, {
          loss: lossSum / seen,
          acc: correct / seen,
          imgPerSec: seen / elapsed,
          batches: stepsPerEpoch,
          lr,
        });
      }
      const trainSeconds = (performance.now() - t0) / 1000;
      const testAcc = options.test ? accuracy(classifier, options.test) : NaN;
      let heldAcc = NaN;
      if (heldOut) {
        heldAcc = heldOutPgdAccuracy(
          classifier,
          heldOut,
          adv,
          options.heldOutSteps ?? 10,
          deriveSeed(seed, "check"),
        );
      }
      const row: EpochRow = {
        epoch,
        lr,
        loss: lossSum / seen,
        acc: correct / seen,
        test_acc: testAcc,
        heldout_pgd_acc: heldAcc,
        img_per_s: seen / trainSeconds,
        seconds: (performance.now() - t0) / 1000,
      };
      history.push(row);
      options.onEpoch?.(row);
      if (heldOut) {
        if (!best || heldAcc > best.acc) {
          if (best) tf.dispose(best.weights);
          best = { acc: heldAcc, epoch, weights: snapshot(model) };
        } else if (heldAcc < best.acc - (options.overfitDrop ?? 0.2)) {
          stoppedEarly = true;
          break;
        }
      }
      if (options.stopAtAccuracy !== undefined && testAcc >= options.stopAtAccuracy) {
        stoppedEarly = epoch < epochs;
        break;
      }
    }
    let keptEpoch = history.length;
    if (best && best.epoch !== keptEpoch) {
      model.setWeights(best.weights);
      keptEpoch = best.epoch;
    }
    return { history, keptEpoch, stoppedEarly, trainImages: n };
  } finally {
    if (best) tf.dispose(best.weights);
    dispose();
  }
}

/** PGD accuracy on the held-out images with the training threat model, `steps` steps of 2.5·ε/steps. */
function heldOutPgdAccuracy(
  classifier: ReturnType<typeof classifierFromLayersModel>,
  data: LabelledImages,
  adv: AdversarialSpec,
  steps: number,
  seed: number,
): number {
  const [n, h, w, c] = data.shape;
  const x0 = tf.tensor4d(data.images, [n, h, w, c]);
  const spec: AdversarialSpec = { method: "pgd", norm: adv.norm, eps: adv.eps, steps };
  const x = perturbBatch(classifier, x0, data.labels, spec, seed);
  const pred = tf.tidy(() => tf.argMax(classifier.logits(x), 1));
  const p = pred.dataSync();
  let correct = 0;
  for (let i = 0; i < n; i++) if (p[i] === data.labels[i]) correct++;
  tf.dispose([x0, x, pred]);
  return correct / n;
}
