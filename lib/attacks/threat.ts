/**
 * Threat models: the step rule, projection and random start of an iterative attack, separated from the
 * loop that runs them (as MadryLab's `robustness` library separates `AttackerStep`s from `Attacker`).
 *
 * A threat model bounds the perturbation `δ = x − x0` of each image of an NHWC batch in [0, 1]. Every
 * projection returns images inside [0, 1] and inside the ball; clipping to [0, 1] after the norm projection
 * only shrinks each |δᵢ| (x0 is itself in [0, 1]), so it never leaves the ball.
 *
 * Exported for reuse by adversarial training (lib/training): `threatModel("linf", eps)` and the loop in
 * `loop.ts` are the whole of Madry PGD.
 */
import * as tf from "@tensorflow/tfjs-core";
import { AttackError } from "./types.ts";

/** A norm ball around the clean images with its ascent step, projection and random start. */
export interface ThreatModel {
  /** Name of the ball, e.g. `linf`, `l2`, `lowfreq-linf`. */
  readonly name: string;
  /** Radius of the ball. */
  readonly eps: number;
  /** A random point of the ball around `x0` (clipped to [0, 1]); same seed, same values. */
  randomStart(x0: tf.Tensor4D, seed: number): tf.Tensor4D;
  /** One ascent step from `x` along the steepest direction of `grad` for this norm (not yet projected). */
  step(x: tf.Tensor4D, grad: tf.Tensor4D, stepSize: number): tf.Tensor4D;
  /** Projects `x` onto the ball around `x0` intersected with [0, 1]. */
  project(x: tf.Tensor4D, x0: tf.Tensor4D): tf.Tensor4D;
}

function checkEps(name: string, eps: number): void {
  if (!(eps >= 0) || !Number.isFinite(eps)) {
    throw new AttackError(`${name} threat model: eps ${eps} must be ≥ 0`);
  }
}

/** Per-image l2 norm of a batch `[N, H, W, C]`, as `[N, 1, 1, 1]` for broadcasting. */
export function imageNorms(t: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.sqrt(tf.sum(tf.square(t), [1, 2, 3], true)) as tf.Tensor4D);
}

/**
 * The l∞ ball: step `x + α·sign(g)`, projection clips δ to [−ε, ε] then x to [0, 1], random start uniform
 * in the cube (Madry et al. 2018).
 */
export function linfThreat(eps: number): ThreatModel {
  checkEps("linf", eps);
  return {
    name: "linf",
    eps,
    randomStart: (x0, seed) =>
      tf.tidy(() => tf.clipByValue(tf.add(x0, tf.randomUniform(x0.shape, -eps, eps, "float32", seed)), 0, 1)),
    step: (x, grad, stepSize) => tf.tidy(() => tf.add(x, tf.mul(tf.sign(grad), stepSize))),
    project: (x, x0) =>
      tf.tidy(() => {
        const delta = tf.clipByValue(tf.sub(x, x0), -eps, eps);
        return tf.clipByValue(tf.add(x0, delta), 0, 1);
      }),
  };
}

/**
 * The l2 ball: step `x + α·g/‖g‖₂` per image, projection rescales δ to norm ≤ ε then clips to [0, 1],
 * random start on the sphere of radius ε (as `robustness`' L2Step).
 */
export function l2Threat(eps: number): ThreatModel {
  checkEps("l2", eps);
  return {
    name: "l2",
    eps,
    randomStart: (x0, seed) =>
      tf.tidy(() => {
        const r = tf.randomNormal(x0.shape, 0, 1, "float32", seed) as tf.Tensor4D;
        const onSphere = tf.mul(tf.div(r, tf.add(imageNorms(r), 1e-12)), eps);
        return tf.clipByValue(tf.add(x0, onSphere), 0, 1);
      }),
    step: (x, grad, stepSize) =>
      tf.tidy(() => tf.add(x, tf.mul(tf.div(grad, tf.add(imageNorms(grad), 1e-12)), stepSize))),
    project: (x, x0) =>
      tf.tidy(() => {
        const delta = tf.sub(x, x0) as tf.Tensor4D;
        const norms = imageNorms(delta);
        // Scale factor min(1, ε/‖δ‖); the 1e-12 guards δ = 0.
        const scale = tf.minimum(1, tf.div(eps, tf.add(norms, 1e-12)));
        return tf.clipByValue(tf.add(x0, tf.mul(delta, scale)), 0, 1);
      }),
  };
}

/** The threat model of a norm name: `linf` or `l2`. */
export function threatModel(norm: "linf" | "l2", eps: number): ThreatModel {
  return norm === "linf" ? linfThreat(eps) : l2Threat(eps);
}
