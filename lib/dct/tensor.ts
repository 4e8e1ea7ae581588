/**
 * 2-D DCT as tfjs ops over NHWC batches: differentiable (attacks take gradients through it) and fast on
 * every backend, because it is two plain matrix products with the DCT basis, `Y = C_H · X · C_Wᵀ` per image
 * and channel; the inverse is `X = C_Hᵀ · Y · C_W`. Both are linear and orthonormal, so the gradient of
 * `dct2d` is `idct2d` of the upstream gradient and vice versa; that is registered with `tf.customGrad`, so
 * the ops differentiate even where tfjs's gradient registry is not loaded (it is loaded by importing
 * `@tensorflow/tfjs-layers`, which the rest of a loss usually needs). Where the active backend has a
 * {@link DCT2D_KERNEL} kernel (wasm with oneDNN: lib/backend/kernels/dct2d.ts), both transforms run as
 * that one kernel instead of the tfjs matmuls and transposes.
 */
import * as tf from "@tensorflow/tfjs-core";
import { dctMatrix32, DctShapeError } from "./basis.ts";

/** `M` (row-major n×n) transposed; cached per size for the forward transform's right factors. */
const transposed = new Map<number, Float32Array>();
function dctMatrixT32(n: number): Float32Array {
  let t = transposed.get(n);
  if (!t) {
    const c = dctMatrix32(n);
    t = new Float32Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t[j * n + i] = c[i * n + j];
    transposed.set(n, t);
  }
  return t;
}

/** Name of the optional backend kernel computing both transforms (input `x`, attr `inverse`). */
export const DCT2D_KERNEL = "FreqlensDct2d";

function apply(x: tf.Tensor4D, inverse: boolean): tf.Tensor4D {
  if (x.rank !== 4) throw new DctShapeError(`expected an NHWC tensor of rank 4, got shape [${x.shape}]`);
  if (x.dtype === "float32" && tf.getKernel(DCT2D_KERNEL, tf.getBackend())) {
    return tf.engine().runKernel(DCT2D_KERNEL, { x }, { inverse }) as tf.Tensor4D;
  }
  const [n, h, w, c] = x.shape;
  return tf.tidy(() => {
    // Right factors, passed already transposed (matMul with transposeB is a slow path on some backends):
    // forward Z = X · C_Wᵀ then Y'= Zᵀ · C_Hᵀ; inverse Z = X · C_W then Y' = Zᵀ · C_H.
    const rw = tf.tensor2d(inverse ? dctMatrix32(w) : dctMatrixT32(w), [w, w]);
    const rh = tf.tensor2d(inverse ? dctMatrix32(h) : dctMatrixT32(h), [h, h]);
    const xf = x.dtype === "float32" ? x : tf.cast(x, "float32");
    // [N, C, H, W] → rows of length W, multiplied along W.
    const rows = tf.reshape(tf.transpose(xf, [0, 3, 1, 2]), [n * c * h, w]);
    const z = tf.matMul(rows, rw);
    // [N·C, H, W] → [N·C, W, H]: Y'[l, k] = Σ_i Z[i, l] · R_H[i, k].
    const cols = tf.reshape(tf.transpose(tf.reshape(z, [n * c, h, w]), [0, 2, 1]), [n * c * w, h]);
    const y = tf.matMul(cols, rh);
    // [N, C, W, H] → [N, H, W, C].
    return tf.transpose(tf.reshape(y, [n, c, w, h]), [0, 3, 2, 1]);
  });
}

const forward = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
  value: apply(args[0] as tf.Tensor4D, false),
  gradFunc: (dy: tf.Tensor) => apply(dy as tf.Tensor4D, true),
}));

const inverse = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
  value: apply(args[0] as tf.Tensor4D, true),
  gradFunc: (dy: tf.Tensor) => apply(dy as tf.Tensor4D, false),
}));

/** Orthonormal 2-D DCT-II of an NHWC float32 batch, per image and channel; differentiable. */
export function dct2d(x: tf.Tensor4D): tf.Tensor4D {
  if (x.rank !== 4) throw new DctShapeError(`expected an NHWC tensor of rank 4, got shape [${x.shape}]`);
  return forward(x) as tf.Tensor4D;
}

/** Inverse of {@link dct2d} (orthonormal 2-D DCT-III) of an NHWC batch of coefficients; differentiable. */
export function idct2d(y: tf.Tensor4D): tf.Tensor4D {
  if (y.rank !== 4) throw new DctShapeError(`expected an NHWC tensor of rank 4, got shape [${y.shape}]`);
  return inverse(y) as tf.Tensor4D;
}
