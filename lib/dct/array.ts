/**
 * 2-D DCT on plain typed arrays: NHWC batches, transformed per image and per channel over (H, W).
 *
 * `Y = C_H · X · C_Wᵀ` for each image and channel (C the orthonormal DCT-II matrix, see basis.ts), i.e.
 * `scipy.fft.dctn(x, axes=(1, 2), norm="ortho")`; the inverse is `X = C_Hᵀ · Y · C_W`. Computed in the
 * input's precision, as SciPy does: a Float64Array in float64 here; a Float32Array in float32 by two
 * oneDNN matrix products over the whole batch (lib/backend/native/dct.ts) when oneDNN is available, else
 * in float64 here and rounded. The result has the input's array type. Coefficient (i, j) of channel c of image n sits where pixel
 * (i, j, c) of image n sat: low frequencies top-left.
 */
import { dctMatrix, DctShapeError } from "./basis.ts";
import { nativeDct2 } from "../backend/native/dct.ts";

/** A float NHWC batch as a flat typed array (float32 or float64). */
export type FloatArray = Float32Array | Float64Array;

/** Shape `[N, H, W, C]` of an NHWC batch. */
export type Nhwc = readonly [number, number, number, number];

/** Checks `shape` is a valid NHWC shape for `length` elements, or throws a {@link DctShapeError}. */
export function checkNhwc(shape: readonly number[], length: number): Nhwc {
  if (shape.length !== 4 || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new DctShapeError(`expected an NHWC shape [N, H, W, C], got [${shape}]`);
  }
  const size = shape[0] * shape[1] * shape[2] * shape[3];
  if (size !== length) {
    throw new DctShapeError(`shape [${shape}] holds ${size} elements but data has ${length}`);
  }
  return shape as unknown as Nhwc;
}

function separable<T extends FloatArray>(x: T, shape: readonly number[], inverse: boolean, into?: T): T {
  const [n, h, w, c] = checkNhwc(shape, x.length);
  if (into !== undefined) {
    if (into.constructor !== x.constructor || into.length !== x.length) {
      throw new DctShapeError(
        `output array must be a ${x.constructor.name} of ${x.length} elements, got a ${into.constructor.name} of ${into.length}`,
      );
    }
    const overlaps = into.buffer === x.buffer && into.byteOffset < x.byteOffset + x.byteLength &&
      x.byteOffset < into.byteOffset + into.byteLength;
    if (overlaps) throw new DctShapeError("output array overlaps the input");
  }
  if (x instanceof Float32Array) {
    const fast = nativeDct2(x, [n, h, w, c], inverse, into as Float32Array | undefined);
    if (fast) return fast as T;
  }
  const ch = dctMatrix(h);
  const cw = dctMatrix(w);
  const out = into ?? new (x.constructor as { new (len: number): T })(x.length);
  const tmp = new Float64Array(h * w);
  const img = new Float64Array(h * w);
  const acc = new Float64Array(w);
  for (let b = 0; b < n; b++) {
    const base = b * h * w * c;
    for (let ch0 = 0; ch0 < c; ch0++) {
      for (let p = 0; p < h * w; p++) img[p] = x[base + p * c + ch0];
      // Along W: tmp[i, l] = Σ_j img[i, j] · M[l, j]  (M = C_W, or C_Wᵀ for the inverse).
      for (let i = 0; i < h; i++) {
        for (let l = 0; l < w; l++) {
          let s = 0;
          for (let j = 0; j < w; j++) s += img[i * w + j] * (inverse ? cw[j * w + l] : cw[l * w + j]);
          tmp[i * w + l] = s;
        }
      }
      // Along H: out[k, l] = Σ_i M[k, i] · tmp[i, l]  (M = C_H, or C_Hᵀ for the inverse).
      for (let k = 0; k < h; k++) {
        acc.fill(0);
        for (let i = 0; i < h; i++) {
          const m = inverse ? ch[i * h + k] : ch[k * h + i];
          for (let l = 0; l < w; l++) acc[l] += m * tmp[i * w + l];
        }
        for (let l = 0; l < w; l++) out[base + (k * w + l) * c + ch0] = acc[l];
      }
    }
  }
  return out;
}

/** Orthonormal 2-D DCT-II of every image and channel of an NHWC batch (see the module doc). */
export function dct2<T extends FloatArray>(x: T, shape: readonly number[]): T {
  return separable(x, shape, false);
}

/** Inverse of {@link dct2} (orthonormal 2-D DCT-III) over an NHWC batch of coefficients. */
export function idct2<T extends FloatArray>(y: T, shape: readonly number[]): T {
  return separable(y, shape, true);
}

/**
 * {@link dct2} into `out` (same array type and length as `x`, not sharing its memory), returned. For
 * transforming batch after batch: a reused output skips the allocation and first touch of fresh memory,
 * which on a VM can cost more than the transform (10,000 CIFAR images: 123 MB).
 */
export function dct2Into<T extends FloatArray>(x: T, shape: readonly number[], out: T): T {
  return separable(x, shape, false, out);
}

/** {@link idct2} into `out` (see {@link dct2Into}). */
export function idct2Into<T extends FloatArray>(y: T, shape: readonly number[], out: T): T {
  return separable(y, shape, true, out);
}
