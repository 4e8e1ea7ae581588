/**
 * SimBA (Guo et al. 2019, "Simple Black-box Adversarial Attacks"): a query-only attack that walks along
 * one orthonormal basis direction q at a time, trying x − εq then x + εq and keeping the first that lowers
 * the model's probability of the true class (targeted: raises the target's). Basis: pixels, or the 2-D DCT
 * (SimBA-DCT: q = inverse DCT of one coefficient, low frequencies first with `freqDims`/`strided`).
 *
 * As the authors' `simba_batch`: the accumulated perturbation u is kept in pixel space, the l∞ bound is
 * applied after the inverse DCT (`δ = clip(u, −eps, eps)`), then `x′ = clip₀¹(x + δ)`; all images of a
 * batch walk the same coordinate order. Unlike it, only images still being attacked are queried, so query
 * counts are exact per image: 1 query of the clean image, then per direction 1 query (x − εq improved) or
 * 2 (it did not), until success, the budget `maxQueries`, or the end of the order.
 */
import * as tf from "@tensorflow/tfjs-core";
import { z } from "zod";
import { dctMatrix } from "../dct/mod.ts";
import { Rng } from "../stats/mod.ts";
import type { ImageClassifier } from "../models/classifier.ts";
import type { Attack, AttackRequest } from "./types.ts";
import { AttackError, checkRequest } from "./types.ts";
import { attackResult } from "./loop.ts";

/** SimBA params; defaults are the paper's (step 0.2, l∞ bound 0.2, DCT basis). */
export const simbaParams = z.strictObject({
  basis: z.enum(["dct", "pixel"]).default("dct"),
  /** ε of Guo et al.: the length of each step along a basis direction. */
  stepSize: z.number().positive().default(0.2),
  /** l∞ bound on the perturbation, applied after the inverse DCT. */
  eps: z.number().positive().default(0.2),
  /** Per-image query budget (the clean image's query included). */
  maxQueries: z.number().int().min(1).default(10000),
  /** `random`: a random permutation of the coordinates (i, j < freqDims); `strided`: Guo et al.'s block
   * order, the freqDims × freqDims block first, then L-shaped rings of width `stride`, each shuffled. */
  order: z.enum(["random", "strided"]).default("random"),
  /** Side of the lowest-frequency block; default the whole image. */
  freqDims: z.number().int().min(1).optional(),
  stride: z.number().int().min(1).default(1),
});
export type SimbaParams = z.infer<typeof simbaParams>;

/**
 * The coordinate order of a SimBA run over an H×W×C grid: NHWC positions `(i·W + j)·C + c` of one image
 * (a DCT coefficient or a pixel), as Guo et al.'s `random` / `block_order` (`strided`).
 */
export function simbaOrder(
  shape: readonly [number, number, number],
  order: "random" | "strided",
  freqDims: number,
  stride: number,
  seed: number,
): Int32Array {
  const [h, w, c] = shape;
  const rng = new Rng(seed);
  // Ring of coordinate (i, j): 0 inside the freqDims block, then L-shaped rings of width `stride`.
  const ring = (i: number, j: number) => {
    const m = Math.max(i, j);
    return m < freqDims ? 0 : 1 + Math.floor((m - freqDims) / stride);
  };
  const rings: number[][] = [];
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      const r = ring(i, j);
      if (order === "random" && r > 0) continue;
      for (let ch = 0; ch < c; ch++) (rings[r] ??= []).push((i * w + j) * c + ch);
    }
  }
  return Int32Array.from(rings.flatMap((r) => (r ? Array.from(rng.shuffle(Int32Array.from(r))) : [])));
}

/**
 * The basis direction of coordinate `index` (see {@link simbaOrder}) as an image `[H·W·C]` NHWC: a one-hot
 * pixel, or the inverse orthonormal DCT of a one-hot coefficient (`q[h,w,c] = C_H[i,h]·C_W[j,w]`).
 */
export function simbaDirection(
  shape: readonly [number, number, number],
  basis: "dct" | "pixel",
  index: number,
) {
  const [h, w, c] = shape;
  const q = new Float64Array(h * w * c);
  if (basis === "pixel") {
    q[index] = 1;
    return q;
  }
  const ch = index % c;
  const j = Math.floor(index / c) % w;
  const i = Math.floor(index / c / w);
  const ch_ = dctMatrix(h);
  const cw_ = dctMatrix(w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) q[(y * w + x) * c + ch] = ch_[i * h + y] * cw_[j * w + x];
  }
  return q;
}

/** Observer of a SimBA run, for tests and logging. */
export interface SimbaHooks {
  /** After each direction: the current probability of each image's attacked class (true or target). */
  onIteration?(iteration: number, prob: Float64Array): void;
}

/** Softmax probability of class `cls[r]` and argmax of each row of logits `[m, k]`. */
function probsAndPreds(logits: Float32Array, m: number, k: number, cls: ArrayLike<number>) {
  const prob = new Float64Array(m);
  const pred = new Int32Array(m);
  for (let r = 0; r < m; r++) {
    let max = -Infinity;
    let arg = 0;
    for (let j = 0; j < k; j++) if (logits[r * k + j] > max) (max = logits[r * k + j]), (arg = j);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += Math.exp(logits[r * k + j] - max);
    prob[r] = Math.exp(logits[r * k + cls[r]] - max) / sum;
    pred[r] = arg;
  }
  return { prob, pred };
}

