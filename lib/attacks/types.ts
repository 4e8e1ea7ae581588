/**
 * The one interface every adversarial attack in freqlens implements.
 *
 * An attack takes an {@link ImageClassifier}, a batch of NHWC float32 images in [0, 1] with their labels,
 * and its params; it returns the adversarial batch with per-image success, perturbation norms and (for
 * black-box attacks) query counts. Attacks are untargeted unless `targets` is given.
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { z } from "zod";
import type { ImageClassifier } from "../models/classifier.ts";

/** What every attack receives besides its own params. */
export interface AttackRequest {
  /** The model under attack (white-box attacks differentiate it, black-box ones only query it). */
  model: ImageClassifier;
  /** Clean images `[N, H, W, C]` in [0, 1]; not disposed by the attack. */
  images: tf.Tensor4D;
  /** True class of each image, length N. */
  labels: Int32Array;
  /** Target class per image for a targeted attack; untargeted when absent. */
  targets?: Int32Array;
  /** Seed of every random choice (random starts, coordinate orders); same seed, same backend, same bytes. */
  seed: number;
}

/** What every attack returns for one batch of N images. */
export interface AttackResult {
  /** Adversarial images `[N, H, W, C]`, inside [0, 1] and inside the attack's norm ball; owned by the caller. */
  adversarial: tf.Tensor4D;
  /** 1 where the adversarial image is misclassified (untargeted) or classified as its target (targeted). */
  success: Uint8Array;
  /** l2 norm of `adversarial − images` per image. */
  l2: Float32Array;
  /** l∞ norm of `adversarial − images` per image. */
  linf: Float32Array;
  /** Model queries spent per image (black-box attacks); 0 for white-box attacks. */
  queries: Int32Array;
}

/** An attack method, as listed in the {@link attacks} table and looked up by name. */
export interface Attack<P = Record<string, unknown>> {
  /** Name in the table, e.g. `pgd`. */
  readonly name: string;
  /** One line on the method and its source. */
  readonly description: string;
  /** True when the attack needs gradients; false for query-only (black-box) attacks. */
  readonly whiteBox: boolean;
  /** True when the method supports `targets`. */
  readonly targeted: boolean;
  /** Schema of the params, with the method's defaults; unknown keys are rejected. */
  readonly params: z.ZodType<P>;
  /** Attacks one batch. Params must already be parsed by {@link Attack.params}. */
  run(request: AttackRequest, params: P): Promise<AttackResult>;
}

/** Invalid attack input or params: names the offending value. */
export class AttackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AttackError";
  }
}

/** Checks that labels (and targets) match the batch and the model; throws an {@link AttackError} if not. */
export function checkRequest(request: AttackRequest, attack: string, targeted: boolean): void {
  const { model, images, labels, targets } = request;
  const [n, h, w, c] = images.shape;
  const [mh, mw, mc] = model.inputShape;
  if (h !== mh || w !== mw || c !== mc) {
    throw new AttackError(
      `${attack}: images are [${images.shape}] but the model takes [N,${mh},${mw},${mc}]`,
    );
  }
  if (labels.length !== n) throw new AttackError(`${attack}: ${labels.length} labels for ${n} images`);
  for (const [name, arr] of [["label", labels], ["target", targets]] as const) {
    if (!arr) continue;
    if (arr.length !== n) throw new AttackError(`${attack}: ${arr.length} ${name}s for ${n} images`);
    const bad = arr.findIndex((v) => !Number.isInteger(v) || v < 0 || v >= model.numClasses);
    if (bad >= 0) {
      throw new AttackError(
        `${attack}: ${name} ${arr[bad]} at index ${bad} is not in [0, ${model.numClasses})`,
      );
    }
  }
  if (targets && !targeted) throw new AttackError(`${attack}: the method does not support targets`);
}
