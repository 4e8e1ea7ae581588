/**
 * Band projectors: keep only some DCT bands of images (DCT → mask → inverse DCT), on arrays and as a
 * differentiable tfjs op. `lowBandProject(x, K)` keeps the K lowest diagonal bands (i + j < K), the
 * low-pass projection used to ask how much of a model's behaviour lives in low frequencies.
 */
import * as tf from "@tensorflow/tfjs-core";
import { checkNhwc, dct2, type FloatArray, idct2 } from "./array.ts";
import { type BandKind, lowBandMask, maskTensor } from "./bands.ts";
import { dct2d, idct2d } from "./tensor.ts";

function applyMask<T extends FloatArray>(coeffs: T, shape: readonly number[], mask: Float32Array): T {
  const [n, h, w, c] = checkNhwc(shape, coeffs.length);
  if (mask.length !== h * w) {
    throw new RangeError(`mask has ${mask.length} entries, grid ${h}×${w} needs ${h * w}`);
  }
  for (let img = 0; img < n; img++) {
    for (let p = 0; p < h * w; p++) {
      if (mask[p] !== 1) { for (let ch = 0; ch < c; ch++) coeffs[(img * h * w + p) * c + ch] *= mask[p]; }
    }
  }
  return coeffs;
}

/** Images with their DCT multiplied by a `[H·W]` mask (shared across channels), NHWC in, NHWC out. */
export function projectBands<T extends FloatArray>(x: T, shape: readonly number[], mask: Float32Array): T {
  return idct2(applyMask(dct2(x, shape), shape, mask), shape);
}

/** Images projected onto their K lowest bands (`kind` default diagonal), on arrays. */
export function lowBandProject<T extends FloatArray>(
  x: T,
  shape: readonly number[],
  k: number,
  kind: BandKind = "diagonal",
): T {
  return projectBands(x, shape, lowBandMask(shape[1], shape[2], k, kind));
}

/** `idct2d(dct2d(x) · mask)` for a `[H·W]` mask; differentiable. */
export function projectBandsTensor(x: tf.Tensor4D, mask: Float32Array): tf.Tensor4D {
  const [, h, w] = x.shape;
  return tf.tidy(() => idct2d(tf.mul(dct2d(x), maskTensor(mask, h, w))));
}

/** Images projected onto their K lowest bands as a tfjs op; differentiable. */
export function lowBandProjectTensor(x: tf.Tensor4D, k: number, kind: BandKind = "diagonal"): tf.Tensor4D {
  return projectBandsTensor(x, lowBandMask(x.shape[1], x.shape[2], k, kind));
}
