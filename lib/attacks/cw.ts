/**
 * Carlini–Wagner l2 (Carlini & Wagner 2017, "Towards Evaluating the Robustness of Neural Networks"):
 * minimise ‖x′ − x‖₂² + c·f(x′) over x′ = (tanh(w) + 1)/2 = σ(2w) (so x′ stays in [0, 1]) with Adam, where
 * f = max(Z_y − max_{j≠y} Z_j + κ, 0) (untargeted) or max(max_{j≠t} Z_j − Z_t + κ, 0) (targeted) on the
 * logits Z, and a per-image binary search over c. Follows the authors' `l2_attack.py`: Adam state and w
 * reset at each binary step, the iterate's pre-update value tracked, early abort when the total loss has
 * not fallen by 0.01 % over a tenth of the iterations, and the search bounds 0 and 1e10 (c ×10 until the
 * first success). Images with no successful iterate are returned unchanged.
 */
import * as tf from "@tensorflow/tfjs-core";
// tfjs-core registers no gradient functions itself; the tfjs-layers bundle registers all of them.
import "@tensorflow/tfjs-layers";
import { z } from "zod";
import type { Attack, AttackRequest } from "./types.ts";
import { checkRequest } from "./types.ts";
import { attackResult, selectImages, successOf } from "./loop.ts";

/** CW l2 params; defaults are Carlini & Wagner's. */
export const cwParams = z.strictObject({
  /** κ: required logit margin of a success. */
  confidence: z.number().min(0).default(0),
  /** Adam learning rate. */
  learningRate: z.number().positive().default(0.01),
  binarySteps: z.number().int().min(1).default(9),
  maxIterations: z.number().int().min(1).default(10000),
  initialConst: z.number().positive().default(1e-3),
  abortEarly: z.boolean().default(true),
});
export type CwParams = z.infer<typeof cwParams>;

const UPPER = 1e10;

/** Logit margin loss f per image (see module doc), `[N]`. */
function marginLoss(logits: tf.Tensor2D, cls: tf.Tensor1D, targeted: boolean, kappa: number): tf.Tensor1D {
  return tf.tidy(() => {
    const onehot = tf.oneHot(cls, logits.shape[1]);
    const real = tf.sum(tf.mul(onehot, logits), 1);
    const other = tf.max(tf.sub(tf.mul(tf.sub(1, onehot), logits), tf.mul(onehot, 1e4)), 1);
    const diff = targeted ? tf.sub(other, real) : tf.sub(real, other);
    return tf.relu(tf.add(diff, kappa)) as tf.Tensor1D;
  });
}

/** Success with margin κ, as the authors' `compare`: Z_y += κ (untargeted) or Z_t −= κ (targeted). */
function successWithMargin(
  logits: tf.Tensor2D,
  cls: tf.Tensor1D,
  targeted: boolean,
  kappa: number,
): tf.Tensor1D {
  return tf.tidy(() => {
    const shift = tf.mul(tf.oneHot(cls, logits.shape[1]), targeted ? -kappa : kappa);
    const pred = tf.argMax(tf.add(logits, shift), 1);
    return tf.cast(targeted ? tf.equal(pred, cls) : tf.notEqual(pred, cls), "bool") as tf.Tensor1D;
  });
}

