/**
 * Adversarial examples for adversarial training, built from lib/attacks' threat models and shared loop:
 * - `pgd`: Madry et al. 2018 PGD-k — random start in the ε-ball, k steps of size α (default 2.5·ε/k), l∞
 *   or l2;
 * - `fgsm-rs`: "fast adversarial training" (Wong et al. 2020) — uniform random start in the ε-ball, one
 *   signed-gradient step of α = 1.25·ε (l2: normalised-gradient step), projected.
 * The attacked model runs in inference mode (batch norm with moving statistics, no statistic updates), so
 * crafting examples never changes the model.
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { ImageClassifier } from "../models/classifier.ts";
import { iterativeAttack, threatModel } from "../attacks/mod.ts";

/** How training batches are perturbed. */
export interface AdversarialSpec {
  method: "none" | "pgd" | "fgsm-rs";
  norm: "linf" | "l2";
  /** Radius of the ball in [0, 1] pixel units (l∞) or l2 norm. */
  eps: number;
  /** PGD steps k (ignored by fgsm-rs, which takes one). */
  steps: number;
  /** Step size α; default 2.5·ε/k for pgd, 1.25·ε for fgsm-rs. */
  stepSize?: number;
}

/** An adversarial spec with out-of-range values; names the value. */
export class AdversarialSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AdversarialSpecError";
  }
}

/** The step size a spec uses (see {@link AdversarialSpec.stepSize}). */
export function adversarialStepSize(spec: AdversarialSpec): number {
  if (spec.stepSize != null) return spec.stepSize;
  return spec.method === "fgsm-rs" ? 1.25 * spec.eps : (2.5 * spec.eps) / spec.steps;
}

/** Validates a spec; throws an {@link AdversarialSpecError} naming the bad value. */
export function checkAdversarialSpec(spec: AdversarialSpec): void {
  if (spec.method === "none") return;
  if (!(spec.eps > 0)) {
    throw new AdversarialSpecError(`adversarial ${spec.method}: eps ${spec.eps} must be > 0`);
  }
  if (spec.method === "pgd" && (!Number.isInteger(spec.steps) || spec.steps < 1)) {
    throw new AdversarialSpecError(`adversarial pgd: steps ${spec.steps} must be a positive integer`);
  }
  if (spec.stepSize != null && !(spec.stepSize > 0)) {
    throw new AdversarialSpecError(`adversarial ${spec.method}: stepSize ${spec.stepSize} must be > 0`);
  }
}

/**
 * Perturbs the clean batch `x0` `[N, H, W, C]` in [0, 1] with labels `labels` as `spec` says and returns
 * the new batch (owned by the caller; a clone of `x0` for method `none`). Same seed, same backend → same
 * bytes.
 */
export function perturbBatch(
  classifier: ImageClassifier,
  x0: tf.Tensor4D,
  labels: Int32Array,
  spec: AdversarialSpec,
  seed: number,
): tf.Tensor4D {
  checkAdversarialSpec(spec);
  if (spec.method === "none") return x0.clone();
  const { adversarial } = iterativeAttack(classifier, x0, labels, undefined, {
    threat: threatModel(spec.norm, spec.eps),
    steps: spec.method === "fgsm-rs" ? 1 : spec.steps,
    stepSize: adversarialStepSize(spec),
    restarts: 1,
    randomStart: true,
    keepBest: false,
    seed,
  });
  return adversarial;
}
