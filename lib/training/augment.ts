/**
 * Data augmentation on NHWC float32 batches held in plain typed arrays (no tensors, so it is exact and
 * cheap): the standard CIFAR recipe of He et al. 2016 — pad `pad` pixels of zeros on every side and crop
 * back to H×W at a random offset — and a random horizontal flip with probability 1/2 (off for digits).
 */
import type { Rng } from "../stats/mod.ts";

/**
 * Copies image `src` (H×W×C, row-major) shifted as if padded by `pad` zeros and cropped at offset
 * (dy, dx) ∈ [0, 2·pad]²: `out[i, j] = src[i + dy − pad, j + dx − pad]`, zero outside the image.
 */
export function cropShift(
  src: Float32Array,
  h: number,
  w: number,
  c: number,
  pad: number,
  dy: number,
  dx: number,
  out = new Float32Array(h * w * c),
): Float32Array {
  const oy = dy - pad;
  const ox = dx - pad;
  for (let i = 0; i < h; i++) {
    const si = i + oy;
    const rowOut = i * w * c;
    if (si < 0 || si >= h) {
      out.fill(0, rowOut, rowOut + w * c);
      continue;
    }
    for (let j = 0; j < w; j++) {
      const sj = j + ox;
      const o = rowOut + j * c;
      if (sj < 0 || sj >= w) {
        for (let k = 0; k < c; k++) out[o + k] = 0;
      } else {
        const s = (si * w + sj) * c;
        for (let k = 0; k < c; k++) out[o + k] = src[s + k];
      }
    }
  }
  return out;
}

/** Mirrors image `src` (H×W×C) left–right: `out[i, j] = src[i, W − 1 − j]`. An involution. */
export function flipHorizontal(
  src: Float32Array,
  h: number,
  w: number,
  c: number,
  out = new Float32Array(h * w * c),
): Float32Array {
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      const o = (i * w + j) * c;
      const s = (i * w + (w - 1 - j)) * c;
      for (let k = 0; k < c; k++) out[o + k] = src[s + k];
    }
  }
  return out;
}

/** Augmentation settings: crop padding in pixels (0 = no crop) and whether to flip. */
export interface AugmentOptions {
  pad: number;
  flip: boolean;
}

/**
 * Augments a batch `[N, H, W, C]` in place: per image a random crop offset in [0, 2·pad]² and (when `flip`)
 * a flip with probability 1/2, all drawn from `rng` in image order.
 */
export function augmentBatch(
  images: Float32Array,
  shape: readonly [number, number, number, number],
  options: AugmentOptions,
  rng: Rng,
): Float32Array {
  const [n, h, w, c] = shape;
  const size = h * w * c;
  const tmp = new Float32Array(size);
  for (let b = 0; b < n; b++) {
    const img = images.subarray(b * size, (b + 1) * size);
    if (options.pad > 0) {
      const dy = rng.int(2 * options.pad + 1);
      const dx = rng.int(2 * options.pad + 1);
      cropShift(img, h, w, c, options.pad, dy, dx, tmp);
      img.set(tmp);
    }
    if (options.flip && rng.uniform() < 0.5) {
      flipHorizontal(img, h, w, c, tmp);
      img.set(tmp);
    }
  }
  return images;
}
