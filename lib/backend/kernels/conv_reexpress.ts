/**
 * The two backward convolutions re-expressed through tfjs-backend-wasm's fast forward conv2d (XNNPACK),
 * used when no native library is available (`../native/`). NHWC data, HWIO filters, dilation 1 (tfjs
 * never differentiates dilated convolutions).
 *
 * - filter gradient: `dW[i,j,ci,co] = Σ_{n,oh,ow} x[n, oh·sh+i−pt, ow·sw+j−pl, ci] · dy[n,oh,ow,co]` is a
 *   forward conv of `x` transposed to `[Ci,H,W,N]` with `dy` transposed to the filter `[OH,OW,N,Co]`,
 *   stride 1 and dilation `s`;
 * - input gradient: a stride-1 forward conv of `dy` with zeros inserted between its pixels (stride − 1 per
 *   gap) and the filter flipped in space with its in/out channels swapped.
 */
import type * as tf from "@tensorflow/tfjs-core";
import {
  callWasm,
  conv2dExplicit,
  release,
  reshape,
  slice,
  transpose,
  type WasmBackendLike,
} from "./wasm_call.ts";

/** Geometry of one 2-D convolution, as tfjs' `computeConv2DInfo` gives it. */
export interface ConvGeometry {
  batchSize: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padInfo: { top: number; left: number; bottom: number; right: number };
}

/** Crops `x` (NHWC) where a wanted padding is negative, so what remains is a non-negative padding. */
function cropForPadding(
  backend: WasmBackendLike,
  x: tf.TensorInfo,
  pad: [[number, number], [number, number]],
): { x: tf.TensorInfo; pad: [[number, number], [number, number]]; owned: boolean } {
  const [[t, b], [l, r]] = pad;
  if (t >= 0 && b >= 0 && l >= 0 && r >= 0) return { x, pad, owned: false };
  const [n, h, w, c] = x.shape;
  const top = Math.max(0, -t), left = Math.max(0, -l);
  const rows = h - top - Math.max(0, -b), cols = w - left - Math.max(0, -r);
  const cropped = slice(backend, x, [0, top, left, 0], [n, rows, cols, c]);
  return {
    x: cropped,
    pad: [[Math.max(0, t), Math.max(0, b)], [Math.max(0, l), Math.max(0, r)]],
    owned: true,
  };
}

/** Filter gradient `[kh,kw,Ci,Co]` of a conv2d from its input `x` and output gradient `dy`. */
export function conv2dBackpropFilterViaForward(
  backend: WasmBackendLike,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  g: ConvGeometry,
): tf.TensorInfo {
  const { top: pt, left: pl } = g.padInfo;
  const padB = g.filterHeight - g.inHeight - pt + (g.outHeight - 1) * g.strideHeight;
  const padR = g.filterWidth - g.inWidth - pl + (g.outWidth - 1) * g.strideWidth;
  const crop = cropForPadding(backend, x, [[pt, padB], [pl, padR]]);
  const xt = transpose(backend, crop.x, [3, 1, 2, 0]); // [Ci, H, W, N]
  if (crop.owned) release(backend, crop.x);
  const dyt = transpose(backend, dy, [1, 2, 0, 3]); // [OH, OW, N, Co]
  const out = conv2dExplicit(backend, xt, dyt, [1, 1], [g.strideHeight, g.strideWidth], crop.pad);
  release(backend, xt, dyt);
  const dw = transpose(backend, out, [1, 2, 0, 3]); // [kh, kw, Ci, Co]
  release(backend, out);
  return dw;
}

/** Input gradient `[N,H,W,Ci]` of a conv2d from its output gradient `dy` and `filter` `[kh,kw,Ci,Co]`. */
export function conv2dBackpropInputViaForward(
  backend: WasmBackendLike,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  g: ConvGeometry,
): tf.TensorInfo {
  const { strideHeight: sh, strideWidth: sw } = g;
  const [n, oh, ow, co] = dy.shape;
  let spread = dy;
  if (sh > 1 || sw > 1) {
    const six = reshape(backend, dy, [n, oh, 1, ow, 1, co]);
    const padded = callWasm(backend, "PadV2", { x: six }, {
      paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]],
      constantValue: 0,
    });
    release(backend, six);
    spread = reshape(backend, padded, [n, oh * sh, ow * sw, co]);
    release(backend, padded);
  }
  const flipped = callWasm(backend, "Reverse", { x: filter }, { dims: [0, 1] });
  const swapped = transpose(backend, flipped, [0, 1, 3, 2]); // [kh, kw, Co, Ci]
  release(backend, flipped);
  const top = g.filterHeight - 1 - g.padInfo.top;
  const left = g.filterWidth - 1 - g.padInfo.left;
  const bottom = g.inHeight - spread.shape[1] - top + g.filterHeight - 1;
  const right = g.inWidth - spread.shape[2] - left + g.filterWidth - 1;
  const crop = cropForPadding(backend, spread, [[top, bottom], [left, right]]);
  const dx = conv2dExplicit(backend, crop.x, swapped, [1, 1], [1, 1], crop.pad);
  if (crop.owned) release(backend, crop.x);
  if (spread !== dy) release(backend, spread);
  release(backend, swapped);
  return dx;
}
