/**
 * The one loop every gradient attack runs: iterations of step + projection under a {@link ThreatModel},
 * random restarts, keeping each image's best iterate, and success tracking. FGSM, PGD and low-frequency
 * PGD differ only in the threat model and these options.
 *
 * Objective (ascended): untargeted, the cross-entropy of the true class; targeted, minus the cross-entropy
 * of the target class. "Best" ranks a successful iterate above an unsuccessful one, then a higher objective
 * above a lower one (the `use_best` rule of `robustness`, made success-aware).
 */
import * as tf from "@tensorflow/tfjs-core";
// tfjs-core registers no gradient functions itself; the tfjs-layers bundle registers all of them.
import "@tensorflow/tfjs-layers";
import { type ImageClassifier, objectiveGradient } from "../models/classifier.ts";
import type { ThreatModel } from "./threat.ts";
import { AttackError, type AttackResult } from "./types.ts";
import { crossEntropyPerRow } from "../backend/cross_entropy.ts";
import { SELECT_IMAGES } from "../backend/kernels/select_images.ts";

/** Options of {@link iterativeAttack}. */
export interface LoopOptions {
  threat: ThreatModel;
  /** Number of step + projection iterations per restart. */
  steps: number;
  /** Step size α passed to the threat model's step rule. */
  stepSize: number;
  /** Number of independent runs (each with its own random start when `randomStart`). */
  restarts: number;
  /** Start from a random point of the ball instead of the clean image. */
  randomStart: boolean;
  /** Return each image's best iterate over all steps and restarts; else the last iterate of its best restart. */
  keepBest: boolean;
  seed: number;
  /** Called with every iterate (restart r, step s; s = 0 is the start) before it is used; must not keep it. */
  onIterate?: (x: tf.Tensor4D, restart: number, step: number) => void;
}

/**
 * Per-image attack objective and success from logits `[N, K]`: `objective` is what the loop ascends
 * (CE of the label, or −CE of the target), `success` is 1 where the attack goal is met.
 */
export function objectiveOf(
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
  targets?: tf.Tensor1D,
): tf.Tensor1D {
  const ce = crossEntropyPerRow(logits, targets ?? labels);
  if (!targets) return ce;
  const toward = tf.neg(ce);
  ce.dispose();
  return toward;
}

/**
 * 1 where the prediction (argmax of logits) differs from the label, or (targeted) equals the target; never
 * where a logit is not finite (the argmax of NaN logits is no prediction, so no success).
 */
export function successOf(logits: tf.Tensor2D, labels: tf.Tensor1D, targets?: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const pred = tf.argMax(logits, 1);
    const hit = targets ? tf.equal(pred, targets) : tf.notEqual(pred, labels);
    return tf.cast(tf.logicalAnd(hit, tf.all(tf.isFinite(logits), 1)), "int32") as tf.Tensor1D;
  });
}

/** Per-image l2 and l∞ norms of `adversarial − clean`, both `[N, H, W, C]`. */
export function perturbationNorms(
  clean: tf.Tensor4D,
  adversarial: tf.Tensor4D,
): { l2: Float32Array; linf: Float32Array } {
  const [l2, linf] = tf.tidy(() => {
    const d = tf.sub(adversarial, clean);
    return [tf.sqrt(tf.sum(tf.square(d), [1, 2, 3])), tf.max(tf.abs(d), [1, 2, 3])];
  });
  const out = { l2: new Float32Array(l2.dataSync()), linf: new Float32Array(linf.dataSync()) };
  tf.dispose([l2, linf]);
  return out;
}

/** Per image, `a` where `mask` (bool `[N]`) holds, else `b` (both `[N, H, W, C]`), exactly. On wasm one
 * copy per image (`FreqlensSelectImages`); elsewhere the mask is expanded to the full shape by a
 * broadcasting multiply: tfjs' broadcasting `where` tiles it with a generic per-element kernel (~5 ms for
 * 32 CIFAR images on wasm, a tenth of a PGD step). */
