/**
 * `train`: trains one of freqlens' architectures on a `data` stage, naturally or adversarially.
 *
 * Input: `data` (a `data` stage, read with lib/stages/data.ts' `readDataSplit`: both splits and
 * `meta.json`).
 * Params (every default is the project's recipe; on Fashion-MNIST the defaults give the natural small CNN,
 * and `adversarial: {method: pgd}` the l∞ ε = 0.1 PGD-trained one):
 * - `arch`: `small_cnn` (options `channels`, `hidden`, `batch_norm`), `resnet` (`depth` 6n+2, `widths`,
 *   `shortcut` A|B), `vgg` (`depth` 11|13|16|19: the paper's VGG configuration with batch-norm and the
 *   CIFAR 512-512 head, `width_multiplier` scaling its widths; or `widths`, `convs_per_stage`, `hidden`);
 * - `normalization`: `dataset` (per-channel mean/std of the training images, inside the model) or `none`;
 * - `optimizer` (`adam` | `sgd` with `momentum`, `nesterov`), `lr`, `schedule` (`constant`, `step` with
 *   `milestones` (epochs) and `gamma`, `cosine`, `one-cycle` with `peak_at`), `epochs`, `batch_size` (the SGD minibatch),
 *   `weight_decay` (coupled L2 on kernels);
 * - `augment: {crop, flip}`: zero-pad `crop` pixels and crop back at random (0 = off), random horizontal flip;
 * - `adversarial: {method: none|pgd|fgsm-rs, norm: linf|l2, eps, steps, step_size}` (Madry PGD-k; fast
 *   FGSM with random start, whose held-out PGD check keeps the best epoch and stops on catastrophic
 *   overfitting);
 * - `limit`: train on a stratified subset of this many training images (null, the default: all); `seed`
 *   (default: the stage seed);
 * - `stop_at_accuracy`: stop after the first epoch whose clean test accuracy reaches this fraction (the
 *   schedule stays planned for `epochs`) — an accuracy-matched control, e.g. a natural model as weak as
 *   the adversarially trained ones.
 *
 * Writes a model entry with lib/stages/model.ts' `writeModel` (read back by `loadStageClassifier`,
 * `readModelInfo`, `readTrainHistory`):
 * - `model/model.json` + `model/weights.bin`: TensorFlow.js LayersModel over NHWC float32 images in [0, 1]
 *   (normaliser inside), single output the logits, penultimate layer `features`;
 * - `model_info.json`: `{kind: "train", arch, params, parameters, inputShape, numClasses, classNames,
 *   dataset, normalization: {mean, std}, test_accuracy, train_images, epochs_run, kept_epoch,
 *   stopped_early, seconds, backend}`;
 * - `history.csv`: one row per epoch — `epoch, lr, loss, acc, test_acc, heldout_pgd_acc, img_per_s, seconds`
 *   (loss and acc on the trained, possibly adversarial, batches; test_acc clean).
 */
import * as tf from "@tensorflow/tfjs-core";
import { z } from "zod";
import { defineTask, oneInput } from "../pipeline/task.ts";
import { type ArchSpec, buildModel, countTrainableParams } from "../lib/models/mod.ts";
import { type EpochRow, type Schedule, trainModel } from "../lib/training/mod.ts";
import { limitSplit } from "../lib/datasets/limit.ts";
import { readDataSplit, writeModel } from "../lib/stages/mod.ts";

const positiveInts = z.array(z.number().int().positive()).min(1);

