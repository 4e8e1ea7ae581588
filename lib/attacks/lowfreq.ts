/**
 * Low-frequency PGD (after Sharma, Ding & Brubaker 2019, "On the Effectiveness of Low Frequency
 * Perturbations"): l∞ PGD whose perturbation is projected, at every step, onto the lowest K diagonal DCT
 * bands (i + j < K) before the l∞ and [0, 1] clips. Contrast with unconstrained PGD to see how much
 * of a model's vulnerability lives in low frequencies. The final clips keep the output inside the ball
 * and [0, 1]; where they bind they can put a little energy back above band K.
 */
import * as tf from "@tensorflow/tfjs-core";
import { z } from "zod";
import { lowBandProjectTensor, numBands } from "../dct/mod.ts";
import type { Attack } from "./types.ts";
import { AttackError, checkRequest } from "./types.ts";
import { attackResult, iterativeAttack } from "./loop.ts";
import { linfThreat, type ThreatModel } from "./threat.ts";

/** The l∞ ball restricted to perturbations in the K lowest DCT bands (see the module doc). */
export function lowFrequencyThreat(eps: number, bands: number): ThreatModel {
  const linf = linfThreat(eps);
  if (!Number.isInteger(bands) || bands < 1) {
    throw new AttackError(`lowfreq threat model: bands ${bands} must be ≥ 1`);
  }
  const project = (x: tf.Tensor4D, x0: tf.Tensor4D) =>
    tf.tidy(() => linf.project(tf.add(x0, lowBandProjectTensor(tf.sub(x, x0) as tf.Tensor4D, bands)), x0));
  return {
    name: `lowfreq-linf`,
    eps,
    randomStart: (x0, seed) => tf.tidy(() => project(linf.randomStart(x0, seed), x0)),
    step: linf.step,
    project,
  };
}

/** Low-frequency PGD params: PGD's (l∞ only) plus the number K of lowest bands kept. */
export const lowFrequencyPgdParams = z.strictObject({
  eps: z.number().min(0).default(0.15),
  /** K: the perturbation lives in DCT bands i + j < K. */
  bands: z.number().int().min(1).default(8),
  steps: z.number().int().min(1).default(10),
  stepSize: z.number().positive().optional(),
  restarts: z.number().int().min(1).default(1),
  randomStart: z.boolean().default(true),
  keepBest: z.boolean().default(true),
});
export type LowFrequencyPgdParams = z.infer<typeof lowFrequencyPgdParams>;

/** PGD l∞ confined to the K lowest DCT bands. */
export const lowFrequencyPgd: Attack<LowFrequencyPgdParams> = {
  name: "lfpgd",
  description:
    "low-frequency PGD: l∞ PGD projected onto the K lowest DCT bands at each step (Sharma et al. 2019)",
  whiteBox: true,
  targeted: true,
  params: lowFrequencyPgdParams,
  run(request, params) {
    checkRequest(request, "lfpgd", true);
    const { model, images, labels, targets, seed } = request;
    const [, h, w] = images.shape;
    if (params.bands > numBands(h, w)) {
      throw new AttackError(
        `lfpgd: bands ${params.bands} exceeds the ${numBands(h, w)} bands of ${h}×${w} images`,
      );
    }
    const { adversarial, success } = iterativeAttack(model, images, labels, targets, {
      threat: lowFrequencyThreat(params.eps, params.bands),
      steps: params.steps,
      stepSize: params.stepSize ?? (2.5 * params.eps) / params.steps,
      restarts: params.restarts,
      randomStart: params.randomStart,
      keepBest: params.keepBest,
      seed,
    });
    return Promise.resolve(attackResult(images, adversarial, success));
  },
};