/** Runs CW l2 on one batch; returns per image the smallest-l2 successful iterate, or the clean image. */
function carliniWagnerL2(request: AttackRequest, params: CwParams): tf.Tensor4D {
  const { model, images: x0, labels, targets } = request;
  const { confidence: kappa, learningRate, binarySteps, maxIterations, initialConst, abortEarly } = params;
  const n = x0.shape[0];
  const targeted = targets !== undefined;
  const cls = tf.tensor1d(targets ?? labels, "int32");
  // Tanh-space image of x0; the factor keeps atanh finite at exactly 0 and 1.
  const w0 = tf.tidy(() => tf.atanh(tf.mul(tf.sub(tf.mul(x0, 2), 1), 0.999999)));
  const lower = new Float64Array(n);
  const upper = new Float64Array(n).fill(UPPER);
  const c = new Float64Array(n).fill(initialConst);
  let outL2 = tf.fill([n], Infinity) as tf.Tensor1D;
  let outX = tf.clone(x0);
  const abortEvery = Math.max(1, Math.floor(maxIterations / 10));
  const w = tf.tidy(() => tf.variable(tf.zerosLike(x0), true, undefined, "float32"));
  for (let step = 0; step < binarySteps; step++) {
    if (binarySteps >= 10 && step === binarySteps - 1) c.set(upper);
    const cT = tf.tensor1d(Float32Array.from(c));
    tf.tidy(() => w.assign(tf.zerosLike(x0)));
    const optimizer = tf.train.adam(learningRate, 0.9, 0.999, 1e-8);
    let stepL2 = tf.fill([n], Infinity) as tf.Tensor1D;
    let prev = Infinity;
    for (let it = 0; it < maxIterations; it++) {
      let xNow: tf.Tensor4D | undefined;
      let l2Now: tf.Tensor1D | undefined;
      let logitsNow: tf.Tensor2D | undefined;
      const loss = optimizer.minimize(
        () => {
          // (tanh(u) + 1)/2 = σ(2u): one fused pass (tfjs-backend-wasm's Tanh is a scalar loop, its
          // Sigmoid vectorised: 0.13 against 1.46 ms for 32 CIFAR images), and no cancellation near 0.
          const x = tf.sigmoid(tf.mul(tf.add(w, w0), 2)) as tf.Tensor4D;
          const l2sq = tf.sum(tf.square(tf.sub(x, x0)), [1, 2, 3]) as tf.Tensor1D;
          const logits = model.logits(x);
          xNow = tf.keep(x);
          l2Now = tf.keep(l2sq);
          logitsNow = tf.keep(logits);
          return tf.add(
            tf.sum(l2sq),
            tf.sum(tf.mul(cT, marginLoss(logits, cls, targeted, kappa))),
          ) as tf.Scalar;
        },
        true,
        [w],
      )!;
      if (abortEarly && it % abortEvery === 0) {
        const l = loss.dataSync()[0];
        if (l > prev * 0.9999) {
          tf.dispose([loss, xNow!, l2Now!, logitsNow!]);
          break;
        }
        prev = l;
      }
      const next = tf.tidy(() => {
        const ok = successWithMargin(logitsNow!, cls, targeted, kappa);
        const inStep = tf.logicalAnd(ok, tf.less(l2Now!, stepL2));
        const inAll = tf.logicalAnd(ok, tf.less(l2Now!, outL2));
        return {
          stepL2: tf.where(inStep, l2Now!, stepL2) as tf.Tensor1D,
          outL2: tf.where(inAll, l2Now!, outL2) as tf.Tensor1D,
          outX: selectImages(inAll, xNow!, outX),
        };
      });
      tf.dispose([loss, xNow!, l2Now!, logitsNow!, stepL2, outL2, outX]);
      ({ stepL2, outL2, outX } = next);
    }
    const found = stepL2.dataSync();
    for (let i = 0; i < n; i++) {
      if (found[i] < Infinity) {
        upper[i] = Math.min(upper[i], c[i]);
        if (upper[i] < 1e9) c[i] = (lower[i] + upper[i]) / 2;
      } else {
        lower[i] = Math.max(lower[i], c[i]);
        c[i] = upper[i] < 1e9 ? (lower[i] + upper[i]) / 2 : c[i] * 10;
      }
    }
    tf.dispose([cT, stepL2]);
    optimizer.dispose();
  }
  tf.dispose([w, w0, cls, outL2]);
  return outX;
}

/** Carlini–Wagner l2 attack. */
export const cw: Attack<CwParams> = {
  name: "cw",
  description: "Carlini–Wagner l2: tanh-space Adam with binary search over c (Carlini & Wagner 2017)",
  whiteBox: true,
  targeted: true,
  params: cwParams,
  run(request, params) {
    checkRequest(request, "cw", true);
    const adversarial = carliniWagnerL2(request, params);
    const success = tf.tidy(() => {
      const y = tf.tensor1d(request.targets ?? request.labels, "int32");
      const logits = request.model.logits(adversarial);
      return request.targets ? successOf(logits, y, y) : successOf(logits, y);
    });
    const flags = new Uint8Array(success.dataSync());
    success.dispose();
    return Promise.resolve(attackResult(request.images, adversarial, flags));
  },
};