export const trainParams = z.strictObject({
  arch: z.enum(["small_cnn", "resnet", "vgg"]).default("small_cnn"),
  /** small_cnn: filters per conv stage. */
  channels: positiveInts.default([16, 32]),
  /** small_cnn / vgg: width of the `features` layer (default 128 / 256). */
  hidden: z.number().int().positive().optional(),
  /** small_cnn: batch norm after each conv. */
  batch_norm: z.boolean().default(false),
  /** resnet: depth 6n+2 (default 20); vgg: 11, 13, 16 or 19 for the paper's configurations. */
  depth: z.number().int().min(8).optional(),
  /** vgg with `depth`: factor on every conv and hidden width (default 1, the paper's net). */
  width_multiplier: z.number().positive().optional(),
  /** resnet: three stage widths (default 16/32/64); vgg: stage widths (default 64/128/256). */
  widths: positiveInts.optional(),
  shortcut: z.enum(["A", "B"]).default("A"),
  convs_per_stage: z.number().int().positive().default(2),
  normalization: z.enum(["dataset", "none"]).default("dataset"),
  optimizer: z.enum(["adam", "sgd"]).default("adam"),
  lr: z.number().positive().default(2e-3),
  momentum: z.number().min(0).max(1).default(0.9),
  nesterov: z.boolean().default(false),
  schedule: z.enum(["constant", "step", "cosine", "one-cycle"]).default("cosine"),
  milestones: z.array(z.number().min(0)).default([]),
  gamma: z.number().positive().default(0.1),
  peak_at: z.number().gt(0).lt(1).default(0.4),
  epochs: z.number().int().positive().default(6),
  /** The SGD minibatch (a hyperparameter of the training, unlike the other kinds' `batch_size`). */
  batch_size: z.number().int().positive().default(128),
  weight_decay: z.number().min(0).default(0),
  augment: z.strictObject({
    crop: z.number().int().min(0).default(0),
    flip: z.boolean().default(false),
  }).default({ crop: 0, flip: false }),
  adversarial: z.strictObject({
    method: z.enum(["none", "pgd", "fgsm-rs"]).default("none"),
    norm: z.enum(["linf", "l2"]).default("linf"),
    eps: z.number().positive().default(0.1),
    steps: z.number().int().positive().default(3),
    /** Default 2.5·eps/steps (pgd), 1.25·eps (fgsm-rs). */
    step_size: z.number().positive().optional(),
  }).default({ method: "none", norm: "linf", eps: 0.1, steps: 3 }),
  limit: z.number().int().positive().nullable().default(null),
  seed: z.number().int().optional(),
  stop_at_accuracy: z.number().gt(0).lt(1).optional(),
}).superRefine((p, ctx) => {
  if (p.arch === "resnet" && p.widths !== undefined && p.widths.length !== 3) {
    ctx.addIssue({ code: "custom", path: ["widths"], message: "resnet takes 3 stage widths" });
  }
});
export type TrainParams = z.infer<typeof trainParams>;

/** The architecture spec the params describe, for images of `shape` with `numClasses` classes. */
export function archSpecOf(
  p: TrainParams,
  shape: [number, number, number],
  numClasses: number,
  norm: { mean: number[]; std: number[] },
  seed: number,
): ArchSpec {
  const base = { inputShape: shape, numClasses, mean: norm.mean, std: norm.std, seed };
  switch (p.arch) {
    case "small_cnn":
      return { arch: "small_cnn", ...base, channels: p.channels, hidden: p.hidden, batchNorm: p.batch_norm };
    case "resnet": {
      const widths = p.widths ?? [16, 32, 64];
      if (widths.length !== 3) {
        throw new Error(`train: resnet widths ${JSON.stringify(widths)} need 3 entries`);
      }
      return {
        arch: "resnet",
        ...base,
        depth: p.depth ?? 20,
        widths: widths as [number, number, number],
        shortcut: p.shortcut,
      };
    }
    case "vgg":
      return p.depth !== undefined
        ? { arch: "vgg", ...base, depth: p.depth, widthMultiplier: p.width_multiplier }
        : { arch: "vgg", ...base, widths: p.widths, convsPerStage: p.convs_per_stage, hidden: p.hidden };
  }
}

/** The schedule the params describe. */
export function scheduleOf(p: TrainParams): Schedule {
  switch (p.schedule) {
    case "constant":
      return { kind: "constant" };
    case "step":
      return { kind: "step", milestones: p.milestones, gamma: p.gamma };
    case "cosine":
      return { kind: "cosine" };
    case "one-cycle":
      return { kind: "one-cycle", peakAt: p.peak_at };
  }
}

