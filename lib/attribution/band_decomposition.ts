/**
 * Band decomposition of images in the DCT domain: the pixel-space contribution of each band.
 *
 * With X = DCT(x) (orthonormal, per channel) and a baseline grid B, the image with band k replaced by the
 * baseline is `x̃_k = x − P_k`, where `P_k = IDCT(M_k ⊙ (X − B))` is band k's contribution of the
 * difference D = X − B. Since the IDCT is linear, `P_k[p, q, c] = Σ_{(i,j) ∈ k} D[i,j,c]·C_H[i,p]·C_W[j,q]`:
 * computing all bands of one image costs about H²W²/4 multiply-adds per channel (see
 * {@link bandContributions}) — one pass, instead of one full IDCT per occluded copy — and
 * Σ_k P_k = x − IDCT(B). Occlusion, cumulative ablation and band-pass
 * filtering are all sums of these contributions.
 */
import { type BandKind, bandMap, dct2, dctMatrix, numBands } from "../dct/mod.ts";
import type { ImageArray } from "./images.ts";

/** Grid and band map of `[H, W, C]` images. */
export interface BandLayout {
  h: number;
  w: number;
  c: number;
  kind: BandKind;
  bands: number;
  /** Band of each coefficient, row-major `[H·W]`. */
  map: Int32Array;
}

/** The {@link BandLayout} of `[h, w, c]` images under `kind` bands. */
export function bandLayout(
  shape: readonly [number, number, number],
  kind: BandKind = "diagonal",
): BandLayout {
  const [h, w, c] = shape;
  return { h, w, c, kind, bands: numBands(h, w, kind), map: bandMap(h, w, kind) };
}

/**
 * Pixel-space contributions of every band of one coefficient grid `d` (`[H, W, C]`, the DCT of an image
 * minus its baseline): `[bands, H, W, C]` float32, written into `out` when given. Σ over bands = IDCT(d).
 *
 * Uses the symmetry of the DCT-II basis, `C[i, N−1−p] = (−1)^i·C[i, p]`: each band's contribution is
 * accumulated on the top-left quadrant only, split by the parities of (i, j), and the other three quadrants
 * follow by sign flips — a quarter of the multiply-adds of the direct sum.
 */
export function bandContributions(
  d: ArrayLike<number>,
  layout: BandLayout,
  out?: Float32Array,
): Float32Array {
  const { h, w, c, bands, map } = layout;
  const per = h * w * c;
  const result = out ?? new Float32Array(bands * per);
  const ch = dctMatrix(h);
  const cw = dctMatrix(w);
  const hh = Math.ceil(h / 2);
  const hw = Math.ceil(w / 2);
  const quad = hh * hw;
  // acc[((k·4 + g)·hh + p)·hw + q], g = 2·(i mod 2) + (j mod 2).
  const acc = new Float64Array(bands * 4 * quad);
  const row = new Float64Array(hw);
  for (let ch0 = 0; ch0 < c; ch0++) {
    acc.fill(0);
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const v = d[(i * w + j) * c + ch0];
        if (v === 0) continue;
        const base = (map[i * w + j] * 4 + 2 * (i & 1) + (j & 1)) * quad;
        for (let q = 0; q < hw; q++) row[q] = v * cw[j * w + q];
        for (let p = 0; p < hh; p++) {
          const a = ch[i * h + p];
          const o = base + p * hw;
          for (let q = 0; q < hw; q++) acc[o + q] += a * row[q];
        }
      }
    }
    for (let k = 0; k < bands; k++) {
      const g = k * 4 * quad;
      const rk = k * per + ch0;
      for (let p = 0; p < hh; p++) {
        const pm = h - 1 - p;
        for (let q = 0; q < hw; q++) {
          const qm = w - 1 - q;
          const t = p * hw + q;
          const ee = acc[g + t],
            eo = acc[g + quad + t],
            oe = acc[g + 2 * quad + t],
            oo = acc[g + 3 * quad + t];
          result[rk + (p * w + q) * c] = ee + eo + oe + oo;
          if (pm !== p) result[rk + (pm * w + q) * c] = ee + eo - oe - oo;
          if (qm !== q) result[rk + (p * w + qm) * c] = ee - eo + oe - oo;
          if (pm !== p && qm !== q) result[rk + (pm * w + qm) * c] = ee - eo - oe + oo;
        }
      }
    }
  }
  return result;
}

/** Fills `out` (one image's `[H, W, C]` coefficient grid) with image `index`'s baseline coefficients. */
export type BaselineFill = (index: number, out: Float64Array) => void;

/**
 * Band contributions of the images of a batch, one image at a time (the last one cached, since a method
 * reads all bands of an image in a row): contributions of `DCT(x_i) − B_i`, with `B_i` from `baseline`
 * (omitted: the zero baseline).
 */
export class BandDecomposer {
  readonly layout: BandLayout;
  readonly perImage: number;
  #cachedIndex = -1;
  #cached: Float32Array;
  #coeffs: Float64Array;
  #base: Float64Array;

  constructor(readonly images: ImageArray, kind: BandKind = "diagonal", readonly baseline?: BaselineFill) {
    const [, h, w, c] = images.shape;
    this.layout = bandLayout([h, w, c], kind);
    this.perImage = h * w * c;
    this.#cached = new Float32Array(this.layout.bands * this.perImage);
    this.#coeffs = new Float64Array(this.perImage);
    this.#base = new Float64Array(this.perImage);
  }

  /** Contributions `[bands, H, W, C]` of image `index` (valid until the next call with another index). */
  contributions(index: number): Float32Array {
    if (index !== this.#cachedIndex) {
      const { h, w, c } = this.layout;
      const x = this.images.data.subarray(index * this.perImage, (index + 1) * this.perImage);
      this.#coeffs = dct2(Float64Array.from(x), [1, h, w, c]);
      if (this.baseline) {
        this.baseline(index, this.#base);
        for (let p = 0; p < this.perImage; p++) this.#coeffs[p] -= this.#base[p];
      }
      bandContributions(this.#coeffs, this.layout, this.#cached);
      this.#cachedIndex = index;
    }
    return this.#cached;
  }

  /**
   * Writes image `index` with the bands selected by `remove` replaced by the baseline into `out`:
   * `x − Σ_{k: remove(k)} P_k`, clipped to [0, 1] when `clip`.
   */
  ablate(index: number, remove: (band: number) => boolean, out: Float32Array, clip = false): void {
    const per = this.perImage;
    const parts = this.contributions(index);
    out.set(this.images.data.subarray(index * per, (index + 1) * per));
    for (let k = 0; k < this.layout.bands; k++) {
      if (!remove(k)) continue;
      const o = k * per;
      for (let p = 0; p < per; p++) out[p] -= parts[o + p];
    }
    if (clip) { for (let p = 0; p < per; p++) out[p] = Math.min(1, Math.max(0, out[p])); }
  }
}
