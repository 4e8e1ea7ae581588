/**
 * FGSM (Goodfellow et al. 2015): one l∞ step of size ε along the sign of the loss gradient,
 * `x′ = clip₀¹(x + ε·sign(∇ₓ CE(f(x), y)))`; targeted: `x − ε·sign(∇ₓ CE(f(x), t))`.
 */
import { z } from "zod";
import type { Attack } from "./types.ts";
import { checkRequest } from "./types.ts";
import { attackResult, iterativeAttack } from "./loop.ts";
import { linfThreat } from "./threat.ts";

/** FGSM params: the l∞ radius (paper setting 0.15). */
export const fgsmParams = z.strictObject({
  eps: z.number().min(0).max(1).default(0.15),
});
export type FgsmParams = z.infer<typeof fgsmParams>;

/** Fast gradient sign method, l∞. */
export const fgsm: Attack<FgsmParams> = {
  name: "fgsm",
  description: "FGSM, one l∞ gradient-sign step (Goodfellow et al. 2015)",
  whiteBox: true,
  targeted: true,
  params: fgsmParams,
  run(request, params) {
    checkRequest(request, "fgsm", true);
    const { model, images, labels, targets, seed } = request;
    const { adversarial, success } = iterativeAttack(model, images, labels, targets, {
      threat: linfThreat(params.eps),
      steps: 1,
      stepSize: params.eps,
      restarts: 1,
      randomStart: false,
      keepBest: false,
      seed,
    });
    return Promise.resolve(attackResult(images, adversarial, success));
  },
};