/** Per-channel mean and (population) standard deviation of NHWC images. */
export function channelStats(images: Float32Array, channels: number): { mean: number[]; std: number[] } {
  const sum = new Float64Array(channels);
  const sq = new Float64Array(channels);
  for (let i = 0; i < images.length; i++) {
    const v = images[i];
    sum[i % channels] += v;
    sq[i % channels] += v * v;
  }
  const count = images.length / channels;
  const mean = Array.from(sum, (s) => s / count);
  const std = Array.from(sq, (s, c) => Math.sqrt(Math.max(s / count - mean[c] * mean[c], 1e-12)));
  return { mean, std };
}

export default defineTask({
  description:
    "Train a small CNN, CIFAR ResNet or VGG-style net (natural, PGD or fast FGSM adversarial training)",
  params: trainParams,
  numeric: true,
  renamed: { batch: "batch_size" },
  inputs: { data: { doc: "the data stage (train_x.npy, train_y.npy, test_x.npy, test_y.npy, meta.json)" } },
  resources: { cpus: 4, mem: "8G", time: "1-00:00:00" }, // defaults for a SLURM job (pipeline/resources.ts)
  async run(ctx) {
    const p = ctx.params;
    const seed = p.seed ?? ctx.seed;
    const dataDir = oneInput(ctx.inputs, "data").dir;
    const full = await readDataSplit(dataDir, "train");
    const test = await readDataSplit(dataDir, "test");
    const classNames = full.classNames;
    const train = limitSplit(full, classNames.length, p.limit, seed);
    const [, h, w, c] = train.shape;
    const norm = p.normalization === "dataset"
      ? channelStats(train.images, c)
      : { mean: new Array(c).fill(0), std: new Array(c).fill(1) };
    const model = buildModel(archSpecOf(p, [h, w, c], classNames.length, norm, seed));
    const parameters = countTrainableParams(model);
    ctx.log(
      `${model.name}: ${parameters} trainable parameters; ${train.shape[0]} training images [${h},${w},${c}]`,
    );
    const t0 = performance.now();
    const history: EpochRow[] = [];
    try {
      const adv = p.adversarial;
      const result = trainModel(model, train, {
        epochs: p.epochs,
        batchSize: p.batch_size,
        optimizer: p.optimizer === "sgd"
          ? { kind: "sgd", momentum: p.momentum, nesterov: p.nesterov }
          : { kind: "adam", beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
        lr: p.lr,
        schedule: scheduleOf(p),
        weightDecay: p.weight_decay,
        augment: { pad: p.augment.crop, flip: p.augment.flip },
        adversarial: {
          method: adv.method,
          norm: adv.norm,
          eps: adv.eps,
          steps: adv.steps,
          stepSize: adv.step_size,
        },
        seed,
        test,
        stopAtAccuracy: p.stop_at_accuracy,
        onBatch: (epoch, batch, s) => {
          if (batch === 1) ctx.progress.start(`epoch ${epoch}/${p.epochs}`, s.batches);
          ctx.progress.update(batch, {
            loss: s.loss,
            acc: s.acc,
            "img/s": Math.round(s.imgPerSec),
          });
          if (batch === s.batches) ctx.progress.finish();
        },
        onEpoch: (row) => {
          history.push(row);
          ctx.log(
            `epoch ${row.epoch}: loss ${row.loss.toFixed(4)} acc ${row.acc.toFixed(4)} test_acc ${
              row.test_acc.toFixed(4)
            } heldout_pgd_acc ${row.heldout_pgd_acc} ${row.img_per_s.toFixed(0)} img/s ${
              row.seconds.toFixed(1)
            } s`,
          );
        },
      });
      const seconds = (performance.now() - t0) / 1000;
      const kept = result.history[result.keptEpoch - 1];
      await writeModel(ctx.outDir, model, {
        kind: "train",
        arch: p.arch,
        name: model.name,
        params: p,
        seed,
        parameters,
        inputShape: [h, w, c],
        numClasses: classNames.length,
        classNames,
        dataset: full.dataset,
        normalization: norm,
        test_accuracy: kept.test_acc,
        train_images: result.trainImages,
        epochs_run: result.history.length,
        kept_epoch: result.keptEpoch,
        stopped_early: result.stoppedEarly,
        seconds,
        backend: { name: ctx.backend, tfjs: tf.version_core },
      }, history);
    } finally {
      model.dispose();
    }
  },
});