export function selectImages(mask: tf.Tensor, a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D {
  if (a.dtype === b.dtype && tf.getKernel(SELECT_IMAGES, tf.getBackend()) !== undefined) {
    return tf.engine().runKernel(SELECT_IMAGES, { mask, a, b }) as tf.Tensor4D;
  }
  return tf.tidy(() => {
    const perImage = tf.reshape(tf.cast(mask, "float32"), [mask.shape[0], 1, 1, 1]);
    return tf.where(tf.greater(tf.mul(perImage, tf.onesLike(a)), 0), a, b) as tf.Tensor4D;
  });
}

/** Best-so-far state per image; `better` is where a candidate beats it. */
interface Best {
  x: tf.Tensor4D;
  success: tf.Tensor1D;
  objective: tf.Tensor1D;
}

/** Replaces `best` by `cand` where `cand` ranks higher (success first, then objective); disposes the old. */
function keepBetter(best: Best | null, cand: Best): Best {
  if (!best) {
    return { x: tf.clone(cand.x), success: tf.clone(cand.success), objective: tf.clone(cand.objective) };
  }
  const next = tf.tidy(() => {
    const better = tf.logicalOr(
      tf.greater(cand.success, best.success),
      tf.logicalAnd(tf.equal(cand.success, best.success), tf.greater(cand.objective, best.objective)),
    );
    return {
      x: selectImages(better, cand.x, best.x),
      success: tf.where(better, cand.success, best.success) as tf.Tensor1D,
      objective: tf.where(better, cand.objective, best.objective) as tf.Tensor1D,
    };
  });
  tf.dispose([best.x, best.success, best.objective]);
  return next;
}

/** Objective, success and gradient of the objective at `x` in one forward + backward pass. */
function evaluate(
  model: ImageClassifier,
  x: tf.Tensor4D,
  labels: tf.Tensor1D,
  targets: tf.Tensor1D | undefined,
  withGrad: boolean,
): { objective: tf.Tensor1D; success: tf.Tensor1D; grad?: tf.Tensor4D } {
  if (!withGrad) {
    return tf.tidy(() => {
      const logits = model.logits(x);
      return { objective: objectiveOf(logits, labels, targets), success: successOf(logits, labels, targets) };
    });
  }
  // A vector-valued objective: the gradient of the sum, which is per image the gradient of that image's
  // own objective (images do not interact in eval-mode models).
  const { logits, value, grad } = objectiveGradient(model, x, (l) => objectiveOf(l, labels, targets));
  const success = successOf(logits, labels, targets);
  logits.dispose();
  return { objective: value as tf.Tensor1D, success, grad };
}

/**
 * Runs the iterative attack on clean images `x0` `[N, H, W, C]` in [0, 1] and returns the chosen iterate
 * per image (owned by the caller) with its success flag (0/1 per image).
 */
export function iterativeAttack(
  model: ImageClassifier,
  x0: tf.Tensor4D,
  labels: Int32Array,
  targets: Int32Array | undefined,
  options: LoopOptions,
): { adversarial: tf.Tensor4D; success: Uint8Array } {
  const { threat, steps, stepSize, restarts, randomStart, keepBest, seed, onIterate } = options;
  if (!Number.isInteger(steps) || steps < 0) throw new AttackError(`steps ${steps} must be an integer ≥ 0`);
  if (!Number.isInteger(restarts) || restarts < 1) throw new AttackError(`restarts ${restarts} must be ≥ 1`);
  if (!(stepSize >= 0)) throw new AttackError(`step size ${stepSize} must be ≥ 0`);
  const y = tf.tensor1d(labels, "int32");
  const t = targets ? tf.tensor1d(targets, "int32") : undefined;
  let overall: Best | null = null;
  for (let r = 0; r < restarts; r++) {
    let x = randomStart ? threat.randomStart(x0, seed + 7919 * r) : tf.clone(x0);
    let best: Best | null = null;
    for (let s = 0; s < steps; s++) {
      onIterate?.(x, r, s);
      const { objective, success, grad } = evaluate(model, x, y, t, true);
      if (keepBest) best = keepBetter(best, { x, success, objective });
      const next = tf.tidy(() => threat.project(threat.step(x, grad!, stepSize), x0));
      tf.dispose([x, objective, success, grad!]);
      x = next;
    }
    onIterate?.(x, r, steps);
    const last = evaluate(model, x, y, t, false);
    const cand = keepBest ? keepBetter(best, { x, success: last.success, objective: last.objective }) : null;
    const runResult: Best = cand ?? { x, success: last.success, objective: last.objective };
    overall = keepBetter(overall, runResult);
    tf.dispose([x, last.success, last.objective]);
    if (cand) tf.dispose([cand.x, cand.success, cand.objective]);
  }
  const success = new Uint8Array(overall!.success.dataSync());
  tf.dispose([y, overall!.success, overall!.objective]);
  if (t) t.dispose();
  return { adversarial: overall!.x, success };
}

/** Assembles an {@link AttackResult}: computes the norms of `adversarial − clean`; queries default to 0. */
export function attackResult(
  clean: tf.Tensor4D,
  adversarial: tf.Tensor4D,
  success: Uint8Array,
  queries?: Int32Array,
): AttackResult {
  const { l2, linf } = perturbationNorms(clean, adversarial);
  return { adversarial, success, l2, linf, queries: queries ?? new Int32Array(success.length) };
}
