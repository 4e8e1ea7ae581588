/**
 * PGD (Madry et al. 2018): projected gradient ascent of the cross-entropy inside an l∞ or l2 ball, with a
 * random start, several restarts and each image's best iterate kept. The step size defaults to
 * 2.5·ε/steps (Madry et al.'s rule, so the iterates can cross the ball).
 */
import { z } from "zod";
import type { Attack } from "./types.ts";
import { checkRequest } from "./types.ts";
import { attackResult, iterativeAttack } from "./loop.ts";
import { threatModel } from "./threat.ts";

/** PGD params; defaults are the paper setting (l∞, ε 0.15) with 10 steps. */
export const pgdParams = z.strictObject({
  norm: z.enum(["linf", "l2"]).default("linf"),
  eps: z.number().min(0).default(0.15),
  steps: z.number().int().min(1).default(10),
  /** Step size α; default 2.5·eps/steps. */
  stepSize: z.number().positive().optional(),
  restarts: z.number().int().min(1).default(1),
  randomStart: z.boolean().default(true),
  keepBest: z.boolean().default(true),
});
export type PgdParams = z.infer<typeof pgdParams>;

/** The step size PGD uses: `stepSize` when given, else 2.5·eps/steps. */
export function pgdStepSize(params: PgdParams): number {
  return params.stepSize ?? (2.5 * params.eps) / params.steps;
}

/** Projected gradient descent, l∞ or l2. */
export const pgd: Attack<PgdParams> = {
  name: "pgd",
  description:
    "PGD, projected gradient ascent in an l∞ or l2 ball with random start and restarts (Madry et al. 2018)",
  whiteBox: true,
  targeted: true,
  params: pgdParams,
  run(request, params) {
    checkRequest(request, "pgd", true);
    const { model, images, labels, targets, seed } = request;
    const { adversarial, success } = iterativeAttack(model, images, labels, targets, {
      threat: threatModel(params.norm, params.eps),
      steps: params.steps,
      stepSize: pgdStepSize(params),
      restarts: params.restarts,
      randomStart: params.randomStart,
      keepBest: params.keepBest,
      seed,
    });
    return Promise.resolve(attackResult(images, adversarial, success));
  },
};
