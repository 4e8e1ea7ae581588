/**
 * `attack`: adversarial examples of the first `limit` test images against a model, with any method of
 * lib/attacks (`fgsm`, `pgd`, `cw`, `simba`, `lfpgd`), every param sweepable.
 *
 * Inputs: `model` (a `train` or `import` stage), `data` (a `data` stage), read with lib/stages'
 * `readModelAndImages`. Params: `method`; `limit` (number of test images, default 200, the paper's
 * setting; the first `limit` test images, so every attack of a config sees the same images; null: all);
 * `batch_size` (images attacked together; each batch's random start is seeded by its first image); `seed` (default: the stage's
 * seed); `target` (`none` untargeted, `next` class y + 1 mod K, `random` a seeded class ≠ y); and the
 * method's own params in snake_case (`eps`, `norm`, `steps`, `step_size`, `restarts`, `random_start`,
 * `keep_best`, `bands`, `confidence`, `learning_rate`, `binary_steps`, `max_iterations`,
 * `initial_const`, `abort_early`, `basis`, `max_queries`, `order`, `freq_dims`, `stride`). The schema is
 * built from lib/attacks' registry, one entry per method with its own params, bounds and defaults, so a
 * param that does not belong to the method (or is out of its bounds) is a config error before anything
 * runs.
 *
 * Writes (lib/stages/attack.ts: `writeAttack`, read back by `readAttack` / `readAttackSummary`; N = number
 * of attacked images, all .npy C order):
 * - `adv_x.npy` float32 [N,H,W,C] in [0,1]: the adversarial images;
 * - `indices.npy` int32 [N]: their indices into the data stage's test set;
 * - `success.npy` uint8 [N]; `l2.npy`, `linf.npy` float32 [N]: perturbation norms;
 * - `queries.npy` int32 [N] (0 for white-box methods); `clean_pred.npy`, `adv_pred.npy` int32 [N];
 * - `targets.npy` int32 [N] when targeted;
 * - `summary.json`: method, resolved params, counts, clean and adversarial accuracy, success rate (all
 *   images, and among correctly classified ones), median/mean l2 and l∞ (successful images), mean
 *   queries, seconds and images/s of the attack.
 */
import * as tf from "@tensorflow/tfjs-core";
import { z } from "zod";
import { defineTask } from "../pipeline/task.ts";
import type { ImageClassifier } from "../lib/models/mod.ts";
import {
  type AttackSummary,
  MODEL_AND_DATA_INPUTS,
  readModelAndImages,
  writeAttack,
} from "../lib/stages/mod.ts";
import {
  attackByName,
  attackConfigSchema,
  AttackError,
  type AttackName,
  attackParamsFromConfig,
} from "../lib/attacks/mod.ts";
import { deriveSeed, quantileSorted, Rng } from "../lib/stats/mod.ts";

type Params = {
  method: AttackName;
  limit: number | null;
  batch_size: number;
  seed?: number;
  target: "none" | "next" | "random";
} & Record<string, unknown>;

/** The task's own fields plus, per method, that method's params with its bounds (lib/attacks' registry). */
const params = attackConfigSchema({
  limit: z.number().int().min(1).nullable().default(200),
  batch_size: z.number().int().min(1).default(50),
  seed: z.number().int().optional(),
  target: z.enum(["none", "next", "random"]).default("none"),
}) as z.ZodType<Params>;

/**
 * The predicted class of each image of `x` (test images `first`, `first + 1`, …); throws naming the image
 * when its logits are not finite, so a NaN never turns into a prediction or an attack "success".
 */
function predictions(model: ImageClassifier, x: tf.Tensor4D, first: number, what: string): Int32Array {
  const logits = model.logits(x);
  const data = logits.dataSync();
  const [n, k] = logits.shape;
  logits.dispose();
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 0; j < k; j++) {
      const v = data[i * k + j];
      if (!Number.isFinite(v)) {
        throw new AttackError(
          `test image ${first + i} (${what}): logit ${j} of the model is ${v}; ` +
            `the model or the image holds non-finite numbers`,
        );
      }
      if (v > data[i * k + best]) best = j;
    }
    out[i] = best;
  }
  return out;
}

/** Throws naming the first image of `values` (per-image blocks of `per`, images `first`…) that is not finite. */
function checkFinite(values: ArrayLike<number>, per: number, first: number, what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new AttackError(`test image ${first + Math.floor(i / per)}: ${what} is ${values[i]}`);
    }
  }
}

function median(values: ArrayLike<number>): number | null {
  if (values.length === 0) return null;
  return quantileSorted(Float64Array.from(values).sort(), 0.5);
}

function mean(values: ArrayLike<number>): number | null {
  if (values.length === 0) return null;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}