/** Queries the model on `m` images packed in `buf` (NHWC); returns its logits. */
function query(model: ImageClassifier, buf: Float32Array, m: number): Float32Array {
  const [h, w, c] = model.inputShape;
  const logits = tf.tidy(() => model.logits(tf.tensor4d(buf.subarray(0, m * h * w * c), [m, h, w, c])));
  const out = logits.dataSync() as Float32Array;
  logits.dispose();
  return out;
}

/** Runs SimBA on one batch (see the module doc); hooks observe it. */
export function simbaAttack(request: AttackRequest, params: SimbaParams, hooks: SimbaHooks = {}) {
  checkRequest(request, "simba", true);
  const { model, images, labels, targets, seed } = request;
  const [n, h, w, c] = images.shape;
  const d = h * w * c;
  const k = model.numClasses;
  const fd = params.freqDims ?? Math.max(h, w);
  if (fd > Math.max(h, w)) {
    throw new AttackError(`simba: freqDims ${fd} exceeds the image side ${Math.max(h, w)}`);
  }
  const { stepSize, eps, maxQueries, basis } = params;
  const targeted = targets !== undefined;
  const cls = targets ?? labels;
  const x = images.dataSync() as Float32Array;
  const cur = Float32Array.from(x); // current adversarial images
  const u = new Float64Array(n * d); // accumulated perturbation before the l∞ clip
  const queries = new Int32Array(n);
  const success = new Uint8Array(n);
  // Clean query.
  const first = probsAndPreds(query(model, cur, n), n, k, cls);
  const prob = first.prob;
  for (let i = 0; i < n; i++) {
    queries[i] = 1;
    success[i] = (targeted ? first.pred[i] === cls[i] : first.pred[i] !== cls[i]) ? 1 : 0;
  }
  const order = simbaOrder([h, w, c], params.order, fd, params.stride, seed);
  const buf = new Float32Array(n * d);
  const better = (p: number, than: number) => (targeted ? p > than : p < than);
  // Writes into buf row r the image i moved by s·ε·q on the support of q, from `cur`.
  const candidate = (r: number, i: number, q: Float64Array, support: Int32Array, s: number) => {
    buf.set(cur.subarray(i * d, (i + 1) * d), r * d);
    for (const p of support) {
      const delta = Math.min(eps, Math.max(-eps, u[i * d + p] + s * stepSize * q[p]));
      buf[r * d + p] = Math.min(1, Math.max(0, x[i * d + p] + delta));
    }
  };
  const accept = (r: number, i: number, q: Float64Array, support: Int32Array, s: number) => {
    for (const p of support) u[i * d + p] += s * stepSize * q[p];
    cur.set(buf.subarray(r * d, (r + 1) * d), i * d);
  };
  for (let t = 0; t < order.length; t++) {
    const active: number[] = [];
    for (let i = 0; i < n; i++) if (!success[i] && queries[i] < maxQueries) active.push(i);
    if (active.length === 0) break;
    const q = simbaDirection([h, w, c], basis, order[t]);
    const support = Int32Array.from(q.keys()).filter((p) => q[p] !== 0);
    // Try x − εq on every active image.
    active.forEach((i, r) => candidate(r, i, q, support, -1));
    const left = probsAndPreds(query(model, buf, active.length), active.length, k, active.map((i) => cls[i]));
    const retry: number[] = [];
    active.forEach((i, r) => {
      queries[i]++;
      if (better(left.prob[r], prob[i])) {
        accept(r, i, q, support, -1);
        prob[i] = left.prob[r];
        success[i] = (targeted ? left.pred[r] === cls[i] : left.pred[r] !== cls[i]) ? 1 : 0;
      } else if (queries[i] < maxQueries) retry.push(i);
    });
    // Then x + εq where that did not improve and budget is left.
    if (retry.length > 0) {
      retry.forEach((i, r) => candidate(r, i, q, support, 1));
      const right = probsAndPreds(query(model, buf, retry.length), retry.length, k, retry.map((i) => cls[i]));
      retry.forEach((i, r) => {
        queries[i]++;
        if (better(right.prob[r], prob[i])) {
          accept(r, i, q, support, 1);
          prob[i] = right.prob[r];
          success[i] = (targeted ? right.pred[r] === cls[i] : right.pred[r] !== cls[i]) ? 1 : 0;
        }
      });
    }
    hooks.onIteration?.(t, prob);
  }
  const adversarial = tf.tensor4d(cur, [n, h, w, c]);
  return attackResult(images, adversarial, success, queries);
}

/** SimBA, pixel or DCT basis (black-box). */
export const simba: Attack<SimbaParams> = {
  name: "simba",
  description: "SimBA, query-only coordinate search in the pixel or DCT basis (Guo et al. 2019)",
  whiteBox: false,
  targeted: true,
  params: simbaParams,
  run: (request, params) => Promise.resolve(simbaAttack(request, params)),
};
