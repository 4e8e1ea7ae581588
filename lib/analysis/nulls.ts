/**
 * Null models of a perturbation δ = x′ − x, on the same clean images, for testing "the attack lives in
 * the high frequencies" against what any perturbation of the same size would show:
 *
 * - {@link equalNormNoise}: x + g·‖δ‖₂/‖g‖₂ with g i.i.d. Gaussian (white: equal expected energy in every
 *   DCT coefficient), each image at its own perturbation's l2 norm. Clipped to [0, 1] by default, like the
 *   attacks' own images (which are valid images): clipping removes the parts of g that leave the pixel
 *   range, so the realised norm is at most the requested one; {@link NoisePairs.realised} records it.
 * - {@link shuffledPerturbation}: x + π(δ), π a random permutation of the H·W pixel positions of each
 *   image (a pixel's channels move together): the same values (the same l2, l1 and per-channel sums, so
 *   the same DC change) with the spatial structure, and therefore the frequency content, destroyed.
 *   Never clipped, so that it keeps exactly the perturbation's values.
 * - {@link perturbationEnergyRows}: the perturbation's own DCT energy |DCT(δ)|² per image and band, whose
 *   shares say where δ itself sits, without dividing by the image's spectrum.
 */
import { bandEnergy, type BandKind, dct2 } from "../dct/mod.ts";
import { Rng } from "../stats/mod.ts";
import { type BandRows, type ImagePairs, RctError } from "./rct.ts";

/** {@link ImagePairs} of a noise null, with the l2 norm asked for and the one obtained per image. */
export interface NoisePairs extends ImagePairs {
  adversarial: Float32Array;
  /** ‖x′ − x‖₂ of the perturbation each noise image matches, `[N]`. */
  requested: Float64Array;
  /** ‖noise‖₂ after clipping, `[N]` (equal to `requested` without clipping, up to float32 rounding). */
  realised: Float64Array;
}

function l2(v: ArrayLike<number>, lo: number, hi: number, ref?: ArrayLike<number>): number {
  let s = 0;
  for (let i = lo; i < hi; i++) s += (v[i] - (ref ? ref[i] : 0)) ** 2;
  return Math.sqrt(s);
}

/**
 * Equal-norm Gaussian noise on each clean image (see the module doc). `seed` fixes the draws (image i's
 * noise is drawn i-th); `clip` (default true) clips the noisy image to [0, 1].
 */
export function equalNormNoise(
  pairs: ImagePairs,
  seed: number,
  options: { clip?: boolean } = {},
): NoisePairs {
  const clip = options.clip ?? true;
  const [n, h, w, c] = pairs.shape;
  const per = h * w * c;
  if (pairs.clean.length !== n * per || pairs.adversarial.length !== n * per) {
    throw new RctError(`noise null: images do not hold [${pairs.shape}] values`);
  }
  const rng = new Rng(seed);
  const out = new Float32Array(n * per);
  const requested = new Float64Array(n), realised = new Float64Array(n);
  for (let img = 0; img < n; img++) {
    const o = img * per;
    requested[img] = l2(pairs.adversarial, o, o + per, pairs.clean);
    const g = Float64Array.from({ length: per }, () => rng.normal());
    const scale = requested[img] / l2(g, 0, per);
    for (let p = 0; p < per; p++) {
      const v = pairs.clean[o + p] + g[p] * scale;
      out[o + p] = clip ? Math.min(1, Math.max(0, v)) : v;
    }
    realised[img] = l2(out, o, o + per, pairs.clean);
  }
  return { clean: pairs.clean, adversarial: out, shape: pairs.shape, requested, realised };
}

/** The perturbation with its pixel positions shuffled per image (see the module doc); seeded. */
export function shuffledPerturbation(
  pairs: ImagePairs,
  seed: number,
): ImagePairs & { adversarial: Float32Array } {
  const [n, h, w, c] = pairs.shape;
  const per = h * w * c;
  if (pairs.clean.length !== n * per || pairs.adversarial.length !== n * per) {
    throw new RctError(`shuffle null: images do not hold [${pairs.shape}] values`);
  }
  const rng = new Rng(seed);
  const out = new Float32Array(n * per);
  for (let img = 0; img < n; img++) {
    const o = img * per;
    const perm = rng.permutation(h * w);
    for (let p = 0; p < h * w; p++) {
      for (let ch = 0; ch < c; ch++) {
        const src = o + perm[p] * c + ch, dst = o + p * c + ch;
        out[dst] = pairs.clean[dst] + (pairs.adversarial[src] - pairs.clean[src]);
      }
    }
  }
  return { clean: pairs.clean, adversarial: out, shape: pairs.shape };
}

/**
 * DCT energy of each perturbation per band: `sums[n, b] = Σ_{(i,j) in b, c} DCT(x′ − x)²` (counts 1, so
 * the pooled profile is the mean energy per band over images and its shares are energy shares).
 */
export function perturbationEnergyRows(pairs: ImagePairs, kind: BandKind = "diagonal"): BandRows {
  const [n] = pairs.shape;
  const delta = Float64Array.from(pairs.adversarial, (v, i) => v - pairs.clean[i]);
  const sums = bandEnergy(dct2(delta, pairs.shape), pairs.shape, { kind });
  return { n, bands: sums.length / n, sums, counts: new Float64Array(sums.length).fill(1) };
}