export default defineTask({
  description: "Adversarial examples of the test images (FGSM, PGD, CW, SimBA, low-frequency PGD)",
  params,
  numeric: true,
  inputs: MODEL_AND_DATA_INPUTS,
  resources: { cpus: 4, mem: "8G", time: "12:00:00" }, // defaults for a SLURM job (pipeline/resources.ts)
  async run(ctx) {
    const p = ctx.params;
    const attack = attackByName(p.method);
    const resolved = attackParamsFromConfig(p.method, p);
    const seed = p.seed ?? ctx.seed;
    const { model, data, indices, images: testX, labels } = await readModelAndImages(ctx.inputs, {
      split: "test",
      limit: p.limit,
    });
    const [n, h, w, c] = testX.shape;
    const total = data.shape[0];
    const per = h * w * c;
    const k = model.numClasses;
    let targets: Int32Array | undefined;
    if (p.target !== "none") {
      if (!attack.targeted) throw new AttackError(`method ${p.method} does not support targets`);
      const rng = new Rng(deriveSeed(seed, "targets"));
      targets = Int32Array.from(
        labels,
        (y) => (p.target === "next" ? (y + 1) % k : (y + 1 + rng.int(k - 1)) % k),
      );
    }
    ctx.log(
      `${p.method} on ${n} of ${total} test images [${h},${w},${c}], params ${JSON.stringify(resolved)}`,
    );
    const adv = new Float32Array(n * per);
    const success = new Uint8Array(n);
    const l2 = new Float32Array(n);
    const linf = new Float32Array(n);
    const queries = new Int32Array(n);
    const cleanPred = new Int32Array(n);
    const advPred = new Int32Array(n);
    let seconds = 0;
    ctx.progress.start(`${p.method}`, n);
    for (let start = 0; start < n; start += p.batch_size) {
      const end = Math.min(n, start + p.batch_size);
      const images = tf.tensor4d(testX.data.subarray(start * per, end * per), [end - start, h, w, c]);
      cleanPred.set(predictions(model, images, start, "clean"), start);
      const t0 = performance.now();
      const res = await attack.run({
        model,
        images,
        labels: labels.subarray(start, end),
        targets: targets?.subarray(start, end),
        seed: deriveSeed(seed, "batch", start),
      }, resolved);
      const advData = res.adversarial.dataSync() as Float32Array;
      seconds += (performance.now() - t0) / 1000;
      checkFinite(advData, per, start, "a pixel of the adversarial image");
      checkFinite(res.l2, 1, start, "the l2 norm of the perturbation");
      adv.set(advData, start * per);
      success.set(res.success, start);
      l2.set(res.l2, start);
      linf.set(res.linf, start);
      queries.set(res.queries, start);
      advPred.set(predictions(model, res.adversarial, start, "adversarial"), start);
      tf.dispose([images, res.adversarial]);
      ctx.progress.update(end, { "img/s": ((end / seconds) || 0).toFixed(1) });
    }
    ctx.progress.finish();
    const ok = (i: number) => success[i] === 1;
    const succIdx = Array.from({ length: n }, (_, i) => i).filter(ok);
    const correct = Array.from({ length: n }, (_, i) => i).filter((i) => cleanPred[i] === labels[i]);
    const summary: AttackSummary = {
      method: p.method,
      params: resolved,
      target: p.target,
      seed,
      images: n,
      image_shape: [h, w, c],
      clean_accuracy: correct.length / n,
      adv_accuracy: advPred.reduce((a, v, i) => a + (v === labels[i] ? 1 : 0), 0) / n,
      success_rate: succIdx.length / n,
      success_rate_correct: correct.length ? correct.filter(ok).length / correct.length : null,
      successful: succIdx.length,
      l2: { median: median(succIdx.map((i) => l2[i])), mean: mean(succIdx.map((i) => l2[i])) },
      linf: { median: median(succIdx.map((i) => linf[i])), mean: mean(succIdx.map((i) => linf[i])) },
      l2_all: { median: median(l2), mean: mean(l2) },
      linf_all: { median: median(linf), mean: mean(linf) },
      queries: attack.whiteBox ? null : {
        mean: mean(queries),
        mean_successful: mean(succIdx.map((i) => queries[i])),
        median_successful: median(succIdx.map((i) => queries[i])),
      },
      seconds,
      images_per_s: n / seconds,
      backend: ctx.backend,
    };
    await writeAttack(ctx.outDir, {
      adversarial: { data: adv, shape: [n, h, w, c] },
      indices,
      success,
      l2,
      linf,
      queries,
      cleanPred,
      advPred,
      targets,
      summary,
    });
    ctx.log(
      `success ${(100 * summary.success_rate).toFixed(1)}%, adv accuracy ${
        (100 * summary.adv_accuracy).toFixed(1)
      }%, ` +
        `${summary.images_per_s.toFixed(2)} img/s`,
    );
  },
});
